/** The one run path: records, reference runs, resume, statuses, tensors. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { int } from "../../lib/config.ts";
import { KitError } from "../../lib/errors.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { GAP_KEYS, meanAbsGap, sumOf } from "../../lib/metrics/gaps.ts";
import { expandMetrics } from "../../lib/metrics/registry.ts";
import type { RunRecord } from "../../lib/record.ts";
import { readRecords, RECORD_SCHEMA } from "../../lib/record.ts";
import { buildTable, toMarkdown } from "../../lib/report/table.ts";
import { registerMethod } from "../../lib/unlearn/registry.ts";
import { defineMethod } from "../../lib/unlearn/types.ts";
import { configOfFlags, lineCount, TINY_FLAGS, tinyConfig } from "./_tiny.ts";

const out = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();

/** What a record says about the run, without timings, dates and the cache flag. */
const essence = (r: RunRecord) => JSON.stringify([r.runId, r.configHash, r.status, r.methodOptions, r.metrics, r.original.key]);

Deno.test("every core method runs on a tiny split from the flags and writes a valid record", async () => {
  const cfg = configOfFlags([
    ...TINY_FLAGS,
    "--paradigm=classwise,random",
    "--methods=retrain,ft,ga,ugradsl,ugradsl+",
    `--out=${out}/core`,
    `--cache=${cache}`,
  ]);
  const records = await runExperiment(cfg);
  assert.equal(records.length, 10);
  const back = await readRecords([`${out}/core`]);
  assert.deepEqual(back.map((r) => r.runId).sort(), records.map((r) => r.runId).sort());
  for (const r of back) {
    assert.equal(r.schema, RECORD_SCHEMA);
    assert.equal(r.status, "ok", `${r.runId}: ${r.error}`);
    for (const k of ["UA", "RA", "TA", "VA", "MIA"]) assert.ok(r.metrics[k] >= 0 && r.metrics[k] <= 100, `${r.runId} ${k}`);
    assert.deepEqual(r.metricNames, expandMetrics(cfg.metrics));
    assert.ok(r.rteSeconds > 0);
    assert.equal(r.environment.backend.name, "cpu");
    assert.ok(r.environment.backend.tfjsVersion.startsWith("4.22"));
    assert.match(r.environment.kit.gitCommit, /^([0-9a-f]{40}|unknown)$/);
    assert.ok(r.split.sizes.forget > 0 && r.split.sizes.retain > 0);
    assert.ok(r.original.trainAcc > 0);
    assert.equal(r.variant, null, "no selection: the defaults' row");
    assert.deepEqual(r.optionLayers.overrides, {});
    assert.equal(r.optionLayers.selection, null);
    assert.deepEqual(r.methodOptions, r.optionLayers.defaults);
    assert.match(r.configHash, /^[0-9a-f]{16}$/);
    assert.equal(r.runId, `synthetic/${r.paradigm}/${r.method}/seed0`);
    const split = JSON.parse(await Deno.readTextFile(`${out}/core/${r.split.indexFile}`));
    assert.equal(split.forgetIdx.length, r.split.sizes.forget);
    // Avg. Gap is measured against the Retrain run of the same task and seed, Sum is the sum: both recorded.
    const retrain = back.find((x) => x.method === "retrain" && x.paradigm === r.paradigm)!;
    assert.equal(r.metrics.AvgGap, meanAbsGap(r.metrics, retrain.metrics, GAP_KEYS), r.runId);
    assert.equal(r.metrics.Sum, sumOf(r.metrics), r.runId);
  }
  // Retrain runs first within a task (the others are measured against it); its gap to itself is 0.
  for (const p of ["classwise", "random"]) assert.equal(records.find((r) => r.paradigm === p)!.method, "retrain");
  // Class-wise Retrain never saw the forgotten class, so it cannot predict it.
  const retrain = back.find((r) => r.method === "retrain" && r.paradigm === "classwise")!;
  assert.equal(retrain.metrics.UA, 100);
  assert.equal(retrain.metrics.AvgGap, 0);
  // Records alone rebuild the table.
  const table = buildTable(back);
  assert.equal(table.rows.find((r) => r.method === "retrain" && r.block.includes("classwise"))!.cells.AvgGap.mean, 0);
  assert.match(toMarkdown(table), /\| ugradsl\+ \|/);
});

