/**
 * The convex model of the theory checks: L2-regularised multinomial logistic regression in Float64.
 *
 * Parameters θ are a K×D matrix stored row-major (θ[k·D + j]); the last feature column is a constant 1,
 * so the bias is part of θ and is regularised like every other weight (λ > 0 makes the objective
 * strictly convex and removes softmax's shift redundancy).
 *
 * Every objective is a SUM over its rows (never a mean), plus (λ/2)‖θ‖²:
 *   J(θ) = Σ_i −Σ_k t_ik · log softmax(θ·x_i)_k + (λ/2)‖θ‖²
 * with per-row target weights t_i ∈ ℝ^K that need not be a probability vector: one-hot labels give
 * cross-entropy, GLS targets (1 − α)e_y + (α/K)·1 give docs/paper.md §1's loss for any α (also α < 0), and
 * weighted differences of targets give Theorem 3's γ1·R_tr − γ2·R_f^{NLS,α}. With s_i = Σ_k t_ik a row's
 * loss is s_i·logsumexp(z_i) − t_i·z_i, so its gradient in the logits is s_i·p_i − t_i and its Hessian
 * s_i·(diag p_i − p_i p_iᵀ): convex whenever every s_i ≥ 0, whatever the signs of the t_ik.
 */
import { type Cholesky, cholesky, cholSolve, norm, type Vec } from "./linalg.ts";

/** Feature rows (bias column included, last), n×dim row-major. */
export interface Features {
  x: Float64Array;
  n: number;
  dim: number;
}

export interface Objective {
  features: Features;
  /** Row indices into `features`. */
  rows: Int32Array;
  /** rows.length × K target weights. */
  targets: Float64Array;
  numClasses: number;
  /** Coefficient of (λ/2)‖θ‖²; 0 for a bare data term such as R_f. */
  lambda: number;
}

export function numParams(obj: Pick<Objective, "features" | "numClasses">): number {
  return obj.features.dim * obj.numClasses;
}

/**
 * GLS targets y^{GLS,α} = (1 − α)e_y + (α/K)·1 for each row (docs/paper.md §1, SOURCED); α = 0 is one-hot.
 * `weight` multiplies every row (γ in Theorem 3).
 */
export function glsTargetRows(y: Int32Array, rows: Int32Array, k: number, alpha = 0, weight = 1): Float64Array {
  const t = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    for (let c = 0; c < k; c++) t[i * k + c] = weight * (alpha / k);
    t[i * k + y[rows[i]]] += weight * (1 - alpha);
  }
  return t;
}

/** Targets (1/(K−1))·Σ_{y'≠y} e_{y'}: the loss (1/(K−1))·Σ_{y'≠y} ℓ(x, y') of Δθ_n (docs/paper.md §3). */
export function nonTargetTargets(y: Int32Array, rows: Int32Array, k: number): Float64Array {
  const t = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    for (let c = 0; c < k; c++) t[i * k + c] = c === y[rows[i]] ? 0 : 1 / (k - 1);
  }
  return t;
}

export function makeObjective(
  features: Features,
  rows: Int32Array,
  targets: Float64Array,
  numClasses: number,
  lambda: number,
): Objective {
  if (targets.length !== rows.length * numClasses) {
    throw new Error(`objective: ${targets.length} targets for ${rows.length} rows × ${numClasses} classes`);
  }
  return { features, rows, targets, numClasses, lambda };
}

/** Softmax of the logits of every row: rows.length × K. */
export function probabilities(theta: Vec, features: Features, rows: Int32Array, k: number): Float64Array {
  const { x, dim } = features;
  const p = new Float64Array(rows.length * k);
  const z = new Float64Array(k);
  for (let i = 0; i < rows.length; i++) {
    const off = rows[i] * dim;
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const w = c * dim;
      for (let j = 0; j < dim; j++) s += theta[w + j] * x[off + j];
      z[c] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += z[c] = Math.exp(z[c] - max);
    for (let c = 0; c < k; c++) p[i * k + c] = z[c] / sum;
  }
  return p;
}

