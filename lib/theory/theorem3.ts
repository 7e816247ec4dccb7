/**
 * Theorem 3 (docs/paper.md §4; the theorem SOURCED, its conditions and proof DERIVED): negative smoothing as label
 * local differential privacy on the forget set.
 *
 * The unlearned model minimises γ1·R_tr − γ2·R_f^{NLS,α} (+ (λ/2)‖θ‖² here, with the base model's λ; both
 * risks are sums, R_tr includes D_f). Per forget example (x, y) that is
 *   −[γ1 − γ2 + γ2(K−1)α/K]·log p_y + (γ2α/K)·Σ_{y'≠y} log p_{y'},
 * i.e. a loss with target weights t = γ1·e_y − γ2·y^{GLS,α} summing to γ1 − γ2, minimised over the simplex by
 *   p_y = 1 + (K−1)αγ2 / (K(γ1−γ2)),  p_{y'} = −αγ2 / (K(γ1−γ2)),
 * a probability vector iff γ1 > γ2 and (K/(K−1))(1 − γ1/γ2) < α < 0. The ratio p_y/p_{y'} is
 * (K/α)(1 − γ1/γ2) + 1 − K and the claim is ε-Label-LDP with ε = |log of it|: ε = 0 at α = 1 − γ1/γ2, ε → ∞ at
 * the lower end of the range (and, from the same formula, also as α → 0⁻, where p_{y'} → 0).
 *
 * Two checks: the closed form against a numeric minimiser of the per-example loss (the proof in isolation),
 * and the trained convex model, whose predicted probabilities on D_f are compared with ε (the theorem
 * applied to a model that shares parameters between D_f and D_r and is regularised).
 */
import { KitError } from "../errors.ts";
import { forgetObjective, type ForgetSet, type Original, retainRows } from "./influence.ts";
import { quantile, spearman } from "./linalg.ts";
import { glsTargetRows, makeObjective, minimise, probabilities } from "./softmax.ts";
import { type Check, flag, grade, type Level, levelOf } from "../verdict.ts";

export interface Theorem3Options {
  gamma1: number;
  gamma2: number;
  /** α values; default `theorem3Alphas` (symmetric in the predicted ε, plus two points below the range). */
  alphas?: number[];
  /** Spearman ρ between predicted ε and the median measured ε over admissible α. */
  rankCorrelation: { holds: number; partly: number };
  /** Share of admissible α where the measured max ε stays within the predicted ε + `epsilonTolerance`. */
  boundShare: { holds: number; partly: number };
  /** Slack (nats) allowed on the bound: the trained model is regularised, so equality is not exact. */
  epsilonTolerance: number;
}

export const THEOREM3_DEFAULTS: Theorem3Options = {
  gamma1: 1,
  gamma2: 0.6,
  rankCorrelation: { holds: 0.9, partly: 0.5 },
  boundShare: { holds: 1, partly: 0.5 },
  epsilonTolerance: 0.05,
};

/** The admissible α interval ((K/(K−1))(1 − γ1/γ2), 0); null when γ1 ≤ γ2. */
export function admissibleRange(k: number, gamma1: number, gamma2: number): { lo: number; hi: number } | null {
  if (!(gamma1 > gamma2) || !(gamma2 > 0)) return null;
  return { lo: (k / (k - 1)) * (1 - gamma1 / gamma2), hi: 0 };
}

/** ε = |log((K/α)(1 − γ1/γ2) + 1 − K)|; NaN where the ratio is not positive (α outside the range). */
export function predictedEpsilon(k: number, gamma1: number, gamma2: number, alpha: number): number {
  const ratio = (k / alpha) * (1 - gamma1 / gamma2) + 1 - k;
  return ratio > 0 ? Math.abs(Math.log(ratio)) : NaN;
}

/** docs/paper.md §4's per-example optimum (may leave the simplex outside the admissible range). */
export function closedFormOptimum(
  k: number,
  gamma1: number,
  gamma2: number,
  alpha: number,
): { pTrue: number; pOther: number } {
  return {
    pTrue: 1 + ((k - 1) * alpha * gamma2) / (k * (gamma1 - gamma2)),
    pOther: (-alpha * gamma2) / (k * (gamma1 - gamma2)),
  };
}

