/**
 * The NeurIPS 2023 Machine Unlearning Challenge's forgetting score: a per-example ε estimated from many
 * unlearned vs many retrained models, bucketed into points (Triantafillou et al., "Are we making
 * progress in unlearning? Findings from the first NeurIPS unlearning competition", arXiv 2406.09073,
 * §3; reference code google-deepmind/unlearning_evaluation `metric.py` at ffae0ff, functions
 * `_get_double_threshold_rates`, `_get_single_threshold_rates`, `_get_epsilons`,
 * `compute_forget_score_from_confs`, and the utility adjustment in `main.py`).
 *
 * For each forget example, the N unlearned and N retrained models' logit-scaled confidences are two
 * samples. A family of threshold tests tries to tell them apart; each test's false positive and false
 * negative rates give a lower bound on the (ε, δ) of "unlearning = retraining" (Kairouz et al.'s
 * hypothesis-testing view of differential privacy), and the example's ε is the largest bound:
 *
 *   ε = max over tests of max( log(1 − δ − FPR) − log FNR,  log(1 − δ − FNR) − log FPR ),  clipped to [0, 50].
 *
 * The tests, exactly as the reference builds them (docs/verification.md §ε gives the reasoning):
 *  - "positive" is whichever sample has the larger median (ties: the unlearned one);
 *  - single thresholds: predict positive when φ ≥ t, t on ⌈100·range⌉ evenly spaced points over the
 *    pooled range;
 *  - double thresholds: predict the peakier sample (smaller range w) when l ≤ φ ≤ r, with 400 left
 *    thresholds l in [r − w − 2, r − w + 2] for each of ⌈100·(range + 4 − w)⌉ right thresholds r in
 *    [min + w − 2, max + 2] of the peakier sample;
 *  - a test with FPR = FNR = 0 gives ε = ∞ (perfect separation), one with exactly one of them 0 is
 *    discarded (too few samples to trust), negative bounds count as 0;
 *  - if the smaller range is under 1% of the larger, ε = 50 outright (one sample collapsed to a point).
 *
 * The score: with max ε̂ = ⌈ln(N − 1)⌉, buckets [0, ½), [½, 1), … up to max ε̂ earn 1, ½, ¼, … points,
 * larger ε earn nothing, and the forget score is the mean over examples. The challenge's final score
 * multiplies it by RA_u/RA_r · TA_u/TA_r (mean accuracies of the two ensembles).
 */
import { KitError } from "../../errors.ts";
import { column, ensembleShape, linspace, median, type PerModel, sameExamples, searchSorted } from "./ensemble.ts";

/** The challenge's constants (metric.py: DELTA, EPSILON_CAP, NUM_THRESHOLDS_PER_UNIT; buffer and ratios inline). */
export const CHALLENGE = {
  delta: 1e-5,
  epsilonCap: 50,
  thresholdsPerUnit: 100,
  /** Half-width, in φ units, of the double-threshold search around the peakier sample. */
  buffer: 2,
  /** Range ratio below which one sample counts as collapsed (ε = cap). */
  peakyRatio: 0.01,
  bucketWidth: 0.5,
} as const;

/**
 * torch.linspace(start, end, steps) as the challenge ran it (CUDA kernel formula): the first half counts
 * up from `start`, the second half down from `end`.
 */
export function torchLinspace(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(Math.max(0, steps));
  if (steps <= 0) return out;
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (steps - 1);
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) out[i] = i < half ? start + step * i : end - step * (steps - i - 1);
  return out;
}

const f32 = Math.fround;

/**
 * ε of a test with kPos of N positives and kNeg of N negatives predicted positive, as the reference
 * computes it (rates and logs in float32, as its torch/numpy code does): +∞ for perfect separation,
 * NaN for a discarded test, else the clipped bound.
 */
function testEpsilon(kPos: number, kNeg: number, models: number, delta: number): number {
  const tpr = f32(kPos / models), fnr = f32((models - kPos) / models);
  const fpr = f32(kNeg / models), tnr = f32((models - kNeg) / models);
  if (fpr + fnr === 0 && tpr + tnr === 2) return Infinity;
  if (fpr * fnr === 0) return NaN;
  const oneMinusDelta = f32(1 - delta);
  const logf = (x: number) => (x > 0 ? f32(Math.log(x)) : x === 0 ? -Infinity : NaN);
  const a = f32(logf(f32(oneMinusDelta - fpr)) - logf(fnr));
  const b = f32(logf(f32(oneMinusDelta - fnr)) - logf(fpr));
  const best = Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
  return Number.isNaN(best) ? NaN : Math.max(0, best);
}

