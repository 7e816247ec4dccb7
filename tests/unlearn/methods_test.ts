import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { runExperiment } from "../../lib/experiment/run.ts";
import { evaluate } from "../../lib/metrics/registry.ts";
import { buildNet, cloneNet, disposeNet, modelConfig } from "../../lib/models/registry.ts";
import { denseChain } from "../../lib/unlearn/loops/per_example.ts";
import { methodSpec } from "../../lib/unlearn/registry.ts";
import { l1WeightAt } from "../../lib/unlearn/l1_sparse.ts";
import { saliencyMask } from "../../lib/unlearn/salun.ts";
import { sameWeights, tinyContext, weightsOf } from "./_tiny.ts";
import { configOfFlags } from "../experiment/_tiny.ts";

const NEW_METHODS = ["iu", "ff", "bs", "be", "l1-sparse", "scrub", "random-label", "salun"];
// Short budgets keep the file fast; the defaults are what the search and the main job use.
const SHORT: Record<string, Record<string, unknown>> = {
  bs: { epochs: 2, learningRate: 0.01 },
  be: { epochs: 2, learningRate: 0.01 },
  "l1-sparse": { epochs: 2 },
  "random-label": { epochs: 2 },
  salun: { epochs: 2 },
  scrub: { epochs: 2, maxSteps: 1, learningRate: 0.01 },
  iu: { retainSamples: 64 },
  ff: {},
};

for (const paradigm of ["classwise", "random"] as const) {
  Deno.test(`every new method unlearns a tiny ${paradigm} split into a valid K-output model`, async () => {
    for (const name of NEW_METHODS) {
      const ctx = await tinyContext(paradigm);
      const before = weightsOf(ctx.original);
      const spec = methodSpec(name);
      const outcome = await spec.runWith(ctx, SHORT[name]);
      assert.equal(outcome.net.model.outputs[0].shape[1], ctx.task.numClasses, name);
      const m = await evaluate(outcome.net, ctx.task, ["UA", "RA", "TA", "VA"], 1);
      for (const k of ["UA", "RA", "TA", "VA"]) assert.ok(m[k] >= 0 && m[k] <= 100, `${name} ${k} = ${m[k]}`);
      assert.ok(!sameWeights(weightsOf(outcome.net), before), `${name} left θ_o unchanged`);
      assert.ok(sameWeights(weightsOf(ctx.original), before), `${name} changed the original`);
      if (outcome.net !== ctx.start) disposeNet(ctx.start);
      disposeNet(outcome.net);
    }
  });
}

Deno.test("all thirteen methods run through runExperiment and write ok records", async () => {
  const out = await Deno.makeTempDir();
  const cfg = configOfFlags([
    "--dataset=synthetic",
    "--paradigm=classwise",
    "--methods=all",
    "--seeds=1",
    "--epochs=3",
    "--batch-size=32",
    "--model-opt=hidden=8",
    `--out=${out}`,
    `--cache=${out}/cache`,
    "--backend=cpu",
    "--metrics=UA,RA,TA,VA",
    "--no-progress",
    "--set=iu.retainSamples=32",
    "--set=scrub.epochs=1",
    "--set=random-label.epochs=1",
    "--set=salun.epochs=1",
    "--set=l1-sparse.epochs=1",
    "--no-selection",
  ]);
  const records = await runExperiment(cfg);
  assert.equal(records.length, 13);
  for (const r of records) {
    assert.equal(r.status, "ok", `${r.method}: ${r.error}`);
    assert.ok(r.metrics.UA >= 0 && r.metrics.UA <= 100, r.method);
  }
});

Deno.test("BE trains a K+1-way net and returns the pruned K-way one", async () => {
  const ctx = await tinyContext("classwise");
  const k = ctx.task.numClasses;
  const outcome = await methodSpec("be").runWith(ctx, { epochs: 3, learningRate: 0.05 });
  assert.equal(outcome.net, ctx.start);
  assert.equal(outcome.net.config.numClasses, k);
  assert.deepEqual(outcome.net.model.outputs[0].shape, [null, k]);
  const logits = outcome.net.model.predict(tf.zeros([2, 4, 4, 1])) as tf.Tensor;
  assert.deepEqual(logits.shape, [2, k]);
  logits.dispose();
  // The shadow class drew the forget samples away from their own class.
  assert.ok(outcome.history.at(-1)!.shadowLoss < outcome.history[0].shadowLoss);
  disposeNet(outcome.net);
});