/** Per-example target weights t = γ1·e_y − γ2·y^{GLS,α} for label 0. */
function exampleTargets(k: number, gamma1: number, gamma2: number, alpha: number): Float64Array {
  const t = new Float64Array(k).fill(-gamma2 * alpha / k);
  t[0] += gamma1 - gamma2 * (1 - alpha);
  return t;
}

export interface NumericOptimum {
  /** Softmax at the minimiser (label 0 is the true label). */
  probs: Float64Array;
  iterations: number;
  /** False when the loss decreased without bound (logit spread past `spreadLimit`) or Newton did not converge. */
  bounded: boolean;
  gradNorm: number;
}

/**
 * Minimises f(z) = s·logsumexp(z) − t·z over logits z ∈ ℝ^K by Newton with backtracking, plus ½(Σz)² to fix
 * softmax's shift (which leaves the minimising probabilities unchanged). Independent of the closed form.
 */
export function numericOptimum(
  k: number,
  gamma1: number,
  gamma2: number,
  alpha: number,
  spreadLimit = 60,
): NumericOptimum {
  const t = exampleTargets(k, gamma1, gamma2, alpha);
  const s = t.reduce((a, b) => a + b, 0);
  const softmax = (z: Float64Array) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    return { p: e.map((v) => v / sum), lse: m + Math.log(sum) };
  };
  const f = (z: Float64Array) => {
    const { lse } = softmax(z);
    const sz = z.reduce((a, b) => a + b, 0);
    return s * lse - z.reduce((a, v, i) => a + v * t[i], 0) + 0.5 * sz * sz;
  };
  const grad = (z: Float64Array) => {
    const { p } = softmax(z);
    const sz = z.reduce((a, b) => a + b, 0);
    return p.map((v, i) => s * v - t[i] + sz);
  };
  let z: Float64Array = new Float64Array(k);
  let g = grad(z);
  let it = 0;
  let bounded = true;
  for (; it < 200 && Math.sqrt(g.reduce((a, v) => a + v * v, 0)) > 1e-13; it++) {
    const { p } = softmax(z);
    // Newton system (s(diag p − ppᵀ) + 11ᵀ) d = −g, solved densely (K is small).
    const h = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) h[i * k + j] = s * ((i === j ? p[i] : 0) - p[i] * p[j]) + 1;
    const d = solveDense(h, g.map((v) => -v), k);
    const f0 = f(z);
    const slope = d.reduce((a, v, i) => a + v * g[i], 0);
    // Armijo backtracking; near the optimum, where f's changes fall below rounding, a step that halves ‖∇f‖
    // is accepted too (as in softmax.ts's Newton).
    const gn = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
    let step = 1;
    let next = z.map((v, i) => v + step * d[i]);
    let gNext = grad(next);
    while (
      f(next) > f0 + 1e-4 * step * slope && Math.sqrt(gNext.reduce((a, v) => a + v * v, 0)) > 0.5 * gn && step > 1e-12
    ) {
      step /= 2;
      next = z.map((v, i) => v + step * d[i]);
      gNext = grad(next);
    }
    z = next;
    g = gNext;
    if (Math.max(...z) - Math.min(...z) > spreadLimit) {
      bounded = false;
      break;
    }
  }
  const gradNorm = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
  return { probs: softmax(z).p, iterations: it, bounded: bounded && gradNorm <= 1e-9, gradNorm };
}

function solveDense(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[piv * n + c])) piv = r;
    if (piv !== c) {
      for (let j = 0; j < n; j++) [m[c * n + j], m[piv * n + j]] = [m[piv * n + j], m[c * n + j]];
      [x[c], x[piv]] = [x[piv], x[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c] / m[c * n + c];
      for (let j = c; j < n; j++) m[r * n + j] -= f * m[c * n + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < n; j++) s -= m[r * n + j] * x[j];
    x[r] = s / m[r * n + r];
  }
  return x;
}

