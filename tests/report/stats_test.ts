/**
 * The statistics of lib/report/stats.ts against known values: Student-t quantiles from printed tables,
 * p-values from SciPy 1.17 (python3-scipy on Debian; the call that gave each is written beside it), sign-flip
 * counts that can be checked by hand, and Holm's adjustment on a worked example.
 */
import assert from "node:assert/strict";
import {
  bootstrapInterval,
  directionCounts,
  holm,
  meanInterval,
  signFlipP,
  studentQuantile,
  tostP,
  tTestP,
} from "../../lib/report/stats.ts";

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

const D8 = [1.2, -0.4, 2.5, 0.8, 1.9, -0.1, 0.7, 3.1];
const D15 = [0.5, 1.5, -0.3, 2.2, 0.9, 1.1, -1.4, 0.6, 0.2, 1.8, 0.4, -0.2, 1.3, 0.7, 0.05];

Deno.test("Student t quantiles match the printed table (t_0.975 for df 1, 4, 9, 19; t_0.95 for df 10)", () => {
  close(studentQuantile(0.975, 1), 12.706, 5e-4, "df 1");
  close(studentQuantile(0.975, 4), 2.776, 5e-4, "df 4");
  close(studentQuantile(0.975, 9), 2.262, 5e-4, "df 9");
  close(studentQuantile(0.975, 19), 2.093, 5e-4, "df 19");
  close(studentQuantile(0.95, 10), 1.812, 5e-4, "df 10");
});

Deno.test("the paired t interval is mean ± t·sd/√n", () => {
  const i = meanInterval([1, 2, 3, 4, 5]);
  // mean 3, sd √2.5, t_{0.975,4} = 2.7764451
  close(i.mean, 3, 1e-12, "mean");
  close(i.halfWidth, 2.7764451052 * Math.sqrt(2.5) / Math.sqrt(5), 1e-8, "half-width");
});

Deno.test("one-sided t test p-values match SciPy", () => {
  // stats.ttest_1samp(D8, 0, alternative='greater').pvalue
  close(tTestP(D8, 0, "greater"), 0.01312926878910392, 1e-10, "greater");
  // stats.ttest_1samp(D8, 2, alternative='less').pvalue
  close(tTestP(D8, 2, "less"), 0.05553079642224261, 1e-10, "less, shifted");
  assert.ok(Number.isNaN(tTestP([1], 0, "greater")), "one value: no test");
  assert.ok(Number.isNaN(tTestP([2, 2, 2], 0, "greater")), "no spread: no test");
});

Deno.test("the exact sign-flip test counts sign patterns (by hand and against SciPy's permutation_test)", () => {
  // Sum 9.7; only flipping −0.4 and/or −0.1 to + reaches it: 4 of 2^8 patterns (SciPy: 0.015625).
  assert.equal(signFlipP(D8, 0, "greater"), 4 / 256);
  // SciPy permutation_test((D8 − 1, 0), mean diff, permutation_type='samples', alternative='less'): 0.6875 = 176/256
  assert.equal(signFlipP(D8, 1, "less"), 176 / 256);
  // 15 units, SciPy: 0.01043701171875 = 342/2^15
  assert.equal(signFlipP(D15, 0, "greater"), 342 / 2 ** 15);
  // The smallest p with n units is 2^−n: 1/32 with five.
  assert.equal(signFlipP([1, 2, 3, 4, 5], 0, "greater"), 1 / 32);
  // All zeros: every pattern ties, p = 1.
  assert.equal(signFlipP([0, 0, 0], 0, "greater"), 1);
  assert.ok(Number.isNaN(signFlipP([], 0, "greater")));
});

Deno.test("above 20 units the sign-flip test is seeded Monte Carlo: repeatable, on the right side, never 0", () => {
  const d = Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) + 0.3);
  const a = signFlipP(d, 0, "greater", 7);
  assert.equal(signFlipP(d, 0, "greater", 7), a, "same seed, same p");
  // The first 20 of them exactly, as a sanity check of scale: both well below 0.5 with this positive shift.
  const exact20 = signFlipP(d.slice(0, 20), 0, "greater");
  assert.ok(a > 0 && a < 0.5 && exact20 < 0.5, `${a}, ${exact20}`);
  // Monte Carlo p is never 0: (1 + hits) / (1 + draws).
  assert.ok(signFlipP(Array(30).fill(5), 0, "greater", 1, 1000) >= 1 / 1001);
});

Deno.test("TOST takes the larger of the two one-sided p-values (SciPy t tests at ±1)", () => {
  // stats.ttest_1samp(D15, -1, alternative='greater') = 3.63e-06; ttest_1samp(D15, 1, alternative='less') = 0.0657
  close(tostP("t", D15, 1), 0.06569719942667195, 1e-10, "TOST t");
  // Inside a wide margin the sign-flip TOST is tiny; outside a narrow one it is large.
  assert.ok(tostP("sign-flip", [0.1, -0.2, 0.15, 0, -0.05, 0.1, 0.2, -0.1], 2) < 0.01);
  assert.ok(tostP("sign-flip", D8, 0.1) > 0.5);
});

Deno.test("Holm's adjustment on a worked example, NaN left out", () => {
  // p = 0.01, 0.04, 0.03, 0.005 (m = 4): sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06
  const adj = holm([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((v, i) => close(adj[i], v, 1e-12, `p${i}`));
  const withNaN = holm([0.01, NaN, 0.02]);
  assert.ok(Number.isNaN(withNaN[1]));
  close(withNaN[0], 0.02, 1e-12, "m = 2");
  close(withNaN[2], 0.02, 1e-12, "m = 2, running max");
  assert.equal(holm([0.6, 0.7])[0], 1, "capped at 1");
});

Deno.test("the bootstrap interval is seeded, contains the mean, and collapses on constant values", () => {
  const b = bootstrapInterval(D15, 0.95, 3);
  assert.deepEqual(bootstrapInterval(D15, 0.95, 3), b);
  const mean = D15.reduce((a, x) => a + x, 0) / D15.length;
  assert.ok(b.lo < mean && mean < b.hi, `${b.lo} < ${mean} < ${b.hi}`);
  assert.deepEqual(bootstrapInterval([4, 4, 4]), { lo: 4, hi: 4 });
  // Bimodal values (0 or 100): the interval stays inside [0, 100], where a t-interval need not.
  const bimodal = [0, 0, 0, 100, 0, 0, 0, 0, 0, 0];
  const bi = bootstrapInterval(bimodal);
  assert.ok(bi.lo >= 0 && bi.hi <= 100);
  assert.ok(meanInterval(bimodal).lo < 0, "the t-interval crosses the bound here");
});

Deno.test("direction counts: favour, against, ties", () => {
  assert.deepEqual(directionCounts([1, -2, 0, 3, NaN]), { favour: 2, against: 1, ties: 1, n: 4 });
});
