/**
 * `deno task theory [theorem1|theorem2|figure5|theorem3 …]`: runs the theory checks (lib/theory/run.ts)
 * and writes one JSON record per check to results/theory/ (results/theory/quick/ with UNLEARN_QUICK=1),
 * for the notebooks' readings to quote.
 */
import { ROOT } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { makeFolder, writeFileAtomic } from "../lib/record.ts";
import { runFigure5, runTheorem1, runTheorem2, runTheorem3, theorySetup } from "../lib/theory/run.ts";
import { runCommand } from "./flags.ts";

const ALL = ["theorem1", "theorem2", "figure5", "theorem3"];

export async function theoryMain(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`deno task theory [${ALL.join("|")} …]   (default: all; UNLEARN_QUICK=1 for the small scale)`);
    return 0;
  }
  const wanted = args.length ? args : ALL;
  for (const w of wanted) if (!ALL.includes(w)) throw new KitError(`unknown check "${w}": valid values are ${ALL.join(", ")}`);

  const setup = await theorySetup();
  const dir = `${ROOT}${setup.scale.quick ? "results/theory/quick" : "results/theory"}`;
  await makeFolder(dir);
  const runs: Record<string, () => { verdict: string }> = {
    theorem1: () => runTheorem1(setup, (d, t) => Deno.stderr.writeSync(new TextEncoder().encode(`\rtheorem1 ${d}/${t}`))),
    theorem2: () => runTheorem2(setup),
    figure5: () => runFigure5(setup),
    theorem3: () => runTheorem3(setup),
  };
  for (const name of wanted) {
    const t0 = performance.now();
    const record = runs[name]();
    const seconds = (performance.now() - t0) / 1000;
    await writeFileAtomic(`${dir}/${name}.json`, JSON.stringify({ ...record, seconds }, null, 1) + "\n");
    console.log(`\n${name}: ${record.verdict} (${seconds.toFixed(1)} s) → ${dir}/${name}.json`);
  }
  return 0;
}

if (import.meta.main) await runCommand("theory", theoryMain);