/** J(θ). */
export function value(obj: Objective, theta: Vec): number {
  const { x, dim } = obj.features;
  const k = obj.numClasses;
  const z = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < obj.rows.length; i++) {
    const off = obj.rows[i] * dim;
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += theta[c * dim + j] * x[off + j];
      z[c] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(z[c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < k; c++) total += obj.targets[i * k + c] * (lse - z[c]);
  }
  return total + 0.5 * obj.lambda * theta.reduce((a, v) => a + v * v, 0);
}

/** ∇J(θ) = Σ_i (s_i·p_i − t_i) ⊗ x_i + λθ. */
export function gradient(obj: Objective, theta: Vec): Vec {
  const { x, dim } = obj.features;
  const k = obj.numClasses;
  const p = probabilities(theta, obj.features, obj.rows, k);
  const g = new Float64Array(theta.length);
  for (let i = 0; i < obj.rows.length; i++) {
    const off = obj.rows[i] * dim;
    let s = 0;
    for (let c = 0; c < k; c++) s += obj.targets[i * k + c];
    for (let c = 0; c < k; c++) {
      const r = s * p[i * k + c] - obj.targets[i * k + c];
      if (r === 0) continue;
      const w = c * dim;
      for (let j = 0; j < dim; j++) g[w + j] += r * x[off + j];
    }
  }
  for (let q = 0; q < g.length; q++) g[q] += obj.lambda * theta[q];
  return g;
}

/** Hessian-vector product ∇²J(θ)·v, without forming the Hessian. */
export function hessianVector(obj: Objective, theta: Vec, v: Vec): Vec {
  const { x, dim } = obj.features;
  const k = obj.numClasses;
  const p = probabilities(theta, obj.features, obj.rows, k);
  const out = new Float64Array(theta.length);
  const u = new Float64Array(k);
  for (let i = 0; i < obj.rows.length; i++) {
    const off = obj.rows[i] * dim;
    let s = 0;
    for (let c = 0; c < k; c++) s += obj.targets[i * k + c];
    if (s === 0) continue;
    let pu = 0;
    for (let c = 0; c < k; c++) {
      let a = 0;
      for (let j = 0; j < dim; j++) a += v[c * dim + j] * x[off + j];
      u[c] = a;
      pu += p[i * k + c] * a;
    }
    for (let c = 0; c < k; c++) {
      const r = s * p[i * k + c] * (u[c] - pu);
      const w = c * dim;
      for (let j = 0; j < dim; j++) out[w + j] += r * x[off + j];
    }
  }
  for (let q = 0; q < out.length; q++) out[q] += obj.lambda * v[q];
  return out;
}

/**
 * The exact Hessian ∇²J(θ), p×p row-major with p = K·D. Built from one weighted Gram matrix
 * Σ_i A_i[a,b]·x_i x_iᵀ per class pair a ≤ b, A_i = s_i(diag p_i − p_i p_iᵀ): cost ~ n·K²·D²/4.
 */
export function hessian(obj: Objective, theta: Vec): Float64Array {
  const { x, dim } = obj.features;
  const k = obj.numClasses;
  const np = k * dim;
  const tri = (dim * (dim + 1)) / 2;
  const pairs = (k * (k + 1)) / 2;
  const gram = new Float64Array(pairs * tri);
  const xx = new Float64Array(tri);
  const prob = probabilities(theta, obj.features, obj.rows, k);
  for (let i = 0; i < obj.rows.length; i++) {
    const off = obj.rows[i] * dim;
    let s = 0;
    for (let c = 0; c < k; c++) s += obj.targets[i * k + c];
    if (s === 0) continue;
    let t = 0;
    for (let j = 0; j < dim; j++) {
      const xj = x[off + j];
      for (let l = j; l < dim; l++) xx[t++] = xj * x[off + l];
    }
    let pair = 0;
    for (let a = 0; a < k; a++) {
      const pa = prob[i * k + a];
      for (let b = a; b < k; b++, pair++) {
        const w = s * (a === b ? pa * (1 - pa) : -pa * prob[i * k + b]);
        if (w === 0) continue;
        const g = pair * tri;
        for (let q = 0; q < tri; q++) gram[g + q] += w * xx[q];
      }
    }
  }
  const h = new Float64Array(np * np);
  let pair = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++, pair++) {
      let t = 0;
      for (let j = 0; j < dim; j++) {
        for (let l = j; l < dim; l++, t++) {
          const v = gram[pair * tri + t];
          const r1 = a * dim + j, c1 = b * dim + l;
          const r2 = a * dim + l, c2 = b * dim + j;
          h[r1 * np + c1] = v;
          h[c1 * np + r1] = v;
          h[r2 * np + c2] = v;
          h[c2 * np + r2] = v;
        }
      }
    }
  }
  for (let q = 0; q < np; q++) h[q * np + q] += obj.lambda;
  return h;
}

