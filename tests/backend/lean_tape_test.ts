/**
 * The lean tape (lib/backend/lean_tape.ts) frees memory during backpropagation and changes nothing
 * else: gradients with and without it are the same bits, it leaks no tensor, it lowers the peak, and
 * it leaves alone a caller's dy, nested gradients and gradients passed through unchanged (Identity).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import { earlyDisposals, setLeanTape } from "../../lib/backend/lean_tape.ts";
import { values } from "./_inputs.ts";

await initBackend({ backend: "cpu" });

const shape: [number, number, number, number] = [4, 8, 8, 6];
const x = tf.tensor4d(values(shape, 1), shape);
const w1 = tf.variable(tf.tensor4d(values([3, 3, 6, 6], 2), [3, 3, 6, 6]));
const w2 = tf.variable(tf.tensor4d(values([3, 3, 6, 6], 3), [3, 3, 6, 6]));
const gamma = tf.variable(tf.tensor1d(values([6], 4).map((v) => 1 + 0.5 * v)));
const beta = tf.variable(tf.tensor1d(values([6], 5)));

/** Two conv-norm-relu layers with a residual sum and an Identity in the middle. */
function loss(input: tf.Tensor4D): tf.Scalar {
  const norm = (h: tf.Tensor4D) => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5);
  };
  const a = tf.relu(norm(tf.conv2d(input, w1 as tf.Tensor4D, 1, "same")));
  const b = tf.relu(norm(tf.conv2d(tf.clone(a), w2 as tf.Tensor4D, 1, "same")));
  return tf.mean(tf.square(tf.add(a, b)));
}

async function bits(ts: tf.Tensor[]): Promise<number[][]> {
  return await Promise.all(ts.map(async (t) => Array.from(new Uint32Array((await t.data() as Float32Array).slice().buffer))));
}

/** The gradients of every kind of call, read back, with the live-tensor count before and after. */
async function allGradients(lean: boolean) {
  const previous = setLeanTape(lean);
  try {
    const before = tf.memory().numTensors;
    const variables = tf.variableGrads(() => loss(x), [w1, w2, gamma, beta]);
    const dy = tf.scalar(0.5);
    const withDy = tf.grads((v: tf.Tensor) => loss(v as tf.Tensor4D))([x], dy);
    assert.ok(!dy.isDisposed, "the caller's dy is never disposed");
    // A gradient of a gradient: inner passes must keep their tensors for the outer one.
    const point = tf.tensor1d([0.5, -1, 2]);
    const second = tf.grad((v: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(v)))(point);
    const profiled = await tf.profile(() => tf.tidy(() => tf.grads((v: tf.Tensor) => loss(v as tf.Tensor4D))([x])[0]));
    const out = await bits([variables.value, ...Object.values(variables.grads), ...withDy, second]);
    tf.dispose([variables.value, ...Object.values(variables.grads), ...withDy, second, dy, point, profiled.result as tf.Tensor]);
    return { out, peak: profiled.peakBytes, leaked: tf.memory().numTensors - before };
  } finally {
    setLeanTape(previous);
  }
}

Deno.test("lean tape: the same gradient bits, no leak, a lower peak; a caller's dy and nested gradients left alone", async () => {
  const disposedBefore = earlyDisposals;
  const full = await allGradients(false);
  assert.equal(earlyDisposals, disposedBefore, "off: nothing disposed early");
  const lean = await allGradients(true);
  assert.ok(earlyDisposals > disposedBefore, "on: tensors disposed early");
  assert.deepEqual(lean.out, full.out);
  assert.equal(full.leaked, 0);
  assert.equal(lean.leaked, 0);
  assert.ok(lean.peak < full.peak, `peak bytes ${lean.peak} (lean) < ${full.peak} (full tape)`);
});
