/**
 * KS forget quality: the two-sample Kolmogorov-Smirnov test between an unlearned model's and a retrained
 * model's per-example statistics on D_f, reported as its p-value (locuslab/open-unlearning
 * `src/evals/metrics/privacy.py` `forget_quality`: `ks_2samp(forget_stats, retain_model_stats).pvalue`,
 * TOFU's "forget quality"; for image classifiers the statistic is a per-example loss or φ, not TOFU's
 * truth ratio). A high p-value means the test cannot tell the two apart; 1 is "identical".
 *
 * `ks2samp` reproduces SciPy 1.10's `scipy.stats.ks_2samp(a, b)` (two-sided), method "auto":
 *  - D = max_x |F_a(x) − F_b(x)| over the pooled data, the empirical CDFs taken right-continuous;
 *  - exact p-value when both samples have at most 10 000 values: with g = gcd(m, n), D is rounded to
 *    h / lcm(m, n); for m = n, P(D ≥ h/n) = 2 Σ_{k≥1} (−1)^{k+1} C(2n, n − kh) / C(2n, n), summed in
 *    Horner form; otherwise the share of monotone lattice paths from (0, 0) to (m, n) that leave the band
 *    |i/m − j/n| < h/lcm, computed as a probability recursion that never subtracts (Hodges 1958;
 *    Viehmann, arXiv 2102.08037);
 *  - asymptotic otherwise: kolmogorovSf(D, round(mn/(m + n))) (lib/metrics/verify/kolmogorov.ts).
 */
import { column, ensembleShape, median, type PerModel, sameExamples, searchSorted } from "./ensemble.ts";
import { kolmogorovSf } from "./kolmogorov.ts";

export interface KsResult {
  /** The KS statistic D in [0, 1]. */
  statistic: number;
  /** Two-sided p-value in [0, 1]. */
  pvalue: number;
  /** "exact" or "asymp": how the p-value was computed. */
  method: "exact" | "asymp";
  /** The pooled data value where D is attained, and whether F_a − F_b is positive (+1) or negative (−1) there. */
  location: number;
  sign: 1 | -1;
}

/** SciPy's 'auto' switch: exact up to this many values per sample. */
export const KS_MAX_EXACT = 10000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Round half to even, as numpy.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D_{n,n} ≥ h/n), the equal-size exact tail. */
function equalSizeTail(n: number, h: number): number {
  // A_k = C(2n, n − (k+1)h) / C(2n, n − kh) = Π_{j<h} (n − kh − j)/(n + kh + j + 1); tail = 2(A₀ − A₀A₁ + A₀A₁A₂ − …).
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let a = 1;
    for (let j = 0; j < h; j++) a = ((n - k * h - j) * a) / (n + k * h + j + 1);
    p = a * (1 - p);
  }
  return 2 * p;
}

/**
 * The share of uniformly random monotone lattice paths from (0, 0) to (m, n) that touch a point with
 * |i·n/g − j·m/g| ≥ h. q(i, j), the chance that a random path to (i, j) has left the band, is 1 outside
 * it and (i·q(i−1, j) + j·q(i, j−1)) / (i + j) inside (the last step came from the left with chance
 * i/(i + j)); every step is a convex combination, so small tails keep their precision.
 */
function unequalSizeTail(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g, ng = n / g;
  const q = new Float64Array(n + 1).fill(1);
  // Column i = 0: inside for j·mg < h.
  for (let j = 0; j <= n && j * mg < h; j++) q[j] = 0;
  let lo = 0;
  for (let i = 1; i <= m; i++) {
    // Inside cells: ng·i − h < mg·j < ng·i + h.
    const jLo = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    const jHi = Math.min(Math.ceil((ng * i + h) / mg) - 1, n);
    if (jHi < jLo) return 1;
    for (let j = lo; j < Math.min(jLo, n + 1); j++) q[j] = 1;
    lo = jLo;
    let below = jLo === 0 ? 0 : 1; // q(i, jLo − 1): outside unless jLo = 0 (no cell below)
    for (let j = jLo; j <= jHi; j++) {
      const v = j === 0 ? q[0] : (i * q[j] + j * below) / (i + j);
      q[j] = v;
      below = v;
    }
  }
  return q[n];
}

