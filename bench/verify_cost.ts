/**
 * What the per-example verification metrics (lib/metrics/verify/) cost once the ensembles' outputs
 * exist, at the kit's default sizes, and how the NeurIPS 2023 ε score behaves for two draws of one law
 * as the ensemble grows (its small-N bias). Synthetic inputs of the real shapes: N models × examples of
 * φ, penultimate features of `--features` dims.
 *
 *   node_modules/.bin/deno run -A bench/verify_cost.ts [--models 16] [--forget 1000] [--retain 9000]
 *     [--test 5000] [--features 256] [--out results/bench/verify_cost.json]
 *
 * Sizes default to fashion-mnist/mlp's preset (10 000 training examples, 10% forgotten, 5 000 test,
 * 256 hidden units). Timings are wall-clock on whatever else the machine is doing.
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../lib/rng.ts";
import {
  challengeForgetScore,
  type FeatureMatrix,
  fitLinearProbe,
  klomPerExample,
  knnAccuracy,
  ksForgetQualityEnsemble,
  linearCka,
  probeAccuracy,
  uliraLeaveOneOut,
} from "../lib/metrics/verify/mod.ts";
import { writeFileAtomic } from "../lib/record.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    models: { type: "string", default: "16" },
    forget: { type: "string", default: "1000" },
    retain: { type: "string", default: "9000" },
    test: { type: "string", default: "5000" },
    features: { type: "string", default: "256" },
    out: { type: "string", default: "results/bench/verify_cost.json" },
  },
});
const N = Number(args.models), F = Number(args.forget), R = Number(args.retain), T = Number(args.test), D = Number(args.features);
const rng = new Rng(2026);
const ensemble = (models: number, n: number, shift = 0) =>
  Array.from({ length: models }, () => Float64Array.from({ length: n }, (_, i) => (i % 17) * 0.4 + shift + rng.normal()));
const features = (rows: number, cols: number): FeatureMatrix => ({
  data: Float64Array.from({ length: rows * cols }, () => rng.normal()),
  rows,
  cols,
});

function timed<T>(label: string, fn: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = fn();
  const seconds = (performance.now() - t0) / 1000;
  console.error(`${label}: ${seconds.toFixed(2)} s`);
  return { value, seconds };
}

const cost: Record<string, unknown> = {};
const uF = ensemble(N, F, 0.3), rF = ensemble(N, F);
cost.epsilonScore = { examples: F, models: N, seconds: timed("ε score on D_f", () => challengeForgetScore(uF, rF)).seconds };
cost.ulira = { examples: F, models: N, seconds: timed("U-LiRA leave-one-out on D_f", () => uliraLeaveOneOut(uF, rF)).seconds };
const all = F + R + T;
cost.klom = {
  examples: all,
  models: N,
  seconds: timed("KLOM on D_f + D_r + D_te", () => klomPerExample(ensemble(N, all, 0.2), ensemble(N, all))).seconds,
};
cost.ks = { examples: F, pairs: N, seconds: timed("KS forget quality, N pairs", () => ksForgetQualityEnsemble(uF, rF)).seconds };
const retainFeatures = features(R, D), forgetFeatures = features(F, D);
const retainLabels = Int32Array.from({ length: R }, () => rng.int(10)), forgetLabels = Int32Array.from({ length: F }, () => rng.int(10));
cost.knn = {
  queries: F,
  reference: R,
  features: D,
  seconds:
    timed("k-NN on D_f against D_r (one model)", () => knnAccuracy(retainFeatures, retainLabels, forgetFeatures, forgetLabels)).seconds,
};
const probe = timed("linear probe fit on D_r (one model)", () => fitLinearProbe(retainFeatures, retainLabels, 10, { maxIterations: 200 }));
cost.linearProbe = {
  trainRows: R,
  features: D,
  iterations: probe.value.iterations,
  converged: probe.value.converged,
  seconds: probe.seconds,
  accuracyOnNoise: probeAccuracy(probe.value, forgetFeatures, forgetLabels),
};
cost.cka = {
  rows: F,
  features: D,
  seconds: timed("linear CKA, one layer pair on D_f", () => linearCka(forgetFeatures, features(F, D))).seconds,
};

// The ε score for a perfect method: both ensembles drawn from one law (Retrain vs Retrain), 200
// examples, three draws per N.
const calibration: { models: number; forgetScores: number[]; meanEpsilons: number[] }[] = [];
for (const models of [8, 16, 32, 64, 128]) {
  const row = { models, forgetScores: [] as number[], meanEpsilons: [] as number[] };
  for (let draw = 0; draw < 3; draw++) {
    const r = challengeForgetScore(ensemble(models, 200), ensemble(models, 200));
    row.forgetScores.push(r.forgetScore);
    row.meanEpsilons.push(r.epsilons.reduce((s, v) => s + v, 0) / r.epsilons.length);
  }
  calibration.push(row);
  console.error(`same law, N=${models}: forget scores ${row.forgetScores.map((v) => v.toFixed(3)).join(", ")}`);
}

const doc = {
  date: new Date().toISOString(),
  what: "cost of lib/metrics/verify at default sizes on synthetic inputs, and the ε score for two draws of one law vs N",
  generator: "bench/verify_cost.ts",
  machine: { cores: navigator.hardwareConcurrency, loadAverage: Deno.loadavg() },
  sizes: { models: N, forget: F, retain: R, test: T, features: D },
  cost,
  sameLawEpsilonScore: calibration,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await writeFileAtomic(args.out!, JSON.stringify(doc, null, 2) + "\n");
console.error(`wrote ${args.out}`);
