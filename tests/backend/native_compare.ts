/**
 * Shared by the native backend's tests: start it (or say why not, so tests skip with that reason),
 * and a comparison of one computation on the native and cpu backends (inputs: _inputs.ts).
 *
 * Error measure: max |native − cpu| / max(1, max |cpu|), the worst absolute difference relative to
 * the largest reference value (absolute below 1), so that near-zero entries of long float32 sums,
 * whose rounding depends on summation order, do not dominate. Bound: 1e-4.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { prepareNativeBackend } from "../../lib/backend/native/backend.ts";
import { fallbackCounts } from "../../lib/backend/native/heap.ts";
import type { Output } from "./_inputs.ts";
import { runOn } from "./_inputs.ts";

export const TOLERANCE = 1e-4;

const started = await prepareNativeBackend();
/** Why the native backend cannot run here, or undefined when it can. */
export const nativeMissing: string | undefined = started.ok ? undefined : started.why;
if (nativeMissing !== undefined) {
  console.warn(`SKIPPING native backend tests: ${nativeMissing}`);
}

export function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length, "sizes differ");
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue; // equal infinities too
    const d = Math.abs(actual[i] - expected[i]);
    // NaN where the reference has NaN is agreement; anywhere else it is an infinite error.
    if (Number.isNaN(d)) {
      if (!(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) return Infinity;
      continue;
    }
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/**
 * Runs `compute` on cpu and on native (each builds its own tensors) and asserts every output agrees
 * within TOLERANCE. With `native` set, also asserts those native kernels ran without falling back.
 * Returns the worst error.
 */
export async function assertMatchesCpu(
  label: string,
  compute: () => tf.Tensor | tf.Tensor[],
  native: string[] = [],
  cpuOutputs?: Output[],
): Promise<number> {
  const cpu = cpuOutputs ?? await runOn("cpu", compute);
  const before = new Map(native.map((k) => [k, fallbackCounts().get(k) ?? 0]));
  const got = await runOn("native", compute);
  for (const k of native) {
    assert.equal(fallbackCounts().get(k) ?? 0, before.get(k), `${label}: native ${k} fell back to wasm`);
  }
  let worst = 0;
  cpu.forEach((expected, i) => {
    assert.deepEqual(got[i].shape, expected.shape, `${label} [output ${i}]: shape`);
    const err = relativeError(got[i].data, expected.data);
    assert.ok(err <= TOLERANCE, `${label} [output ${i}]: relative error ${err}`);
    worst = Math.max(worst, err);
  });
  return worst;
}
