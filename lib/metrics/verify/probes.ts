/**
 * Representation probes: does forgetting reach the features, or only the head? (The question of
 * arXiv 2503.06991; the probes are the standard ones.) Both read penultimate features.
 *
 *  - k-NN accuracy on D_f: label each D_f example by a majority vote of its k nearest retain examples
 *    (Euclidean or cosine). Retrain, which never saw D_f, sets the level: if an unlearned model's features
 *    still place D_f among its own class, k-NN accuracy stays at the original's level even when the head
 *    no longer predicts the class. Ties in the vote go to the smallest label (scikit-learn's
 *    `KNeighborsClassifier`, which tests/metrics/verify/golden_test.ts checks against).
 *  - Linear-probe accuracy on D_f: multinomial logistic regression fitted on retain features, evaluated
 *    on D_f. Objective (1/n) Σ cross-entropy + (λ/2)‖W‖² (bias not penalised) — scikit-learn's
 *    `LogisticRegression(multi_class="multinomial", C = 1/(λn))` — minimised from zero by L-BFGS, so the
 *    probe is deterministic; `maxTrainRows` subsamples the retain rows with a seeded draw.
 */
import { Rng } from "../../rng.ts";
import type { FeatureMatrix } from "./ensemble.ts";
import { minimizeLbfgs } from "./lbfgs.ts";

export interface KnnOptions {
  k: number;
  metric: "euclidean" | "cosine";
}

export const DEFAULT_KNN: KnnOptions = { k: 5, metric: "euclidean" };

function rowNorms2(m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += m.data[r * m.cols + c] ** 2;
    out[r] = s;
  }
  return out;
}

function normalizedRows(m: FeatureMatrix): FeatureMatrix {
  const norms = rowNorms2(m);
  const data = new Float64Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    const inv = norms[r] > 0 ? 1 / Math.sqrt(norms[r]) : 0;
    for (let c = 0; c < m.cols; c++) data[r * m.cols + c] = m.data[r * m.cols + c] * inv;
  }
  return { data, rows: m.rows, cols: m.cols };
}

/** Predicted labels of `query` rows by a k-nearest-neighbour vote among `reference` rows. */
export function knnPredict(
  reference: FeatureMatrix,
  referenceLabels: ArrayLike<number>,
  query: FeatureMatrix,
  options: Partial<KnnOptions> = {},
): Int32Array {
  const o = { ...DEFAULT_KNN, ...options };
  if (reference.cols !== query.cols) throw new Error(`k-NN: reference has ${reference.cols} features, query ${query.cols}`);
  if (referenceLabels.length !== reference.rows) throw new Error(`k-NN: ${referenceLabels.length} labels for ${reference.rows} rows`);
  const k = Math.min(o.k, reference.rows);
  const ref = o.metric === "cosine" ? normalizedRows(reference) : reference;
  const qry = o.metric === "cosine" ? normalizedRows(query) : query;
  const refNorm = rowNorms2(ref);
  const d = ref.cols;
  let maxLabel = 0;
  for (let i = 0; i < referenceLabels.length; i++) maxLabel = Math.max(maxLabel, referenceLabels[i]);
  const votes = new Int32Array(maxLabel + 1);
  const bestDist = new Float64Array(k), bestIdx = new Int32Array(k);
  const out = new Int32Array(query.rows);
  for (let q = 0; q < query.rows; q++) {
    bestDist.fill(Infinity);
    bestIdx.fill(-1);
    const qo = q * d;
    for (let r = 0; r < ref.rows; r++) {
      const ro = r * d;
      let dotp = 0;
      for (let c = 0; c < d; c++) dotp += qry.data[qo + c] * ref.data[ro + c];
      // ‖q‖² is the same for every r, so it is left out of the ranking.
      const dist = refNorm[r] - 2 * dotp;
      if (dist < bestDist[k - 1]) {
        let j = k - 1;
        while (j > 0 && bestDist[j - 1] > dist) {
          bestDist[j] = bestDist[j - 1];
          bestIdx[j] = bestIdx[j - 1];
          j--;
        }
        bestDist[j] = dist;
        bestIdx[j] = r;
      }
    }
    votes.fill(0);
    for (let j = 0; j < k; j++) votes[referenceLabels[bestIdx[j]]]++;
    let best = 0;
    for (let c = 1; c < votes.length; c++) if (votes[c] > votes[best]) best = c;
    out[q] = best;
  }
  return out;
}

