/**
 * ℓ1-sparse: fine-tune on D_r with an ℓ1 penalty, L = mean ℓ(θ; B_r) + γ_t·‖θ‖₁, whose weight decays
 * linearly over the epochs, γ_t = γ·(1 − t/(E − noL1Epochs)) for t < E − noL1Epochs, then 0
 * ("sparsity-aware unlearning", Jia et al. 2023, "Model Sparsity Can Simplify Machine Unlearning";
 * code OPTML-Group/Unlearn-Sparse `unlearn/FT.py` `FT_l1`, where ‖θ‖₁ runs over every parameter).
 * Defaults: 10 epochs at lr 0.01 (README `--unlearn FT_prune ... --unlearn_lr 0.01 --unlearn_epochs 10`),
 * momentum 0.9, weight decay 5e-4 (the code's defaults), batch 128 (kit). γ = 5e-5 is provisional (the
 * README's `--alpha 0.2` would multiply ‖θ‖₁ ≈ 10⁴ for the MLP and wipe it out; the paper's own γ was not
 * verified here); the search (results/search/) sets it.
 */
import * as tf from "@tensorflow/tfjs";
import { crossEntropy } from "../smoothing.ts";
import { batchOf, epochBatches, logitsOf, Sgd, trainableVariables } from "../train.ts";
import { int, logUniform, num } from "../config.ts";
import { KIT_PROVISIONAL } from "./loops/defaults.ts";
import { sgdFields } from "./fields.ts";
import { SHARED_SPACE } from "./loops/defaults.ts";
import { defineMethod } from "./types.ts";

/** γ_t of the linear decay (the public code's schedule, including its E = noL1Epochs case). */
export function l1WeightAt(l1: number, epoch: number, epochs: number, noL1Epochs: number): number {
  const decayEpochs = epochs - noL1Epochs;
  if (decayEpochs === 0) return l1; // the public code keeps γ constant when no epoch is left to decay over
  if (decayEpochs < 0) return 0;
  return epoch < decayEpochs ? l1 * (1 - epoch / decayEpochs) : 0;
}

export const l1Sparse = defineMethod({
  name: "l1-sparse",
  title: "ℓ1-sparse",
  source: "Sparsity-aware unlearning: FT + linearly decaying ℓ1 (Jia et al. 2023; code FT.py FT_l1, lr 0.01, 10 epochs)",
  family: "baseline",
  options: {
    ...sgdFields(
      { epochs: 10, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, clipNorm: 0 },
      "Jia et al. 2023 code FT.py FT_l1 (lr 0.01, 10 epochs, SGD 0.9 / 5e-4); batch and no clipping: kit",
    ),
    l1: num(5e-5, "γ: initial weight of ‖θ‖₁", { min: 0, source: KIT_PROVISIONAL }),
    noL1Epochs: int(0, "final epochs without the penalty", { min: 0, source: "FT.py FT_l1 (the penalty decays over every epoch)" }),
  },
  searchSpace: { ...SHARED_SPACE, l1: logUniform(1e-7, 1e-3) },
  display: { order: 7, color: "#882255" },
  run(ctx, opts) {
    const { task, start: net } = ctx;
    const rng = ctx.rng.fork("l1-sparse");
    const vars = trainableVariables(net);
    const sgd = new Sgd(net, opts);
    const bar = ctx.progress("l1-sparse", opts.epochs * Math.ceil(task.retainIdx.length / opts.batchSize));
    const history: Record<string, number>[] = [];
    try {
      for (let epoch = 0; epoch < opts.epochs; epoch++) {
        const gamma = l1WeightAt(opts.l1, epoch, opts.epochs, opts.noL1Epochs);
        let lossSum = 0;
        let l1Norm = 0;
        let seen = 0;
        for (const b of epochBatches(task.retainIdx, opts.batchSize, rng)) {
          const { x, y } = batchOf(task.train, b, ctx.augment, rng);
          let norm = 0;
          const { loss } = sgd.step(() => {
            const ce = tf.mean(crossEntropy(logitsOf(net, x, true), y));
            if (gamma === 0) return ce as tf.Scalar;
            const l1 = tf.addN(vars.map((v) => tf.sum(tf.abs(v))));
            norm = l1.dataSync()[0];
            return ce.add(l1.mul(gamma)) as tf.Scalar;
          });
          tf.dispose([x, y]);
          lossSum += loss * b.length;
          l1Norm = norm;
          seen += b.length;
          bar.tick(1, { epoch: epoch + 1, loss: lossSum / seen });
        }
        history.push({ epoch: epoch + 1, loss: lossSum / Math.max(1, seen), l1Weight: gamma, l1Norm });
      }
    } finally {
      sgd.dispose();
      bar.done();
    }
    return { net, history };
  },
});
