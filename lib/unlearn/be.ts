/**
 * BE, Boundary Expanding (Chen et al. 2023, "Boundary Unlearning", CVPR): widen the classifier by one
 * "shadow" class, fine-tune so that every forget sample is assigned to it, then prune the shadow output.
 * The returned net has the original K outputs: the K+1 net is built with `buildNet` (numClasses + 1),
 * every weight copied from θ_o except the new output column (freshly initialised from the seed), and
 * after training its weights are copied back without that column. The public port (OPTML-Group
 * `boundary_ex.py`) never prunes, leaving a K+1-way model to be evaluated.
 * Defaults: 10 epochs at lr 1e-5, momentum 0.9, no weight decay (the paper's fine-tuning setting, as for
 * BS); batch 128 (kit).
 */
import * as tf from "@tensorflow/tfjs";
import { buildNet, disposeNet } from "../models/registry.ts";
import type { Net } from "../models/types.ts";
import { crossEntropy } from "../smoothing.ts";
import { batchOf, epochBatches, logitsOf, Sgd } from "../train.ts";
import { sgdFields } from "./fields.ts";
import { SHARED_SPACE } from "./loops/defaults.ts";
import { defineMethod } from "./types.ts";

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Copies `from`'s weights into `to`, where the two differ only in the output width: weights whose last
 * dimension is the class count are cut to `to`'s width, or widened with `to`'s own values beyond it.
 */
export function copyAcrossWidth(from: Net, to: Net): void {
  const src = from.model.getWeights();
  const dst = to.model.getWeights();
  if (src.length !== dst.length) throw new Error(`copyAcrossWidth: ${src.length} vs ${dst.length} weight tensors`);
  const kFrom = from.config.numClasses;
  const kTo = to.config.numClasses;
  const values = tf.tidy(() =>
    src.map((w, i) => {
      const target = dst[i];
      if (sameShape(w.shape, target.shape)) return w.clone();
      const last = w.rank - 1;
      const ok = w.shape[last] === kFrom && target.shape[last] === kTo && sameShape(w.shape.slice(0, last), target.shape.slice(0, last));
      if (!ok) throw new Error(`copyAcrossWidth: weight ${i} has shape [${w.shape}] vs [${target.shape}]`);
      if (kTo < kFrom) return w.slice(new Array(w.rank).fill(0), [...w.shape.slice(0, last), kTo]);
      const extra = target.slice([...new Array(last).fill(0), kFrom], [...target.shape.slice(0, last), kTo - kFrom]);
      return tf.concat([w, extra], last);
    })
  );
  to.model.setWeights(values);
  tf.dispose(values);
}

export const be = defineMethod({
  name: "be",
  title: "BE",
  source: "Boundary Expanding with the shadow class pruned (Chen et al. 2023, CVPR): fine-tune lr 1e-5, 10 epochs",
  family: "baseline",
  options: sgdFields(
    { epochs: 10, learningRate: 1e-5, momentum: 0.9, weightDecay: 0, batchSize: 128, clipNorm: 0 },
    "Chen et al. 2023 (lr 1e-5, 10 epochs); momentum, batch and no clipping: kit",
  ),
  searchSpace: SHARED_SPACE,
  display: { order: 5, color: "#DDCC77" },
  run(ctx, opts) {
    const { task, start: net } = ctx;
    const k = net.config.numClasses;
    const wide = buildNet({ ...net.config, numClasses: k + 1 }, ctx.rng.fork("be-shadow").seed());
    const rng = ctx.rng.fork("be");
    const history: Record<string, number>[] = [];
    const bar = ctx.progress("boundary expanding", opts.epochs * Math.ceil(task.forgetIdx.length / opts.batchSize));
    try {
      copyAcrossWidth(net, wide);
      const sgd = new Sgd(wide, opts);
      try {
        for (let epoch = 0; epoch < opts.epochs; epoch++) {
          let lossSum = 0;
          let seen = 0;
          for (const b of epochBatches(task.forgetIdx, opts.batchSize, rng)) {
            const { x, y } = batchOf(task.train, b, ctx.augment, rng);
            const shadow = tf.fill([b.length], k, "int32") as tf.Tensor1D;
            const { loss } = sgd.step(() => tf.mean(crossEntropy(logitsOf(wide, x, true), shadow)) as tf.Scalar);
            tf.dispose([x, y, shadow]);
            lossSum += loss * b.length;
            seen += b.length;
            bar.tick(1, { epoch: epoch + 1, loss: lossSum / seen });
          }
          history.push({ epoch: epoch + 1, shadowLoss: lossSum / Math.max(1, seen) });
        }
      } finally {
        sgd.dispose();
      }
      copyAcrossWidth(wide, net); // prune the shadow class
    } finally {
      disposeNet(wide);
      bar.done();
    }
    return { net, history };
  },
});
