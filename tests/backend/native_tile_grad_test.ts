/**
 * Tile's gradient on the native backend (lib/backend/native/tile_grad.ts): the same bits as tfjs's own gradient
 * (one slice-and-add per repetition) on the native, wasm and cpu backends, for ranks 1-4, repetitions on every axis,
 * negative zeros, denormals and long sums; a layer normalisation's weight gradients the same bits with the override
 * on and off; other dtypes and ranks go to tfjs's gradient. Skipped where the native backend cannot start.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { nativeTileGrads, setNativeTileGrad } from "../../lib/backend/native/tile_grad.ts";
import { nativeMissing } from "./native_compare.ts";

const ignore = nativeMissing !== undefined;

/** dy's values: signed, of very different sizes, with negative zeros and denormals, so the order of the sum shows. */
function values(n: number): number[] {
  return Array.from(
    { length: n },
    (_, i) => i % 17 === 0 ? -0 : i % 23 === 0 ? 1e-40 * (i % 2 ? 1 : -1) : Math.sin(i * 0.7) * 10 ** ((i % 9) - 4),
  );
}

/** The gradient of sum(tile(x, reps) ⊙ w) with respect to x (= Tile's gradient of w), as raw bits. */
async function tileGradBits(backend: string, shape: number[], reps: number[]): Promise<number[]> {
  await tf.setBackend(backend);
  const x = tf.tensor(values(shape.reduce((a, b) => a * b, 1)), shape);
  const outShape = shape.map((d, i) => d * reps[i]);
  const w = tf.tensor(values(outShape.reduce((a, b) => a * b, 1)).reverse(), outShape);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, reps), w)))(x);
  const bits = Array.from(new Int32Array((await g.data()).buffer.slice(0)));
  tf.dispose([x, w, g]);
  return bits;
}

const CASES: [number[], number[]][] = [
  [[5], [7]],
  [[3, 4], [2, 3]],
  [[1, 1, 64], [16, 17, 1]],
  [[16, 17, 1], [1, 1, 64]],
  [[2, 3, 4], [3, 1, 2]],
  [[2, 1, 3, 2], [2, 5, 1, 3]],
  [[4], [300]],
];

Deno.test({
  name: "native Tile gradient: tfjs's bits (native, wasm and cpu) for ranks 1-4, signed zeros, denormals, long sums",
  ignore,
  fn: async () => {
    for (const [shape, reps] of CASES) {
      const before = nativeTileGrads;
      const native = await tileGradBits("native", shape, reps);
      assert.equal(nativeTileGrads, before + 1, `${shape} × ${reps}: computed natively`);
      setNativeTileGrad(false);
      const tfjsOnNative = await tileGradBits("native", shape, reps);
      setNativeTileGrad(true);
      assert.deepEqual(native, tfjsOnNative, `${shape} × ${reps}: against tfjs's gradient on native`);
      assert.deepEqual(native, await tileGradBits("wasm", shape, reps), `${shape} × ${reps}: against wasm`);
      assert.deepEqual(native, await tileGradBits("cpu", shape, reps), `${shape} × ${reps}: against cpu`);
    }
  },
});

Deno.test({
  name: "a layer normalisation's gradients are the same bits with the native Tile gradient on and off",
  ignore,
  fn: async () => {
    await tf.setBackend("native");
    const layer = tf.layers.layerNormalization({ epsilon: 1e-6 });
    const x = tf.tensor3d(values(16 * 17 * 64).map((v) => v * 3 + 0.5), [16, 17, 64]);
    layer.apply(x);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const run = async () => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar);
      const out = await Promise.all(Object.values(grads).map(async (g) => Array.from(new Int32Array((await g.data()).buffer.slice(0)))));
      tf.dispose(Object.values(grads));
      return out;
    };
    const before = nativeTileGrads;
    const on = await run();
    assert.ok(nativeTileGrads > before, "the native gradient ran");
    setNativeTileGrad(false);
    const off = await run();
    setNativeTileGrad(true);
    assert.equal(on.length, vars.length);
    assert.deepEqual(on, off);
    x.dispose();
  },
});

Deno.test({
  name: "Tile's gradient of a rank-5 tensor is tfjs's (which refuses it), not the native kernel",
  ignore,
  fn: async () => {
    await tf.setBackend("native");
    const before = nativeTileGrads;
    const x5 = tf.ones([1, 1, 1, 1, 2]);
    assert.throws(() => tf.grad((t: tf.Tensor) => tf.sum(tf.tile(t, [1, 1, 1, 2, 1])))(x5), /rank-5/);
    assert.equal(nativeTileGrads, before);
    x5.dispose();
  },
});
