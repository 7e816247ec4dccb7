/**
 * A small neural network for Figure 5, in plain Float64 so that it is exact and seeded: one tanh hidden
 * layer on the theory's projected features, trained by minibatch SGD with momentum on mean cross-entropy.
 * Figure 5 then freezes its body and uses the hidden activations (plus a bias column) as the features of a
 * convex last layer, where every influence quantity is exact.
 */
import { Rng } from "../rng.ts";
import type { TheoryData } from "./data.ts";
import type { Features } from "./softmax.ts";

export interface MlpOptions {
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  /** L2 weight decay on the mean loss. */
  weightDecay: number;
  seed: number;
}

export const MLP_DEFAULTS: MlpOptions = {
  hidden: 32,
  epochs: 60,
  batchSize: 64,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 1e-4,
  seed: 1,
};

export interface Mlp {
  inDim: number;
  hidden: number;
  k: number;
  /** hidden × inDim (the input's bias column is the last input feature). */
  w1: Float64Array;
  /** k × (hidden + 1), bias last. */
  w2: Float64Array;
  trainAccuracy: number;
  finalLoss: number;
}

function forward(m: Mlp, x: Float64Array, off: number, h: Float64Array, z: Float64Array): void {
  for (let u = 0; u < m.hidden; u++) {
    let s = 0;
    for (let j = 0; j < m.inDim; j++) s += m.w1[u * m.inDim + j] * x[off + j];
    h[u] = Math.tanh(s);
  }
  h[m.hidden] = 1;
  let max = -Infinity;
  for (let c = 0; c < m.k; c++) {
    let s = 0;
    for (let u = 0; u <= m.hidden; u++) s += m.w2[c * (m.hidden + 1) + u] * h[u];
    z[c] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let c = 0; c < m.k; c++) sum += z[c] = Math.exp(z[c] - max);
  for (let c = 0; c < m.k; c++) z[c] /= sum;
}

/** Trains the network on `data.features` (its bias column included) and labels. */
export function trainMlp(
  data: Pick<TheoryData, "features" | "y" | "numClasses">,
  partial: Partial<MlpOptions> = {},
): Mlp {
  const o = { ...MLP_DEFAULTS, ...partial };
  const rng = new Rng(o.seed);
  const { x, n, dim } = data.features;
  const k = data.numClasses;
  const m: Mlp = {
    inDim: dim,
    hidden: o.hidden,
    k,
    w1: Float64Array.from({ length: o.hidden * dim }, () => rng.normal() / Math.sqrt(dim)),
    w2: Float64Array.from({ length: k * (o.hidden + 1) }, () => rng.normal() / Math.sqrt(o.hidden + 1)),
    trainAccuracy: 0,
    finalLoss: 0,
  };
  const v1 = new Float64Array(m.w1.length);
  const v2 = new Float64Array(m.w2.length);
  const g1 = new Float64Array(m.w1.length);
  const g2 = new Float64Array(m.w2.length);
  const h = new Float64Array(o.hidden + 1);
  const p = new Float64Array(k);
  const dh = new Float64Array(o.hidden);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    rng.shuffle(order);
    for (let start = 0; start < n; start += o.batchSize) {
      const end = Math.min(n, start + o.batchSize);
      g1.fill(0);
      g2.fill(0);
      for (let b = start; b < end; b++) {
        const i = order[b];
        forward(m, x, i * dim, h, p);
        p[data.y[i]] -= 1;
        dh.fill(0);
        for (let c = 0; c < k; c++) {
          const row = c * (o.hidden + 1);
          for (let u = 0; u <= o.hidden; u++) {
            g2[row + u] += p[c] * h[u];
            if (u < o.hidden) dh[u] += p[c] * m.w2[row + u];
          }
        }
        for (let u = 0; u < o.hidden; u++) {
          const d = dh[u] * (1 - h[u] * h[u]);
          for (let j = 0; j < dim; j++) g1[u * dim + j] += d * x[i * dim + j];
        }
      }
      const inv = 1 / (end - start);
      for (let q = 0; q < m.w1.length; q++) {
        v1[q] = o.momentum * v1[q] + g1[q] * inv + o.weightDecay * m.w1[q];
        m.w1[q] -= o.learningRate * v1[q];
      }
      for (let q = 0; q < m.w2.length; q++) {
        v2[q] = o.momentum * v2[q] + g2[q] * inv + o.weightDecay * m.w2[q];
        m.w2[q] -= o.learningRate * v2[q];
      }
    }
  }
  let hit = 0, loss = 0;
  for (let i = 0; i < n; i++) {
    forward(m, x, i * dim, h, p);
    let best = 0;
    for (let c = 1; c < k; c++) if (p[c] > p[best]) best = c;
    if (best === data.y[i]) hit++;
    loss -= Math.log(p[data.y[i]]);
  }
  m.trainAccuracy = hit / n;
  m.finalLoss = loss / n;
  return m;
}

/** The frozen body's output: tanh hidden activations plus a bias column, one row per input row. */
export function hiddenFeatures(m: Mlp, features: Features): Features {
  const d1 = m.hidden + 1;
  const out = new Float64Array(features.n * d1);
  const h = new Float64Array(d1);
  const p = new Float64Array(m.k);
  for (let i = 0; i < features.n; i++) {
    forward(m, features.x, i * features.dim, h, p);
    out.set(h, i * d1);
  }
  return { x: out, n: features.n, dim: d1 };
}
