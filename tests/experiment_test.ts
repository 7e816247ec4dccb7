import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { parseCli } from "../lib/cli.ts";
import type { ExperimentConfig } from "../lib/experiment.ts";
import { runExperiment } from "../lib/experiment.ts";
import { readRecords } from "../lib/record.ts";
import { buildTable, toMarkdown } from "../lib/report/table.ts";

const out = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();

function config(name: string, extra: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const cfg = parseCli([
    "--dataset=synthetic",
    "--paradigm=classwise,random",
    "--methods=retrain,ft,ga,ugradsl,ugradsl+",
    "--seeds=1",
    "--epochs=3",
    "--batch-size=32",
    "--model-opt=hidden=16",
    `--out=${out}/${name}`,
    `--cache=${cache}`,
    "--backend=cpu",
    "--no-progress",
  ]);
  assert.notEqual(cfg, "help");
  return { ...(cfg as ExperimentConfig), ...extra };
}

Deno.test("every core method runs on a tiny split and writes a valid record", async () => {
  const records = await runExperiment(config("core"));
  assert.equal(records.length, 10);
  const back = await readRecords([`${out}/core`]);
  assert.deepEqual(back.map((r) => r.runId), records.map((r) => r.runId));
  for (const r of back) {
    assert.equal(r.status, "ok", `${r.runId}: ${r.error}`);
    for (const k of ["UA", "RA", "TA", "VA"]) assert.ok(r.metrics[k] >= 0 && r.metrics[k] <= 100, `${r.runId} ${k}`);
    assert.ok(r.rteSeconds > 0);
    assert.equal(r.environment.backend.name, "cpu");
    assert.ok(r.environment.backend.tfjsVersion.startsWith("4.22"));
    assert.ok(r.split.sizes.forget > 0 && r.split.sizes.retain > 0);
    assert.ok(r.original.trainAcc > 0);
    const split = JSON.parse(await Deno.readTextFile(`${out}/core/${r.split.indexFile}`));
    assert.equal(split.forgetIdx.length, r.split.sizes.forget);
  }
  // Class-wise Retrain never saw the forgotten class, so it cannot predict it.
  const retrain = back.find((r) => r.method === "retrain" && r.paradigm === "classwise")!;
  assert.equal(retrain.metrics.UA, 100);
  // Records alone rebuild the table; Retrain's gap to itself is 0.
  const table = buildTable(back);
  const row = table.rows.find((r) => r.method === "retrain" && r.block.includes("classwise"))!;
  assert.equal(row.cells["Avg. Gap"].mean, 0);
  assert.match(toMarkdown(table), /\| ugradsl\+ \|/);
});

Deno.test("the original model is cached and reused", async () => {
  const first = await runExperiment(config("cache-a", { methods: ["ft"] }));
  const again = await runExperiment(config("cache-b", { methods: ["ft"] }));
  assert.ok(again.every((r) => r.original.cached));
  assert.equal(first[0].original.key, again[0].original.key);
  assert.equal(first[0].original.trainAcc, again[0].original.trainAcc);
});

Deno.test("a diverging method is recorded as diverged and the others still run", async () => {
  const cfg = config("diverge", {
    paradigms: ["classwise"],
    methods: ["ga", "ft"],
    methodOptions: { ga: { learningRate: 10, stopRule: "none", epochs: 50, divergeLoss: 50 } },
  });
  const records = await runExperiment(cfg);
  assert.equal(records[0].status, "diverged");
  assert.match(records[0].error!, /loss|NaN|Infinity/);
  assert.equal(records[1].status, "ok");
});

Deno.test("methods leave no live tensors behind", async () => {
  const cfg = config("leak", { paradigms: ["random"], methods: ["ugradsl", "ugradsl+", "ft"] });
  await runExperiment(cfg); // warm-up: caches, kernels
  const before = tf.memory().numTensors;
  await runExperiment(cfg);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("CLI refuses unknown flags and values with the valid ones", () => {
  assert.throws(() => parseCli(["--bogus=1"]), /unknown flag --bogus: valid flags are .*--dataset/);
  assert.throws(() => parseCli(["--dataset=mnist2"]), /unknown dataset "mnist2": valid values are .*fashion-mnist/);
  assert.throws(
    () => parseCli(["--paradigm=sideways"]),
    /--paradigm: unknown value "sideways": valid values are classwise, random, group, identity/,
  );
  assert.throws(() => parseCli(["--methods=ft,magic"]), /--methods: unknown value "magic": valid values are .*ugradsl\+/);
  assert.throws(() => parseCli(["--model=transformer9"]), /unknown model "transformer9": valid values are .*mlp/);
  assert.throws(() => parseCli(["--set=ugradsl.smoothness=1"]), /--set ugradsl.smoothness: unknown option: valid options are .*smoothRate/);
  assert.throws(() => parseCli(["--set=ugradsl.mixWeight=2"]), /method ugradsl|mixWeight/);
  assert.throws(() => parseCli(["--seeds=zero"]), /--seeds: "zero" is not a number/);
  assert.equal(parseCli(["--help"]), "help");
});

Deno.test("method options are validated against their schema", async () => {
  await assert.rejects(
    runExperiment(config("bad-opt", { methodOptions: { ugradsl: { mixWeight: 2 } } })),
    /method ugradsl\.mixWeight: 2 is above the maximum 1/,
  );
});
