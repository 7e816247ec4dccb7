/**
 * GatherV2 on the native backend (lib/backend/native/gather.ts): the rows it copies are the stock wasm kernel's
 * bits and the cpu backend's, for float32 and int32 tables, 1-D and 2-D indices, repeated and edge rows, and an
 * embedding layer's forward and gradient; another axis or batch dimensions go to the stock kernel; an index out of
 * range is refused with the stock kernel's message. Skipped where the native backend cannot start.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fallbackCounts } from "../../lib/backend/native/heap.ts";
import { nativeMissing } from "./native_compare.ts";

const ignore = nativeMissing !== undefined;

/** A deterministic table of `rows` × `cols` values (float32: signed fractions; int32: integers). */
function table(rows: number, cols: number, dtype: "float32" | "int32"): tf.Tensor2D {
  const values = Array.from({ length: rows * cols }, (_, i) => dtype === "int32" ? (i * 7919) % 1000 - 500 : Math.sin(i * 1.3) * 10);
  return tf.tensor2d(values, [rows, cols], dtype);
}

/** The gather on `backend`, as raw bits (int32 words). */
async function gatheredBits(backend: string, make: () => tf.Tensor): Promise<{ shape: number[]; bits: Int32Array }> {
  await tf.setBackend(backend);
  const out = tf.tidy(make);
  const data = await out.data();
  const bits = new Int32Array(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer);
  const shape = out.shape;
  out.dispose();
  return { shape, bits };
}

const fallbacks = () => fallbackCounts().get("GatherV2") ?? 0;

const CASES: { name: string; make: () => tf.Tensor }[] = [
  { name: "float32 rows, 1-D indices", make: () => tf.gather(table(50, 8, "float32"), tf.tensor1d([0, 49, 3, 3, 17], "int32")) },
  { name: "int32 rows, 1-D indices", make: () => tf.gather(table(20, 3, "int32"), tf.tensor1d([19, 0, 5], "int32")) },
  {
    name: "float32 rows, 2-D indices (a batch of token ids)",
    make: () =>
      tf.gather(table(1000, 64, "float32"), tf.tensor2d(Array.from({ length: 128 * 40 }, (_, i) => (i * 37) % 1000), [128, 40], "int32")),
  },
  {
    name: "a 3-D table (rows of matrices)",
    make: () => tf.gather(tf.reshape(table(30, 12, "float32"), [30, 3, 4]), tf.tensor1d([29, 1], "int32")),
  },
  { name: "no indices", make: () => tf.gather(table(5, 4, "float32"), tf.tensor1d([], "int32")) },
];

Deno.test({
  name: "native GatherV2 copies the stock wasm kernel's and the cpu backend's bits, without falling back",
  ignore,
  fn: async () => {
    for (const c of CASES) {
      const before = fallbacks();
      const native = await gatheredBits("native", c.make);
      assert.equal(fallbacks(), before, `${c.name}: fell back`);
      const wasm = await gatheredBits("wasm", c.make);
      const cpu = await gatheredBits("cpu", c.make);
      assert.deepEqual(native.shape, cpu.shape, c.name);
      assert.deepEqual(native.bits, wasm.bits, `${c.name}: native vs wasm`);
      assert.deepEqual(native.bits, cpu.bits, `${c.name}: native vs cpu`);
    }
  },
});

Deno.test({
  name: "native GatherV2: another axis and batch dimensions go to the stock wasm kernel, with its bits",
  ignore,
  fn: async () => {
    const axis1 = () => tf.gather(table(6, 9, "float32"), tf.tensor1d([8, 0, 4], "int32"), 1);
    const batched = () => tf.gather(table(4, 6, "float32"), tf.tensor2d([[5, 0], [1, 1], [2, 3], [0, 5]], [4, 2], "int32"), 1, 1);
    for (const make of [axis1, batched]) {
      const before = fallbacks();
      const native = await gatheredBits("native", make);
      assert.equal(fallbacks(), before + 1, "handed to the stock kernel");
      // The stock kernel's bits (with batch dimensions they differ from the cpu backend's: tfjs's own matter).
      assert.deepEqual(native.bits, (await gatheredBits("wasm", make)).bits);
    }
  },
});

Deno.test({
  name: "native GatherV2 refuses an index out of range, as the stock kernel does, and leaks nothing",
  ignore,
  fn: async () => {
    await tf.setBackend("native");
    const x = table(10, 4, "float32");
    for (const bad of [10, -1]) {
      const indices = tf.tensor1d([0, bad], "int32");
      const before = tf.memory().numTensors;
      assert.throws(() => tf.gather(x, indices), new RegExp(`GatherV2: the index value ${bad} is not in \\[0, 9\\]`));
      assert.equal(tf.memory().numTensors, before);
      indices.dispose();
    }
    x.dispose();
  },
});

Deno.test({
  name: "an embedding layer's output and its weights' gradient are the same bits with the native gather as on wasm",
  ignore,
  fn: async () => {
    const ids = Array.from({ length: 32 * 20 }, (_, i) => (i * 131) % 500);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const weights = tf.variable(table(500, 16, "float32"));
      const input = tf.tensor2d(ids, [32, 20], "int32");
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.gather(weights, input))), [weights]);
      const out = [await value.data(), await grads[weights.name].data()].map((d) => Array.from(new Int32Array(d.buffer.slice(0))));
      tf.dispose([weights, input, value, grads[weights.name]]);
      return out;
    };
    assert.deepEqual(await run("native"), await run("wasm"));
  },
});