export interface ClosedFormPoint {
  alpha: number;
  admissible: boolean;
  closedTrue: number;
  closedOther: number;
  numericTrue: number;
  /** Mean of the numeric p_{y'} over y' ≠ y. */
  numericOther: number;
  bounded: boolean;
  /** max |p_numeric − p_closed| over the K labels; NaN when unbounded. */
  maxAbsDiff: number;
  epsilonPredicted: number;
  /** log(max p / min p) of the numeric optimum. */
  epsilonNumeric: number;
}

export interface ClosedFormResult {
  k: number;
  gamma1: number;
  gamma2: number;
  range: { lo: number; hi: number } | null;
  points: ClosedFormPoint[];
  criteria: Check[];
  verdict: Level;
}

/** The per-example optimum: closed form vs numeric minimiser, inside (and outside) the admissible range. */
export function theorem3ClosedFormCheck(k: number, gamma1: number, gamma2: number, alphas: number[]): ClosedFormResult {
  const range = admissibleRange(k, gamma1, gamma2);
  const points = alphas.map((alpha): ClosedFormPoint => {
    const cf = closedFormOptimum(k, gamma1, gamma2, alpha);
    const num = numericOptimum(k, gamma1, gamma2, alpha);
    const admissible = range !== null && alpha > range.lo && alpha < range.hi;
    let diff = Math.abs(num.probs[0] - cf.pTrue);
    for (let c = 1; c < k; c++) diff = Math.max(diff, Math.abs(num.probs[c] - cf.pOther));
    const others = num.probs.slice(1);
    return {
      alpha,
      admissible,
      closedTrue: cf.pTrue,
      closedOther: cf.pOther,
      numericTrue: num.probs[0],
      numericOther: others.reduce((a, b) => a + b, 0) / (k - 1),
      bounded: num.bounded,
      maxAbsDiff: num.bounded ? diff : NaN,
      epsilonPredicted: predictedEpsilon(k, gamma1, gamma2, alpha),
      epsilonNumeric: Math.log(Math.max(...num.probs) / Math.min(...num.probs)),
    };
  });
  const inside = points.filter((p) => p.admissible);
  const outside = points.filter((p) => !p.admissible);
  const criteria: Check[] = [
    flag("γ1 > γ2 > 0, so an admissible α exists", range !== null, "yes holds"),
    grade(
      "max |p_numeric − p_closed| inside the admissible range",
      inside.length ? Math.max(...inside.map((p) => p.maxAbsDiff)) : NaN,
      {
        holds: 1e-8,
        partly: 1e-4,
      },
    ),
  ];
  if (outside.length) {
    criteria.push(
      flag(
        "no finite per-example minimiser outside the range (as the conditions say)",
        outside.every((p) => !p.bounded),
        "all unbounded holds",
      ),
    );
  }
  // Without an admissible α the theorem promises nothing, whatever the other criteria say.
  return { k, gamma1, gamma2, range, points, criteria, verdict: range ? levelOf(criteria) : "does not hold" };
}

export interface Theorem3Point {
  alpha: number;
  admissible: boolean;
  epsilonPredicted: number;
  /** Over D_f: max, median and 90th percentile of log(max_j p_j / min_j p_j). */
  epsilonMax: number;
  epsilonMedian: number;
  epsilonP90: number;
  /** Median over D_f of |log(p_y / mean_{y'≠y} p_{y'})|: the proof's ratio with the non-target labels averaged. */
  epsilonTrueMedian: number;
  /** Mean p_y and mean p_{y'} (y' ≠ y) on D_f, against the closed form. */
  meanTrue: number;
  meanOther: number;
  closedTrue: number;
  closedOther: number;
  /** Accuracy on D_r (reporting: what the γ1 term keeps). */
  retainAccuracy: number;
  gradNorm: number;
}

export interface Theorem3Result {
  forget: { kind: ForgetSet["kind"]; label: string; size: number };
  gamma1: number;
  gamma2: number;
  lambda: number;
  range: { lo: number; hi: number } | null;
  /** α = 1 − γ1/γ2, where the predicted ε is 0. */
  alphaZero: number;
  points: Theorem3Point[];
  criteria: Check[];
  verdict: Level;
  notes: string[];
}