/** All test ε values for N models, indexed kPos·(N + 1) + kNeg. */
function epsilonTable(models: number, delta: number): Float64Array {
  const t = new Float64Array((models + 1) ** 2);
  for (let p = 0; p <= models; p++) for (let q = 0; q <= models; q++) t[p * (models + 1) + q] = testEpsilon(p, q, models, delta);
  return t;
}

class MaxTracker {
  best = -Infinity;
  kept = 0;
  add(e: number): void {
    if (Number.isNaN(e)) return;
    this.kept++;
    if (e > this.best) this.best = e;
  }
}

function rangeOf(a: Float64Array): number {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  return hi - lo;
}

/**
 * ε of one example from the positive sample (larger median) and the negative one, one value per model
 * each (same N). Returns a value in [0, cap], or NaN when every test was discarded (the reference would
 * stop with an error there; NaN earns no points).
 */
export function exampleEpsilon(pos: Float64Array, neg: Float64Array, table?: Float64Array, delta: number = CHALLENGE.delta): number {
  const models = pos.length;
  if (neg.length !== models) throw new Error(`exampleEpsilon: ${models} positive vs ${neg.length} negative values`);
  const t = table ?? epsilonTable(models, delta);
  const posDiff = rangeOf(pos), negDiff = rangeOf(neg);
  const largest = posDiff > negDiff ? posDiff : negDiff;
  const smallest = posDiff > negDiff ? negDiff : posDiff;
  if (smallest / largest < CHALLENGE.peakyRatio) return CHALLENGE.epsilonCap;
  const track = new MaxTracker();
  const stride = models + 1;

  // Double thresholds: the peakier sample is "positive" (ties in range: the negative one).
  const peaky = Float64Array.from(posDiff >= negDiff ? neg : pos).sort();
  const other = Float64Array.from(posDiff >= negDiff ? pos : neg).sort();
  const width = smallest;
  const buffer = CHALLENGE.buffer;
  const rightMin = peaky[0] + width - buffer;
  const rightMax = peaky[models - 1] + buffer;
  const rights = linspace(rightMin, rightMax, Math.ceil((rightMax - rightMin) * CHALLENGE.thresholdsPerUnit));
  const numLeft = Math.ceil(2 * buffer * CHALLENGE.thresholdsPerUnit);
  for (const r of rights) {
    const peakyUpTo = searchSorted(peaky, r, "right");
    const otherUpTo = searchSorted(other, r, "right");
    const lefts = linspace(r - width - buffer, r - width + buffer, numLeft);
    let peakyBelow = 0, otherBelow = 0;
    for (const l of lefts) {
      while (peakyBelow < models && peaky[peakyBelow] < l) peakyBelow++;
      while (otherBelow < models && other[otherBelow] < l) otherBelow++;
      const kPos = Math.max(0, peakyUpTo - peakyBelow);
      const kNeg = Math.max(0, otherUpTo - otherBelow);
      track.add(t[kPos * stride + kNeg]);
    }
  }

  // Single thresholds: predict positive when φ ≥ t.
  const sortedPos = Float64Array.from(pos).sort();
  const sortedNeg = Float64Array.from(neg).sort();
  const lo = Math.min(sortedPos[0], sortedNeg[0]);
  const hi = Math.max(sortedPos[models - 1], sortedNeg[models - 1]);
  for (const th of torchLinspace(lo, hi, Math.ceil((hi - lo) * CHALLENGE.thresholdsPerUnit))) {
    const kPos = models - searchSorted(sortedPos, th, "left");
    const kNeg = models - searchSorted(sortedNeg, th, "left");
    track.add(t[kPos * stride + kNeg]);
  }

  if (track.kept === 0) return NaN;
  return Math.min(CHALLENGE.epsilonCap, Math.max(0, track.best));
}

export interface ChallengeBucket {
  /** ε range [from, to) and the points an example in it earns. */
  from: number;
  to: number;
  points: number;
  count: number;
}

