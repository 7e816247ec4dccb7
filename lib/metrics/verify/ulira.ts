/**
 * U-LiRA: the per-example likelihood-ratio membership attack adapted to unlearning (Hayes, Shumailov,
 * Triantafillou, Khalifa, Papernot, "Inexact unlearning needs more careful evaluations to avoid a false
 * sense of privacy", arXiv 2403.01218, §3–4), built on LiRA (Carlini et al., "Membership inference attacks
 * from first principles", S&P 2022, §4, and its code tensorflow/privacy research/mi_lira_2021/plot.py).
 *
 * For every example x the attacker has shadow models of two kinds: "in" models (here: unlearned models,
 * which trained on x and then unlearned it; or originals, for classic membership) and "out" models
 * (retrained without x). It fits one Gaussian to each side's φ(x) = log(p_y/(1 − p_y)), and scores a
 * target model by the log likelihood ratio
 *
 *   s(x) = log N(φ_target(x); μ_in(x), σ_in(x)²) − log N(φ_target(x); μ_out(x), σ_out(x)²),
 *
 * high s = "this model still carries x". A perfect unlearning method makes "in" and "out" the same
 * distribution, so no test beats chance: per-example accuracy 50%, AUC 0.5.
 *
 * Evaluation (`uliraLeaveOneOut`): with N in-models and N out-models, fold k holds out in-model k and
 * out-model k as targets, fits the Gaussians on the other N − 1 of each, and scores both targets on every
 * example. The ROC pools all folds × examples (members = held-out in-models); per-example AUC and
 * accuracy use that example's N member and N non-member scores. Choices and how they differ from the
 * references are in docs/verification.md §U-LiRA.
 */
import { column, ensembleShape, mean, median, type PerModel, sameExamples, variance } from "./ensemble.ts";
import { rocAuc, type RocSummary, rocSummary } from "../roc.ts";

export interface UliraOptions {
  /**
   * "pooled": one σ per side, the square root of the mean over examples of the per-example variances
   * (for few shadow models, after Carlini et al.'s fixed-variance advice); "per-example": each
   * example's own σ (needs many shadow models to be stable).
   */
  variance: "pooled" | "per-example";
  /** Centre of each Gaussian: the mean (Hayes et al.) or the median (Carlini et al.'s code). */
  center: "mean" | "median";
  /** Floor on every σ, so identical shadow values do not make the ratio infinite. */
  minStd: number;
}

export const DEFAULT_ULIRA: UliraOptions = { variance: "pooled", center: "mean", minStd: 1e-6 };

/** The fitted Gaussians, one (μ, σ) pair per side and example. */
export interface GaussianFits {
  meanIn: Float64Array;
  stdIn: Float64Array;
  meanOut: Float64Array;
  stdOut: Float64Array;
}

function fitSide(rows: PerModel, skip: number, opts: UliraOptions): { mu: Float64Array; sd: Float64Array } {
  const n = rows[0].length;
  const kept = rows.filter((_, m) => m !== skip);
  const mu = new Float64Array(n);
  const sd = new Float64Array(n);
  const col = new Float64Array(kept.length);
  let pooled = 0;
  for (let i = 0; i < n; i++) {
    column(kept, i, col);
    mu[i] = opts.center === "median" ? median(col) : mean(col);
    const v = variance(col, 1);
    sd[i] = Math.sqrt(v);
    pooled += v;
  }
  if (opts.variance === "pooled") sd.fill(Math.sqrt(pooled / Math.max(1, n)));
  for (let i = 0; i < n; i++) sd[i] = Math.max(sd[i], opts.minStd);
  return { mu, sd };
}

/**
 * Fits the in/out Gaussians per example. `skipIn`/`skipOut` leave one model of each side out (the
 * held-out targets of a fold); −1 keeps all.
 */
export function fitGaussians(
  inRows: PerModel,
  outRows: PerModel,
  options: Partial<UliraOptions> = {},
  skipIn = -1,
  skipOut = -1,
): GaussianFits {
  const opts = { ...DEFAULT_ULIRA, ...options };
  sameExamples("U-LiRA in-models", inRows, "out-models", outRows);
  // Two models per side to fit a variance, plus the one a fold holds out.
  ensembleShape("U-LiRA in-models", inRows, 2 + (skipIn >= 0 ? 1 : 0));
  ensembleShape("U-LiRA out-models", outRows, 2 + (skipOut >= 0 ? 1 : 0));
  const a = fitSide(inRows, skipIn, opts);
  const b = fitSide(outRows, skipOut, opts);
  return { meanIn: a.mu, stdIn: a.sd, meanOut: b.mu, stdOut: b.sd };
}

/** log N(x; μ, σ²) without the constant −½ log 2π (it cancels in the ratio). */
function logDensity(x: number, mu: number, sd: number): number {
  const z = (x - mu) / sd;
  return -Math.log(sd) - 0.5 * z * z;
}

