/**
 * UGradSL: gradient-mixed unlearning on the GA backbone with negative label smoothing on D_f (Eq. 6,
 * Algorithm 1; docs/paper.md §5). The loop runs over D_f; retain batches are drawn alongside.
 */
import { adaptiveFields, MIXED, stopFields } from "./fields.ts";
import { gradientMixedMethod } from "./loops/gradient_mixed.ts";
import { GRADIENT_MIXED_SPACE as SEARCH_SPACE, KIT_PROVISIONAL, KIT_STOP_RULE, NO_ADAPTIVE_RATE } from "./loops/defaults.ts";

const STOP = "kit stop rule (loops/defaults.ts)";
const ADAPTIVE = "kit: off by default; its open choices in docs/paper.md §5";

export const ugradsl = gradientMixedMethod({
  name: "ugradsl",
  title: "UGradSL",
  source: "Label Smoothing Improves Machine Unlearning, Eq. 6 / Algorithm 1, GA backbone",
  family: "proposed",
  backbone: "ga",
  options: {
    epochs: MIXED.epochs(5, KIT_PROVISIONAL),
    learningRate: MIXED.learningRate(1e-3, KIT_PROVISIONAL),
    momentum: MIXED.momentum(0.9, "the public code's SGD (OPTML-Group/Unlearn-Sparse)"),
    weightDecay: MIXED.weightDecay(0, "kit: no weight decay during ascent"),
    batchSize: MIXED.batchSize(128, "kit"),
    pairedBatchSize: MIXED.pairedBatchSize(128, "kit"),
    mixWeight: MIXED.mixWeight(0.5, KIT_PROVISIONAL),
    mixSchedule: MIXED.mixSchedule("constant", "kit (Algorithm 1's update of p is open, docs/paper.md §5)"),
    smoothRate: MIXED.smoothRate(-0.5, KIT_PROVISIONAL),
    ...adaptiveFields(NO_ADAPTIVE_RATE, ADAPTIVE),
    clipNorm: MIXED.clipNorm(0, "kit: none by default; searched among none, 1 and 10 as for every method"),
    ...stopFields(KIT_STOP_RULE, STOP),
  },
  fixed: {},
  searchSpace: SEARCH_SPACE,
  display: { order: 11, color: "#D55E00" },
});
