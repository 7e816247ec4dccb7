/**
 * LiRA on tiny synthetic data with random labels, where only memorisation can make a model confident:
 * a model that memorised D_f must be caught (AUC near 1); a model that never saw D_f or D_te must not
 * (AUC near 0.5).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import type { Dataset } from "../../lib/data/types.ts";
import type { ForgetTask } from "../../lib/data/splits.ts";
import { LiRA, liraAttack } from "../../lib/metrics/lira.ts";
import { streisandOf } from "../../lib/metrics/streisand.ts";
import { buildNet, disposeNet, modelConfig } from "../../lib/models/registry.ts";
import { Rng } from "../../lib/rng.ts";
import type { SgdOptions } from "../../lib/train.ts";
import { fit } from "../../lib/train.ts";
import { predictionCache } from "../../lib/metrics/registry.ts";

await initBackend({ backend: "cpu" });

function randomSplit(n: number, d: number, k: number, rng: Rng, name: string): Dataset {
  return {
    name,
    x: Float32Array.from({ length: n * d }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => rng.int(k)),
    sampleShape: [d, 1],
    numClasses: k,
    classNames: Array.from({ length: k }, (_, i) => `c${i}`),
  };
}

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

Deno.test("LiRA: a model that memorised D_f scores AUC ≈ 1; one that saw neither set ≈ 0.5", () => {
  const rng = new Rng(2026);
  const d = 16, k = 10, nForget = 60, nRetain = 240, nTest = 60;
  const train = randomSplit(nForget + nRetain, d, k, rng, "noise/train");
  const test = randomSplit(nTest, d, k, rng, "noise/test");
  const task = {
    dataset: "noise",
    options: { paradigm: "random", seed: 1 },
    train,
    test,
    numClasses: k,
    classNames: train.classNames,
    trainIdx: range(0, nForget + nRetain),
    forgetIdx: range(0, nForget),
    retainIdx: range(nForget, nForget + nRetain),
    valIdx: new Int32Array(0),
    testIdx: range(0, nTest),
    forgotten: { description: "random rows" },
    originalKey: "noise",
  } as unknown as ForgetTask;
  const config = modelConfig("mlp", [d, 1], k, { hidden: 128, depth: 1 });
  const recipe: SgdOptions = {
    epochs: 100,
    batchSize: 60,
    learningRate: 0.2,
    momentum: 0.9,
    weightDecay: 0,
    schedule: "constant",
    clipNorm: 0,
  };
  const memorised = buildNet(config, 1);
  const hist = fit(memorised, train, task.trainIdx, recipe, { rng: new Rng(1) });
  assert.ok(hist.at(-1)!.trainAcc > 0.95, `memorised train accuracy ${hist.at(-1)!.trainAcc}`);
  const neither = buildNet(config, 2);
  fit(neither, train, task.retainIdx, recipe, { rng: new Rng(2) });

  const tensorsBefore = tf.memory().numTensors;
  const { results, references } = liraAttack({ memorised, neither }, task, { references: 4, training: recipe });
  assert.equal(tf.memory().numTensors, tensorsBefore, "reference models are disposed");
  assert.equal(references.models.length, 4);
  assert.ok(references.models.every((m) => m.rows === nRetain / 2));
  console.log(`memorised: ${JSON.stringify(results.memorised)}\nneither: ${JSON.stringify(results.neither)}`);
  assert.ok(results.memorised.auc > 0.95, `memorised AUC ${results.memorised.auc}`);
  assert.ok(Math.abs(results.neither.auc - 0.5) < 0.15, `neither AUC ${results.neither.auc}`);
  assert.ok(results.memorised.tprAt1pctFpr > results.neither.tprAt1pctFpr);

  // The metric form reuses the references for the same task and reports percent.
  const ctx = {
    net: memorised,
    task,
    rng: new Rng(1),
    predictions: predictionCache(memorised, task),
    measured: {},
    details: {} as Record<string, unknown>,
  };
  const m = LiRA.compute(ctx) as Record<string, number>;
  assert.ok(m.LiRA_AUC > 95 && m.LiRA_AUC <= 100);
  assert.ok("LiRA" in ctx.details);
  // The Streisand data of the same models: the memorising model gets D_f right, the other does not.
  const sMem = streisandOf(memorised, task);
  const sNei = streisandOf(neither, task);
  const diag = (m: number[][]) => m.reduce((s, row, i) => s + row[i], 0);
  assert.equal(sMem.confusion.forget.flat().reduce((a, b) => a + b), nForget);
  assert.ok(diag(sMem.confusion.forget) > 0.9 * nForget);
  assert.ok(diag(sNei.confusion.forget) < 0.4 * nForget);
  assert.equal(sMem.loss.n.retain, nRetain);
  disposeNet(memorised);
  disposeNet(neither);
});

/** Gaussian clusters, one per class: learnable, so a class never trained on is confidently "something else". */
function clusters(perClass: number, means: number[][], rng: Rng, name: string): Dataset {
  const k = means.length, d = means[0].length;
  const y = Int32Array.from({ length: perClass * k }, (_, i) => i % k);
  const x = Float32Array.from({ length: y.length * d }, (_, j) => means[y[Math.floor(j / d)]][j % d] + rng.normal());
  return { name, x, y, sampleShape: [d, 1], numClasses: k, classNames: means.map((_, i) => `c${i}`) };
}

