/** The original-model cache (verified, atomic, shared between processes), the numerics fingerprint, the sealed test split. */
import assert from "node:assert/strict";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { SealedTestError, sealTest } from "../../lib/experiment/task.ts";
import { numericsFingerprint } from "../../lib/experiment/fingerprint.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import type { RunRecord } from "../../lib/record.ts";
import { readRecords } from "../../lib/record.ts";
import { TINY_BUNDLE } from "../unlearn/_tiny.ts";
import { copyKit, deno } from "../_kit_copy.ts";
import { TINY_FLAGS, tinyConfig } from "./_tiny.ts";
import { capturingErrors } from "../_console.ts";

const dir = await Deno.makeTempDir();

function entries(cache: string): string[] {
  return [...Deno.readDirSync(`${cache}/originals`)].map((e) => e.name).sort();
}

Deno.test("three processes of cli/unlearn.ts sharing one cache finish without error and agree", async () => {
  const cache = `${dir}/shared-cache`;
  const runs = await Promise.all([0, 1, 2].map((k) =>
    deno([
      "run",
      "-A",
      "cli/unlearn.ts",
      ...TINY_FLAGS,
      "--epochs=10",
      "--methods=ft",
      "--metrics=UA,RA,TA",
      `--cache=${cache}`,
      `--out=${dir}/concurrent-${k}`,
    ])
  ));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const records: RunRecord[] = [];
  for (const k of [0, 1, 2]) records.push(...await readRecords([`${dir}/concurrent-${k}`]));
  assert.equal(records.length, 3);
  const same = (f: (r: RunRecord) => unknown) => assert.equal(new Set(records.map((r) => JSON.stringify(f(r)))).size, 1);
  same((r) => r.original.key);
  same((r) => [r.original.trainAcc, r.original.testAcc]);
  same((r) => r.metrics);
  same((r) => r.configHash);
  // One entry, complete, and no temporary folder left behind by the writers that lost the race.
  assert.deepEqual(entries(cache), [records[0].original.key]);
  const files = [...Deno.readDirSync(`${cache}/originals/${records[0].original.key}`)].map((e) => e.name).sort();
  assert.deepEqual(files, ["model.json", "net.json", "original.json", "weights.bin"]);
  // The fingerprint of the numerics is the same in another process.
  const printed = await deno([
    "eval",
    `import { numericsFingerprint } from "./lib/experiment/fingerprint.ts"; console.log(await numericsFingerprint());`,
  ]);
  assert.equal(printed.stdout.trim(), await numericsFingerprint());
});

Deno.test("a corrupted or tampered cache entry is logged, removed and trained again, never trusted", async () => {
  const cache = `${dir}/cache`;
  const input = { methods: ["ft"], metrics: ["UA", "RA"], paradigms: ["classwise" as const] };
  const [first] = await runExperiment(tinyConfig(`${dir}/c1`, cache, input));
  assert.equal(first.original.cached, false);
  const entry = `${cache}/originals/${first.original.key}`;
  const [cached] = await runExperiment(tinyConfig(`${dir}/c2`, cache, input));
  assert.equal(cached.original.cached, true);

  // Flip bytes of the weights: the manifest's sha256 no longer matches.
  const weights = await Deno.readFile(`${entry}/weights.bin`);
  weights[0] ^= 0xff;
  weights[weights.length - 1] ^= 0xff;
  await Deno.writeFile(`${entry}/weights.bin`, weights);
  let again!: RunRecord;
  const log = await capturingErrors(async () => [again] = await runExperiment(tinyConfig(`${dir}/c3`, cache, input)));
  assert.match(log, /warning: cached original .* does not match its manifest \(weights\.bin changed\); it is removed and trained again/);
  assert.equal(again.original.cached, false);
  assert.equal(again.original.key, first.original.key);
  assert.deepEqual(again.metrics, first.metrics, "retrained to the same model (deterministic)");

  // A manifest whose files match but whose model does not reproduce the check accuracy (weights and hashes
  // swapped together, say) is caught by the recomputed accuracy.
  const manifest = JSON.parse(await Deno.readTextFile(`${entry}/original.json`));
  manifest.check.accuracy = manifest.check.accuracy === 1 ? 0.5 : 1;
  await Deno.writeTextFile(`${entry}/original.json`, JSON.stringify(manifest));
  let fourth!: RunRecord;
  const log2 = await capturingErrors(async () => [fourth] = await runExperiment(tinyConfig(`${dir}/c4`, cache, input)));
  assert.match(log2, /gives train accuracy [\d.]+ on its check sample, not the saved/);
  assert.equal(fourth.original.cached, false);

  // A missing file: incomplete.
  await Deno.remove(`${entry}/net.json`);
  let fifth!: RunRecord;
  const log3 = await capturingErrors(async () => [fifth] = await runExperiment(tinyConfig(`${dir}/c5`, cache, input)));
  assert.match(log3, /is incomplete/);
  assert.equal(fifth.original.cached, false);

  // Once rebuilt, the entry is trusted again.
  const [sixth] = await runExperiment(tinyConfig(`${dir}/c6`, cache, input));
  assert.equal(sixth.original.cached, true);
  assert.deepEqual(sixth.metrics, first.metrics);
  assert.deepEqual(entries(cache), [first.original.key]);
});

