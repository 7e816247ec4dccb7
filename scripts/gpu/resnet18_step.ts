/**
 * Times training steps of the kit's ResNet-18 (CIFAR form, lib/models/resnet18.ts) on one backend, as
 * the kit trains: the kit's SGD (momentum 0.9, weight decay 5e-4), mean cross-entropy in training mode
 * (BN on batch statistics), and the loss and gradient norm read back every step (lib/train.ts). The
 * PyTorch twin is scripts/gpu/torch_resnet18.py. Prints one JSON object.
 *
 *   deno run -A scripts/gpu/resnet18_step.ts [--backend webgpu] [--batch 128] [--width 64] [--warmup 3] [--steps 10]
 *
 * A step's time is wall time from the start of the step to its loss on the CPU; the first step (shader
 * compilation) is reported apart, warm-up steps are dropped, and the median of the rest is the result.
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../../lib/backend.ts";
import { buildNet, modelConfig } from "../../lib/models/registry.ts";
import { crossEntropy } from "../../lib/smoothing.ts";
import { logitsOf, Sgd } from "../../lib/train.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "webgpu" },
    batch: { type: "string", default: "128" },
    width: { type: "string", default: "64" },
    warmup: { type: "string", default: "3" },
    steps: { type: "string", default: "10" },
  },
});
const batch = Number(args.batch);
const warmup = Number(args.warmup);
const steps = Number(args.steps);

const info = await initBackend({ backend: args.backend as never });
const net = buildNet(modelConfig("resnet18", [32, 32, 3], 10, { width: Number(args.width) }), 1);
const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, "float32", 1);
const y = tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D;
const sgd = new Sgd(net, { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, clipNorm: 0 });
const times: number[] = [];
const losses: number[] = [];
for (let i = 0; i < warmup + steps; i++) {
  const start = performance.now();
  const { loss } = sgd.step(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar);
  times.push(performance.now() - start);
  losses.push(loss);
  console.error(`step ${i + 1}/${warmup + steps}: ${times[i].toFixed(1)} ms, loss ${loss.toFixed(4)}`);
}
const timed = times.slice(warmup).sort((a, b) => a - b);
const median = timed.length % 2 ? timed[(timed.length - 1) / 2] : (timed[timed.length / 2 - 1] + timed[timed.length / 2]) / 2;
console.log(JSON.stringify({
  backend: info.name,
  gpuAdapter: info.gpuAdapter ?? null,
  batch,
  width: Number(args.width),
  trainableParams: net.model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0),
  warmup,
  steps,
  firstStepMs: times[0],
  medianStepMs: median,
  stepMs: times,
  losses,
}));
sgd.dispose();
tf.dispose([x, y]);