/** Share of `query` rows whose k-NN label equals `queryLabels`. */
export function knnAccuracy(
  reference: FeatureMatrix,
  referenceLabels: ArrayLike<number>,
  query: FeatureMatrix,
  queryLabels: ArrayLike<number>,
  options: Partial<KnnOptions> = {},
): { accuracy: number; predictions: Int32Array } {
  const predictions = knnPredict(reference, referenceLabels, query, options);
  return { accuracy: shareEqual(predictions, queryLabels), predictions };
}

function shareEqual(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`${a.length} predictions for ${b.length} labels`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length > 0 ? same / a.length : NaN;
}

export interface LinearProbeOptions {
  /** λ in (1/n) Σ CE + (λ/2)‖W‖² (scikit-learn C = 1/(λn)). */
  l2: number;
  /** Standardise each feature with the training rows' mean and (population) std first. */
  standardize: boolean;
  maxIterations: number;
  /** L-BFGS stops when max |gradient| ≤ this. */
  gradientTolerance: number;
  /** Fit on at most this many training rows (0 = all), drawn with `seed`. */
  maxTrainRows: number;
  seed: number;
}

export const DEFAULT_PROBE: LinearProbeOptions = {
  l2: 1e-4,
  standardize: true,
  maxIterations: 500,
  gradientTolerance: 1e-6,
  maxTrainRows: 0,
  seed: 0,
};

export interface LinearProbe {
  numClasses: number;
  cols: number;
  /** Row-major [cols × numClasses] weights, and one bias per class, on standardised features. */
  weights: Float64Array;
  bias: Float64Array;
  /** Standardisation applied before the weights (mean 0 / scale 1 when off). */
  featureMean: Float64Array;
  featureScale: Float64Array;
  trainRows: number;
  iterations: number;
  converged: boolean;
  /** Objective value at the end. */
  loss: number;
}

function standardized(x: FeatureMatrix, mu: Float64Array, scale: Float64Array, rows?: Int32Array): Float64Array {
  const n = rows ? rows.length : x.rows;
  const out = new Float64Array(n * x.cols);
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    for (let c = 0; c < x.cols; c++) out[i * x.cols + c] = (x.data[r * x.cols + c] - mu[c]) / scale[c];
  }
  return out;
}

