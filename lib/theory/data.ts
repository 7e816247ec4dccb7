/**
 * The data the theory checks run on, and how big they are.
 *
 * Fashion-MNIST pixels (784) go through a fixed, documented feature map before any model is trained:
 *   1. a seeded Gaussian random projection R (dim × 784, entries N(0, 1)) of the centred pixels,
 *   2. per-feature standardisation (mean 0, variance 1 over the theory's training rows),
 *   3. a constant 1 appended (the bias column).
 * The map is fitted once on the training rows D_tr (which include D_f) and then frozen: θ_o and θ_r are
 * the same model class on the same features, so retraining on D_r is exact unlearning within it. The test
 * split is projected with the same map and only used for reporting accuracy, never for a choice.
 */
import { loadDataset } from "../data/registry.ts";
import { stratifiedSample } from "../data/splits.ts";
import { isQuick } from "../env.ts";
import { Rng } from "../rng.ts";
import type { Features } from "./softmax.ts";

export interface TheoryData {
  name: string;
  /** Training rows 0..n−1 (D_tr), bias column last. */
  features: Features;
  y: Int32Array;
  /** Test rows projected with the same map (reporting only); may be empty. */
  testFeatures: Features;
  testY: Int32Array;
  numClasses: number;
  classNames: string[];
  /** The feature map, in words, for records. */
  featureMap: string;
}

/** Sizes of the theory runs; UNLEARN_QUICK=1 shrinks them for CI. */
export interface TheoryScale {
  quick: boolean;
  /** Training rows drawn (stratified) from Fashion-MNIST's train split. */
  trainSize: number;
  testSize: number;
  /** Projected feature dimension (before the bias column). */
  projectionDim: number;
  /** Coefficient of (λ/2)‖θ‖² in the summed objective. */
  lambda: number;
  /** Theorem 1: classes forgotten one at a time, and random forget sets per fraction. */
  classwiseClasses: number;
  randomFractions: number[];
  randomSetsPerFraction: number;
  /** Figure 5: single-sample forget sets, training rows and hidden width of the small network. */
  perSampleCount: number;
  figure5TrainSize: number;
  mlpHidden: number;
  mlpEpochs: number;
  seed: number;
}

const FULL: TheoryScale = {
  quick: false,
  trainSize: 4000,
  testSize: 2000,
  projectionDim: 30,
  lambda: 1,
  classwiseClasses: 10,
  randomFractions: [0.01, 0.05, 0.1, 0.2, 0.3],
  randomSetsPerFraction: 4,
  perSampleCount: 300,
  figure5TrainSize: 2000,
  mlpHidden: 32,
  mlpEpochs: 60,
  seed: 1,
};

const QUICK: TheoryScale = {
  ...FULL,
  quick: true,
  trainSize: 1000,
  testSize: 500,
  projectionDim: 16,
  classwiseClasses: 3,
  randomFractions: [0.05, 0.2],
  randomSetsPerFraction: 2,
  perSampleCount: 40,
  figure5TrainSize: 600,
  mlpHidden: 16,
  mlpEpochs: 30,
};

/** The scale every notebook and script uses: quick when UNLEARN_QUICK=1. */
export function theoryScale(overrides: Partial<TheoryScale> = {}): TheoryScale {
  return { ...(isQuick() ? QUICK : FULL), ...overrides };
}

/** A fitted feature map: centring, projection, standardisation, bias. */
export interface FeatureMap {
  inDim: number;
  dim: number;
  mean: Float64Array;
  proj: Float64Array;
  outMean: Float64Array;
  outStd: Float64Array;
}

export function fitFeatureMap(x: ArrayLike<number>, n: number, inDim: number, dim: number, seed: number): FeatureMap {
  const rng = new Rng(seed);
  const proj = Float64Array.from({ length: dim * inDim }, () => rng.normal());
  const mean = new Float64Array(inDim);
  for (let i = 0; i < n; i++) for (let j = 0; j < inDim; j++) mean[j] += x[i * inDim + j] / n;
  const map: FeatureMap = {
    inDim,
    dim,
    mean,
    proj,
    outMean: new Float64Array(dim),
    outStd: new Float64Array(dim).fill(1),
  };
  const raw = applyFeatureMap(map, x, n);
  const d1 = dim + 1;
  const outMean = new Float64Array(dim);
  const outVar = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) outMean[j] += raw.x[i * d1 + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) outVar[j] += (raw.x[i * d1 + j] - outMean[j]) ** 2 / n;
  return { ...map, outMean, outStd: outVar.map((v) => Math.sqrt(v) || 1) };
}

