/**
 * The fused optimiser update (kernel KitSgdUpdate, lib/backend/native/sgd.ts) that lib/train.ts's Sgd
 * uses on the native backend gives the same bits as Sgd's tfjs ops on the cpu backend: three steps of
 * momentum, weight decay, a learning-rate change and gradient clipping on a small MLP, from the same
 * weights, with gradients that every backend computes exactly (the loss is Σ w·C for fixed C in
 * multiples of 1/8, so ∂loss/∂w = C and the gradient norm is exact). Also: no tensor leaks.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { buildNet, modelConfig } from "../../lib/models/registry.ts";
import { Rng } from "../../lib/rng.ts";
import { Sgd, type SgdOptions, trainableVariables } from "../../lib/train.ts";
import { SGD_UPDATE } from "../../lib/backend/native/sgd.ts";
import { nativeMissing } from "./native_compare.ts";

type Hyper = Pick<SgdOptions, "learningRate" | "momentum" | "weightDecay" | "clipNorm">;

Deno.test({
  name: "fused gradient norm on native: within 1e-6 of tfjs's ops on the cpu backend for arbitrary gradients",
  ignore: nativeMissing !== undefined,
  fn: async () => {
    const rng = new Rng(10);
    const shapes = [[16, 8], [8], [8, 3], [3]];
    const start = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.3));
    const coefficients = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()));
    const hyper = { learningRate: 0.01, momentum: 0, weightDecay: 0, clipNorm: 0 };
    const [native, cpu] = [await threeSteps("native", start, coefficients, hyper), await threeSteps("cpu", start, coefficients, hyper)];
    native.norms.forEach((n, i) => assert.ok(Math.abs(n - cpu.norms[i]) <= 1e-6 * cpu.norms[i], `step ${i}: ${n} vs ${cpu.norms[i]}`));
  },
});

/** Runs three Sgd steps on `backend` from `start` weights; returns the weights' bytes and the norms. */
async function threeSteps(backend: string, start: Float32Array[], coefficients: Float32Array[], hyper: Hyper) {
  await tf.setBackend(backend);
  const net = buildNet(modelConfig("mlp", [4, 4, 1], 3, { hidden: 8, depth: 1 }), 3);
  const vars = trainableVariables(net);
  vars.forEach((v, i) => v.assign(tf.tensor(start[i], v.shape)));
  const cs = coefficients.map((c, i) => tf.tensor(c, vars[i].shape));
  const before = tf.memory().numTensors;
  const sgd = new Sgd(net, hyper);
  const norms: number[] = [];
  for (const lr of [hyper.learningRate, hyper.learningRate * 0.5, hyper.learningRate * 0.3]) {
    sgd.setLearningRate(lr);
    norms.push(sgd.step(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(v, cs[i])))) as tf.Scalar).gradNorm);
  }
  const weights = vars.map((v) => new Uint8Array((v.dataSync() as Float32Array).slice().buffer));
  sgd.dispose();
  const growth = tf.memory().numTensors - before;
  tf.dispose(cs);
  net.model.dispose();
  return { weights, norms, growth };
}

Deno.test({
  name: "fused Sgd update on native: the same bits as tfjs's ops on the cpu backend (momentum, decay, clipping, lr change)",
  ignore: nativeMissing !== undefined,
  fn: async () => {
    assert.ok(tf.getKernel(SGD_UPDATE, "native") !== undefined, "the native backend registers the fused update");
    assert.equal(tf.getKernel(SGD_UPDATE, "cpu"), undefined, "the cpu backend runs tfjs's ops (the reference)");
    const rng = new Rng(9);
    const shapes = [[16, 8], [8], [8, 3], [3]];
    const start = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.3));
    const coefficients = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (rng.int(33) - 16) / 8));
    const settings: Hyper[] = [
      { learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, clipNorm: 1 },
      { learningRate: 0.01, momentum: 0, weightDecay: 0, clipNorm: 0 },
      { learningRate: 0.1, momentum: 0.5, weightDecay: 1e-2, clipNorm: 0 },
    ];
    for (const hyper of settings) {
      const native = await threeSteps("native", start, coefficients, hyper);
      const cpu = await threeSteps("cpu", start, coefficients, hyper);
      assert.deepEqual(native.norms, cpu.norms, `${JSON.stringify(hyper)}: gradient norms`);
      if (hyper.clipNorm > 0) assert.ok(native.norms.every((n) => n > hyper.clipNorm), "clipping was exercised");
      assert.deepEqual(native.weights, cpu.weights, `${JSON.stringify(hyper)}: weights differ from the cpu backend's`);
      assert.ok(native.weights.some((w, i) => !w.every((b, j) => b === new Uint8Array(start[i].buffer)[j])), "the weights moved");
      assert.equal(native.growth, 0, "tensors left after the optimiser's dispose (native)");
      assert.equal(cpu.growth, 0, "tensors left after the optimiser's dispose (cpu)");
    }
  },
});
