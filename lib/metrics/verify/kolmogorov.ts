/**
 * The distribution of the one-sample Kolmogorov-Smirnov statistic D_n for finite n, as SciPy 1.10's
 * `scipy.stats.kstwo.sf` evaluates it (its `_ksstats._kolmogn`, after Simard & L'Ecuyer, "Computing the
 * two-sided Kolmogorov-Smirnov distribution", J. Stat. Software 39(11), 2011). The two-sample test uses
 * it for large samples (scipy `ks_2samp(method="asymp")`: kstwo.sf(D, round(mn/(m+n)))).
 *
 * Which algorithm answers depends on where (n, x) falls, as in SciPy:
 *  - exact closed forms near the ends (Ruben & Gambino 1982): nx ≤ 1 and nx ≥ n − 1;
 *  - x ≥ ½, and (n > 140) nx² ≥ 2.2: 2·P(D⁺_n ≥ x), the one-sided exact Smirnov probability
 *    (Birnbaum & Tingey 1951), exact for x ≥ ½ and a tight upper bound otherwise;
 *  - small nx²: the Durbin matrix algorithm with Marsaglia, Tsang & Wang's scaling (2003), exact;
 *  - otherwise (n > 140): Pelz & Good's (1976) asymptotic series to order n^{-3/2}.
 * One departure: for n ≤ 140 and 0.754693 < nx² ≤ 4 SciPy uses Pomeranz's recursion, this module the
 * Durbin matrix; both are exact, so they agree to rounding.
 */

const TWO_POW_128 = 2 ** 128;
const TWO_POW_M128 = 2 ** -128;

/** log(n!/nⁿ) by Stirling's series (n > 140 here, where the series is exact to double precision). */
function logFactorialOverPower(n: number): number {
  const r = 1 / n, r2 = r * r;
  // ln n! = n ln n − n + ½ ln(2πn) + 1/(12n) − 1/(360n³) + 1/(1260n⁵) − 1/(1680n⁷)
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
  return 0.5 * Math.log(2 * Math.PI * n) - n + series;
}

/**
 * P(D⁺_n ≥ x), the one-sided exact Smirnov tail (Birnbaum-Tingey):
 *   x · Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (x + j/n)^{j−1} (1 − x − j/n)^{n−j}.
 * All terms are positive, so the sum has no cancellation; each term is formed in logs, since its
 * factors alone under- or overflow long before the term does (C(1000, 500) ≈ 10²⁹⁹, 0.3⁷⁰⁰ ≈ 10⁻³⁶⁶).
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (x === 0) return 1;
  const last = Math.floor(n * (1 - x));
  let sum = 0;
  // log C(n, j), updated by the ratio C(n, j+1)/C(n, j) = (n − j)/(j + 1) with Kahan compensation
  // (n reaches 10⁵ here, and plain accumulation would cost ~10⁻⁹ of relative precision).
  let logC = 0, carry = 0;
  for (let j = 0; j <= last; j++) {
    const a = x + j / n;
    const b = 1 - a;
    if (b > 0 || j === n) {
      const t = logC + (j - 1) * Math.log(a) + (n - j > 0 ? (n - j) * Math.log(b) : 0);
      if (t > -745) sum += Math.exp(t);
    }
    const add = Math.log((n - j) / (j + 1)) - carry;
    const next = logC + add;
    carry = next - logC - add;
    logC = next;
  }
  return Math.min(1, Math.max(0, sum * x));
}

/** P(D_n < d) by the Durbin matrix method (Marsaglia, Tsang & Wang 2003), exact. */
export function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // invFact[j] = 1/j!
  const invFact = new Float64Array(m + 1);
  invFact[0] = 1;
  for (let j = 1; j <= m; j++) invFact[j] = invFact[j - 1] / j;
  const edge = new Float64Array(m); // first column, and the last row reversed
  for (let j = 0; j < m; j++) edge[j] = (1 - h ** (j + 1)) * invFact[j + 1];
  edge[m - 1] = (1 + Math.max(2 * h - 1, 0) ** m - 2 * h ** m) * invFact[m];
  let H: Float64Array = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 1; c < m; c++) if (r - c + 1 >= 0) H[r * m + c] = invFact[r - c + 1];
    H[r * m] = edge[r];
  }
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = edge[m - 1 - c];

  const mul = (A: Float64Array, B: Float64Array): Float64Array => {
    const C = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        const a = A[i * m + l];
        if (a === 0) continue;
        for (let j = 0; j < m; j++) C[i * m + j] += a * B[l * m + j];
      }
    }
    return C;
  };
  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let pExp = 0, hExp = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      P = mul(P, H);
      pExp += hExp;
    }
    H = mul(H, H);
    hExp *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > TWO_POW_128) {
      for (let i = 0; i < H.length; i++) H[i] *= TWO_POW_M128;
      hExp += 128;
    }
  }
  let p = P[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_POW_M128) {
      p *= TWO_POW_128;
      pExp -= 128;
    }
  }
  return p * 2 ** pExp;
}

