/**
 * Random Label (RL): fine-tune on D_f relabelled at random together with D_r (Graves et al. 2021,
 * "Amnesiac Machine Learning"; as the paper's baseline runs it, Jia et al. 2023 code
 * OPTML-Group/Unlearn-Sparse `unlearn/RL.py`: every epoch the forget labels are redrawn and D_f ∪ D_r is
 * shuffled into one loader). The public code draws labels from all K classes, the true one included;
 * `wrongOnly` (default) draws from the K − 1 wrong ones, as the method is usually described.
 * The loop is loops/relabel.ts.
 */
import { bool } from "../config.ts";
import { sgdFields } from "./fields.ts";
import { relabelFineTune } from "./loops/relabel.ts";
import { SHARED_SPACE } from "./loops/defaults.ts";
import { defineMethod } from "./types.ts";

export const randomLabel = defineMethod({
  name: "random-label",
  title: "RL",
  source: "Random labels on D_f plus D_r (Graves et al. 2021); Jia et al. 2023 code RL.py; paper §11.3 FT recipe",
  family: "baseline",
  options: {
    ...sgdFields(
      { epochs: 10, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, clipNorm: 0 },
      "paper §11.3 FT recipe, shared by RL.py; batch 128 and no clipping: kit",
    ),
    wrongOnly: bool(true, "draw forget labels from the K−1 wrong classes (false: any class, as the public code)", "kit"),
  },
  searchSpace: SHARED_SPACE,
  display: { order: 9, color: "#999933" },
  run: (ctx, opts) => relabelFineTune(ctx, opts, "random-label"),
});