Deno.test("the numerics fingerprint is stable and changes when the training code changes", async () => {
  const fp = await numericsFingerprint();
  assert.match(fp, /^[0-9a-f]{16}$/);
  assert.equal(await numericsFingerprint(), fp);
  const kit = await copyKit();
  try {
    const print = `import { numericsFingerprint } from "./lib/experiment/fingerprint.ts"; console.log(await numericsFingerprint());`;
    assert.equal((await deno(["eval", print], kit)).stdout.trim(), fp, "same sources, same fingerprint");
    // A comment is not numerics; code is.
    await Deno.writeTextFile(`${kit}/lib/train.ts`, "\n// a remark on the training loop\n", { append: true });
    assert.equal((await deno(["eval", print], kit)).stdout.trim(), fp, "comments do not count");
    await Deno.writeTextFile(`${kit}/lib/train.ts`, "export const changedTrainingLoop = 1;\n", { append: true });
    const changed = (await deno(["eval", print], kit)).stdout.trim();
    assert.match(changed, /^[0-9a-f]{16}$/);
    assert.notEqual(changed, fp, "a changed training loop never reuses an old original");
  } finally {
    await Deno.remove(kit, { recursive: true });
  }
});

Deno.test("a sealed test split throws on any read; the rest of the task is untouched", () => {
  const task = makeForgetTask("tiny", TINY_BUNDLE.train, TINY_BUNDLE.test, { paradigm: "classwise", seed: 0 });
  const sealed = sealTest(task);
  assert.throws(() => sealed.test.y[0], SealedTestError);
  assert.throws(() => sealed.test.x, SealedTestError);
  assert.throws(() => sealed.testIdx.length, SealedTestError);
  assert.throws(() => Object.keys(sealed.test), SealedTestError);
  assert.throws(() => "x" in sealed.test, /the test split is sealed and was read \(task\.test\.x\)/);
  assert.equal(sealed.valIdx, task.valIdx);
  assert.equal(sealed.forgetIdx, task.forgetIdx);
  assert.ok(task.testIdx.length > 0, "the original task keeps its test split");
});

Deno.test("other data of the same shape never reuses a cached original or a finished record", async () => {
  const cache = `${dir}/cache-data`;
  const input = { methods: ["ft"], metrics: ["UA", "RA"], paradigms: ["classwise" as const] };
  const [a] = await runExperiment(tinyConfig(`${dir}/d1`, cache, { ...input, bundle: TINY_BUNDLE }));
  // The same shapes and labels, one training pixel changed: another data set as far as results go.
  const x = Float32Array.from(TINY_BUNDLE.train.x as Float32Array);
  x[0] = x[0] === 0 ? 1 : 0;
  const other = { ...TINY_BUNDLE, train: { ...TINY_BUNDLE.train, x } };
  const [b] = await runExperiment(tinyConfig(`${dir}/d1`, cache, { ...input, bundle: other }));
  assert.notEqual(b.dataChecksum, a.dataChecksum);
  assert.notEqual(b.original.key, a.original.key);
  assert.equal(b.original.cached, false, "a changed pixel must train a new original");
  assert.notEqual(b.configHash, a.configHash, "and its runs are new configurations, not resumed ones");
  // The unchanged data in the same folder and cache is read back.
  const [again] = await runExperiment(tinyConfig(`${dir}/d1`, cache, { ...input, bundle: TINY_BUNDLE }));
  assert.equal(again.configHash, a.configHash);
  assert.deepEqual(again.metrics, a.metrics);
});
