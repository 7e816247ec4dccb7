/**
 * FF, Fisher forgetting (Golatkar et al. 2020, "Eternal Sunshine of the Spotless Net"): add Gaussian
 * noise shaped by the diagonal Fisher information of the retain set, so that directions D_r does not
 * constrain are scrambled. The Fisher is the true one, F = mean_{x∈D_r} Σ_y p(y|x) (∇_θ log p(y|x))²
 * (per-example gradients, as Golatkar et al.; `fisher: "empirical"` uses the label only).
 *
 * Two noise forms:
 * - "public-code" (default, what the paper's baseline ran: Jia et al. 2023, OPTML-Group/Unlearn-Sparse
 *   `unlearn/fisher.py` `fisher_new`, README `--alpha 0.2`): var = alpha·min(1/(F+1e-8), 1e3) (the
 *   classifier's clamped at 1e2 first), averaged over each weight's input axis, ×10 for the classifier
 *   and every 1-D parameter; θ = θ_o + √var·n. That code squares mean gradients of batches of 32 rather
 *   than per-example ones (a smaller F, hence larger noise at equal alpha), and its classifier test
 *   compares shapes with a boolean, so alpha values do not transfer; the search sets alpha.
 * - "fourth-root": Golatkar et al.'s optimal scrubbing noise, std = alpha^{1/4}·min(1/(F+1e-8), 1e3)^{1/4}
 *   (their (λσ_h²)^{1/4} F^{−1/4}, with alpha = λσ_h²).
 * `zeroForgottenClass` is the public code's class-wise special case (its "4500" test): the forgotten
 * class's classifier column is set to 0 with variance 1e-4.
 * Default alpha 1e-6: the README's 0.2 scrambles a per-example-Fisher MLP entirely; 1e-6 is the kit's
 * provisional value until the search (results/search/) replaces it.
 */
import * as tf from "@tensorflow/tfjs";
import { bool, choice, int, logUniform, num, oneOf } from "../config.ts";
import { batchOf, logitsOf, trainableVariables } from "../train.ts";
import { perExampleField } from "./fields.ts";
import type { PerExampleMode } from "./fields.ts";
import { loopBatchLimit, perExampleGrads } from "./loops/per_example.ts";
import { KIT_PROVISIONAL } from "./loops/defaults.ts";
import type { UnlearnContext } from "./types.ts";
import { defineMethod } from "./types.ts";

export const FF_NOISE_FORMS = ["public-code", "fourth-root"] as const;
export const FISHER_KINDS = ["true", "empirical"] as const;
export type FisherKind = typeof FISHER_KINDS[number];

/** The diagonal Fisher of `idx` at the net's weights, per trainable variable. */
export function diagonalFisher(
  ctx: Pick<UnlearnContext, "task">,
  net: UnlearnContext["start"],
  idx: Int32Array,
  opts: { kind: FisherKind; batchSize: number; perExample: PerExampleMode },
): tf.Tensor[] {
  const vars = trainableVariables(net);
  let acc: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  const k = net.config.numClasses;
  const add = (parts: tf.Tensor[]) => {
    const next = acc.map((a, i) => a.add(parts[i]));
    tf.dispose([...acc, ...parts]);
    acc = next;
  };
  const batchSize = Math.min(opts.batchSize, loopBatchLimit(net, opts.perExample));
  for (let s = 0; s < idx.length; s += batchSize) {
    const b = idx.subarray(s, Math.min(idx.length, s + batchSize));
    const { x, y } = batchOf(ctx.task.train, b);
    if (opts.kind === "empirical") {
      const pe = perExampleGrads(net, x, y, opts.perExample);
      add(pe.squaredSum());
      pe.dispose();
    } else {
      const probs = tf.tidy(() => tf.softmax(logitsOf(net, x, false)).arraySync() as number[][]);
      for (let c = 0; c < k; c++) {
        const labels = tf.fill([b.length], c, "int32") as tf.Tensor1D;
        const pe = perExampleGrads(net, x, labels, opts.perExample);
        add(pe.squaredSum(probs.map((p) => p[c])));
        pe.dispose();
        labels.dispose();
      }
    }
    tf.dispose([x, y]);
  }
  const mean = tf.tidy(() => acc.map((a) => a.div(Math.max(1, idx.length))));
  tf.dispose(acc);
  return mean;
}