/** α with predicted ratio p_y/p_{y'} = r: α = K(1 − γ1/γ2) / (r + K − 1). */
export function alphaForRatio(k: number, gamma1: number, gamma2: number, ratio: number): number {
  return (k * (1 - gamma1 / gamma2)) / (ratio + k - 1);
}

/**
 * The default α grid, symmetric in the prediction: the α where the predicted ε is each of `levels` on both
 * sides of α = 1 − γ1/γ2 (below it p_y < p_{y'}, toward the lower end; above it p_y > p_{y'}, toward 0), that
 * point itself, and two points below the admissible range (1.1× and 1.5× its lower end).
 */
export function theorem3Alphas(k: number, gamma1: number, gamma2: number, levels = [0.25, 0.5, 1, 2, 4, 8]): number[] {
  const r = admissibleRange(k, gamma1, gamma2);
  if (!r) throw new KitError(`Theorem 3 needs γ1 > γ2 > 0, got γ1 = ${gamma1}, γ2 = ${gamma2}`);
  const grid = new Set([1 - gamma1 / gamma2, r.lo * 1.1, r.lo * 1.5]);
  for (const eps of levels) {
    grid.add(alphaForRatio(k, gamma1, gamma2, Math.exp(eps)));
    grid.add(alphaForRatio(k, gamma1, gamma2, Math.exp(-eps)));
  }
  return [...grid].sort((a, b) => a - b);
}

/** Trains γ1·R_tr − γ2·R_f^{NLS,α} + (λ/2)‖θ‖² from θ_o for each α and measures D_f's probability ratios. */
export function theorem3Check(
  original: Original,
  forget: ForgetSet,
  partial: Partial<Theorem3Options> = {},
): Theorem3Result {
  const o = { ...THEOREM3_DEFAULTS, ...partial };
  const { data, lambda } = original;
  const k = data.numClasses;
  const range = admissibleRange(k, o.gamma1, o.gamma2);
  const alphas = o.alphas ?? theorem3Alphas(k, o.gamma1, o.gamma2);
  const retain = retainRows(original, forget.rows);
  const rTargets = glsTargetRows(data.y, retain, k, 0, o.gamma1);
  // Solve from α nearest 0 downward, each warm-started from the previous solution (same minimiser, fewer steps).
  const order = [...alphas].sort((a, b) => Math.abs(a) - Math.abs(b));
  let start = original.theta;
  const byAlpha = new Map<number, Theorem3Point>();
  for (const alpha of order) {
    const fit = solveAt(original, forget, { retain, rTargets, o }, alpha, start);
    start = fit.theta;
    byAlpha.set(alpha, measureAt(original, forget, { retain, rTargets, o }, alpha, range, fit));
  }
  const points = alphas.map((a) => byAlpha.get(a)!);
  const alphaZero = 1 - o.gamma1 / o.gamma2;
  const atZero = points.reduce((b, p) => (Math.abs(p.alpha - alphaZero) < Math.abs(b.alpha - alphaZero) ? p : b));
  const criteria = theorem3Criteria(points, atZero, o);
  const notes: string[] = [];
  if (atZero.epsilonMedian > 0.1) {
    notes.push(
      `at α = 1 − γ1/γ2 = ${alphaZero.toFixed(4)} the predicted ε is 0 but the trained model's median ε on D_f is ${
        atZero.epsilonMedian.toFixed(3)
      }`,
    );
  }
  return {
    forget: { kind: forget.kind, label: forget.label, size: forget.rows.length },
    gamma1: o.gamma1,
    gamma2: o.gamma2,
    lambda,
    range,
    alphaZero,
    points,
    criteria,
    verdict: levelOf(criteria),
    notes,
  };
}

/** What every α shares: D_r's rows and their γ1-weighted one-hot targets, and the options. */
interface Theorem3Setting {
  retain: Int32Array;
  rTargets: Float64Array;
  o: Theorem3Options;
}