/** The log likelihood ratio s(x) of a target model's φ on every example (high = "in"). */
export function likelihoodRatioScores(fits: GaussianFits, targetPhi: ArrayLike<number>): Float64Array {
  const n = fits.meanIn.length;
  if (targetPhi.length !== n) throw new Error(`U-LiRA: target has ${targetPhi.length} values, the fits ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = logDensity(targetPhi[i], fits.meanIn[i], fits.stdIn[i]) - logDensity(targetPhi[i], fits.meanOut[i], fits.stdOut[i]);
  }
  return out;
}

export interface UliraResult {
  options: UliraOptions;
  /** Number of folds (held-out pairs) and examples. */
  folds: number;
  examples: number;
  /** Fold k: s(x) of held-out in-model k (members) and of held-out out-model k (non-members), per example. */
  memberScores: Float64Array[];
  nonMemberScores: Float64Array[];
  /** ROC over all folds × examples: members positive, non-members negative. */
  roc: RocSummary;
  /** Per example: AUC over its `folds` member vs `folds` non-member scores, and accuracy at s = 0 (Λ = 1). */
  perExample: { auc: Float64Array; accuracy: Float64Array };
  /** Mean over examples of the per-example accuracy (Hayes et al.'s headline number; 0.5 = chance). */
  accuracy: number;
  /** Mean fitted σ of each side over folds and examples (how spread the shadow distributions are). */
  meanStd: { in: number; out: number };
}

/**
 * Leave-one-pair-out U-LiRA over an in-ensemble and an out-ensemble (see the module comment). Uses
 * min(N_in, N_out) folds; each side needs at least 3 models (2 to fit, 1 to hold out).
 */
export function uliraLeaveOneOut(inRows: PerModel, outRows: PerModel, options: Partial<UliraOptions> = {}): UliraResult {
  const opts = { ...DEFAULT_ULIRA, ...options };
  const n = sameExamples("U-LiRA in-models", inRows, "out-models", outRows);
  ensembleShape("U-LiRA in-models", inRows, 3);
  ensembleShape("U-LiRA out-models", outRows, 3);
  const folds = Math.min(inRows.length, outRows.length);
  const memberScores: Float64Array[] = [];
  const nonMemberScores: Float64Array[] = [];
  let sdIn = 0, sdOut = 0;
  for (let k = 0; k < folds; k++) {
    const fits = fitGaussians(inRows, outRows, opts, k, k);
    memberScores.push(likelihoodRatioScores(fits, inRows[k]));
    nonMemberScores.push(likelihoodRatioScores(fits, outRows[k]));
    sdIn += mean(fits.stdIn);
    sdOut += mean(fits.stdOut);
  }
  const pooledPos = new Float64Array(folds * n);
  const pooledNeg = new Float64Array(folds * n);
  for (let k = 0; k < folds; k++) {
    pooledPos.set(memberScores[k], k * n);
    pooledNeg.set(nonMemberScores[k], k * n);
  }
  const auc = new Float64Array(n);
  const accuracy = new Float64Array(n);
  const pos = new Float64Array(folds);
  const neg = new Float64Array(folds);
  for (let i = 0; i < n; i++) {
    let right = 0;
    for (let k = 0; k < folds; k++) {
      pos[k] = memberScores[k][i];
      neg[k] = nonMemberScores[k][i];
      right += pos[k] > 0 ? 1 : pos[k] === 0 ? 0.5 : 0;
      right += neg[k] < 0 ? 1 : neg[k] === 0 ? 0.5 : 0;
    }
    auc[i] = rocAuc(pos, neg);
    accuracy[i] = right / (2 * folds);
  }
  return {
    options: opts,
    folds,
    examples: n,
    memberScores,
    nonMemberScores,
    roc: rocSummary(pooledPos, pooledNeg),
    perExample: { auc, accuracy },
    accuracy: n > 0 ? mean(accuracy) : NaN,
    meanStd: { in: sdIn / folds, out: sdOut / folds },
  };
}

/**
 * Scores one outside target (say, the run's own unlearned model) against Gaussians fitted on full
 * ensembles that do not contain it. Returns s(x) per example.
 */
export function uliraScoreTarget(
  inRows: PerModel,
  outRows: PerModel,
  targetPhi: ArrayLike<number>,
  options: Partial<UliraOptions> = {},
): Float64Array {
  if (targetPhi.length !== (inRows[0]?.length ?? 0)) {
    throw new Error(`U-LiRA: the target covers ${targetPhi.length} examples, the shadow models ${inRows[0]?.length ?? 0}`);
  }
  return likelihoodRatioScores(fitGaussians(inRows, outRows, options), targetPhi);
}