export function applyFeatureMap(map: FeatureMap, x: ArrayLike<number>, n: number): Features {
  const d1 = map.dim + 1;
  const out = new Float64Array(n * d1);
  const centred = new Float64Array(map.inDim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < map.inDim; j++) centred[j] = x[i * map.inDim + j] - map.mean[j];
    for (let r = 0; r < map.dim; r++) {
      let s = 0;
      const row = r * map.inDim;
      for (let j = 0; j < map.inDim; j++) s += map.proj[row + j] * centred[j];
      out[i * d1 + r] = (s - map.outMean[r]) / map.outStd[r];
    }
    out[i * d1 + map.dim] = 1;
  }
  return { x: out, n, dim: d1 };
}

function gather(x: Float32Array, idx: Int32Array, size: number): Float32Array {
  const out = new Float32Array(idx.length * size);
  for (let i = 0; i < idx.length; i++) out.set(x.subarray(idx[i] * size, (idx[i] + 1) * size), i * size);
  return out;
}

/** Fashion-MNIST through the feature map above, with a stratified sample of `trainSize` training rows. */
export async function fashionTheoryData(
  scale: Pick<TheoryScale, "trainSize" | "testSize" | "projectionDim" | "seed">,
): Promise<TheoryData> {
  const bundle = await loadDataset("fashion-mnist");
  const rng = new Rng(scale.seed);
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  const trIdx = stratifiedSample(bundle.train.y, all(bundle.train.y.length), scale.trainSize, rng.fork("train"));
  const teIdx = stratifiedSample(bundle.test.y, all(bundle.test.y.length), scale.testSize, rng.fork("test"));
  const inDim = 784;
  const xTr = gather(bundle.train.x as Float32Array, trIdx, inDim);
  const xTe = gather(bundle.test.x as Float32Array, teIdx, inDim);
  const map = fitFeatureMap(xTr, trIdx.length, inDim, scale.projectionDim, rng.fork("projection").seed());
  return {
    name: "fashion-mnist",
    features: applyFeatureMap(map, xTr, trIdx.length),
    y: Int32Array.from(trIdx, (i) => bundle.train.y[i]),
    testFeatures: applyFeatureMap(map, xTe, teIdx.length),
    testY: Int32Array.from(teIdx, (i) => bundle.test.y[i]),
    numClasses: 10,
    classNames: bundle.train.classNames,
    featureMap: `Gaussian random projection 784→${scale.projectionDim} (seeded), standardised on the ` +
      `${trIdx.length} training rows, bias column appended`,
  };
}

/**
 * Tiny synthetic data for tests: K Gaussian clusters in `dim` dimensions with centres `separation` apart
 * on average, plus the bias column.
 */
export function syntheticTheoryData(
  opts: { n: number; dim: number; numClasses: number; separation: number; seed: number },
): TheoryData {
  const rng = new Rng(opts.seed);
  const k = opts.numClasses;
  const centres = Array.from(
    { length: k },
    () => Array.from({ length: opts.dim }, () => opts.separation * rng.normal()),
  );
  const make = (n: number) => {
    const d1 = opts.dim + 1;
    const x = new Float64Array(n * d1);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % k;
      y[i] = c;
      for (let j = 0; j < opts.dim; j++) x[i * d1 + j] = centres[c][j] + rng.normal();
      x[i * d1 + opts.dim] = 1;
    }
    return { features: { x, n, dim: d1 }, y };
  };
  const tr = make(opts.n);
  const te = make(Math.max(k, Math.round(opts.n / 4)));
  return {
    name: "synthetic",
    features: tr.features,
    y: tr.y,
    testFeatures: te.features,
    testY: te.y,
    numClasses: k,
    classNames: Array.from({ length: k }, (_, c) => `class${c}`),
    featureMap: `synthetic Gaussian clusters, ${opts.dim} dims, separation ${opts.separation}`,
  };
}