export interface FitResult {
  theta: Vec;
  /** ‖∇J(θ)‖ at the returned θ (absolute: J is a sum over rows). */
  gradNorm: number;
  iterations: number;
  converged: boolean;
  value: number;
}

export interface NewtonOptions {
  /** Stop when ‖∇J‖ ≤ gradTol. */
  gradTol: number;
  maxIter: number;
}

export const NEWTON_DEFAULTS: NewtonOptions = { gradTol: 1e-9, maxIter: 100 };

/**
 * Minimises J by damped Newton (exact Hessian, Cholesky solve, Armijo backtracking). Near the optimum,
 * where J's changes fall below float rounding, a step is also accepted when it halves ‖∇J‖.
 */
export function minimise(obj: Objective, theta0?: Vec, partial: Partial<NewtonOptions> = {}): FitResult {
  const o = { ...NEWTON_DEFAULTS, ...partial };
  let theta = theta0 ? Float64Array.from(theta0) : new Float64Array(numParams(obj));
  let f = value(obj, theta);
  let g = gradient(obj, theta);
  let it = 0;
  while (norm(g) > o.gradTol && it < o.maxIter) {
    const h = hessian(obj, theta);
    const d = cholSolve(cholesky(h, theta.length), g).map((v) => -v);
    const slope = d.reduce((a, v, q) => a + v * g[q], 0);
    let t = 1;
    let accepted = false;
    for (let back = 0; back < 60; back++) {
      const cand = theta.map((v, q) => v + t * d[q]);
      const fc = value(obj, cand);
      const gc = gradient(obj, cand);
      if (fc <= f + 1e-4 * t * slope || norm(gc) <= 0.5 * norm(g)) {
        theta = cand;
        f = fc;
        g = gc;
        accepted = true;
        break;
      }
      t /= 2;
    }
    it++;
    if (!accepted) break;
  }
  const gn = norm(g);
  return { theta, gradNorm: gn, iterations: it, converged: gn <= o.gradTol, value: f };
}

/**
 * Minimises J by chord iterations θ ← θ − F⁻¹∇J(θ) with a fixed factor F of a nearby Hessian (e.g. the
 * original model's, for leave-one-out retraining), then finishes with Newton if that stalls. Same
 * stopping rule as `minimise`.
 */
export function minimiseChord(
  obj: Objective,
  theta0: Vec,
  factor: Cholesky,
  partial: Partial<NewtonOptions> = {},
): FitResult {
  const o = { ...NEWTON_DEFAULTS, ...partial };
  let theta = Float64Array.from(theta0);
  let g = gradient(obj, theta);
  let gn = norm(g);
  let it = 0;
  while (gn > o.gradTol && it < 60) {
    const d = cholSolve(factor, g);
    const cand = theta.map((v, q) => v - d[q]);
    const gc = gradient(obj, cand);
    const gcn = norm(gc);
    it++;
    if (!(gcn < 0.9 * gn)) break; // not contracting fast: leave it to Newton
    theta = cand;
    g = gc;
    gn = gcn;
  }
  if (gn <= o.gradTol) return { theta, gradNorm: gn, iterations: it, converged: true, value: value(obj, theta) };
  const fit = minimise(obj, theta, o);
  return { ...fit, iterations: fit.iterations + it };
}
