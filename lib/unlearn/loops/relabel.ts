/**
 * Fine-tuning on D_f ∪ D_r with D_f's labels redrawn at random every epoch: the loop of Random Label
 * (random_label.ts) and SalUn (salun.ts, which passes a weight mask).
 */
import * as tf from "@tensorflow/tfjs";
import { KitError } from "../../errors.ts";
import { crossEntropy } from "../../smoothing.ts";
import { batchOf, epochBatches, logitsOf, Sgd, trainableVariables } from "../../train.ts";
import type { SgdDefaults } from "../fields.ts";
import type { UnlearnContext, UnlearnOutcome } from "../types.ts";

/** The six SGD options (fields.ts) and whether a redrawn label must differ from the true one. */
export interface RelabelOptions extends SgdDefaults {
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
  if (opts.wrongOnly && k < 2) throw new KitError("wrong labels need at least 2 classes", `${label}.wrongOnly`);
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
