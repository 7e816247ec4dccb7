import * as tf from "@tensorflow/tfjs";
import type { Predictions } from "../lib/metrics/types.ts";
import type { Net } from "../lib/models/types.ts";
import type { Rng } from "../lib/rng.ts";
import { Sgd } from "../lib/train.ts";

/**
 * The bench's three training workloads, shared by the kit's side (bench/kit_step.ts,
 * bench/kernel_profile.ts) and mirrored in bench/torch_step.py: the kit's models (lib/models) at the
 * issue's batch sizes, 10 classes.
 *   mlp      784-256-256-10, batch 256, 28×28×1
 *   cnn      conv32(3×3)-maxpool-conv64(3×3)-maxpool-dense128-dense10, "same" padding, batch 128, 28×28×1
 *   resnet18 CIFAR form (3×3 stem, no max-pool, BasicBlocks [2,2,2,2], width 64), batch 32, 32×32×3
 */
export const WORKLOAD_SHAPES = {
  mlp: { arch: "mlp", inputShape: [28, 28, 1], batch: 256 },
  cnn: { arch: "cnn", inputShape: [28, 28, 1], batch: 128 },
  resnet18: { arch: "resnet18", inputShape: [32, 32, 3], batch: 32 },
} as const;

export type WorkloadName = keyof typeof WORKLOAD_SHAPES;

export const WORKLOAD_NAMES = Object.keys(WORKLOAD_SHAPES) as WorkloadName[];

/**
 * The optimisers a bench step may use:
 *   kit-plain  lib/train.ts's Sgd as plain SGD (lr 0.01, no momentum, no weight decay, no clipping):
 *              PyTorch's torch.optim.SGD(lr=0.01) update, plus the gradient norm the kit checks every
 *              step; on the native backend its fused update and norm (lib/backend/native/sgd.ts)
 *   sgd        tfjs's tf.train.sgd(0.01): the same update, as one multiply and one add per variable
 *   kit        lib/train.ts's Sgd as the kit's recipes use it: momentum 0.9, weight decay 5e-4
 */
export const OPTIMIZER_NAMES = ["kit-plain", "sgd", "kit"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** One training step of `net` on `loss` (returns the loss value, read back), and a dispose. */
export function optimizerStep(net: Net, loss: () => tf.Scalar, name: string): { step: () => number; dispose: () => void } {
  if (name === "sgd") {
    const sgd = tf.train.sgd(0.01);
    const step = () => {
      const cost = sgd.minimize(loss, true)!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    };
    return { step, dispose: () => sgd.dispose() };
  }
  if (name !== "kit" && name !== "kit-plain") throw new Error(`--optimizer ${name}: valid: ${OPTIMIZER_NAMES.join(", ")}`);
  const recipe = name === "kit" ? { momentum: 0.9, weightDecay: 5e-4 } : { momentum: 0, weightDecay: 0 };
  const sgd = new Sgd(net, { learningRate: 0.01, clipNorm: 0, ...recipe });
  return { step: () => sgd.step(loss).loss, dispose: () => sgd.dispose() };
}

/** n rows of softmax outputs over 10 classes whose true-class logit is raised by `sharp` (the MIA benches' data). */
export function syntheticPredictions(rng: Rng, n: number, sharp: number): Predictions {
  const k = 10;
  const probs = new Float32Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = Math.floor(rng.next() * k);
    labels[i] = y;
    const row = Array.from({ length: k }, (_, c) => Math.exp((c === y ? sharp : 0) + 2 * rng.normal()));
    const z = row.reduce((a, b) => a + b, 0);
    row.forEach((v, c) => (probs[i * k + c] = v / z));
  }
  return { probs, labels, numClasses: k, idx: new Int32Array(n) };
}
