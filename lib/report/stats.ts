/**
 * Intervals over seeds (docs/evidence.md §1). A table cell is the mean over seeds with the half-width of
 * its 95% confidence interval from Student's t distribution with n − 1 degrees of freedom:
 * mean ± t_{0.975, n−1} · sd / √n. Two methods are compared on the same seeds (same split, same original
 * model), as the paired differences of their values: the interval of the mean difference says whether
 * one is above the other beyond the seed-to-seed noise. With one seed there is no interval (NaN).
 */

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
