/**
 * Shared shapes and small numerics for the per-example verification metrics (docs/verification.md).
 *
 * Every metric in this room reads *ensembles*: several models of one kind (retrained, unlearned,
 * original) evaluated on the same examples in the same order. An ensemble is a plain list of rows, one
 * row per model and one value per example, so a row is what one model's evaluation produces and the
 * caller never builds a matrix.
 */
import { KitError } from "../../errors.ts";

/** One row per model; row m holds one value per example, aligned across rows (same examples, same order). */
export type PerModel = readonly ArrayLike<number>[];

/** A row-major feature matrix: `rows` examples × `cols` features (penultimate activations, say). */
export interface FeatureMatrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/**
 * Checks an ensemble's shape and returns it. Too few models is a user's choice (an ensemble size flag),
 * so it is a KitError naming `what`; rows of different lengths are a wiring bug.
 */
export function ensembleShape(what: string, rows: PerModel, minModels: number): { models: number; examples: number } {
  if (rows.length < minModels) {
    throw new KitError(`needs at least ${minModels} models, got ${rows.length}`, what);
  }
  const examples = rows[0]?.length ?? 0;
  for (let m = 1; m < rows.length; m++) {
    if (rows[m].length !== examples) throw new Error(`${what}: model ${m} has ${rows[m].length} values, model 0 has ${examples}`);
  }
  return { models: rows.length, examples };
}

/** Both ensembles cover the same examples. */
export function sameExamples(a: string, rowsA: PerModel, b: string, rowsB: PerModel): number {
  const na = rowsA[0]?.length ?? 0;
  const nb = rowsB[0]?.length ?? 0;
  if (na !== nb) throw new Error(`${a} covers ${na} examples, ${b} covers ${nb}`);
  return na;
}

/** Values of example `i` across the models of an ensemble (a column of the model × example table). */
export function column(rows: PerModel, i: number, out = new Float64Array(rows.length)): Float64Array {
  for (let m = 0; m < rows.length; m++) out[m] = rows[m][i];
  return out;
}

/**
 * The logit-scaled confidence φ = log(p_y / (1 − p_y)) of each row of `logits` (row-major, `numClasses`
 * per row), computed stably as z_y − logsumexp_{c≠y} z_c. This one number is
 *  - LiRA's and U-LiRA's statistic (Carlini et al. 2022, §4.3; Hayes et al. 2024, §3),
 *  - the NeurIPS 2023 challenge's "logit-scaled confidence" (google-deepmind/unlearning_evaluation
 *    metric.py `compute_logit_scaled_confidence`, which adds 1e-45 inside both logs and so saturates near
 *    ±103; this function does not), and
 *  - KLOM's "margin" (RoyRin/data-unlearning-bench unlearning_bench/eval.py `get_margin`).
 */
export function logitScaledConfidence(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): Float64Array {
  const n = labels.length;
  if (logits.length !== n * numClasses) throw new Error(`logits hold ${logits.length} values, expected ${n} × ${numClasses}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * numClasses;
    const y = labels[i];
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) if (c !== y && logits[base + c] > max) max = logits[base + c];
    let sum = 0;
    for (let c = 0; c < numClasses; c++) if (c !== y) sum += Math.exp(logits[base + c] - max);
    out[i] = logits[base + y] - (max + Math.log(sum));
  }
  return out;
}

/** Softmax probability of the true class, p_y, per row of `logits`. */
export function trueClassProbability(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): Float64Array {
  const n = labels.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[base + c] - max);
    out[i] = Math.exp(logits[base + labels[i]] - max) / sum;
  }
  return out;
}

/** 1 where the arg-max class equals the label, else 0 (ties go to the lower class, as argmax does). */
export function correctnessOfLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): Float64Array {
  const n = labels.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * numClasses;
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (logits[base + c] > logits[base + best]) best = c;
    out[i] = best === labels[i] ? 1 : 0;
  }
  return out;
}

/** Per-example cross-entropy −log p_y (nats), the per-example loss a KS forget quality can compare. */
export function crossEntropyOfLogits(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): Float64Array {
  const n = labels.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[base + c] - max);
    out[i] = max + Math.log(sum) - logits[base + labels[i]];
  }
  return out;
}

/**
 * numpy.linspace(start, stop, num) to the last bit: element i is i·step + start with
 * step = (stop − start)/(num − 1), and the last element is `stop` itself. The binned metrics place bin
 * edges and thresholds with it, and a value exactly on an edge must land where the reference put it.
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(Math.max(0, num));
  if (num <= 0) return out;
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const delta = stop - start;
  const step = delta / (num - 1);
  if (step === 0) {
    for (let i = 0; i < num; i++) out[i] = (i / (num - 1)) * delta + start;
  } else {
    for (let i = 0; i < num; i++) out[i] = i * step + start;
  }
  out[num - 1] = stop;
  return out;
}

/**
 * numpy.searchsorted on sorted `a`: the number of values < x ("left") or ≤ x ("right"); for increasing bin
 * edges, "right" is numpy.digitize's bin index. The one binary search of the verification metrics.
 */
export function searchSorted(a: ArrayLike<number>, x: number, side: "left" | "right"): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x || (side === "right" && a[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** numpy.percentile(values, q) with its default linear interpolation; NaN if any value is NaN or none. */
export function percentile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[n - 1])) return NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  // numpy's lerp: a + (b − a)·t, switched to b − (b − a)(1 − t) for t ≥ ½.
  const a = sorted[lo], b = sorted[hi];
  const diff = b - a;
  return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
}

/** Mean of the finite values; NaN when there are none. */
export function finiteMean(values: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) (s += values[i]), n++;
  }
  return n > 0 ? s / n : NaN;
}

/** Median (numpy.median: the mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const s = Float64Array.from(values).sort();
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Arithmetic mean. */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Variance with `ddof` degrees of freedom removed (1 = the unbiased sample variance). */
export function variance(values: ArrayLike<number>, ddof = 1): number {
  const n = values.length;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return s / (n - ddof);
}