export const ff = defineMethod({
  name: "ff",
  title: "FF",
  source: "Fisher forgetting (Golatkar et al. 2020); the paper's baseline: Jia et al. 2023 code fisher.py fisher_new",
  family: "baseline",
  options: {
    alpha: num(1e-6, "noise scale (the public code's --alpha)", {
      min: 0,
      source: `${KIT_PROVISIONAL}; the README's 0.2 scrambles this MLP`,
    }),
    noiseForm: oneOf(
      FF_NOISE_FORMS,
      "public-code",
      "public-code: var ∝ alpha/F; fourth-root: std ∝ (alpha/F)^{1/4}",
      "the paper's baseline code",
    ),
    fisher: oneOf<FisherKind>(
      FISHER_KINDS,
      "true",
      "true: Σ_y p(y|x) g_y² (Golatkar et al.); empirical: the label's g²",
      "Golatkar et al. 2020",
    ),
    fisherSamples: int(0, "retain samples for the Fisher; 0 = all of D_r", { min: 0, source: "public code (all of D_r)" }),
    zeroForgottenClass: bool(false, "class-wise: zero the forgotten class's classifier column (public code)", "kit: off"),
    batchSize: int(256, "samples per per-example-gradient batch", { min: 1, source: "kit" }),
    perExample: perExampleField("kit"),
  },
  searchSpace: { alpha: logUniform(1e-12, 1e-1), noiseForm: choice("public-code", "fourth-root") },
  display: { order: 4, color: "#56B4E9" },
  run(ctx, opts) {
    const { task, start: net } = ctx;
    const rng = ctx.rng.fork("ff");
    const idx = opts.fisherSamples > 0 && opts.fisherSamples < task.retainIdx.length
      ? rng.sample(task.retainIdx, opts.fisherSamples)
      : task.retainIdx;
    const fisher = diagonalFisher(ctx, net, idx, { kind: opts.fisher, batchSize: opts.batchSize, perExample: opts.perExample });
    const vars = trainableVariables(net);
    const outputLayer = net.model.layers[net.model.layers.length - 1];
    const classifier = new Set(outputLayer.trainableWeights.map((w) => w.read()));
    const forgotten = task.forgotten.class;
    let noiseNorm = 0;
    tf.tidy(() => {
      const sq: tf.Tensor[] = [];
      vars.forEach((v, k) => {
        const isClassifier = classifier.has(v);
        let inv = tf.minimum(tf.div(1, fisher[k].add(1e-8)), isClassifier ? 1e2 : 1e3);
        let mean: tf.Tensor = v;
        let std: tf.Tensor;
        if (opts.noiseForm === "fourth-root") {
          std = inv.mul(opts.alpha).pow(0.25);
        } else {
          inv = inv.mul(opts.alpha);
          // The public code averages over PyTorch's dim 1 (a weight's inputs); tfjs keeps inputs at rank − 2.
          if (v.rank > 1) inv = tf.mean(inv, v.rank - 2, true).broadcastTo(v.shape);
          if (isClassifier || v.rank === 1) inv = inv.mul(10);
          std = inv.sqrt();
        }
        if (opts.zeroForgottenClass && isClassifier && forgotten !== undefined) {
          const k = net.config.numClasses;
          const keep = tf.oneHot(forgotten, k).reshape([...Array(v.rank - 1).fill(1), k]).mul(-1).add(1);
          mean = mean.mul(keep);
          std = std.mul(keep).add(tf.sub(1, keep).mul(Math.sqrt(1e-4 * 10)));
        }
        const noise = tf.randomNormal(v.shape, 0, 1, "float32", rng.seed()).mul(std);
        sq.push(tf.sum(noise.square()));
        v.assign(mean.add(noise));
      });
      noiseNorm = Math.sqrt(tf.addN(sq).dataSync()[0]);
    });
    tf.dispose(fisher);
    return { net, history: [], notes: { fisherSamples: idx.length, noiseNorm } };
  },
});
