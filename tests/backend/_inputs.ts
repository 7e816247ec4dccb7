/**
 * Deterministic inputs and plumbing shared by the kernel tests of every backend (wasm, native): seeded
 * values, one computation run on a named backend, a weighted loss for non-uniform upstream gradients, and
 * matMul operands for every transpose combination. Each test file keeps its own error measure and bound.
 */
import * as tf from "@tensorflow/tfjs";

/** Deterministic values in [-1, 1) (xorshift32), or small integers 0..2 to force ties. */
export function values(shape: number[], seed: number, ties = false): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u = (s >>> 0) / 2 ** 32;
    out[i] = ties ? Math.floor(u * 3) : 2 * u - 1;
  }
  return out;
}

export interface Output {
  shape: number[];
  data: Float32Array;
}

/** Runs `compute` on `backend` (it builds its own tensors) and reads every output back. */
export async function runOn(backend: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<Output[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(compute);
  const list = Array.isArray(out) ? out : [out];
  const outputs = await Promise.all(list.map(async (t) => ({ shape: t.shape, data: Float32Array.from(await t.data()) })));
  tf.dispose(list);
  return outputs;
}

/** sum(y * r) with a fixed random r, so that the upstream gradient is not uniform. */
export function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.mul(y, tf.tensor(values(y.shape, seed), y.shape)).sum();
}

export const TRANSPOSES = [[false, false], [false, true], [true, false], [true, true]] as const;

/** Stores a as aᵀ when transposeA (and b likewise), so every combination computes a·b. */
export function matMulOperands(a: number[], b: number[], tA: boolean, tB: boolean, seed: number): tf.Tensor[] {
  const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
  const aShape = tA ? swap(a) : a;
  const bShape = tB ? swap(b) : b;
  return [tf.tensor(values(aShape, seed), aShape), tf.tensor(values(bShape, seed + 1), bShape)];
}
