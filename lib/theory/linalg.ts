/**
 * Dense Float64 linear algebra for the theory checks: vectors, symmetric positive-definite solves by
 * Cholesky, conjugate gradient on a matrix-free operator, and the largest eigenvalue by power iteration.
 * The convex model has a few hundred parameters, so exact Hessians (p×p, row-major) are affordable and
 * CG can be checked against them.
 */

export type Vec = Float64Array;

export function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Vec): number {
  return Math.sqrt(dot(a, a));
}

/** a + s·b, a new vector. */
export function addScaled(a: Vec, b: Vec, s = 1): Vec {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + s * b[i];
  return out;
}

export function sub(a: Vec, b: Vec): Vec {
  return addScaled(a, b, -1);
}

export function scale(a: Vec, s: number): Vec {
  return a.map((v) => v * s);
}

/** ‖a − b‖. */
export function dist(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** y = M·x for a row-major n×n matrix. */
export function matVec(m: Float64Array, x: Vec): Vec {
  const n = x.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += m[row + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** A Cholesky factor L (lower, row-major) with M = L·Lᵀ. */
export interface Cholesky {
  n: number;
  l: Float64Array;
}

/** Factors a symmetric positive-definite matrix; throws if a pivot is not positive. */
export function cholesky(m: Float64Array, n: number): Cholesky {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = m[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) throw new Error(`cholesky: pivot ${j} is ${d}; the matrix is not positive definite`);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = m[i * n + j];
      const ri = i * n;
      const rj = j * n;
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / ljj;
    }
  }
  return { n, l };
}

/** Solves L·Lᵀ·x = b. */
export function cholSolve(f: Cholesky, b: Vec): Vec {
  const { n, l } = f;
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * y[k];
    y[i] = s / l[i * n + i];
  }
  return y;
}

export interface CgResult {
  x: Vec;
  iterations: number;
  /** ‖b − A·x‖ / ‖b‖ at the end (recomputed, not the recursive estimate). */
  relResidual: number;
  converged: boolean;
}

/**
 * Conjugate gradient for A·x = b with A symmetric positive definite, given as a product `apply`.
 * Stops when ‖r‖ ≤ relTol·‖b‖. An optional preconditioner `precond(r) ≈ A⁻¹·r` gives PCG.
 */
export function conjugateGradient(
  apply: (v: Vec) => Vec,
  b: Vec,
  opts: { relTol?: number; maxIter?: number; x0?: Vec; precond?: (r: Vec) => Vec } = {},
): CgResult {
  const relTol = opts.relTol ?? 1e-10;
  const maxIter = opts.maxIter ?? 10 * b.length;
  const bNorm = norm(b);
  const x = opts.x0 ? Float64Array.from(opts.x0) : new Float64Array(b.length);
  if (bNorm === 0) return { x: new Float64Array(b.length), iterations: 0, relResidual: 0, converged: true };
  let r = opts.x0 ? sub(b, apply(x)) : Float64Array.from(b);
  let z = opts.precond ? opts.precond(r) : r;
  const p = Float64Array.from(z);
  let rz = dot(r, z);
  let it = 0;
  while (norm(r) > relTol * bNorm && it < maxIter) {
    const ap = apply(p);
    const step = rz / dot(p, ap);
    for (let i = 0; i < x.length; i++) x[i] += step * p[i];
    r = addScaled(r, ap, -step);
    z = opts.precond ? opts.precond(r) : r;
    const rzNew = dot(r, z);
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < p.length; i++) p[i] = z[i] + beta * p[i];
    it++;
  }
  const relResidual = norm(sub(b, apply(x))) / bNorm;
  return { x, iterations: it, relResidual, converged: relResidual <= relTol * 10 };
}

/** Largest eigenvalue of a symmetric positive semi-definite operator, by power iteration. */
export function largestEigenvalue(apply: (v: Vec) => Vec, n: number, iterations = 200): number {
  let v: Vec = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % 13) / 13);
  v = scale(v, 1 / norm(v));
  let lambda = 0;
  for (let k = 0; k < iterations; k++) {
    const w = apply(v);
    const next = dot(v, w);
    const wn = norm(w);
    if (wn === 0) return 0;
    v = scale(w, 1 / wn);
    if (Math.abs(next - lambda) <= 1e-10 * Math.abs(next)) return next;
    lambda = next;
  }
  return lambda;
}

/** Spearman rank correlation (average ranks for ties); NaN when either side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>) => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Float64Array(v.length);
    for (let s = 0; s < idx.length;) {
      let e = s;
      while (e + 1 < idx.length && v[idx[e + 1]] === v[idx[s]]) e++;
      for (let k = s; k <= e; k++) r[idx[k]] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const ma = ra.reduce((x, y) => x + y, 0) / ra.length;
  const mb = rb.reduce((x, y) => x + y, 0) / rb.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
