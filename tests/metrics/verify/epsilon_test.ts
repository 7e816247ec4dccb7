/**
 * The NeurIPS 2023 ε score on constructed ensembles with known answers: identical ensembles give ε = 0
 * and the full score, separated or collapsed ones the cap and no points; the bucket table matches the
 * challenge's for N = 16. (Agreement with the challenge's own code is in golden_test.ts.)
 */
import assert from "node:assert/strict";
import { KitError } from "../../../lib/errors.ts";
import { Rng } from "../../../lib/rng.ts";
import {
  CHALLENGE,
  challengeBuckets,
  challengeFinalScore,
  challengeForgetScore,
  epsilonHistogram,
  exampleEpsilon,
  torchLinspace,
} from "../../../lib/metrics/verify/mod.ts";

/** N models × n examples: example i's values come from `draw(i, m)`. */
function ensemble(models: number, examples: number, draw: (i: number, m: number) => number): Float64Array[] {
  return Array.from({ length: models }, (_, m) => Float64Array.from({ length: examples }, (_, i) => draw(i, m)));
}

Deno.test("ε: identical ensembles give ε = 0 everywhere and the full forget score", () => {
  const rng = new Rng(1);
  const same = ensemble(16, 40, (i) => i * 0.3 + rng.normal());
  const r = challengeForgetScore(same, same.map((row) => row.slice()));
  assert.deepEqual([...new Set(r.epsilons)], [0]);
  assert.equal(r.forgetScore, 1);
  assert.equal(r.buckets[0].count, 40);
});

Deno.test("ε: separated ensembles give the cap (perfect separation is ε = ∞, clipped) and no points", () => {
  const rng = new Rng(2);
  const u = ensemble(16, 30, () => rng.next());
  const r = ensemble(16, 30, () => 10 + rng.next());
  const res = challengeForgetScore(u, r);
  assert.deepEqual([...new Set(res.epsilons)], [CHALLENGE.epsilonCap]);
  assert.equal(res.forgetScore, 0);
  assert.equal(res.beyondMax, 30);
  assert.deepEqual([...res.retrainPositive].every((v) => v === 1), true);
});

Deno.test("ε: a collapsed ensemble (range under 1% of the other's) is capped outright", () => {
  const rng = new Rng(3);
  const spread = Float64Array.from({ length: 16 }, () => rng.normal());
  const point = Float64Array.from({ length: 16 }, () => 0.001 * rng.next());
  assert.equal(exampleEpsilon(spread, point), CHALLENGE.epsilonCap);
  assert.equal(exampleEpsilon(point, spread), CHALLENGE.epsilonCap);
});

Deno.test("ε grows with the separation of the two samples, and does not depend on which side is which", () => {
  const rng = new Rng(4);
  const shifts = [0, 0.5, 1, 2, 4];
  const n = 60;
  const meanEps: number[] = [];
  for (const shift of shifts) {
    const u = ensemble(16, n, () => rng.normal());
    const r = ensemble(16, n, () => shift + rng.normal());
    const a = challengeForgetScore(u, r), b = challengeForgetScore(r, u);
    // Swapping the ensembles only swaps which one is "positive": the same tests run.
    assert.deepEqual(a.epsilons, b.epsilons);
    meanEps.push(a.epsilons.reduce((s, v) => s + v, 0) / n);
  }
  for (let k = 1; k < shifts.length; k++) assert.ok(meanEps[k] > meanEps[k - 1], `mean ε ${meanEps.join(", ")}`);
});

Deno.test("ε score: the bucket table is the challenge's (N = 16: ε̂ ≤ 3, six buckets worth 1, ½, … 1/32)", () => {
  const { maxEpsilon, buckets } = challengeBuckets(16);
  assert.equal(maxEpsilon, 3);
  assert.deepEqual(buckets.map((b) => [b.from, b.to, b.points]), [
    [0, 0.5, 1],
    [0.5, 1, 0.5],
    [1, 1.5, 0.25],
    [1.5, 2, 0.125],
    [2, 2.5, 0.0625],
    [2.5, 3, 0.03125],
  ]);
  assert.equal(challengeBuckets(2).buckets.length, 0); // ⌈ln 1⌉ = 0: nothing can score
  assert.equal(challengeBuckets(512).maxEpsilon, 7); // the challenge's own N
});

Deno.test("ε score: final score, histogram, and the error for unequal ensembles", () => {
  assert.equal(challengeFinalScore(0.5, { unlearnedRetain: 90, retrainedRetain: 100, unlearnedTest: 80, retrainedTest: 80 }), 0.45);
  const h = epsilonHistogram([0, 0.1, 0.3, 2, 50, NaN], 0.25);
  assert.equal(h.counts.reduce((s, v) => s + v, 0), 5);
  assert.equal(h.counts[0], 2);
  assert.equal(h.counts[1], 1);
  assert.equal(h.counts[h.counts.length - 1], 1); // ε = cap lands in the last, closed bin
  assert.equal(h.undefinedCount, 1);
  const rows = ensemble(4, 3, (i, m) => i + m);
  assert.throws(() => challengeForgetScore(rows, rows.slice(0, 3)), KitError);
});

Deno.test("torchLinspace: ends exact, halves counted from each end, one step = start", () => {
  const v = torchLinspace(-1.3, 2.7, 401);
  assert.equal(v[0], -1.3);
  assert.equal(v[400], 2.7);
  assert.equal(v.length, 401);
  for (let i = 1; i < v.length; i++) assert.ok(v[i] > v[i - 1]);
  assert.deepEqual([...torchLinspace(5, 9, 1)], [5]);
  assert.equal(torchLinspace(0, 1, 0).length, 0);
});

Deno.test("ε score: two draws of one law score far below 1 (the estimator's floor for a perfect method)", () => {
  // Each example's ε is a maximum over ~160 000 threshold tests on 2 × N values, so two samples of the
  // same law still show ε ≈ 1.5 on average and the forget score of Retrain against another Retrain is
  // near 0.2, not 1 (the challenge's own code gives the same: golden case "N=16 same law", 0.167).
  // bench/verify_cost.ts measures this for N = 8 … 128. Reports must compare methods with that floor.
  const rng = new Rng(5);
  const a = ensemble(16, 80, () => rng.normal());
  const b = ensemble(16, 80, () => rng.normal());
  const r = challengeForgetScore(a, b);
  assert.ok(r.forgetScore < 0.5, `N=16 same-law score ${r.forgetScore}`);
  assert.ok(r.forgetScore > 0, `N=16 same-law score ${r.forgetScore}`);
});
