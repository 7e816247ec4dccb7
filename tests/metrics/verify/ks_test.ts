/**
 * KS forget quality on constructed samples with known answers: identical samples give D = 0, p = 1;
 * disjoint ones D = 1 and p = 2/C(2n, n); the exact p-values equal a brute-force count over every
 * arrangement of the pooled sample; the finite-n Kolmogorov tail approaches Kolmogorov's limit.
 * (Agreement with SciPy is in golden_test.ts.)
 */
import assert from "node:assert/strict";
import { Rng } from "../../../lib/rng.ts";
import { kolmogorovSf, ks2samp, ksForgetQuality, ksForgetQualityEnsemble } from "../../../lib/metrics/verify/mod.ts";

const close = (a: number, b: number, rel: number) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} vs ${b}`);

Deno.test("KS: identical samples give D = 0 and p = 1 (forget quality 1)", () => {
  const rng = new Rng(20);
  const a = Float64Array.from({ length: 300 }, () => rng.normal());
  const r = ksForgetQuality(a, a.slice().reverse());
  assert.equal(r.statistic, 0);
  assert.equal(r.pvalue, 1);
  assert.equal(r.method, "exact");
});

Deno.test("KS: disjoint samples give D = 1 and p = 2 / C(2n, n)", () => {
  const a = Array.from({ length: 10 }, (_, i) => i);
  const b = a.map((v) => v + 100);
  const r = ks2samp(a, b);
  assert.equal(r.statistic, 1);
  close(r.pvalue, 2 / 184756, 1e-13); // C(20, 10) = 184756
  assert.equal(r.sign, 1); // F_a − F_b is positive: a lies to the left
});

/** P(D ≥ d_obs) by enumerating every way to label m + n distinct pooled values as a or b. */
function bruteForceP(m: number, n: number, dObs: number): number {
  let hit = 0, total = 0;
  const size = m + n;
  for (let mask = 0; mask < 1 << size; mask++) {
    let bits = 0;
    for (let t = mask; t; t &= t - 1) bits++;
    if (bits !== m) continue;
    total++;
    let ca = 0, cb = 0, d = 0;
    for (let i = 0; i < size; i++) {
      if (mask & (1 << i)) ca++;
      else cb++;
      d = Math.max(d, Math.abs(ca / m - cb / n));
    }
    if (d >= dObs - 1e-12) hit++;
  }
  return hit / total;
}

Deno.test("KS: exact p-values equal a brute-force count over all arrangements (equal and unequal sizes)", () => {
  const rng = new Rng(21);
  for (const [m, n] of [[5, 5], [6, 6], [4, 7], [6, 9], [3, 12], [8, 6]]) {
    for (let trial = 0; trial < 4; trial++) {
      const a = Array.from({ length: m }, () => rng.normal());
      const b = Array.from({ length: n }, () => rng.normal() + trial * 0.5);
      const r = ks2samp(a, b);
      close(r.pvalue, bruteForceP(m, n, r.statistic), 1e-12);
    }
  }
});

Deno.test("KS: the finite-n Kolmogorov tail approaches Kolmogorov's limit 2 Σ (−1)^{k−1} e^{−2k²z²}", () => {
  const limit = (z: number) => {
    let s = 0;
    for (let k = 1; k < 100; k++) s += (k % 2 ? 2 : -2) * Math.exp(-2 * k * k * z * z);
    return s;
  };
  for (const z of [0.6, 1, 1.36, 2]) {
    const n = 100000;
    // The finite-n correction is O(1/√n): about 0.2% relative at n = 10⁵ for these z.
    close(kolmogorovSf(z / Math.sqrt(n), n), limit(z), 5e-3);
  }
  assert.equal(kolmogorovSf(0, 10), 1);
  assert.equal(kolmogorovSf(1, 10), 0);
});

Deno.test("KS: large samples switch to the asymptotic p-value, which tracks the exact one", () => {
  const rng = new Rng(22);
  const a = Float64Array.from({ length: 3000 }, () => rng.normal());
  const b = Float64Array.from({ length: 2000 }, () => rng.normal() + 0.08);
  const exact = ks2samp(a, b, "exact"), asymp = ks2samp(a, b, "asymp");
  assert.equal(exact.method, "exact");
  assert.equal(asymp.method, "asymp");
  close(asymp.pvalue, exact.pvalue, 0.05);
  const big = ks2samp(new Float64Array(10001).map(() => rng.normal()), new Float64Array(500).map(() => rng.normal()));
  assert.equal(big.method, "asymp");
});

Deno.test("KS over ensembles: per-pair p-values with the retrain-vs-retrain calibration", () => {
  const rng = new Rng(23);
  const draw = (shift: number) => Float64Array.from({ length: 400 }, () => shift + rng.normal());
  const retrained = Array.from({ length: 6 }, () => draw(0));
  const good = Array.from({ length: 6 }, () => draw(0));
  const bad = Array.from({ length: 6 }, () => draw(0.5));
  const g = ksForgetQualityEnsemble(good, retrained), b = ksForgetQualityEnsemble(bad, retrained);
  assert.equal(g.pairs.length, 6);
  assert.equal(g.retrainPairs.length, 5);
  assert.ok(g.medianPvalue > 0.01, `same law: median p ${g.medianPvalue}`);
  assert.ok(b.medianPvalue < 1e-6, `shifted: median p ${b.medianPvalue}`);
  assert.ok(g.retrainMedianPvalue > 0.01);
});