Deno.test("the original model is cached and reused by another experiment", async () => {
  const first = await runExperiment(tinyConfig(`${out}/cache-a`, cache, { methods: ["ft"], metrics: ["UA"] }));
  const again = await runExperiment(tinyConfig(`${out}/cache-b`, cache, { methods: ["ft"], metrics: ["UA"] }));
  assert.ok(again.every((r) => r.original.cached));
  assert.equal(first[0].original.key, again[0].original.key);
  assert.equal(first[0].original.trainAcc, again[0].original.trainAcc);
  assert.equal(first[0].metrics.UA, again[0].metrics.UA);
});

Deno.test("resume: the same experiment again writes nothing and returns the same records; rerun recomputes", async () => {
  const dir = `${out}/resume`;
  const input = { paradigms: ["classwise" as const], methods: ["retrain", "ft", "ga"], metrics: ["UA", "RA", "TA", "MIA", "AvgGap"] };
  const first = await runExperiment(tinyConfig(dir, cache, input));
  assert.equal(await lineCount(`${dir}/records.jsonl`), 3);
  const seen: boolean[] = [];
  const second = await runExperiment(tinyConfig(dir, cache, input), { onRecord: (_r, resumed) => seen.push(resumed) });
  assert.equal(await lineCount(`${dir}/records.jsonl`), 3, "nothing appended");
  assert.deepEqual(second, first, "the records read back are the ones written");
  assert.deepEqual(seen, [true, true, true]);
  // Asking for fewer metrics is answered by the stored records; asking for one they lack is not.
  const fewer = await runExperiment(tinyConfig(dir, cache, { ...input, metrics: ["UA"] }));
  assert.deepEqual(fewer, first);
  assert.equal(await lineCount(`${dir}/records.jsonl`), 3);
  const more = await runExperiment(tinyConfig(dir, cache, { ...input, metrics: ["UA", "VA"] }));
  assert.equal(await lineCount(`${dir}/records.jsonl`), 6);
  assert.ok(more.every((r) => "VA" in r.metrics));
  // rerun: true recomputes every run (the same numbers: the kit is deterministic) and appends; the records
  // it supersedes are then moved to records.jsonl.superseded, so reruns do not grow the file.
  const rerun = await runExperiment(tinyConfig(dir, cache, { ...input, rerun: true }));
  assert.equal(await lineCount(`${dir}/records.jsonl`), 3);
  assert.equal(await lineCount(`${dir}/records.jsonl.superseded`), 6, "nothing lost");
  assert.deepEqual(rerun.map(essence), first.map(essence));
  assert.ok(rerun.every((r, i) => r.startedAt !== first[i].startedAt));
});

Deno.test("a changed option is a new configuration (hash); the other runs are read back and still give its Avg. Gap", async () => {
  const dir = `${out}/changed`;
  const input = { paradigms: ["classwise" as const], methods: ["retrain", "ft"], metrics: ["UA", "RA", "TA", "MIA", "AvgGap"] };
  const first = await runExperiment(tinyConfig(dir, cache, input));
  const fresh: string[] = [];
  const changed = await runExperiment(
    tinyConfig(dir, cache, { ...input, methodOptions: { ft: { learningRate: 0.02 } } }),
    { onRecord: (r, resumed) => void (resumed || fresh.push(r.method)) },
  );
  assert.deepEqual(fresh, ["ft"], "only the changed run is computed");
  const [ft0, ft1] = [first, changed].map((rs) => rs.find((r) => r.method === "ft")!);
  assert.notEqual(ft1.configHash, ft0.configHash);
  assert.equal(ft1.methodOptions.learningRate, 0.02);
  assert.deepEqual(ft1.optionLayers.overrides, { learningRate: 0.02 });
  assert.notEqual(ft1.optionLayers.defaults.learningRate, 0.02);
  // Retrain was read back, not rerun, and is still the reference of the new run.
  const retrain = changed.find((r) => r.method === "retrain")!;
  assert.equal(retrain.startedAt, first.find((r) => r.method === "retrain")!.startedAt);
  assert.ok(Number.isFinite(ft1.metrics.AvgGap));
  assert.equal(ft1.metrics.AvgGap, meanAbsGap(ft1.metrics, retrain.metrics, GAP_KEYS));
  // The table keeps the two configurations apart.
  const table = buildTable(await readRecords([dir]));
  assert.equal(table.rows.filter((r) => r.method === "ft").length, 2);
  // Without a Retrain run, a gap to nothing is left empty (NaN), not made up.
  const alone = await runExperiment(tinyConfig(`${out}/no-reference`, cache, { ...input, methods: ["ft"] }));
  assert.equal(alone[0].metrics.AvgGap, null, "NaN, stored as JSON null");
});

