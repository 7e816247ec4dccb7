/**
 * Runs every theory check (lib/theory/run.ts) and writes one JSON record per check to results/theory/
 * (results/theory/quick/ with UNLEARN_QUICK=1), for the notebooks' closing notes to quote.
 *   deno run -A scripts/theory.ts [theorem1|theorem2|figure5|theorem3 …]
 */
import { runFigure5, runTheorem1, runTheorem2, runTheorem3, theorySetup } from "../lib/theory/run.ts";

const all = ["theorem1", "theorem2", "figure5", "theorem3"];
const wanted = Deno.args.length ? Deno.args : all;
for (const w of wanted) {
  if (!all.includes(w)) throw new Error(`unknown check "${w}"; expected some of ${all.join(", ")}`);
}

const setup = await theorySetup();
const dir = setup.scale.quick ? "results/theory/quick" : "results/theory";
await Deno.mkdir(dir, { recursive: true });
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
  await Deno.writeTextFile(`${dir}/${name}.json`, JSON.stringify({ ...record, seconds }, null, 1) + "\n");
  console.log(`\n${name}: ${record.verdict} (${seconds.toFixed(1)} s) → ${dir}/${name}.json`);
}
