/**
 * SCRUB (Kurmanji et al. 2023, "Towards Unbounded Machine Unlearning"): the student starts as θ_o and
 * the frozen teacher is θ_o. Each epoch first runs, for the first `maxSteps` epochs only, a max pass
 * over D_f that minimises −KL(teacher‖student), then a min pass over D_r that minimises
 * γ·CE + α·KL(teacher‖student); KL is at temperature T, scaled by T² (RepDistiller's DistillKL).
 * The optimiser is built on the student's own variables (`Sgd(ctx.start)`): the public standalone
 * script (meghdadk/SCRUB `scrub.py`) builds it on `model.parameters()` while training a deep copy, so
 * its steps never reach the student. The teacher is `ctx.original`, which nothing here trains.
 * Defaults from that repository's small-scale notebook: 3 epochs (sgda_epochs), maxSteps 2 (msteps, max
 * passes in epochs 1…msteps), lr 5e-4, momentum 0.9, weight decay 5e-4, retain batch 128, forget batch
 * 32, T = 4, γ = 0.99, α = 0.001 (its lr decay at epochs 3, 5, 9 never fires within 3 epochs).
 */
import * as tf from "@tensorflow/tfjs";
import type { Net } from "../models/types.ts";
import { crossEntropy } from "../smoothing.ts";
import { batchOf, epochBatches, logitsOf, Sgd } from "../train.ts";
import { int, intRange, logUniform, num } from "../config.ts";
import { sgdFields } from "./fields.ts";
import { SHARED_SPACE } from "./loops/defaults.ts";
import { defineMethod } from "./types.ts";

/** KL(softmax(t/T) ‖ softmax(s/T))·T², averaged over the batch (DistillKL). */
export function distillKl(studentLogits: tf.Tensor2D, teacherProbsT: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logQ = tf.logSoftmax(studentLogits.div(temperature));
    const logP = tf.log(teacherProbsT.add(1e-12));
    return tf.mean(tf.sum(teacherProbsT.mul(logP.sub(logQ)), 1)).mul(temperature * temperature) as tf.Scalar;
  });
}

function teacherProbs(teacher: Net, x: tf.Tensor, temperature: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(logitsOf(teacher, x, false).div(temperature)) as tf.Tensor2D);
}

const NOTEBOOK = "meghdadk/SCRUB small-scale notebook";

export const scrub = defineMethod({
  name: "scrub",
  title: "SCRUB",
  source: "Teacher-student max/min unlearning (Kurmanji et al. 2023, NeurIPS; code meghdadk/SCRUB, small-scale settings)",
  family: "baseline",
  options: {
    ...sgdFields(
      { epochs: 3, learningRate: 5e-4, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, clipNorm: 0 },
      "meghdadk/SCRUB small-scale notebook (sgda_epochs 3, lr 5e-4, SGD 0.9 / 5e-4, batch 128); no clipping: kit",
    ),
    maxSteps: int(2, "epochs (the first ones) that run a max pass over D_f (msteps)", { min: 0, source: NOTEBOOK }),
    forgetBatchSize: int(32, "batch size of the max pass", { min: 1, source: NOTEBOOK }),
    temperature: num(4, "KL temperature T (kd_T)", { min: 1e-3, source: NOTEBOOK }),
    ceWeight: num(0.99, "γ: cross-entropy weight in the min pass", { min: 0, source: NOTEBOOK }),
    klWeight: num(0.001, "α: KL weight in the min pass", { min: 0, source: NOTEBOOK }),
  },
  searchSpace: { ...SHARED_SPACE, maxSteps: intRange(1, 5), klWeight: logUniform(1e-3, 1) },
  display: { order: 8, color: "#44AA99" },
  run(ctx, opts) {
    const { task, original: teacher, start: student } = ctx;
    const rng = ctx.rng.fork("scrub");
    const sgd = new Sgd(student, opts);
    const maxPasses = Math.min(opts.maxSteps, opts.epochs);
    const steps = maxPasses * Math.ceil(task.forgetIdx.length / opts.forgetBatchSize) +
      opts.epochs * Math.ceil(task.retainIdx.length / opts.batchSize);
    const bar = ctx.progress("scrub", steps);
    const history: Record<string, number>[] = [];
    try {
      for (let epoch = 0; epoch < opts.epochs; epoch++) {
        let maxLoss = NaN;
        if (epoch < opts.maxSteps) {
          let sum = 0;
          let seen = 0;
          for (const b of epochBatches(task.forgetIdx, opts.forgetBatchSize, rng)) {
            const { x, y } = batchOf(task.train, b, ctx.augment, rng);
            const p = teacherProbs(teacher, x, opts.temperature);
            const { loss } = sgd.step(() => distillKl(logitsOf(student, x, true), p, opts.temperature).neg() as tf.Scalar);
            tf.dispose([x, y, p]);
            sum += loss * b.length;
            seen += b.length;
            bar.tick(1, { epoch: epoch + 1, max: sum / seen });
          }
          maxLoss = sum / Math.max(1, seen);
        }
        let sum = 0;
        let seen = 0;
        for (const b of epochBatches(task.retainIdx, opts.batchSize, rng)) {
          const { x, y } = batchOf(task.train, b, ctx.augment, rng);
          const p = teacherProbs(teacher, x, opts.temperature);
          const { loss } = sgd.step(() => {
            const logits = logitsOf(student, x, true);
            return tf.mean(crossEntropy(logits, y)).mul(opts.ceWeight).add(
              distillKl(logits, p, opts.temperature).mul(opts.klWeight),
            ) as tf.Scalar;
          });
          tf.dispose([x, y, p]);
          sum += loss * b.length;
          seen += b.length;
          bar.tick(1, { epoch: epoch + 1, min: sum / seen });
        }
        history.push({ epoch: epoch + 1, maxLoss, minLoss: sum / Math.max(1, seen) });
      }
    } finally {
      sgd.dispose();
      bar.done();
    }
    return { net: student, history };
  },
});
