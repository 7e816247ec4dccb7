/**
 * Generalized label smoothing (GLS), docs/paper.md §1 and §5.
 *
 * Sign convention: `smoothRate` is the paper's α. α > 0 is positive label smoothing (PLS), α = 0 is the
 * one-hot label, α < 0 is negative label smoothing (NLS). The target
 *   y^{GLS,α} = (1 − α)·e_y + (α / K)·1
 * is not a probability vector when α < 0; that is intended.
 */
import * as tf from "@tensorflow/tfjs";

/** GLS targets [B, K] for labels [B] and one rate or a per-sample rate vector [B]. */
export function glsTargets(labels: tf.Tensor1D, numClasses: number, smoothRate: number | tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), numClasses).toFloat();
    const alpha = typeof smoothRate === "number" ? tf.scalar(smoothRate) : smoothRate.reshape([-1, 1]);
    return oneHot.mul(tf.sub(1, alpha)).add(alpha.div(numClasses)) as tf.Tensor2D;
  });
}

/**
 * Per-sample loss ℓ(x, y^{GLS,α}) = −Σ_k y_k^{GLS,α} · log softmax(z)_k, shape [B]. Equal to Eq. 4:
 * (1 − (K−1)α/K)·ℓ(x, y) + (α/K)·Σ_{y'≠y} ℓ(x, y').
 */
export function glsLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothRate: number | tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const targets = glsTargets(labels, logits.shape[1], smoothRate);
    return tf.neg(tf.sum(targets.mul(tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  });
}

/** Eq. 4 written out term by term; tests check it against `glsLoss`. */
export function glsLossEq4(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothRate: number): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const perLabel = tf.neg(tf.logSoftmax(logits)); // ℓ(x, y') for every y'
    const oneHot = tf.oneHot(labels.toInt(), k).toFloat();
    const own = tf.sum(perLabel.mul(oneHot), 1);
    const others = tf.sum(perLabel, 1).sub(own);
    return own.mul(1 - ((k - 1) * smoothRate) / k).add(others.mul(smoothRate / k)) as tf.Tensor1D;
  });
}

/** Plain cross-entropy per sample, [B]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return glsLoss(logits, labels, 0);
}

// ---------------------------------------------------------------------------------------------
// The adaptive per-sample smooth rate (docs/paper.md §5). The paper's summary gives only an outline: for each
// forget sample j, count c_j = the retain samples in the batch whose normalised feature distance is
// below a threshold β. Every choice it leaves open is an option here.

export const ADAPTIVE_FORMS = ["dampen", "scale", "summary"] as const;
export type AdaptiveForm = typeof ADAPTIVE_FORMS[number];
export const ADAPTIVE_SPACES = ["input", "features", "logits"] as const;
export type AdaptiveSpace = typeof ADAPTIVE_SPACES[number];
export const ADAPTIVE_METRICS = ["euclidean", "cosine"] as const;
export type AdaptiveMetric = typeof ADAPTIVE_METRICS[number];

export interface AdaptiveOptions {
  /**
   * How the density d_j = c_j / |B_r| sets α_j from the base rate α:
   * - "dampen" (default): α_j = α·(1 − d_j): dense retain neighbourhood → less forgetting, the stated
   *   intuition;
   * - "scale": α_j = α·d_j, the summary's formula given the base rate's sign;
   * - "summary": α_j = d_j, the summary's c_j/|B| taken literally (≥ 0: positive smoothing).
   */
  form: AdaptiveForm;
  /** Where distances are measured: raw inputs, penultimate features, or logits. */
  space: AdaptiveSpace;
  metric: AdaptiveMetric;
  /** β: a retain sample counts as a neighbour when its normalised distance is below this, in [0, 1]. */
  threshold: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = { form: "dampen", space: "features", metric: "euclidean", threshold: 0.5 };

/**
 * Distances between forget rows [Bf, D] and retain rows [Br, D], normalised to [0, 1] the same way for both
 * metrics: divided by the largest distance in the batch, so β is a fraction of the batch's widest gap.
 * Euclidean: ‖f − r‖; cosine: 1 − cos(f, r), in [0, 2] before the division.
 *
 * Why cosine is divided too: penultimate features are ReLU outputs, never negative, so cos(f, r) ≥ 0 for every
 * pair and a fixed map of cosine onto [0, 1], (1 − cos)/2, never exceeds 0.5. With β = 0.5 every retain sample
 * then counted as a neighbour, the density was 1 and the "dampen" rate α·(1 − 1) was exactly 0: the cosine runs
 * of the committed adaptive ablation were the α = 0 runs to the last digit (docs/paper.md §5).
 */
export function normalisedDistances(forget: tf.Tensor2D, retain: tf.Tensor2D, metric: AdaptiveMetric): tf.Tensor2D {
  return tf.tidy(() => {
    const d = metric === "cosine" ? cosineDistances(forget, retain) : euclideanDistances(forget, retain);
    return d.div(tf.max(d).add(1e-12)) as tf.Tensor2D;
  });
}

function cosineDistances(forget: tf.Tensor2D, retain: tf.Tensor2D): tf.Tensor2D {
  const f = forget.div(tf.norm(forget, 2, 1, true).add(1e-12));
  const r = retain.div(tf.norm(retain, 2, 1, true).add(1e-12));
  return tf.relu(tf.sub(1, tf.matMul(f, r, false, true))) as tf.Tensor2D;
}

function euclideanDistances(forget: tf.Tensor2D, retain: tf.Tensor2D): tf.Tensor2D {
  const f2 = tf.sum(forget.square(), 1, true);
  const r2 = tf.sum(retain.square(), 1, true).transpose();
  return tf.sqrt(tf.relu(f2.add(r2).sub(tf.matMul(forget, retain, false, true).mul(2)))) as tf.Tensor2D;
}

/** Per-sample smooth rates α_j [Bf] for a forget batch, given features of both batches. */
export function adaptiveSmoothRates(
  forgetFeatures: tf.Tensor2D,
  retainFeatures: tf.Tensor2D,
  smoothRate: number,
  opts: AdaptiveOptions,
): tf.Tensor1D {
  return tf.tidy(() => {
    const dist = normalisedDistances(forgetFeatures, retainFeatures, opts.metric);
    const density = tf.mean(dist.less(opts.threshold).toFloat(), 1);
    if (opts.form === "summary") return density as tf.Tensor1D;
    if (opts.form === "scale") return density.mul(smoothRate) as tf.Tensor1D;
    return tf.sub(1, density).mul(smoothRate) as tf.Tensor1D;
  });
}
