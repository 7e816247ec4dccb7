/**
 * Where a training step's time goes, by tfjs kernel: every kernel of the current backend is wrapped
 * with a timer (kernels are synchronous on wasm and native), then steps run as in bench/kit_step.ts.
 * The rest of the step (tfjs's engine: tape, tidy, shape checks; layers; JS) is the step's time
 * minus the kernels' sum.
 *
 *   deno run -A bench/kernel_profile.ts --backend native --workload cnn [--steps 10] [--optimizer kit-plain|sgd|kit]
 * Workloads: the bench's (bench/workloads.ts: mlp, cnn, resnet18) and two more for profiling only: vit (notebook 10's
 * ViT with the architecture's defaults: patch 4, dim 192, depth 6, batch 16) and text-encoder (notebook 07's: 128
 * token ids, vocabulary 10,000, dim 128, depth 2, batch 128).
 *
 * Prints one JSON object: step ms (median), kernel ms per step by name (largest first), and calls.
 */
import * as tf from "@tensorflow/tfjs";
import { getKernelsForBackend, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../lib/backend.ts";
import { buildNet, modelConfig } from "../lib/models/registry.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { logitsOf } from "../lib/train.ts";
import { fallbackCounts } from "../lib/backend/native/heap.ts";
import { optimizerStep, WORKLOAD_SHAPES, type WorkloadName } from "./workloads.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "native" },
    workload: { type: "string", default: "cnn" },
    warmup: { type: "string", default: "3" },
    steps: { type: "string", default: "10" },
    optimizer: { type: "string", default: "kit-plain" },
  },
});
/** Profiled here only (no PyTorch twin in bench/train_step.ts). */
const PROFILE_ONLY = {
  vit: { arch: "vit", inputShape: [28, 28, 1], batch: 16, tokens: false },
  "text-encoder": { arch: "text-encoder", inputShape: [128], batch: 128, tokens: true },
} as const;
const workload = args.workload!;
const { arch, inputShape, batch, tokens } = workload in PROFILE_ONLY
  ? PROFILE_ONLY[workload as keyof typeof PROFILE_ONLY]
  : { ...WORKLOAD_SHAPES[workload as WorkloadName], tokens: false };
await initBackend({ backend: args.backend as BackendName });
const backendName = tf.getBackend();

const totals = new Map<string, { ms: number; calls: number }>();
let recording = false;
for (const config of getKernelsForBackend(backendName)) {
  const inner = config.kernelFunc;
  unregisterKernel(config.kernelName, backendName);
  registerKernel({
    ...config,
    kernelFunc: (kernelArgs) => {
      if (!recording) return inner(kernelArgs);
      const start = performance.now();
      const out = inner(kernelArgs);
      const t = totals.get(config.kernelName) ?? { ms: 0, calls: 0 };
      t.ms += performance.now() - start;
      t.calls++;
      totals.set(config.kernelName, t);
      return out;
    },
  });
}
await tf.setBackend(backendName); // re-runs kernel setup on the wrapped registrations

const config = modelConfig(arch, [...inputShape], 10);
const net = buildNet(tokens ? { ...config, options: { ...config.options, vocabSize: 10000 } } : config, 1);
const x = tokens
  ? tf.randomUniform([batch, ...inputShape], 1, 10000, "int32", 1)
  : tf.randomUniform([batch, ...inputShape], 0, 1, "float32", 1);
const y = tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D;
const loss = () => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar;
const { step } = optimizerStep(net, loss, args.optimizer!);

const times: number[] = [];
const steps = Number(args.steps);
let fallbacksBefore = new Map<string, number>();
for (let i = 0; i < Number(args.warmup) + steps; i++) {
  recording = i >= Number(args.warmup);
  if (i === Number(args.warmup)) fallbacksBefore = new Map(fallbackCounts());
  const start = performance.now();
  step();
  if (recording) times.push(performance.now() - start);
}
recording = false;
times.sort((a, b) => a - b);
const stepMs = times.reduce((a, b) => a + b, 0) / steps;
const kernels = [...totals.entries()]
  .map(([name, t]) => ({ name, msPerStep: round(t.ms / steps), callsPerStep: t.calls / steps }))
  .sort((a, b) => b.msPerStep - a.msPerStep);
const kernelMs = kernels.reduce((a, k) => a + k.msPerStep, 0);
console.log(JSON.stringify(
  {
    backend: backendName,
    workload,
    batch,
    optimizer: args.optimizer,
    meanStepMs: round(stepMs),
    medianStepMs: round(times[Math.floor(times.length / 2)]),
    kernelMsPerStep: round(kernelMs),
    outsideKernelsMsPerStep: round(stepMs - kernelMs),
    kernelCallsPerStep: kernels.reduce((a, k) => a + k.callsPerStep, 0),
    // Calls per step that native kernels handed to their wasm fallback (small or unsupported cases).
    fallbacksPerStep: Object.fromEntries([...fallbackCounts()].map(([k, v]) => [k, (v - (fallbacksBefore.get(k) ?? 0)) / steps])),
    kernels,
  },
  null,
  1,
));

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
