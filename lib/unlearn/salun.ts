/**
 * SalUn, saliency unlearning (Fan et al. 2024, "SalUn: Empowering Machine Unlearning via Gradient-based
 * Weight Saliency"): a weight-saliency mask m = 1(|∇_θ ℓ_f(θ_o; D_f)| ≥ γ), then Random Label (RL)
 * fine-tuning that updates only the masked weights. γ is the quantile that keeps the `maskFraction`
 * most salient weights over the whole net (the paper's default keeps half: γ = the median).
 * The public code (OPTML-Group/Unlearn-Saliency `generate_mask.py`) steps an optimiser while it
 * accumulates the gradient and ranks |g| in ascending order; here the gradient is taken at θ_o and the
 * largest |g| are kept, as the paper defines the mask.
 * The README's lr 0.1 is for ResNet-18 on CIFAR-10 and is left to the search.
 */
import * as tf from "@tensorflow/tfjs";
import { trainableVariables } from "../train.ts";
import { bool, int, num, uniform } from "../config.ts";
import { sgdFields } from "./fields.ts";
import { meanLossGradient } from "./loops/gradients.ts";
import { relabelFineTune } from "./loops/relabel.ts";
import { SHARED_SPACE } from "./loops/defaults.ts";
import { defineMethod } from "./types.ts";

/** 0/1 masks (per variable) keeping the `fraction` of weights with the largest |g| over all variables. */
export function saliencyMask(grads: tf.Tensor[], fraction: number): tf.Tensor[] {
  const all = new Float32Array(grads.reduce((s, g) => s + g.size, 0));
  let at = 0;
  for (const g of grads) {
    const v = tf.tidy(() => tf.abs(g).dataSync());
    all.set(v as Float32Array, at);
    at += v.length;
  }
  const keep = Math.round(fraction * all.length);
  if (keep >= all.length) return grads.map((g) => tf.onesLike(g));
  if (keep <= 0) return grads.map((g) => tf.zerosLike(g));
  // γ: the keep-th largest |g|; ties at γ are all kept.
  const sorted = Float32Array.from(all).sort();
  const gamma = sorted[all.length - keep];
  return tf.tidy(() => grads.map((g) => tf.greaterEqual(tf.abs(g), gamma).toFloat()));
}

export const salun = defineMethod({
  name: "salun",
  title: "SalUn",
  source: "Gradient-saliency mask + Random Label on the masked weights (Fan et al. 2024, ICLR; code OPTML-Group/Unlearn-Saliency)",
  family: "baseline",
  options: {
    ...sgdFields(
      { epochs: 10, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, clipNorm: 0 },
      "README --unlearn_epochs 10; lr, SGD, batch as RL (random_label.ts)",
    ),
    maskFraction: num(0.5, "share of weights updated (the most salient); 0.5 = median threshold", {
      min: 0,
      max: 1,
      source: "Fan et al. 2024",
    }),
    gradientBatchSize: int(256, "batch size of the forget-gradient pass", { min: 1, source: "kit" }),
    wrongOnly: bool(true, "random labels from the K−1 wrong classes (false: any class)", "kit, as RL"),
  },
  searchSpace: { ...SHARED_SPACE, maskFraction: uniform(0.1, 0.9) },
  display: { order: 10, color: "#AA4499" },
  run(ctx, opts) {
    const grads = meanLossGradient(ctx.start, ctx.task.train, ctx.task.forgetIdx, opts.gradientBatchSize);
    const mask = saliencyMask(grads, opts.maskFraction);
    tf.dispose(grads);
    try {
      const kept = tf.tidy(() => tf.addN(mask.map((m) => tf.sum(m))).dataSync()[0]);
      const total = trainableVariables(ctx.start).reduce((s, v) => s + v.size, 0);
      const outcome = relabelFineTune(ctx, opts, "salun", mask);
      return { ...outcome, notes: { maskedShare: kept / total } };
    } finally {
      tf.dispose(mask);
    }
  },
});
