/**
 * Intervals over seeds (docs/evidence.md §1). A table cell is the mean over seeds with the half-width of
 * its 95% confidence interval from Student's t distribution with n − 1 degrees of freedom:
 * mean ± t_{0.975, n−1} · sd / √n. Two methods are compared on the same seeds (same split, same original
 * model), as the paired differences of their values: the interval of the mean difference says whether
 * one is above the other beyond the seed-to-seed noise. With one seed there is no interval (NaN).
 */

import { Rng } from "../rng.ts";

/** ln Γ(x) (Lanczos approximation, g = 7, 9 terms; relative error below 1e-13 for x > 0). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF, to 1e-12). */
export function studentQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentCdf(lo, df) > p) lo *= 2;
  while (studentCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  n: number;
  /** Half-width of the 95% interval of the mean (Student t); NaN with fewer than two values. */
  halfWidth: number;
  lo: number;
  hi: number;
}

/** Mean and 95% Student-t interval of the finite values. */
export function meanInterval(values: number[], level = 0.95): Interval {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0, halfWidth: NaN, lo: NaN, hi: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  const halfWidth = n > 1 ? studentQuantile(0.5 + level / 2, n - 1) * sd / Math.sqrt(n) : NaN;
  return { mean, sd, n, halfWidth, lo: mean - halfWidth, hi: mean + halfWidth };
}

/** The interval of the mean of a − b over the seeds both have (paired: same split, same original model). */
export function pairedDifference(a: Map<number, number>, b: Map<number, number>, level = 0.95): Interval & { seeds: number[] } {
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)!) && Number.isFinite(b.get(s)!)).sort((x, y) => x - y);
  return { ...meanInterval(seeds.map((s) => a.get(s)! - b.get(s)!), level), seeds };
}

/** `mean ± half-width`, or the mean alone with one value; "–" with none. */
export function formatInterval(i: Pick<Interval, "mean" | "halfWidth" | "n">, digits = 2): string {
  if (i.n === 0 || !Number.isFinite(i.mean)) return "–";
  return Number.isFinite(i.halfWidth) ? `${i.mean.toFixed(digits)} ± ${i.halfWidth.toFixed(digits)}` : i.mean.toFixed(digits);
}

// ---------------------------------------------------------------------------------------------
// Tests of paired differences (evidence v2, docs/protocol.md "Statistics"). Every test reads the differences
// d_i = A_i − B_i of one check's units, shifted by the value the claim compares with (`shift`): a claim
// "A − B > θ" tests d − θ > 0. One-sided p-values say how surprising the data are if the claimed side is false.

/** Which side a one-sided test asks about: "greater" (mean of d − shift > 0) or "less" (< 0). */
export type Side = "greater" | "less";

/** Student's t test of the mean of `diffs` against `shift`, one-sided; NaN with fewer than two values or no spread. */
export function tTestP(diffs: number[], shift: number, side: Side): number {
  const i = meanInterval(diffs);
  if (i.n < 2 || !(i.sd > 0)) return NaN;
  const t = (i.mean - shift) / (i.sd / Math.sqrt(i.n));
  return side === "greater" ? 1 - studentCdf(t, i.n - 1) : studentCdf(t, i.n - 1);
}

/** The largest n whose sign-flip distribution is enumerated exactly (2^20 sign patterns, split in two halves). */
export const EXACT_SIGN_FLIP_MAX_N = 20;
/** Monte Carlo draws of the sign-flip test above that n. */
export const SIGN_FLIP_DRAWS = 100_000;

/** Every sum ±x_0 ± x_1 … ± x_k of `xs`, sorted ascending. */
function signedSums(xs: number[]): Float64Array {
  let sums = new Float64Array([0]);
  for (const x of xs) {
    const next = new Float64Array(sums.length * 2);
    for (let j = 0; j < sums.length; j++) {
      next[2 * j] = sums[j] + x;
      next[2 * j + 1] = sums[j] - x;
    }
    sums = next;
  }
  return sums.sort();
}