/** Fits the linear probe on `x` (features) and `y` (labels in [0, numClasses)). */
export function fitLinearProbe(
  x: FeatureMatrix,
  y: ArrayLike<number>,
  numClasses: number,
  options: Partial<LinearProbeOptions> = {},
): LinearProbe {
  const o = { ...DEFAULT_PROBE, ...options };
  if (y.length !== x.rows) throw new Error(`linear probe: ${y.length} labels for ${x.rows} rows`);
  const rows = o.maxTrainRows > 0 && o.maxTrainRows < x.rows
    ? new Rng(o.seed).sample(Int32Array.from({ length: x.rows }, (_, i) => i), o.maxTrainRows).sort()
    : undefined;
  const n = rows ? rows.length : x.rows;
  const d = x.cols, K = numClasses;
  const mu = new Float64Array(d), scale = new Float64Array(d).fill(1);
  if (o.standardize) {
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i] : i;
      for (let c = 0; c < d; c++) mu[c] += x.data[r * d + c];
    }
    for (let c = 0; c < d; c++) mu[c] /= n;
    const v = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i] : i;
      for (let c = 0; c < d; c++) v[c] += (x.data[r * d + c] - mu[c]) ** 2;
    }
    for (let c = 0; c < d; c++) scale[c] = v[c] > 0 ? Math.sqrt(v[c] / n) : 1;
  }
  const xs = standardized(x, mu, scale, rows);
  const labels = Int32Array.from({ length: n }, (_, i) => y[rows ? rows[i] : i]);
  const logits = new Float64Array(K);
  // θ = [W (d × K) row-major, b (K)].
  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const xo = i * d;
      for (let k = 0; k < K; k++) logits[k] = theta[d * K + k];
      for (let c = 0; c < d; c++) {
        const v = xs[xo + c];
        if (v === 0) continue;
        const wo = c * K;
        for (let k = 0; k < K; k++) logits[k] += v * theta[wo + k];
      }
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, logits[k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(logits[k] - max);
      const lse = max + Math.log(sum);
      loss += lse - logits[labels[i]];
      for (let k = 0; k < K; k++) logits[k] = Math.exp(logits[k] - lse) - (k === labels[i] ? 1 : 0); // ∂CE/∂logit
      for (let c = 0; c < d; c++) {
        const v = xs[xo + c];
        if (v === 0) continue;
        const wo = c * K;
        for (let k = 0; k < K; k++) grad[wo + k] += v * logits[k];
      }
      for (let k = 0; k < K; k++) grad[d * K + k] += logits[k];
    }
    let penalty = 0;
    for (let j = 0; j < d * K; j++) penalty += theta[j] * theta[j];
    for (let j = 0; j < grad.length; j++) grad[j] /= n;
    for (let j = 0; j < d * K; j++) grad[j] += o.l2 * theta[j];
    return loss / n + 0.5 * o.l2 * penalty;
  };
  const res = minimizeLbfgs(evaluate, new Float64Array(d * K + K), {
    maxIterations: o.maxIterations,
    gradientTolerance: o.gradientTolerance,
  });
  return {
    numClasses: K,
    cols: d,
    weights: res.x.slice(0, d * K),
    bias: res.x.slice(d * K),
    featureMean: mu,
    featureScale: scale,
    trainRows: n,
    iterations: res.iterations,
    converged: res.converged,
    loss: res.value,
  };
}

/** Class probabilities [rows × numClasses] of the probe on `x`. */
export function probeProbabilities(probe: LinearProbe, x: FeatureMatrix): Float64Array {
  if (x.cols !== probe.cols) throw new Error(`linear probe: fitted on ${probe.cols} features, given ${x.cols}`);
  const K = probe.numClasses, d = probe.cols;
  const xs = standardized(x, probe.featureMean, probe.featureScale);
  const out = new Float64Array(x.rows * K);
  for (let i = 0; i < x.rows; i++) {
    const o = i * K;
    for (let k = 0; k < K; k++) out[o + k] = probe.bias[k];
    for (let c = 0; c < d; c++) {
      const v = xs[i * d + c];
      for (let k = 0; k < K; k++) out[o + k] += v * probe.weights[c * K + k];
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, out[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += out[o + k] = Math.exp(out[o + k] - max);
    for (let k = 0; k < K; k++) out[o + k] /= sum;
  }
  return out;
}

/** Arg-max predictions of the probe (ties to the lower class). */
export function probePredict(probe: LinearProbe, x: FeatureMatrix): Int32Array {
  const p = probeProbabilities(probe, x);
  const K = probe.numClasses;
  return Int32Array.from({ length: x.rows }, (_, i) => {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + best]) best = k;
    return best;
  });
}

/** Share of `x` rows the probe labels `y`. */
export function probeAccuracy(probe: LinearProbe, x: FeatureMatrix, y: ArrayLike<number>): number {
  return shareEqual(probePredict(probe, x), y);
}