Deno.test("LiRA, class-wise: negatives are the forgotten class's test images, so Retrain (never saw D_f) scores ≈ chance", () => {
  const rng = new Rng(2027);
  const d = 16, k = 4, forgotten = 0;
  const means = Array.from({ length: k }, () => Array.from({ length: d }, () => 0.8 * rng.normal()));
  const train = clusters(80, means, rng, "clusters/train");
  const test = clusters(60, means, rng, "clusters/test");
  const all = range(0, train.y.length);
  const testAll = range(0, test.y.length);
  const task = {
    dataset: "clusters",
    options: { paradigm: "classwise", seed: 3 },
    train,
    test,
    numClasses: k,
    classNames: train.classNames,
    trainIdx: all,
    forgetIdx: all.filter((i) => train.y[i] === forgotten),
    retainIdx: all.filter((i) => train.y[i] !== forgotten),
    valIdx: new Int32Array(0),
    testIdx: testAll.filter((i) => test.y[i] !== forgotten),
    forgotten: { description: `class ${forgotten}`, class: forgotten },
    originalKey: "clusters",
  } as unknown as ForgetTask;
  const config = modelConfig("mlp", [d, 1], k, { hidden: 64, depth: 1 });
  const recipe: SgdOptions = {
    epochs: 30,
    batchSize: 40,
    learningRate: 0.1,
    momentum: 0.9,
    weightDecay: 0,
    schedule: "constant",
    clipNorm: 0,
  };
  const retrain = buildNet(config, 5);
  fit(retrain, train, task.retainIdx, recipe, { rng: new Rng(5) });
  const { results, references } = liraAttack({ retrain }, task, { references: 4, training: recipe });
  assert.deepEqual(Array.from(references.negatives.idx), Array.from(testAll.filter((i) => test.y[i] === forgotten)));
  assert.equal(results.retrain.negatives, 60);
  // The old negatives (D_te without the forgotten class) on the same references: far below chance, because the
  // two sets meet references that differ from the target in opposite directions (lib/metrics/lira.ts).
  const asRandom = { ...task, options: { ...task.options, paradigm: "random" } } as ForgetTask;
  const old = liraAttack({ retrain }, asRandom, { references: 4, training: recipe }).results.retrain;
  console.log(`class-wise Retrain LiRA AUC: same-class negatives ${results.retrain.auc}, other-class D_te ${old.auc}`);
  assert.ok(Math.abs(results.retrain.auc - 0.5) < 0.15, `Retrain AUC with same-class negatives ${results.retrain.auc}`);
  assert.ok(old.auc < 0.35, `Retrain AUC against other-class D_te ${old.auc}: the below-chance artefact`);
  disposeNet(retrain);
});
