/**
 * Add, Sub, Multiply and RealDiv where one operand holds one value per row (its last axis 1), on tensors at the
 * native threshold (lib/backend/native/eltwise.ts `rowBroadcast`): the same bits as the cpu and wasm backends, with
 * the repeated operand first or second, with signed zeros, infinities and denormals among the values, and no fallback.
 * Skipped where the native backend cannot start.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fallbackCounts } from "../../lib/backend/native/heap.ts";
import { nativeMissing } from "./native_compare.ts";

const ignore = nativeMissing !== undefined;

const FULL = [16, 4, 128, 128]; // 2^20 values: the native threshold
const ROWS = [16, 4, 128, 1];

/** Values of every size and sign, with −0, ±∞ and denormals. */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const k = (i * 7 + seed * 13) % 101;
    return k === 0 ? -0 : k === 1 ? Infinity : k === 2 ? -1e-41 : Math.cos(i * 0.37 + seed) * 10 ** ((i % 11) - 5);
  });
}

async function bits(backend: string, op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, rowsFirst: boolean): Promise<Int32Array> {
  await tf.setBackend(backend);
  const full = tf.tensor(values(FULL.reduce((a, b) => a * b), 1), FULL);
  const rows = tf.tensor(values(ROWS.reduce((a, b) => a * b), 2), ROWS);
  const out = rowsFirst ? op(rows, full) : op(full, rows);
  const data = await out.data();
  tf.dispose([full, rows, out]);
  return new Int32Array(data.buffer.slice(0));
}

Deno.test({
  name: "a per-row operand on the native backend: the cpu and wasm backends' bits, either side, no fallback",
  ignore,
  fn: async () => {
    const ops = { Add: tf.add, Sub: tf.sub, Multiply: tf.mul, RealDiv: tf.div } as const;
    for (const [name, op] of Object.entries(ops)) {
      for (const rowsFirst of [false, true]) {
        const before = fallbackCounts().get(name) ?? 0;
        const native = await bits("native", op, rowsFirst);
        assert.equal(fallbackCounts().get(name) ?? 0, before, `${name}: computed natively`);
        const label = `${name}, the per-row operand ${rowsFirst ? "first" : "second"}`;
        assert.deepEqual(native, await bits("cpu", op, rowsFirst), `${label}: against cpu`);
        assert.deepEqual(native, await bits("wasm", op, rowsFirst), `${label}: against wasm`);
      }
    }
  },
});