export interface ChallengeResult {
  /** ε per forget example, aligned with the ensembles' columns. */
  epsilons: Float64Array;
  /** Whether the retrained sample was the positive (larger median) one, per example. */
  retrainPositive: Uint8Array;
  /** The forget score in [0, 1] (1 = every example at ε < ½). */
  forgetScore: number;
  /** ⌈ln(N − 1)⌉: ε at or above it earns nothing. */
  maxEpsilon: number;
  /** The scoring buckets with their counts (the challenge's histogram), then the rest. */
  buckets: ChallengeBucket[];
  /** Examples at ε ≥ maxEpsilon (0 points), and with undefined ε (NaN, 0 points). */
  beyondMax: number;
  undefinedCount: number;
  models: number;
}

/** The bucket table for N models (metric.py `compute_forget_score_from_confs`). */
export function challengeBuckets(models: number): { maxEpsilon: number; buckets: ChallengeBucket[] } {
  const maxEpsilon = Math.ceil(Math.log(models - 1));
  const buckets: ChallengeBucket[] = [];
  let start = 0, points = 1;
  while (start + CHALLENGE.bucketWidth <= maxEpsilon) {
    buckets.push({ from: start, to: start + CHALLENGE.bucketWidth, points, count: 0 });
    points /= 2;
    start += CHALLENGE.bucketWidth;
  }
  return { maxEpsilon, buckets };
}

/**
 * Per-example ε and the challenge's forget score, from the logit-scaled confidences of N unlearned and
 * N retrained models on the forget set (`unlearned[m][i]` = model m, example i).
 */
export function challengeForgetScore(unlearned: PerModel, retrained: PerModel, delta: number = CHALLENGE.delta): ChallengeResult {
  const n = sameExamples("ε score: unlearned models", unlearned, "retrained models", retrained);
  const { models } = ensembleShape("ε score: unlearned models", unlearned, 2);
  ensembleShape("ε score: retrained models", retrained, 2);
  if (retrained.length !== models) {
    throw new KitError(`needs as many retrained as unlearned models, got ${retrained.length} and ${models}`, "ε score");
  }
  const table = epsilonTable(models, delta);
  const epsilons = new Float64Array(n);
  const retrainPositive = new Uint8Array(n);
  const u = new Float64Array(models), r = new Float64Array(models);
  for (let i = 0; i < n; i++) {
    column(unlearned, i, u);
    column(retrained, i, r);
    const retrainIsPos = median(r) > median(u);
    retrainPositive[i] = retrainIsPos ? 1 : 0;
    epsilons[i] = retrainIsPos ? exampleEpsilon(r, u, table, delta) : exampleEpsilon(u, r, table, delta);
  }
  const { maxEpsilon, buckets } = challengeBuckets(models);
  let score = 0, beyondMax = 0, undefinedCount = 0;
  for (const e of epsilons) {
    if (Number.isNaN(e)) {
      undefinedCount++;
      continue;
    }
    const b = buckets.find((b) => e < b.to);
    if (b) (b.count++, (score += b.points));
    else beyondMax++;
  }
  return {
    epsilons,
    retrainPositive,
    forgetScore: n > 0 ? score / n : NaN,
    maxEpsilon,
    buckets,
    beyondMax,
    undefinedCount,
    models,
  };
}

/** Mean accuracies (any unit, the same for all four) of the two ensembles on D_r and D_te. */
export interface EnsembleAccuracies {
  unlearnedRetain: number;
  retrainedRetain: number;
  unlearnedTest: number;
  retrainedTest: number;
}

/** The challenge's final score: forget score × RA_u/RA_r × TA_u/TA_r (main.py). */
export function challengeFinalScore(forgetScore: number, acc: EnsembleAccuracies): number {
  return forgetScore * (acc.unlearnedRetain / acc.retrainedRetain) * (acc.unlearnedTest / acc.retrainedTest);
}

/**
 * A finer histogram of ε for figures: `binWidth`-wide bins over [0, cap], the last bin closed (it holds
 * ε = cap, the "collapsed or separated" examples). NaN values are counted apart.
 */
export function epsilonHistogram(
  epsilons: ArrayLike<number>,
  binWidth = 0.25,
  cap: number = CHALLENGE.epsilonCap,
): { edges: Float64Array; counts: Int32Array; undefinedCount: number } {
  const bins = Math.ceil(cap / binWidth);
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => Math.min(cap, i * binWidth));
  const counts = new Int32Array(bins);
  let undefinedCount = 0;
  for (let i = 0; i < epsilons.length; i++) {
    const e = epsilons[i];
    if (Number.isNaN(e)) {
      undefinedCount++;
      continue;
    }
    counts[Math.min(bins - 1, Math.max(0, Math.floor(e / binWidth)))]++;
  }
  return { edges, counts, undefinedCount };
}