Deno.test("finished runs of another folder are reused: copied in with their split file, not recomputed", async () => {
  const input = { paradigms: ["classwise" as const], methods: ["retrain", "ft"], metrics: ["UA"] };
  const first = await runExperiment(tinyConfig(`${out}/reuse-a`, cache, input));
  let fresh = 0;
  const second = await runExperiment(
    tinyConfig(`${out}/reuse-b`, cache, { ...input, reuse: [`${out}/reuse-a`] }),
    { onRecord: (_r, resumed) => void (resumed || fresh++) },
  );
  assert.equal(fresh, 0);
  assert.deepEqual(second, first);
  assert.equal(await lineCount(`${out}/reuse-b/records.jsonl`), 2, "the folder is whole on its own");
  for (const r of second) await Deno.stat(`${out}/reuse-b/${r.split.indexFile}`);
  // Reusing again adds nothing.
  await runExperiment(tinyConfig(`${out}/reuse-b`, cache, { ...input, reuse: [`${out}/reuse-a`] }));
  assert.equal(await lineCount(`${out}/reuse-b/records.jsonl`), 2);
});

Deno.test("a diverging method is recorded as diverged and the others still run", async () => {
  const records = await runExperiment(tinyConfig(`${out}/diverge`, cache, {
    paradigms: ["classwise"],
    methods: ["ga", "ft"],
    metrics: ["UA"],
    methodOptions: { ga: { learningRate: 10, stopRule: "none", epochs: 50, divergeLoss: 50 } },
  }));
  assert.equal(records[0].status, "diverged");
  assert.match(records[0].error!, /loss|NaN|Infinity/);
  assert.deepEqual(records[0].metrics, {});
  assert.equal(records[1].status, "ok");
});

Deno.test("a user error inside one run is recorded as failed; any other error is a bug and stops the run", async () => {
  const base = {
    title: "test",
    source: "tests/experiment/run_test.ts",
    family: "baseline" as const,
    options: { epochs: int(1, "unused", { min: 0, source: "test" }) },
    searchSpace: {},
    display: { order: 99, color: "#000000" },
  };
  registerMethod(defineMethod({
    ...base,
    name: "test-user-error",
    run: () => {
      throw new KitError("does not apply to this data set", "test-user-error");
    },
  }));
  registerMethod(defineMethod({
    ...base,
    name: "test-bug",
    run: () => {
      throw new TypeError("x is undefined");
    },
  }));
  const records = await runExperiment(
    tinyConfig(`${out}/statuses`, cache, { paradigms: ["classwise"], methods: ["test-user-error", "ft"], metrics: ["UA"] }),
  );
  assert.deepEqual(records.map((r) => [r.method, r.status]), [["test-user-error", "failed"], ["ft", "ok"]]);
  assert.match(records[0].error!, /test-user-error: does not apply/);
  await assert.rejects(
    runExperiment(tinyConfig(`${out}/bug`, cache, { paradigms: ["classwise"], methods: ["test-bug", "ft"], metrics: ["UA"] })),
    TypeError,
  );
  assert.equal(await lineCount(`${out}/bug/records.jsonl`), 0, "a bug is never recorded as a run's status");
});

Deno.test("methods leave no live tensors behind", async () => {
  const cfg = tinyConfig(`${out}/leak`, cache, { paradigms: ["random"], methods: ["retrain", "ugradsl", "ugradsl+", "ft"], rerun: true });
  await runExperiment(cfg); // warm-up: caches, kernels
  const before = tf.memory().numTensors;
  await runExperiment(cfg);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("a bad method option is refused before anything runs, naming the option", async () => {
  assert.throws(
    () => tinyConfig(`${out}/bad-opt`, cache, { methodOptions: { ugradsl: { mixWeight: 2 } }, methods: ["ugradsl"] }),
    /methodOptions \(--set\) ugradsl\.mixWeight: 2 is above the maximum 1/,
  );
  await assert.rejects(Deno.stat(`${out}/bad-opt`), Deno.errors.NotFound);
});
