/** Kept end states: a run asked for another metric is measured on its kept model, not trained again. */
import assert from "node:assert/strict";
import { configOfFlags, TINY_FLAGS, tinyConfig } from "./_tiny.ts";
import { END_STATE_FOLDER } from "../../lib/experiment/end_state.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { METRICS } from "../../lib/metrics/registry.ts";
import type { RunRecord } from "../../lib/record.ts";
import { methodSpec, registerMethod } from "../../lib/unlearn/registry.ts";

/** Each core method under a test name that counts how often it runs (trains). */
const trained = new Map<string, number>();
const METHODS = ["retrain", "ft", "ga", "ugradsl"].map((name) => {
  const spec = methodSpec(name);
  const counted = `test-kept-${name}`;
  registerMethod({
    ...spec,
    name: counted,
    runWith: (ctx, options) => {
      trained.set(counted, (trained.get(counted) ?? 0) + 1);
      return spec.runWith(ctx, options);
    },
  });
  return counted;
});
const trainings = () => [...trained.values()].reduce((a, b) => a + b, 0);

/** How often MIA is measured: a record that holds it is not asked for it again. */
let miaMeasured = 0;
const mia = METRICS.MIA;
METRICS.MIA = { ...mia, compute: (ctx) => (miaMeasured++, mia.compute(ctx)) };

const FIRST_METRICS = ["UA", "RA", "TA", "VA", "MIA", "AvgGap", "Sum"];
const MORE_METRICS = [...FIRST_METRICS, "AdditionalMIA", "LiRA", "Streisand"];
const run = (out: string, cache: string, metrics: string[], keepEndStates = true) =>
  runExperiment(tinyConfig(out, cache, { paradigms: ["classwise", "random"], methods: METHODS, metrics, keepEndStates }));

/** A record's details without the timings inside them (LiRA's referenceSeconds). */
const untimed = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(untimed)
    : v !== null && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).filter(([k]) => !k.endsWith("Seconds")).map(([k, x]) => [k, untimed(x)]))
    : v;

/** What a fresh run of the same configuration must give bit for bit (its timings and dates aside). */
const measured = (r: RunRecord) => [
  r.runId,
  r.configHash,
  r.status,
  r.metricNames,
  r.metrics,
  r.weightsSha256,
  r.history,
  r.stop,
  r.notes,
  untimed(r.details),
];

async function endStateDirs(cache: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(`${cache}/${END_STATE_FOLDER}`))).map((e) => `${cache}/${END_STATE_FOLDER}/${e.name}`);
  } catch {
    return [];
  }
}

Deno.test("a run asked for another metric is measured on its kept end state; the record equals a fresh run's", async () => {
  const out = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  const first = await run(`${out}/kept`, cache, FIRST_METRICS);
  assert.equal(first.length, 8);
  assert.equal((await endStateDirs(cache)).length, 8, "one end state a run");
  const before = trainings();
  const miaBefore = miaMeasured;
  const again = await run(`${out}/kept`, cache, MORE_METRICS);
  assert.equal(trainings(), before, "no run trained again");
  assert.equal(miaMeasured, miaBefore, "the metrics the records hold are not measured again");
  const fresh = await run(`${out}/fresh`, await Deno.makeTempDir(), MORE_METRICS, false);
  assert.equal(trainings(), before + 8);
  assert.deepEqual(again.map(measured), fresh.map(measured));
  for (const r of again) assert.ok(Number.isFinite(r.metrics.Streisand_TV_pred), `${r.runId}: Streisand measured`);
  // The RTE is the one measured when the run was made; the other metrics are the first records' bits.
  assert.deepEqual(again.map((r) => r.rteSeconds), first.map((r) => r.rteSeconds));
  for (const [i, r] of again.entries()) {
    for (const m of FIRST_METRICS) assert.equal(r.metrics[m], first[i].metrics[m], `${r.runId} ${m}`);
  }
});

Deno.test("a cut or corrupt end state is refused, removed and the run trained again, giving the same record", async () => {
  const out = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  const first = await run(`${out}/a`, cache, FIRST_METRICS);
  const [cut, changed] = await endStateDirs(cache);
  const weights = await Deno.readFile(`${cut}/weights.bin`);
  await Deno.writeFile(`${cut}/weights.bin`, weights.subarray(0, weights.length >> 1));
  const outcome = JSON.parse(await Deno.readTextFile(`${changed}/outcome.json`));
  await Deno.writeTextFile(`${changed}/outcome.json`, JSON.stringify({ ...outcome, history: [] }));
  const before = trainings();
  const again = await run(`${out}/b`, cache, FIRST_METRICS);
  assert.equal(trainings(), before + 2, "the two refused end states are trained again, the others read");
  assert.deepEqual(again.map(measured), first.map(measured));
  assert.equal((await endStateDirs(cache)).length, 8, "the refused entries are made again");
});

Deno.test("end states are kept only when asked (--keep-end-states, keepEndStates)", async () => {
  const out = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  await run(`${out}/none`, cache, ["UA"], false);
  assert.deepEqual(await endStateDirs(cache), []);
  assert.equal(configOfFlags([...TINY_FLAGS, "--keep-end-states"]).keepEndStates, true);
  assert.equal(configOfFlags([...TINY_FLAGS]).keepEndStates, false);
});

Deno.test("runs with per-epoch snapshots keep no end state", async () => {
  const out = await Deno.makeTempDir();
  const cache = await Deno.makeTempDir();
  const cfg = tinyConfig(`${out}/epochs`, cache, {
    paradigms: ["classwise"],
    runs: [{ method: "ft", perEpoch: true }],
    metrics: ["UA"],
    keepEndStates: true,
  });
  const records = await runExperiment(cfg);
  assert.ok(records.length > 1, "per-epoch records");
  assert.deepEqual(await endStateDirs(cache), []);
});
