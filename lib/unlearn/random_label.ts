/**
 * Random Label (RL): fine-tune on D_f relabelled at random together with D_r (Graves et al. 2021,
 * "Amnesiac Machine Learning"; as the paper's baseline runs it, Jia et al. 2023 code
 * OPTML-Group/Unlearn-Sparse `unlearn/RL.py`: every epoch the forget labels are redrawn and D_f ∪ D_r is
 * shuffled into one loader). The public code draws labels from all K classes, the true one included;
 * `wrongOnly` (default) draws from the K − 1 wrong ones, as the method is usually described.
 * Defaults: 10 epochs at lr 0.01, momentum 0.9, weight decay 5e-4 (the paper's FT recipe, §11.3, which
 * that code shares); batch 128 as the kit's other fine-tuning methods.
 *
 * `relabelFineTune` is the loop; SalUn (salun.ts) runs it with a weight mask.
 */
import * as tf from "@tensorflow/tfjs";
import type { NumberField } from "../config.ts";
import { crossEntropy } from "../smoothing.ts";
import { batchOf, epochBatches, logitsOf, Sgd, trainableVariables } from "../train.ts";
import type { UnlearnContext, UnlearnOutcome } from "./types.ts";
import { defineMethod } from "./types.ts";

const num = (d: number, doc: string, min?: number, max?: number, integer = false): NumberField => ({
  type: "number",
  default: d,
  doc,
  min,
  max,
  integer,
});

/** The fine-tuning options shared by the kit's non-gradient-mixed methods, with per-method defaults. */
export function sgdFields(d: { epochs: number; learningRate: number; momentum: number; weightDecay: number; batchSize: number }) {
  return {
    epochs: num(d.epochs, "passes over the method's training set", 0, 1000, true),
    learningRate: num(d.learningRate, "SGD learning rate", 0, 10),
    momentum: num(d.momentum, "SGD momentum", 0, 0.999),
    weightDecay: num(d.weightDecay, "L2 weight decay added to the gradient", 0, 1),
    batchSize: num(d.batchSize, "batch size", 1, 65536, true),
    clipNorm: num(0, "clip the global gradient norm to this (0: off)", 0),
  };
}

export interface RelabelOptions {
  epochs: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  clipNorm: number;
  wrongOnly: boolean;
}

/**
 * Fine-tunes `ctx.start` on D_f ∪ D_r, D_f with labels redrawn every epoch. With `mask` (1 = trainable,
 * per variable, same shapes), weights outside the mask are put back to θ_o after every step, so
 * momentum and weight decay cannot move them either.
 */
export function relabelFineTune(ctx: UnlearnContext, opts: RelabelOptions, label: string, mask?: tf.Tensor[]): UnlearnOutcome {
  const { task, start: net } = ctx;
  const ds = task.train;
  const k = task.numClasses;
  if (opts.wrongOnly && k < 2) throw new Error(`${label}: wrong labels need at least 2 classes`);
  const rng = ctx.rng.fork(label);
  const isForget = new Uint8Array(ds.y.length);
  for (const i of task.forgetIdx) isForget[i] = 1;
  const pool = Int32Array.from([...task.forgetIdx, ...task.retainIdx]);
  const vars = trainableVariables(net);
  const frozen: (tf.Tensor | null)[] = mask
    ? vars.map((v, i) => (tf.tidy(() => tf.min(mask[i]).dataSync()[0]) < 1 ? v.clone() : null))
    : [];
  const sgd = new Sgd(net, opts);
  const bar = ctx.progress(label, opts.epochs * Math.ceil(pool.length / opts.batchSize));
  const history: Record<string, number>[] = [];
  const relabel = new Int32Array(ds.y.length);
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (const i of task.forgetIdx) {
        const y = ds.y[i];
        relabel[i] = opts.wrongOnly ? (y + 1 + rng.int(k - 1)) % k : rng.int(k);
      }
      let lossSum = 0;
      let seen = 0;
      for (const b of epochBatches(pool, opts.batchSize, rng)) {
        const { x, y: trueY } = batchOf(ds, b, ctx.augment, rng);
        trueY.dispose();
        const y = tf.tensor1d(Int32Array.from(b, (i) => (isForget[i] ? relabel[i] : ds.y[i])), "int32");
        const { loss } = sgd.step(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar);
        tf.dispose([x, y]);
        if (mask) {
          tf.tidy(() => {
            vars.forEach((v, i) => {
              const w0 = frozen[i];
              if (w0) v.assign(v.mul(mask[i]).add(w0.mul(tf.sub(1, mask[i]))));
            });
          });
        }
        lossSum += loss * b.length;
        seen += b.length;
        bar.tick(1, { epoch: epoch + 1, loss: lossSum / seen });
      }
      history.push({ epoch: epoch + 1, loss: lossSum / Math.max(1, seen) });
    }
  } finally {
    sgd.dispose();
    bar.done();
    tf.dispose(frozen.filter((t) => t !== null) as tf.Tensor[]);
  }
  return { net, history };
}

export const randomLabel = defineMethod({
  name: "random-label",
  title: "RL",
  source: "Random labels on D_f plus D_r (Graves et al. 2021); Jia et al. 2023 code RL.py; paper §11.3 FT recipe",
  options: {
    ...sgdFields({ epochs: 10, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128 }),
    wrongOnly: {
      type: "boolean",
      default: true,
      doc: "draw forget labels from the K−1 wrong classes (false: any class, as the public code)",
    },
  },
  run: (ctx, opts) => relabelFineTune(ctx, opts, "random-label"),
});