Deno.test("SCRUB trains the student and never the teacher", async () => {
  const ctx = await tinyContext("classwise");
  const teacher = weightsOf(ctx.original);
  const student = weightsOf(ctx.start);
  const outcome = await methodSpec("scrub").runWith(ctx, { learningRate: 0.01, epochs: 1 });
  assert.equal(outcome.net, ctx.start);
  assert.ok(!sameWeights(weightsOf(ctx.start), student), "student unchanged");
  assert.ok(sameWeights(weightsOf(ctx.original), teacher), "teacher changed");
  assert.ok(Number.isFinite(outcome.history[0].maxLoss) && outcome.history[0].maxLoss <= 1e-6, "max pass minimises −KL");
  disposeNet(outcome.net);
});

Deno.test("SalUn moves only the salient weights", async () => {
  const ctx = await tinyContext("random");
  const before = weightsOf(ctx.original);
  const outcome = await methodSpec("salun").runWith(ctx, { epochs: 1, maskFraction: 0.3 });
  const after = weightsOf(outcome.net);
  let moved = 0;
  let total = 0;
  after.forEach((w, i) =>
    w.forEach((v, j) => {
      total++;
      if (v !== before[i][j]) moved++;
    })
  );
  assert.ok(moved > 0 && moved <= Math.ceil(0.3 * total) + 1, `${moved} of ${total} weights moved`);
  assert.ok(Math.abs(Number(outcome.notes!.maskedShare) - 0.3) < 0.02);
  disposeNet(outcome.net);
});

Deno.test("saliency mask keeps the largest |g| share", () => {
  const g = [tf.tensor1d([0.1, -5, 0.2, 3]), tf.tensor2d([[-0.05, 4], [1, -0.3]])];
  const m = saliencyMask(g, 0.5);
  assert.deepEqual(Array.from(m[0].dataSync()), [0, 1, 0, 1]);
  assert.deepEqual(Array.from(m[1].dataSync()), [0, 1, 1, 0]);
  tf.dispose([...g, ...m]);
});

Deno.test("ℓ1 weight decays linearly to 0 over epochs − noL1Epochs", () => {
  assert.deepEqual([0, 1, 2, 3].map((e) => l1WeightAt(1, e, 4, 0)), [1, 0.75, 0.5, 0.25]);
  assert.deepEqual([0, 1, 2, 3].map((e) => l1WeightAt(1, e, 4, 2)), [1, 0.5, 0, 0]);
  assert.equal(l1WeightAt(2, 3, 4, 4), 2);
});

Deno.test("the new methods leave no live tensors behind", async () => {
  const runAll = async () => {
    for (const name of NEW_METHODS) {
      const ctx = await tinyContext("random");
      const spec = methodSpec(name);
      // One epoch where the method has epochs (IU and FF have none: runWith refuses an option a method lacks).
      const outcome = await spec.runWith(ctx, { ...SHORT[name], ...("epochs" in spec.options ? { epochs: 1 } : {}) });
      if (outcome.net !== ctx.start) disposeNet(ctx.start);
      disposeNet(outcome.net);
    }
  };
  await runAll();
  const before = tf.memory().numTensors;
  await runAll();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("IU and FF fall back to per-sample gradients for a CNN", async () => {
  const ctx = await tinyContext("random");
  const cnn = buildNet(modelConfig("cnn", [4, 4, 1], ctx.task.numClasses, { conv1: 2, conv2: 2, hidden: 4 }), 3);
  assert.equal(denseChain(cnn), null);
  for (const name of ["iu", "ff"]) {
    const start = cloneNet(cnn);
    const before = weightsOf(start);
    const spec = methodSpec(name);
    const opts = name === "iu" ? { retainSamples: 16 } : { fisherSamples: 16 };
    const outcome = await spec.runWith({ ...ctx, original: cnn, start }, opts);
    assert.ok(!sameWeights(weightsOf(outcome.net), before), name);
    if (name === "iu") assert.equal(outcome.notes!.perExample, "loop");
    disposeNet(outcome.net);
  }
  disposeNet(cnn);
  disposeNet(ctx.start);
});
