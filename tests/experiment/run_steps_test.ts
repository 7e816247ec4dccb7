/**
 * The steps of runExperiment, each alone: request order, resolving, what counts as finished, the reference
 * record, twins and their copies. One tiny experiment gives the records they are tried on.
 */
import assert from "node:assert/strict";
import { makeTask } from "../../lib/experiment/task.ts";
import { copiesOf, openExperiment, referenceFirst, referenceFor, resolveRuns, runExperiment, twinOf } from "../../lib/experiment/run.ts";
import type { Finished } from "../../lib/experiment/resume.ts";
import { expectedKeys, isFinished, recordKey } from "../../lib/experiment/resume.ts";
import { tinyConfig } from "./_tiny.ts";

const dir = await Deno.makeTempDir();
const input = { methods: ["ft", "retrain"], metrics: ["UA", "RA"], paradigms: ["classwise" as const] };
const cfg = tinyConfig(`${dir}/out`, `${dir}/cache`, input);
const records = await runExperiment(cfg);
const [retrain, ft] = records;

Deno.test("referenceFirst puts Retrain before the methods measured against it, the rest in order", () => {
  assert.deepEqual(referenceFirst([{ method: "ft" }, { method: "ga" }, { method: "retrain" }]).map((r) => r.method), [
    "retrain",
    "ft",
    "ga",
  ]);
  assert.deepEqual(records.map((r) => r.method), ["retrain", "ft"]);
});

Deno.test("resolveRuns gives each request its configuration hash, the one in its record; openExperiment finds them finished", async () => {
  const x = await openExperiment(cfg);
  const { model } = makeTask(x.bundle, x.superClasses, cfg, "classwise", 0);
  const resolved = await resolveRuns(x, "classwise", model);
  assert.deepEqual(resolved.map((r) => r.configHash), [retrain.configHash, ft.configHash]);
  for (const run of resolved) assert.ok(isFinished(run, 0, x.finished, x.metricNames), run.spec.name);
  assert.ok(!isFinished(resolved[1], 1, x.finished, x.metricNames), "another seed is not finished");
  assert.ok(!isFinished(resolved[1], 0, x.finished, [...x.metricNames, "TA"]), "a metric not measured is not finished");
});

Deno.test("expectedKeys: the end state, and epoch 0 too with per-epoch snapshots (not for a reference run)", () => {
  const run = { configHash: ft.configHash, tags: {}, perEpoch: false };
  assert.deepEqual(expectedKeys(run, 0), [recordKey(ft)]);
  assert.deepEqual(expectedKeys({ ...run, perEpoch: true }, 0), [`${ft.configHash}|0|0`, `${ft.configHash}|0|end`]);
  assert.deepEqual(expectedKeys({ ...run, perEpoch: true, tags: { reference: true } }, 0).length, 1);
  const failed: Finished = { record: { ...ft, status: "failed", metricNames: [] }, folder: dir };
  assert.ok(isFinished(run, 0, new Map([[recordKey(ft), failed]]), ["UA", "TA"]), "a failed run is finished whatever it measured");
});

Deno.test("referenceFor finds Retrain's end state of the same split and original only", () => {
  assert.equal(referenceFor(records, ft.split.indexSha256, ft.original.key), retrain);
  assert.equal(referenceFor(records, "another split", ft.original.key), undefined);
  assert.equal(referenceFor(records, ft.split.indexSha256, "another original"), undefined);
  assert.equal(referenceFor([ft], ft.split.indexSha256, ft.original.key), undefined);
});

Deno.test("twinOf: same method, options, tags but labels and metrics; copiesOf relabels them and names the twin", () => {
  const run = { spec: { name: "ft" }, options: ft.methodOptions, tags: { labels: { selection: "C" } } };
  assert.equal(twinOf(records, run, ft.metricNames), ft);
  assert.equal(twinOf(records, { ...run, options: { ...ft.methodOptions, epochs: 99 } }, ft.metricNames), undefined);
  assert.equal(twinOf(records, run, [...ft.metricNames, "TA"]), undefined);
  const { tags: _t, runId: _r, ...base } = { ...ft, variant: "C", configHash: "0123456789abcdef" };
  const [copy] = copiesOf(records, ft, base, run.tags, 0);
  assert.equal(copy.runId, "synthetic/classwise/ft[C]/seed0");
  assert.deepEqual(copy.tags, { labels: { selection: "C" } });
  assert.equal(copy.configHash, "0123456789abcdef");
  assert.deepEqual(copy.notes, { ...ft.notes, sameRunAs: ft.runId });
  assert.deepEqual(copy.metrics, ft.metrics);
});

Deno.test("a Retrain finished under another label is copied, not trained again: same numbers as training it", async () => {
  const tagged = { runs: [{ method: "retrain", variant: "retrain", tags: { ablation: "x", reference: true } }], metrics: input.metrics };
  const { methods: _m, ...rest } = input;
  const ablation = tinyConfig(`${dir}/ablation`, `${dir}/cache`, { ...rest, ...tagged, reuse: [`${dir}/out`] });
  const [copy] = await runExperiment(ablation);
  assert.notEqual(copy.configHash, retrain.configHash, "another label, another configuration hash");
  assert.deepEqual(copy.notes, { ...retrain.notes, sameRunAs: retrain.runId });
  assert.deepEqual(copy.tags, { ablation: "x", reference: true });
  // Trained (no folder to copy from, cold cache): the same numbers, bit for bit.
  const [trained] = await runExperiment(tinyConfig(`${dir}/ablation-trained`, `${dir}/cache-cold`, { ...rest, ...tagged }));
  assert.equal(trained.notes?.sameRunAs, undefined);
  assert.equal(trained.configHash, copy.configHash);
  assert.deepEqual([trained.metrics, trained.weightsSha256, trained.history], [copy.metrics, copy.weightsSha256, copy.history]);
  // Another option is another computation: trained.
  const other = tinyConfig(`${dir}/ablation-other`, `${dir}/cache`, {
    ...rest,
    ...tagged,
    runs: [{ ...tagged.runs[0], options: { epochs: 2 } }],
    reuse: [`${dir}/out`],
  });
  const [otherRecord] = await runExperiment(other);
  assert.equal(otherRecord.notes?.sameRunAs, undefined);
});

Deno.test("a share of the tasks: task i (seeds, then paradigms) runs in share i mod n, each share's records those of the whole", async () => {
  const both = { ...input, paradigms: ["classwise" as const, "random" as const], seeds: [0, 1] };
  const whole = await runExperiment(tinyConfig(`${dir}/whole`, `${dir}/cache`, both));
  const shares = [];
  for (const index of [0, 1]) {
    shares.push(await runExperiment(tinyConfig(`${dir}/share-${index}`, `${dir}/cache`, both), {}, { index, count: 2 }));
  }
  const task = (r: { paradigm: string; seed: number }) => `${r.paradigm}/${r.seed}`;
  assert.deepEqual(shares.map((s) => [...new Set(s.map(task))]), [["classwise/0", "classwise/1"], ["random/0", "random/1"]]);
  const numbers = (r: (typeof whole)[number]) => [r.runId, r.configHash, r.metrics, r.weightsSha256];
  assert.deepEqual([...shares[0], ...shares[1]].map(numbers).sort(), whole.map(numbers).sort());
});
