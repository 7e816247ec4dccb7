/**
 * The influence-function quantities of docs/paper.md §2-3 on the convex model, and gradient ascent actually run.
 *
 * Normalisation: R_tr(θ) = Σ_{D_tr} ℓ + (λ/2)‖θ‖² (a SUM, regulariser included); R_f(θ) = Σ_{D_f} ℓ (a sum,
 * no regulariser); R_r = R_tr − R_f is what retraining minimises, so θ_r keeps the same λ. H_θ is always
 * ∇²R_tr(θ), the Hessian of the whole training objective (D_f's curvature and λI included).
 *
 * Sign convention: every Δ is an ASCENT direction on the forget loss, added to θ_o:
 *   Δθ_r = H_{θ_r}⁻¹ ∇R_f(θ_r)          θ_r ≈ θ_o + Δθ_r   (the learning gap; from 0 = ∇R_tr(θ_o) expanded at θ_r)
 *   Δθ_f = H_{θ_o}⁻¹ ∇R_f(θ_o)          θ_GA ≈ θ_o + Δθ_f  (one Newton step of ascent on R_f, Eq. 3)
 *   Δθ_n = H_{θ_o}⁻¹ Σ_{D_f} (1/(K−1)) Σ_{y'≠y} ∇ℓ(θ_o; x, y')   (learning the non-target labels)
 * and with GLS targets (docs/paper.md §1) the influence step is linear in α:
 *   H_{θ_o}⁻¹ ∇R_f^{GLS,α}(θ_o) = Δθ_f + ((K−1)α/K)·(Δθ_n − Δθ_f),
 * so θ_r − θ_{GA+GLS} ≈ Δθ_r − Δθ_f + ((1−K)/K)·α·(Δθ_n − Δθ_f), Eq. 5.
 */
import { Rng } from "../rng.ts";
import type { TheoryData } from "./data.ts";
import { type Cholesky, cholesky, cholSolve, conjugateGradient, largestEigenvalue, type Vec } from "./linalg.ts";
import {
  type FitResult,
  glsTargetRows,
  gradient,
  hessian,
  hessianVector,
  makeObjective,
  minimise,
  minimiseChord,
  type NewtonOptions,
  nonTargetTargets,
  type Objective,
  probabilities,
} from "./softmax.ts";

export interface ForgetSet {
  kind: "classwise" | "random" | "sample" | "custom";
  label: string;
  /** Row indices into the training features. */
  rows: Int32Array;
}

export interface Original {
  data: TheoryData;
  lambda: number;
  trainRows: Int32Array;
  objective: Objective;
  theta: Vec;
  fit: FitResult;
  /** ∇²R_tr(θ_o) and its Cholesky factor. */
  hessian: Float64Array;
  factor: Cholesky;
  newton: Partial<NewtonOptions>;
}

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** R_tr on `rows` with one-hot targets and (λ/2)‖θ‖². */
export function trainObjective(data: TheoryData, rows: Int32Array, lambda: number): Objective {
  return makeObjective(data.features, rows, glsTargetRows(data.y, rows, data.numClasses), data.numClasses, lambda);
}

/** R_f^{GLS,α} = Σ_{D_f} ℓ(x, y^{GLS,α}), no regulariser; α = 0 is R_f. */
export function forgetObjective(data: TheoryData, rows: Int32Array, alpha = 0): Objective {
  return makeObjective(data.features, rows, glsTargetRows(data.y, rows, data.numClasses, alpha), data.numClasses, 0);
}

/** θ_o: Newton on R_tr to ‖∇R_tr‖ ≤ gradTol. Throws if it does not get there. */
export function trainOriginal(
  data: TheoryData,
  lambda: number,
  trainRows: Int32Array = allRows(data.features.n),
  newton: Partial<NewtonOptions> = {},
): Original {
  const objective = trainObjective(data, trainRows, lambda);
  const fit = minimise(objective, undefined, newton);
  if (!fit.converged) throw new Error(`θ_o did not converge: ‖∇R_tr‖ = ${fit.gradNorm} after ${fit.iterations} steps`);
  const h = hessian(objective, fit.theta);
  return {
    data,
    lambda,
    trainRows,
    objective,
    theta: fit.theta,
    fit,
    hessian: h,
    factor: cholesky(h, fit.theta.length),
    newton,
  };
}

export function retainRows(original: Original, forget: Int32Array): Int32Array {
  const drop = new Set(forget);
  return original.trainRows.filter((i) => !drop.has(i));
}

export interface Influence {
  forget: ForgetSet;
  thetaO: Vec;
  /** Exact unlearning: R_r minimised from θ_o to the same gradient tolerance. */
  thetaR: Vec;
  fitR: FitResult;
  deltaR: Vec;
  deltaF: Vec;
  deltaN: Vec;
}

/**
 * Δθ_r, Δθ_f, Δθ_n and the exact θ_r for one forget set. `solver: "exact"` forms H_{θ_r} and factors it;
 * "pcg" (for many small forget sets) retrains by chord iterations on H_{θ_o} and solves with H_{θ_r} by
 * conjugate gradient preconditioned with H_{θ_o}.
 */
