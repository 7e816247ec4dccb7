/**
 * The researcher's loop, timed: change UGradSL's smooth rate and re-execute notebook 04 (class-wise) through
 * `./kit run` (cli/run.ts) with 3 seeds, the originals and every other run already cached, until the
 * executed notebook, its HTML and its figure files are written. Target ≤ 30 s (the speed issue); measured
 * here, never asserted in a test.
 *
 *   deno task bench:knob [--full] [--seeds 3] [--warm -0.5] [--rates -0.37,-0.73] [--out results/bench/knob_latency.json]
 *
 * 1. warm-up: one run at `--warm` fills the caches (originals, Retrain, the other methods' runs).
 * 2. for each rate of `--rates`: its scratch folder is removed first (a run of those parameters is never read
 *    back), then the run is timed; its timings.json says where the time went (kernel start-up, each cell, the
 *    HTML and figure exports) and its records how many UGradSL runs it computed.
 * Quick mode by default (2,000 training images, 5 epochs): `--full` for the notebook's full sizes, whose
 * warm-up trains everything the notebook runs at full size (many minutes).
 */
import { parseArgs } from "node:util";
import { ROOT } from "../lib/env.ts";
import { scratchDir } from "../lib/notebook.ts";
import { kitVersion, readRecords, writeFileAtomic } from "../lib/record.ts";
import { parseSets } from "../cli/run.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    full: { type: "boolean", default: false },
    seeds: { type: "string", default: "3" },
    warm: { type: "string", default: "-0.5" },
    rates: { type: "string", default: "-0.37,-0.73" },
    out: { type: "string", default: "results/bench/knob_latency.json" },
  },
});
const quick = !args.full;
const seeds = Number(args.seeds);
const rates = args.rates!.split(",").map(Number);
if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds ${args.seeds}: expected a whole number ≥ 1`);
if (rates.some((r) => !Number.isFinite(r)) || !Number.isFinite(Number(args.warm))) throw new Error("--rates and --warm: numbers");

const load = () => Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);

const setsOf = (rate: number) => [`seeds=${seeds}`, `ugradsl.smoothRate=${rate}`];
/** The scratch folder `./kit run` writes for these parameters (its own rule). */
const dirOf = (rate: number) => scratchDir("04_classwise", quick, parseSets(setsOf(rate)));

/** One `./kit run` of notebook 04 at this smooth rate; its wall seconds. */
async function run(rate: number): Promise<number> {
  const sets = setsOf(rate).flatMap((s) => ["--set", s]);
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli/run.ts`, `${ROOT}notebooks/04_classwise.ipynb`, ...(quick ? ["--quick"] : []), ...sets],
    stdout: "piped",
    stderr: "inherit",
  });
  const t0 = performance.now();
  const out = await cmd.output();
  const seconds = Math.round(performance.now() - t0) / 1000;
  if (!out.success) throw new Error(`./kit run failed at smoothRate ${rate}`);
  return seconds;
}

console.error(`[knob] warm-up at smoothRate ${args.warm} (${quick ? "quick" : "full"} mode, ${seeds} seeds)`);
const warm = await run(Number(args.warm));
const measured = [];
for (const rate of rates) {
  const dir = dirOf(rate);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const loadBefore = load();
  const startedAt = new Date().toISOString();
  const seconds = await run(rate);
  const timings = JSON.parse(await Deno.readTextFile(`${dir}/timings.json`));
  const records = await readRecords([`${dir}/records/classwise`]); // runChapter(nb, "classwise", …)
  const computed = records.filter((r) => r.startedAt >= startedAt);
  measured.push({
    smoothRate: rate,
    seconds,
    loadBefore,
    loadAfter: load(),
    runsComputed: computed.length,
    runsComputedByMethod: Object.fromEntries(
      [...new Set(computed.map((r) => r.method))].map((m) => [m, computed.filter((r) => r.method === m).length]),
    ),
    records: records.length,
    phases: timings.phases,
    startupSeconds: timings.startupSeconds,
    cells: timings.cells,
  });
  console.error(`[knob] smoothRate ${rate}: ${seconds} s (${computed.length} runs computed, load ${loadBefore})`);
}

const report = {
  schema: "unlearn-kit/knob-latency@1",
  what: "notebook 04 re-executed through ./kit run after changing ugradsl.smoothRate; originals and other runs cached",
  mode: quick ? "quick" : "full",
  seeds,
  targetSeconds: 30,
  warmUp: { smoothRate: Number(args.warm), seconds: warm },
  measured,
  bestSeconds: Math.min(...measured.map((m) => m.seconds)),
  cores: navigator.hardwareConcurrency,
  commit: kitVersion().gitCommit,
  date: new Date().toISOString(),
};
await writeFileAtomic(args.out!.startsWith("/") ? args.out! : `${ROOT}${args.out}`, JSON.stringify(report, null, 2) + "\n");
console.log(
  `knob latency (${report.mode}, ${seeds} seeds): ${measured.map((m) => `${m.seconds} s`).join(", ")}; target ≤ 30 s → ${args.out}`,
);
