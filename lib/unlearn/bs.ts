/**
 * BS, Boundary Shrink (Chen et al. 2023, "Boundary Unlearning", CVPR): for each forget sample, one FGSM
 * step x' = clip(x + ε·sign ∇_x ℓ(θ_o; x, y)) on a frozen copy of θ_o finds the nearest wrong class
 * y' = argmax θ_o(x'); the model is then fine-tuned on the clean forget inputs with labels y'.
 * The frozen copy is `ctx.original`, which nothing here trains; the clip is to the training data's value
 * range ([0, 1] for images). Inputs must be continuous (not token ids).
 * Defaults: ε = 0.1 (the paper's bound, hard-coded in the ports), 10 epochs at lr 1e-5, momentum 0.9, no
 * weight decay (the paper: "a learning rate of 10⁻⁵ for 10 epochs"); batch 128 (kit).
 */
import * as tf from "@tensorflow/tfjs";
import { KitError } from "../errors.ts";
import type { Dataset } from "../data/types.ts";
import type { Net } from "../models/types.ts";
import { crossEntropy } from "../smoothing.ts";
import { batchOf, epochBatches, logitsOf, Sgd } from "../train.ts";
import { num, uniform } from "../config.ts";
import { sgdFields } from "./fields.ts";
import { SHARED_SPACE } from "./loops/defaults.ts";
import { defineMethod } from "./types.ts";

/** The smallest and largest input value of a data set (where FGSM clips). */
export function valueRange(ds: Dataset): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ds.x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The label the frozen model gives an FGSM step of size `bound` from each input. */
export function nearestWrongLabels(frozen: Net, x: tf.Tensor, y: tf.Tensor1D, bound: number, range: [number, number]): tf.Tensor1D {
  return tf.tidy(() => {
    const grad = tf.grad((xx: tf.Tensor) => tf.sum(crossEntropy(logitsOf(frozen, xx, false), y)))(x);
    const adv = x.add(grad.sign().mul(bound)).clipByValue(range[0], range[1]);
    return tf.argMax(logitsOf(frozen, adv, false), 1).toInt() as tf.Tensor1D;
  });
}

export const bs = defineMethod({
  name: "bs",
  title: "BS",
  source: "Boundary Shrink (Chen et al. 2023, CVPR): FGSM nearest-wrong labels, ε 0.1; fine-tune lr 1e-5, 10 epochs",
  family: "baseline",
  options: {
    ...sgdFields(
      { epochs: 10, learningRate: 1e-5, momentum: 0.9, weightDecay: 0, batchSize: 128, clipNorm: 0 },
      "Chen et al. 2023 (lr 1e-5, 10 epochs); momentum, batch and no clipping: kit",
    ),
    bound: num(0.1, "ε: FGSM step size in input units", { min: 0, source: "Chen et al. 2023 (ε 0.1)" }),
  },
  searchSpace: { ...SHARED_SPACE, bound: uniform(0.02, 0.3) },
  display: { order: 6, color: "#332288" },
  run(ctx, opts) {
    const { task, original: frozen, start: net } = ctx;
    if (task.train.x instanceof Int32Array) {
      throw new KitError("FGSM needs continuous inputs, not token ids: boundary shrink does not apply to text data", "bs");
    }
    const range = valueRange(task.train);
    const rng = ctx.rng.fork("bs");
    const sgd = new Sgd(net, opts);
    const bar = ctx.progress("boundary shrink", opts.epochs * Math.ceil(task.forgetIdx.length / opts.batchSize));
    const history: Record<string, number>[] = [];
    try {
      for (let epoch = 0; epoch < opts.epochs; epoch++) {
        let lossSum = 0;
        let moved = 0;
        let seen = 0;
        for (const b of epochBatches(task.forgetIdx, opts.batchSize, rng)) {
          const { x, y } = batchOf(task.train, b, ctx.augment, rng);
          const target = nearestWrongLabels(frozen, x, y, opts.bound, range);
          moved += tf.tidy(() => tf.sum(tf.notEqual(target, y).toInt()).dataSync()[0]);
          const { loss } = sgd.step(() => tf.mean(crossEntropy(logitsOf(net, x, true), target)) as tf.Scalar);
          tf.dispose([x, y, target]);
          lossSum += loss * b.length;
          seen += b.length;
          bar.tick(1, { epoch: epoch + 1, loss: lossSum / seen });
        }
        // movedShare: forget samples whose FGSM step crossed into another class (the rest keep y).
        history.push({ epoch: epoch + 1, loss: lossSum / Math.max(1, seen), movedShare: moved / Math.max(1, seen) });
      }
    } finally {
      sgd.dispose();
      bar.done();
    }
    return { net, history };
  },
});
