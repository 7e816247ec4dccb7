/**
 * Figure 5: the distribution of Theorem 2's inner product ⟨Δθ_r − Δθ_f, Δθ_n − Δθ_f⟩ per sample. The paper
 * shows it is ≤ 0 in practice.
 *
 * "Per sample" here means: the forget set is ONE training sample, everything else is D_r; Δθ_r, Δθ_f and Δθ_n
 * are docs/paper.md §2-3's, exact (θ_r retrained to tolerance, not approximated). For the "small neural network" the
 * body of a one-hidden-layer tanh MLP (lib/theory/mlp.ts) is trained and frozen, its last layer is refit to
 * the exact optimum of the convex objective on the hidden features, and every quantity lives in that last
 * layer's parameter space (Koh & Liang's last-layer influence); the paper's network-wide computation is not
 * reproduced. The same is done on the convex model's own features for comparison.
 *
 * Resolution: the inner product is a second-order quantity. A sample is counted as resolved when ‖a‖
 * exceeds 1000× the bound ‖∇R_r(θ_r)‖/λ on θ_r's numerical error; unresolved samples are reported apart.
 */
import { type TheoryData } from "./data.ts";
import { influence, type Original, trainOriginal } from "./influence.ts";
import { dot, norm, quantile, sub } from "./linalg.ts";
import { hiddenFeatures, type MlpOptions, trainMlp } from "./mlp.ts";
import { Rng } from "../rng.ts";
import { stratifiedSample } from "../data/splits.ts";
import { type Check, grade, type Level } from "../verdict.ts";

export interface Figure5Options {
  samples: number;
  seed: number;
  /** Share of resolved samples with inner product ≤ 0. */
  shareNonPositive: { holds: number; partly: number };
  bins: number;
}

export const FIGURE5_DEFAULTS: Figure5Options = {
  samples: 300,
  seed: 1,
  shareNonPositive: { holds: 0.95, partly: 0.5 },
  bins: 24,
};

export interface Figure5Result {
  model: string;
  lambda: number;
  trainRows: number;
  samples: number;
  resolved: number;
  /** Per sample: row, label, ⟨a,b⟩, cos(a,b), ‖a‖, whether resolved. */
  perSample: { row: number; label: number; inner: number; cosine: number; normA: number; resolved: boolean }[];
  shareNonPositive: number;
  innerQuantiles: Record<"min" | "p05" | "p25" | "median" | "p75" | "p95" | "max", number>;
  cosineHistogram: { edges: number[]; counts: number[] };
  maxRetrainGradNorm: number;
  criteria: Check[];
  verdict: Level;
}

/** Per-sample inner products on `original` for `count` training rows drawn with `seed`. */
export function figure5Check(original: Original, model: string, partial: Partial<Figure5Options> = {}): Figure5Result {
  const o = { ...FIGURE5_DEFAULTS, ...partial };
  const rng = new Rng(o.seed);
  const rows = rng.sample(original.trainRows, Math.min(o.samples, original.trainRows.length));
  const newton = { ...original, newton: { ...original.newton, gradTol: 1e-11 } };
  const perSample: Figure5Result["perSample"] = [];
  let maxGrad = 0;
  for (const row of rows) {
    const inf = influence(newton, { kind: "sample", label: `row ${row}`, rows: Int32Array.of(row) }, "pcg");
    const a = sub(inf.deltaR, inf.deltaF);
    const b = sub(inf.deltaN, inf.deltaF);
    const inner = dot(a, b);
    maxGrad = Math.max(maxGrad, inf.fitR.gradNorm);
    const errBound = inf.fitR.gradNorm / original.lambda;
    perSample.push({
      row,
      label: original.data.y[row],
      inner,
      cosine: inner / (norm(a) * norm(b)),
      normA: norm(a),
      resolved: norm(a) > 1000 * errBound,
    });
  }
  const ok = perSample.filter((s) => s.resolved);
  const share = ok.filter((s) => s.inner <= 0).length / ok.length;
  const inner = ok.map((s) => s.inner);
  const edges = Array.from({ length: o.bins + 1 }, (_, i) => -1 + (2 * i) / o.bins);
  const counts = new Array(o.bins).fill(0);
  for (const s of ok) counts[Math.min(o.bins - 1, Math.floor(((s.cosine + 1) / 2) * o.bins))]++;
  const criteria = [
    grade("share of single-sample forget sets with ⟨Δθ_r − Δθ_f, Δθ_n − Δθ_f⟩ ≤ 0", ok.length ? share : NaN, {
      ...o.shareNonPositive,
      higherIsBetter: true,
    }),
  ];
  return {
    model,
    lambda: original.lambda,
    trainRows: original.trainRows.length,
    samples: perSample.length,
    resolved: ok.length,
    perSample,
    shareNonPositive: share,
    innerQuantiles: {
      min: quantile(inner, 0),
      p05: quantile(inner, 0.05),
      p25: quantile(inner, 0.25),
      median: quantile(inner, 0.5),
      p75: quantile(inner, 0.75),
      p95: quantile(inner, 0.95),
      max: quantile(inner, 1),
    },
    cosineHistogram: { edges, counts },
    maxRetrainGradNorm: maxGrad,
    criteria,
    verdict: criteria[0].level,
  };
}

/**
 * The small network's last layer as a convex problem: train the MLP on a stratified sample of `trainSize`
 * rows of `data`, freeze the body, and fit the last layer exactly (θ_o) on the hidden features with `lambda`.
 */
export function mlpLastLayer(
  data: TheoryData,
  lambda: number,
  trainSize: number,
  mlp: Partial<MlpOptions> = {},
): { original: Original; trainAccuracy: number; description: string } {
  const pick = stratifiedSample(
    data.y,
    Int32Array.from({ length: data.features.n }, (_, i) => i),
    trainSize,
    new Rng(mlp.seed ?? 1),
  );
  const n = pick.length;
  const dim = data.features.dim;
  const x = new Float64Array(n * dim);
  pick.forEach((r, i) => x.set(data.features.x.subarray(r * dim, (r + 1) * dim), i * dim));
  const subset: TheoryData = { ...data, features: { x, n, dim }, y: Int32Array.from(pick, (r) => data.y[r]) };
  const net = trainMlp(subset, mlp);
  const hidden = hiddenFeatures(net, subset.features);
  const lastLayer: TheoryData = {
    ...subset,
    features: hidden,
    featureMap: `tanh MLP ${data.features.dim - 1}→${net.hidden}→${data.numClasses} body (frozen) on ${data.featureMap}`,
  };
  const original = trainOriginal(lastLayer, lambda);
  return {
    original,
    trainAccuracy: net.trainAccuracy,
    description: `last layer of a ${data.features.dim - 1}-${net.hidden}-${data.numClasses} tanh MLP (train acc ${
      net.trainAccuracy.toFixed(3)
    }), refit exactly with λ = ${lambda} on ${n} rows`,
  };
}
