/**
 * What per-example gradients cost (lib/unlearn/loops/per_example.ts), for IU and FF, on the backend
 * initBackend() picks:
 *   mlp: the kit's MLP 784-256-256-10 (the Fashion-MNIST model), batches of 256;
 *   cnn: the kit's CNN (conv32-pool-conv64-pool-dense128-dense10), which only the per-sample loop serves.
 * Timed, median of --reps runs after one warm-up, in ms per example:
 *   batch gradient     one backward pass of the mean loss (the floor: no per-example information);
 *   dense factors      the batch trick (A_l, D_l per layer), and with the Gram matrix / a Fisher sum;
 *   true Fisher        FF's Σ_y p(y|x) g_y²: the factors once per class (K backward passes);
 *   loop               one backward pass per sample, rows materialised;
 * and, in ms per call, the WoodFisher recursion (iu.ts) at N = 1024.
 *
 *   deno run -A bench/per_example.ts [--reps 5] [--out results/bench/per_example.json]
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { machine } from "../lib/env.ts";
import { buildNet, modelConfig } from "../lib/models/registry.ts";
import type { Net } from "../lib/models/types.ts";
import { Rng } from "../lib/rng.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { logitsOf, trainableVariables } from "../lib/train.ts";
import { woodFisherCoefficients } from "../lib/unlearn/iu.ts";
import { perExampleGrads } from "../lib/unlearn/loops/per_example.ts";
import { writeFileAtomic } from "../lib/record.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { reps: { type: "string", default: "5" }, out: { type: "string", default: "results/bench/per_example.json" } },
});
const REPS = Number(args.reps);

const backend = await initBackend();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `fn` (which must read its result back, so the backend's work is included). */
function time(fn: () => void, reps = REPS): number {
  fn();
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function batch(n: number, k: number, seed: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  return {
    x: tf.tensor4d(Float32Array.from({ length: n * 784 }, () => rng.next()), [n, 28, 28, 1]),
    y: tf.tensor1d(Int32Array.from({ length: n }, () => rng.int(k)), "int32"),
  };
}

function batchGradientMs(net: Net, x: tf.Tensor, y: tf.Tensor1D): number {
  const vars = trainableVariables(net);
  return time(() =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(crossEntropy(logitsOf(net, x, false), y)) as tf.Scalar, vars);
      Object.values(grads).forEach((g) => g.dataSync());
    })
  );
}

const K = 10;
const mlp = buildNet(modelConfig("mlp", [28, 28, 1], K, { hidden: 256, depth: 2 }), 1);
const cnn = buildNet(modelConfig("cnn", [28, 28, 1], K), 2);
const params = (net: Net) => trainableVariables(net).reduce((s, v) => s + v.size, 0);

const N = 256;
const { x, y } = batch(N, K, 1);
const results: Record<string, number> = {};

results.mlpBatchGradientMsPerExample = batchGradientMs(mlp, x, y) / N;
results.mlpDenseFactorsMsPerExample = time(() => {
  const pe = perExampleGrads(mlp, x, y, "dense");
  pe.dot(trainableVariables(mlp)); // forces the factors
  pe.dispose();
}) / N;
results.mlpDenseGramMsPerExample = time(() => {
  const pe = perExampleGrads(mlp, x, y, "dense");
  pe.gram();
  pe.dispose();
}) / N;
results.mlpTrueFisherMsPerExample = time(() => {
  const probs = tf.tidy(() => tf.softmax(logitsOf(mlp, x, false)).arraySync() as number[][]);
  for (let c = 0; c < K; c++) {
    const labels = tf.fill([N], c, "int32") as tf.Tensor1D;
    const pe = perExampleGrads(mlp, x, labels, "dense");
    const s = pe.squaredSum(probs.map((p) => p[c]));
    s.forEach((t) => t.dataSync());
    tf.dispose([...s, labels]);
    pe.dispose();
  }
}, 3) / N;

const NL = 32;
const small = batch(NL, K, 2);
results.mlpLoopMsPerExample = time(() => {
  const pe = perExampleGrads(mlp, small.x, small.y, "loop");
  pe.gram();
  pe.dispose();
}, 3) / NL;
results.mlpDenseMaterializeMsPerExample = time(() => {
  const pe = perExampleGrads(mlp, small.x, small.y, "dense");
  tf.dispose(pe.materialize().map((t) => (t.dataSync(), t)));
  pe.dispose();
}, 3) / NL;

const NC = 8;
const tiny = batch(NC, K, 3);
results.cnnBatchGradientMsPerExample = batchGradientMs(cnn, tiny.x, tiny.y) / NC;
results.cnnLoopMsPerExample = time(() => {
  const pe = perExampleGrads(cnn, tiny.x, tiny.y, "loop");
  pe.gram();
  pe.dispose();
}, 2) / NC;

const NW = 1024;
const rng = new Rng(4);
const gram = new Float64Array(NW * NW);
const rows = Array.from({ length: NW }, () => Float64Array.from({ length: 16 }, () => rng.normal()));
for (let i = 0; i < NW; i++) for (let j = 0; j < NW; j++) gram[i * NW + j] = rows[i].reduce((s, a, k) => s + a * rows[j][k], 0);
const w = Float64Array.from({ length: NW }, () => rng.normal());
results.woodFisherRecursionMsAtN1024 = time(() => void woodFisherCoefficients(gram, w, 1), 2);

tf.dispose([x, y, small.x, small.y, tiny.x, tiny.y]);
const report = {
  about: "ms per example (or per call) of per-example gradients, lib/unlearn/loops/per_example.ts; bench/per_example.ts",
  date: new Date().toISOString().slice(0, 10),
  backend: { name: backend.name, wasmKernels: backend.wasmKernels.length, tfjs: backend.tfjsVersion },
  machine: machine(),
  models: { mlp: { params: params(mlp), batch: N }, cnn: { params: params(cnn), batch: NC } },
  results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Number(v.toFixed(4))])),
};
await Deno.mkdir(args.out.replace(/\/[^/]+$/, ""), { recursive: true });
await writeFileAtomic(args.out, JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report, null, 2));
