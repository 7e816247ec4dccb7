/**
 * Memorisation scores on constructed subset models with known answers, the ranking's order and ties,
 * and worst-case forget sets; plus the shared helpers (φ, percentile, linspace) against hand values.
 */
import assert from "node:assert/strict";
import { KitError } from "../../../lib/errors.ts";
import {
  correctnessOfLogits,
  crossEntropyOfLogits,
  linspace,
  logitScaledConfidence,
  memorizationFromOriginal,
  memorizationFromSubsets,
  percentile,
  rankByMemorization,
  trueClassProbability,
  worstCaseForgetSet,
} from "../../../lib/metrics/verify/mod.ts";

Deno.test("memorisation from subset models: mean with minus mean without, NaN without both", () => {
  // 4 models × 3 examples. Example 0: 1 when trained on, 0 otherwise → mem 1. Example 1: always 1 → 0.
  // Example 2: in every subset → no estimate.
  const stats = [[1, 1, 0.9], [0, 1, 0.8], [1, 1, 0.7], [0, 1, 0.6]];
  const mask = [[1, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 1]];
  const mem = memorizationFromSubsets(stats, mask);
  assert.equal(mem[0], 1);
  assert.equal(mem[1], 0);
  assert.ok(Number.isNaN(mem[2]));
});

Deno.test("memorisation from the original: its statistic minus the leave-out mean", () => {
  const original = [0.99, 0.9, 0.5];
  const leaveOut = [[0.1, 0.9, 0.5], [0.3, 0.7, 0.5]];
  const mem = memorizationFromOriginal(original, leaveOut);
  assert.deepEqual([...mem].map((v) => +v.toFixed(12)), [0.79, 0.1, 0]);
  const held = [[1, 0, 0], [1, 1, 0]];
  const masked = memorizationFromOriginal(original, leaveOut, held);
  assert.ok(Math.abs(masked[1] - 0.2) < 1e-12);
  assert.ok(Number.isNaN(masked[2]));
});

Deno.test("ranking and worst-case forget sets: highest first, ties by position, NaN never chosen", () => {
  const scores = [0.2, NaN, 0.9, 0.2, 0.5];
  assert.deepEqual([...rankByMemorization(scores)], [2, 4, 0, 3, 1]);
  const candidates = [100, 101, 102, 103, 104];
  assert.deepEqual([...worstCaseForgetSet(scores, candidates, 3)], [100, 102, 104]);
  assert.throws(() => worstCaseForgetSet(scores, candidates, 5), KitError); // only 4 have a score
  assert.throws(() => worstCaseForgetSet(scores, candidates, 0), KitError);
});

Deno.test("helpers: φ = log(p/(1 − p)), p_y, correctnessOfLogits and loss from logits", () => {
  const logits = [2, 0, -1, 0.5, 0.5, 3];
  const labels = [0, 2];
  const phi = logitScaledConfidence(logits, labels, 3);
  const p = trueClassProbability(logits, labels, 3);
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(phi[i] - Math.log(p[i] / (1 - p[i]))) < 1e-12);
  assert.deepEqual([...correctnessOfLogits(logits, labels, 3)], [1, 1]);
  const ce = crossEntropyOfLogits(logits, labels, 3);
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(ce[i] + Math.log(p[i])) < 1e-12);
  // Far beyond float64 softmax: φ stays exact where log(p/(1 − p)) would overflow.
  assert.equal(logitScaledConfidence([1000, 0], [0], 2)[0], 1000);
});

Deno.test("helpers: numpy's percentile and linspace on hand values", () => {
  assert.equal(percentile([1, 2, 3, 4], 95), 3.8499999999999996); // numpy.percentile gives this, not 3.85
  assert.equal(percentile([5], 99), 5);
  assert.ok(Number.isNaN(percentile([1, NaN], 50)));
  assert.deepEqual([...linspace(0, 1, 5)], [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual([...linspace(2, 3, 1)], [2]);
  assert.equal(linspace(-0.3, 0.7, 21)[20], 0.7);
});