/** How many of the ascending `sorted` are ≥ `v`. */
function countAtLeast(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/**
 * The sign-flip (permutation) test of paired differences: under the null, d_i − shift is symmetric about 0,
 * so each of the 2^n sign patterns of |d_i − shift| is equally likely; p is the share of patterns whose sum
 * is at least as far on `side` as the observed one (ties count as extreme). Exact for n ≤ 20 (the two
 * halves' sums are enumerated and matched); above, `draws` seeded Monte Carlo patterns with p = (1 + hits) /
 * (1 + draws). No distribution is assumed, so it suits bimodal rows (a class forgotten on some units, not on
 * others). Its smallest possible p is 2^−n: 1/32 with 5 units, 1/1024 with 10. NaN with no values.
 */
export function signFlipP(diffs: number[], shift: number, side: Side, seed = 0, draws = SIGN_FLIP_DRAWS): number {
  const xs = diffs.filter(Number.isFinite).map((d) => side === "greater" ? d - shift : shift - d);
  const n = xs.length;
  if (n === 0) return NaN;
  const observed = xs.reduce((a, b) => a + b, 0);
  const tolerance = 1e-9 * Math.max(1, xs.reduce((a, b) => a + Math.abs(b), 0));
  if (n <= EXACT_SIGN_FLIP_MAX_N) {
    const half = n >> 1;
    const left = signedSums(xs.slice(0, half));
    const right = signedSums(xs.slice(half));
    let hits = 0;
    for (const l of left) hits += countAtLeast(right, observed - l - tolerance);
    return hits / 2 ** n;
  }
  const rng = new Rng(seed).fork("sign-flip");
  let hits = 0;
  for (let k = 0; k < draws; k++) {
    let s = 0;
    for (const x of xs) s += rng.next() < 0.5 ? x : -x;
    if (s >= observed - tolerance) hits++;
  }
  return (1 + hits) / (1 + draws);
}

/** A one-sided p of `diffs` against `shift` by the named test. */
export type PairedTest = "sign-flip" | "t";
export function oneSidedP(test: PairedTest, diffs: number[], shift: number, side: Side, seed = 0): number {
  return test === "t" ? tTestP(diffs, shift, side) : signFlipP(diffs, shift, side, seed);
}

/**
 * Two one-sided tests (TOST) of equivalence within ±margin: p = the larger of "d > −margin" and
 * "d < +margin"; a small p says the mean difference lies inside the margin. NaN where a side is NaN.
 */
export function tostP(test: PairedTest, diffs: number[], margin: number, seed = 0): number {
  const lower = oneSidedP(test, diffs, -margin, "greater", seed);
  const upper = oneSidedP(test, diffs, margin, "less", seed);
  return Number.isNaN(lower) || Number.isNaN(upper) ? NaN : Math.max(lower, upper);
}

/**
 * Holm's step-down adjustment of a family's p-values (Holm 1979): sort ascending, multiply the i-th
 * smallest (i from 0) by (m − i), carry the running maximum, cap at 1. It controls the family-wise error rate
 * under any dependence between the tests. NaN entries (tests not made) are left NaN and do not count in m.
 */
export function holm(ps: number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const m = order.length;
  const out = ps.map(() => NaN);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/**
 * The percentile bootstrap interval of the mean of `values`: `resamples` seeded resamples with replacement,
 * the (1 − level)/2 and (1 + level)/2 quantiles of their means (type-7 interpolation). It follows a
 * bimodal row's shape where the t-interval assumes a normal mean. NaN bounds with no values.
 */
export function bootstrapInterval(values: number[], level = 0.95, seed = 0, resamples = 10_000): { lo: number; hi: number } {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { lo: NaN, hi: NaN };
  const rng = new Rng(seed).fork("bootstrap");
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let j = 0; j < v.length; j++) s += v[rng.int(v.length)];
    means[b] = s / v.length;
  }
  means.sort();
  const q = (p: number) => {
    const h = (resamples - 1) * p;
    const lo = Math.floor(h);
    return means[lo] + (h - lo) * ((means[Math.min(lo + 1, resamples - 1)] ?? means[lo]) - means[lo]);
  };
  return { lo: q((1 - level) / 2), hi: q((1 + level) / 2) };
}

/** Per-unit direction counts of differences d_i (claimed side: d_i > 0): how many favour, oppose or tie. */
export interface DirectionCounts {
  favour: number;
  against: number;
  ties: number;
  n: number;
}
export function directionCounts(diffs: number[]): DirectionCounts {
  const v = diffs.filter(Number.isFinite);
  const favour = v.filter((d) => d > 0).length;
  const against = v.filter((d) => d < 0).length;
  return { favour, against, ties: v.length - favour - against, n: v.length };
}