export function influence(original: Original, forget: ForgetSet, solver: "exact" | "pcg" = "exact"): Influence {
  const { data, lambda } = original;
  const retain = retainRows(original, forget.rows);
  const rObj = trainObjective(data, retain, lambda);
  const fitR = solver === "exact"
    ? minimise(rObj, original.theta, original.newton)
    : minimiseChord(rObj, original.theta, original.factor, original.newton);
  if (!fitR.converged) throw new Error(`θ_r (${forget.label}) did not converge: ‖∇R_r‖ = ${fitR.gradNorm}`);
  const fObj = forgetObjective(data, forget.rows);
  const gR = gradient(fObj, fitR.theta);
  let deltaR: Vec;
  if (solver === "exact") {
    deltaR = cholSolve(cholesky(hessian(original.objective, fitR.theta), gR.length), gR);
  } else {
    const cg = conjugateGradient((v) => hessianVector(original.objective, fitR.theta, v), gR, {
      relTol: 1e-13,
      precond: (r) => cholSolve(original.factor, r),
    });
    deltaR = cg.x;
  }
  const deltaF = cholSolve(original.factor, gradient(fObj, original.theta));
  const nObj = makeObjective(
    data.features,
    forget.rows,
    nonTargetTargets(data.y, forget.rows, data.numClasses),
    data.numClasses,
    0,
  );
  const deltaN = cholSolve(original.factor, gradient(nObj, original.theta));
  return { forget, thetaO: original.theta, thetaR: fitR.theta, fitR, deltaR, deltaF, deltaN };
}

/** θ_o + H_{θ_o}⁻¹ ∇R_f^{GLS,α}(θ_o): GA (α = 0) or GA+GLS by the influence formula. */
export function influenceAscent(original: Original, forgetRows: Int32Array, alpha = 0): Vec {
  const g = gradient(forgetObjective(original.data, forgetRows, alpha), original.theta);
  const d = cholSolve(original.factor, g);
  return original.theta.map((v, q) => v + d[q]);
}

/**
 * Gradient ascent on R_f^{GLS,α} actually run, in the metric of H_{θ_o}: `steps` steps of size 1/steps,
 *   θ ← θ + (1/steps)·H_{θ_o}⁻¹ ∇R_f^{GLS,α}(θ),
 * so one step is exactly the influence formula and more steps follow the ascent path the formula
 * linearises.
 */
export function naturalAscent(original: Original, forgetRows: Int32Array, alpha = 0, steps = 20): Vec {
  const obj = forgetObjective(original.data, forgetRows, alpha);
  let theta = Float64Array.from(original.theta);
  for (let t = 0; t < steps; t++) {
    const d = cholSolve(original.factor, gradient(obj, theta));
    theta = theta.map((v, q) => v + d[q] / steps);
  }
  return theta;
}

export interface PlainAscent {
  theta: Vec;
  steps: number;
  /** Whether the travel budget was reached before maxSteps. */
  reached: boolean;
  stepSize: number;
}

/** 1/λ_max(H_{θ_o}): the largest stable gradient-descent step on R_tr; plain GA's stated step size. */
export function plainStepSize(original: Original): number {
  return 1 / largestEigenvalue((v) => hessianVector(original.objective, original.theta, v), original.theta.length);
}

/**
 * Plain gradient ascent on R_f^{GLS,α}: θ ← θ + η·∇R_f^{GLS,α}(θ) from θ_o, with η = `stepSize`, until
 * ‖θ − θ_o‖ reaches `travel` (e.g. the length of the matching influence step) or `maxSteps`.
 */
export function plainAscent(
  original: Original,
  forgetRows: Int32Array,
  opts: { alpha?: number; stepSize: number; travel: number; maxSteps?: number },
): PlainAscent {
  const obj = forgetObjective(original.data, forgetRows, opts.alpha ?? 0);
  const maxSteps = opts.maxSteps ?? 2000;
  let theta = Float64Array.from(original.theta);
  for (let t = 1; t <= maxSteps; t++) {
    const g = gradient(obj, theta);
    theta = theta.map((v, q) => v + opts.stepSize * g[q]);
    let moved = 0;
    for (let q = 0; q < theta.length; q++) moved += (theta[q] - original.theta[q]) ** 2;
    if (Math.sqrt(moved) >= opts.travel) return { theta, steps: t, reached: true, stepSize: opts.stepSize };
  }
  return { theta, steps: maxSteps, reached: false, stepSize: opts.stepSize };
}

/** Accuracy of θ on rows of the given features (reporting only). */
export function accuracy(
  theta: Vec,
  features: TheoryData["features"],
  y: Int32Array,
  rows: Int32Array,
  k: number,
): number {
  if (rows.length === 0) return NaN;
  const p = probabilities(theta, features, rows, k);
  let hit = 0;
  for (let i = 0; i < rows.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    if (best === y[rows[i]]) hit++;
  }
  return hit / rows.length;
}

/** Forget sets for the surveys: each of `classes` classes whole, and random subsets at each fraction. */
export function forgetSets(
  data: TheoryData,
  trainRows: Int32Array,
  opts: { classes: number; fractions: number[]; setsPerFraction: number; seed: number },
): ForgetSet[] {
  const out: ForgetSet[] = [];
  for (let c = 0; c < Math.min(opts.classes, data.numClasses); c++) {
    out.push({
      kind: "classwise",
      label: `class ${c} (${data.classNames[c]})`,
      rows: trainRows.filter((i) => data.y[i] === c),
    });
  }
  for (const f of opts.fractions) {
    for (let s = 0; s < opts.setsPerFraction; s++) {
      const rng = new Rng(opts.seed).fork(`random ${f} #${s}`);
      const k = Math.max(1, Math.round(f * trainRows.length));
      out.push({
        kind: "random",
        label: `random ${(100 * f).toFixed(0)}% #${s}`,
        rows: rng.sample(trainRows, k).sort(),
      });
    }
  }
  return out;
}