/** Two-sided two-sample KS test of `a` against `b` (scipy.stats.ks_2samp). */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>, method: "auto" | "exact" | "asymp" = "auto"): KsResult {
  const n1 = a.length, n2 = b.length;
  if (Math.min(n1, n2) === 0) throw new Error("ks2samp: a sample is empty");
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  // F_a − F_b at every pooled value, in scipy's order (a's values, then b's), first extreme wins.
  let maxDiff = -Infinity, minDiff = Infinity, maxAt = NaN, minAt = NaN;
  for (const v of [...sa, ...sb]) {
    const diff = searchSorted(sa, v, "right") / n1 - searchSorted(sb, v, "right") / n2;
    if (diff > maxDiff) (maxDiff = diff), (maxAt = v);
    if (diff < minDiff) (minDiff = diff), (minAt = v);
  }
  const minS = Math.min(1, Math.max(0, -minDiff));
  let d = minS > maxDiff ? minS : maxDiff;
  const location = minS > maxDiff ? minAt : maxAt;
  const sign: 1 | -1 = minS > maxDiff ? -1 : 1;

  const g = gcd(n1, n2);
  let mode: "exact" | "asymp" = method === "auto" ? (Math.max(n1, n2) <= KS_MAX_EXACT ? "exact" : "asymp") : method;
  if (mode === "exact" && n1 / g >= (2 ** 31 - 1) / (n2 / g)) mode = "asymp";
  let p = NaN;
  if (mode === "exact") {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    p = h === 0 ? 1 : n1 === n2 ? equalSizeTail(n1, h) : unequalSizeTail(n1, n2, g, h);
    if (!(p >= 0 && p <= 1)) mode = "asymp";
  }
  if (mode === "asymp") {
    const [big, small] = n1 >= n2 ? [n1, n2] : [n2, n1];
    p = kolmogorovSf(d, roundHalfEven((big * small) / (big + small)));
  }
  return { statistic: d, pvalue: Math.min(1, Math.max(0, p)), method: mode, location, sign };
}

/** open-unlearning's forget quality: the KS p-value of one unlearned vs one retrained model's statistics on D_f. */
export function ksForgetQuality(unlearned: ArrayLike<number>, retrained: ArrayLike<number>): KsResult {
  return ks2samp(unlearned, retrained);
}

export interface KsEnsembleResult {
  /** Pair k: unlearned model k vs retrained model k. */
  pairs: KsResult[];
  /** Median p-value over the pairs (the headline number). */
  medianPvalue: number;
  /**
   * Calibration: retrained model k vs retrained model k + 1 (two draws of Retrain), their median p-value.
   * Retrain against itself is the best any method can score; a method is as good as Retrain when its
   * p-values look like these. NaN with fewer than 2 retrained models.
   */
  retrainPairs: KsResult[];
  retrainMedianPvalue: number;
}

/**
 * KS forget quality over ensembles: one test per (unlearned k, retrained k) pair, plus the
 * retrain-vs-retrain calibration pairs.
 */
export function ksForgetQualityEnsemble(unlearned: PerModel, retrained: PerModel): KsEnsembleResult {
  sameExamples("KS: unlearned models", unlearned, "retrained models", retrained);
  ensembleShape("KS: unlearned models", unlearned, 1);
  ensembleShape("KS: retrained models", retrained, 1);
  const pairs: KsResult[] = [];
  for (let k = 0; k < Math.min(unlearned.length, retrained.length); k++) pairs.push(ks2samp(unlearned[k], retrained[k]));
  const retrainPairs: KsResult[] = [];
  for (let k = 0; k + 1 < retrained.length; k++) retrainPairs.push(ks2samp(retrained[k], retrained[k + 1]));
  return {
    pairs,
    medianPvalue: median(pairs.map((r) => r.pvalue)),
    retrainPairs,
    retrainMedianPvalue: retrainPairs.length > 0 ? median(retrainPairs.map((r) => r.pvalue)) : NaN,
  };
}

/** Per-example means over an ensemble (for a KS test of ensemble-averaged statistics). */
export function ensembleMean(rows: PerModel): Float64Array {
  const n = rows[0]?.length ?? 0;
  const out = new Float64Array(n);
  const col = new Float64Array(rows.length);
  for (let i = 0; i < n; i++) {
    column(rows, i, col);
    out[i] = col.reduce((s, v) => s + v, 0) / rows.length;
  }
  return out;
}