/** The minimiser of γ1·R_tr − γ2·R_f^{NLS,α} + (λ/2)‖θ‖², from `start`; an error if it did not converge. */
function solveAt(original: Original, forget: ForgetSet, w: Theorem3Setting, alpha: number, start: Float64Array) {
  const { data, lambda } = original;
  const k = data.numClasses;
  const { retain, rTargets, o } = w;
  const fT = glsTargetRows(data.y, forget.rows, k, 0, o.gamma1);
  const nls = forgetObjective(data, forget.rows, alpha).targets;
  for (let q = 0; q < fT.length; q++) fT[q] -= o.gamma2 * nls[q];
  const rows = Int32Array.from([...retain, ...forget.rows]);
  const targets = new Float64Array(rTargets.length + fT.length);
  targets.set(rTargets);
  targets.set(fT, rTargets.length);
  const fit = minimise(makeObjective(data.features, rows, targets, k, lambda), start, original.newton);
  if (!fit.converged) throw new Error(`Theorem 3 model at α = ${alpha} did not converge: ‖∇J‖ = ${fit.gradNorm}`);
  return fit;
}

/** One α's point: the measured probability ratios on D_f against the prediction and the closed form, and D_r accuracy. */
function measureAt(
  original: Original,
  forget: ForgetSet,
  w: Theorem3Setting,
  alpha: number,
  range: ReturnType<typeof admissibleRange>,
  fit: { theta: Float64Array; gradNorm: number },
): Theorem3Point {
  const { data } = original;
  const k = data.numClasses;
  const { retain, o } = w;
  const p = probabilities(fit.theta, data.features, forget.rows, k);
  const eps: number[] = [];
  const epsTrue: number[] = [];
  let sumTrue = 0, sumOther = 0;
  for (let i = 0; i < forget.rows.length; i++) {
    const row = p.subarray(i * k, (i + 1) * k);
    eps.push(Math.log(Math.max(...row) / Math.min(...row)));
    const y = data.y[forget.rows[i]];
    sumTrue += row[y];
    sumOther += (1 - row[y]) / (k - 1);
    epsTrue.push(Math.abs(Math.log(row[y] / ((1 - row[y]) / (k - 1)))));
  }
  const pr = probabilities(fit.theta, data.features, retain, k);
  let hit = 0;
  for (let i = 0; i < retain.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (pr[i * k + c] > pr[i * k + best]) best = c;
    if (best === data.y[retain[i]]) hit++;
  }
  const cf = closedFormOptimum(k, o.gamma1, o.gamma2, alpha);
  return {
    alpha,
    admissible: range !== null && alpha > range.lo && alpha < range.hi,
    epsilonPredicted: predictedEpsilon(k, o.gamma1, o.gamma2, alpha),
    epsilonMax: Math.max(...eps),
    epsilonMedian: quantile(eps, 0.5),
    epsilonP90: quantile(eps, 0.9),
    epsilonTrueMedian: quantile(epsTrue, 0.5),
    meanTrue: sumTrue / forget.rows.length,
    meanOther: sumOther / forget.rows.length,
    closedTrue: cf.pTrue,
    closedOther: cf.pOther,
    retainAccuracy: hit / retain.length,
    gradNorm: fit.gradNorm,
  };
}

/** The bound's hit rate, the rank agreement of predicted and measured ε, and ε's growth toward the range's end. */
function theorem3Criteria(points: Theorem3Point[], atZero: Theorem3Point, o: Theorem3Options): Check[] {
  const inside = points.filter((p) => p.admissible);
  const within = inside.filter((p) => p.epsilonMax <= p.epsilonPredicted + o.epsilonTolerance).length;
  const lowest = inside.reduce((b, p) => (p.alpha < b.alpha ? p : b));
  return [
    grade(
      `share of admissible α with max_D_f log(max p / min p) ≤ ε + ${o.epsilonTolerance}`,
      inside.length ? within / inside.length : NaN,
      {
        ...o.boundShare,
        higherIsBetter: true,
      },
    ),
    grade(
      "Spearman ρ(ε predicted, median ε measured) over admissible α",
      spearman(inside.map((p) => p.epsilonPredicted), inside.map((p) => p.epsilonMedian)),
      {
        ...o.rankCorrelation,
        higherIsBetter: true,
      },
    ),
    flag(
      "median ε grows from α = 1 − γ1/γ2 toward the lower end of the range",
      lowest.epsilonMedian > atZero.epsilonMedian,
      "larger at the lowest admissible α holds",
    ),
  ];
}
