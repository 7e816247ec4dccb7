/**
 * Limited-memory BFGS for smooth convex objectives (Nocedal & Wright, "Numerical Optimization", 2nd ed.,
 * Alg. 7.4 two-loop recursion, Alg. 7.5), with a backtracking Armijo line search. Deterministic: no
 * randomness, the same inputs give the same iterates. Used by the linear probe.
 */

export interface LbfgsOptions {
  /** Pairs (s, y) kept. */
  memory: number;
  maxIterations: number;
  /** Stop when max |gradient| ≤ this. */
  gradientTolerance: number;
  /** Or when the objective's relative decrease over an iteration is below this. */
  relativeDecrease: number;
}

export const DEFAULT_LBFGS: LbfgsOptions = { memory: 10, maxIterations: 1000, gradientTolerance: 1e-6, relativeDecrease: 1e-13 };

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
  /** Max |gradient| at the end. */
  gradientNorm: number;
}

/** `evaluate(x, grad)` returns f(x) and writes ∇f(x) into `grad`. */
export function minimizeLbfgs(
  evaluate: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  options: Partial<LbfgsOptions> = {},
): LbfgsResult {
  const o = { ...DEFAULT_LBFGS, ...options };
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = evaluate(x, g);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let iterations = 0;
  let converged = maxAbs(g) <= o.gradientTolerance;
  const alpha = new Float64Array(o.memory);
  while (!converged && iterations < o.maxIterations) {
    // Two-loop recursion: d = −H g.
    const d = Float64Array.from(g);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[k] * Y[k][i];
    }
    const gamma = S.length > 0
      ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1])
      : 1 / Math.max(1e-12, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) d[i] *= gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], d);
      for (let i = 0; i < n; i++) d[i] += S[k][i] * (alpha[k] - beta);
    }
    for (let i = 0; i < n; i++) d[i] = -d[i];
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost to rounding): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] / Math.max(1e-12, Math.sqrt(dot(g, g)));
      slope = dot(g, d);
    }
    let step = 1;
    const xNew = new Float64Array(n), gNew = new Float64Array(n);
    let fNew = NaN;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = evaluate(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew <= f)) break; // no progress possible at this precision
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) (s[i] = xNew[i] - x[i]), (y[i] = gNew[i] - g[i]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === o.memory) (S.shift(), Y.shift(), rho.shift());
      S.push(s), Y.push(y), rho.push(1 / sy);
    }
    const decrease = (f - fNew) / Math.max(Math.abs(f), Math.abs(fNew), 1e-300);
    x = xNew;
    g = gNew;
    f = fNew;
    iterations++;
    converged = maxAbs(g) <= o.gradientTolerance;
    if (!converged && decrease < o.relativeDecrease) break;
  }
  return { x, value: f, iterations, converged, gradientNorm: maxAbs(g) };
}