/**
 * Pelz & Good's approximation of P(D_n ≤ x): K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}, z = x√n, each
 * K written as a Jacobi-theta series that converges fast for small z. Returns the cdf.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2, PI4 = PI2 * PI2, PI6 = PI4 * PI2;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z * z, z4 = z2 * z2, z6 = z4 * z2, z8 = z4 * z4;
  const logQ = -PI2 / 8 / z2;
  if (logQ < -708) return 0;
  const q = Math.exp(logQ);
  const maxK = Math.ceil((16 * z) / Math.PI);
  // Σ_k c_j(m) q^{m²}, m = 2k − 1, by Horner in q^{8k} (q^{(2k+1)²} = q^{(2k−1)²} q^{8k}).
  const K = [0, 0, 0, 0];
  for (let k = maxK; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2, m4 = m2 * m2, m6 = m4 * m2;
    const qk = q ** (8 * k);
    const c = [
      1,
      -z2 + (PI2 / 4) * m2,
      6 * z6 + 2 * z4 + ((2 * z4 - 5 * z2) * PI2 / 4) * m2 + (PI4 * (1 - 2 * z2) / 16) * m4,
      -30 * z6 - 90 * z8 + (PI2 * (135 * z4 - 96 * z6) / 4) * m2 + (PI4 * (-60 * z2 + 212 * z4) / 16) * m4 +
      (PI6 * (5 - 30 * z2) / 64) * m6,
    ];
    for (let j = 0; j < 4; j++) K[j] = K[j] * qk + c[j];
  }
  const scale = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let j = 0; j < 4; j++) K[j] = (K[j] * q * SQRT2PI) / scale[j];
  // The second theta series in K₂ and K₃.
  const q2 = Math.exp(-PI2 / 2 / z2);
  let s2 = 0, s3 = 0;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const w = k2 * q2 ** k2;
    s2 += w;
    s3 += (3 * z2 - PI2 * k2) * w;
  }
  K[2] += (s2 * PI2 * SQRT2PI) / (-36 * z ** 3);
  K[3] += (s3 * PI2 * SQRT2PI) / (216 * z6);
  for (let j = 1; j < 4; j++) K[j] /= n ** (j / 2);
  return K[0] + K[1] + K[2] + K[3];
}

const clip01 = (p: number) => Math.min(1, Math.max(0, p));

/** Which algorithm `kolmogorovSf` used (see the module comment). */
export type KolmogorovMethod = "edge" | "ruben-gambino" | "smirnov" | "durbin" | "pelz-good";

/** P(D_n > x) for the two-sided one-sample statistic (scipy.stats.kstwo.sf(x, n)). */
export function kolmogorovSf(x: number, n: number): number {
  return kolmogorovSfWithMethod(x, n).sf;
}

/** `kolmogorovSf` and the algorithm that answered. */
export function kolmogorovSfWithMethod(x: number, n: number): { sf: number; method: KolmogorovMethod } {
  const out = (sf: number, method: KolmogorovMethod) => ({ sf: clip01(sf), method });
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return { sf: NaN, method: "edge" };
  if (x >= 1) return out(0, "edge");
  if (x <= 0) return out(1, "edge");
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return out(1, "edge");
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return out(1 - cdf, "ruben-gambino");
  }
  if (t >= n - 1) return out(2 * (1 - x) ** n, "ruben-gambino");
  if (x >= 0.5) return out(2 * smirnovSf(n, x), "smirnov");
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return out(1 - durbinCdf(n, x), "durbin");
    return out(2 * smirnovSf(n, x), "smirnov");
  }
  if (nx2 >= 370) return out(0, "edge");
  if (nx2 >= 2.2) return out(2 * smirnovSf(n, x), "smirnov");
  if (n <= 100000 && n * x ** 1.5 <= 1.4) return out(1 - durbinCdf(n, x), "durbin");
  // SciPy takes this tail as 1 − cdf (nx² < 2.2 here, so the tail is not small).
  return out(1 - pelzGoodCdf(n, x), "pelz-good");
}
