/**
 * Retrain: exact unlearning, the reference every other method is measured against. A fresh model
 * trained on D_r alone with the original's recipe (docs/paper.md §6: "retrain the same").
 */
import { buildNet } from "../models/registry.ts";
import { fit } from "../train.ts";
import { int } from "../config.ts";
import { defineMethod } from "./types.ts";

export const retrain = defineMethod({
  name: "retrain",
  title: "Retrain",
  source: "Exact unlearning: retrain from scratch on D_r with the original's training recipe (paper §4.1)",
  family: "reference",
  options: {
    epochs: int(0, "training epochs; 0 = the original's", { min: 0, source: "paper §11.3: retrain with the original's recipe" }),
  },
  searchSpace: {},
  display: { order: 0, color: "#000000" },
  run(ctx, opts) {
    // Retrain ignores θ_o (the runner disposes the unused copy): a fresh initialisation from the seed.
    const net = buildNet(ctx.original.config, ctx.rng.fork("retrain-init").seed());
    const training = { ...ctx.originalTraining, epochs: opts.epochs || ctx.originalTraining.epochs };
    const history = fit(net, ctx.task.train, ctx.task.retainIdx, training, {
      rng: ctx.rng.fork("retrain-batches"),
      progress: ctx.progress,
      label: "retrain",
      augment: ctx.augment,
    });
    return { net, history: history.map((h) => ({ ...h })) };
  },
});
