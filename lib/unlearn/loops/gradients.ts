/**
 * Batch gradients shared by methods that take a step from θ_o instead of training (IU's influence step,
 * SalUn's saliency mask).
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../../data/types.ts";
import type { Net } from "../../models/types.ts";
import { crossEntropy } from "../../smoothing.ts";
import { batchOf, logitsOf, trainableVariables } from "../../train.ts";

/** ∇ of the mean cross-entropy over samples `idx`, per trainable variable (evaluation mode). */
export function meanLossGradient(net: Net, ds: Dataset, idx: Int32Array, batchSize: number): tf.Tensor[] {
  const vars = trainableVariables(net);
  let sum: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  for (let s = 0; s < idx.length; s += batchSize) {
    const b = idx.subarray(s, Math.min(idx.length, s + batchSize));
    const { x, y } = batchOf(ds, b);
    const next = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(crossEntropy(logitsOf(net, x, false), y)) as tf.Scalar, vars);
      value.dispose();
      return vars.map((v, k) => sum[k].add(grads[v.name]));
    });
    tf.dispose([...sum, x, y]);
    sum = next;
  }
  const mean = tf.tidy(() => sum.map((g) => g.div(Math.max(1, idx.length))));
  tf.dispose(sum);
  return mean;
}
