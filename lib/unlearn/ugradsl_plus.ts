/**
 * UGradSL+: gradient-mixed unlearning on the fine-tuning backbone with negative label smoothing on D_f
 * (Eq. 6; docs/paper.md §5). The loop runs over D_r; forget batches are cycled.
 */
import { adaptiveFields, MIXED, stopFields } from "./fields.ts";
import { gradientMixedMethod } from "./loops/gradient_mixed.ts";
import { GRADIENT_MIXED_SPACE as SEARCH_SPACE, KIT_PROVISIONAL, KIT_STOP_RULE, NO_ADAPTIVE_RATE } from "./loops/defaults.ts";

const STOP = "kit stop rule (loops/defaults.ts)";
const ADAPTIVE = "kit: off by default; its open choices in docs/paper.md §5";

export const ugradslPlus = gradientMixedMethod({
  name: "ugradsl+",
  title: "UGradSL+",
  source: "Label Smoothing Improves Machine Unlearning, Eq. 6, FT backbone",
  family: "proposed",
  backbone: "ft",
  options: {
    epochs: MIXED.epochs(3, KIT_PROVISIONAL),
    learningRate: MIXED.learningRate(0.01, "paper §11.3 (the FT backbone's rate)"),
    momentum: MIXED.momentum(0.9, "the public code's SGD (OPTML-Group/Unlearn-Sparse)"),
    weightDecay: MIXED.weightDecay(5e-4, "the public code's SGD (OPTML-Group/Unlearn-Sparse)"),
    batchSize: MIXED.batchSize(128, "kit"),
    pairedBatchSize: MIXED.pairedBatchSize(128, "kit"),
    mixWeight: MIXED.mixWeight(0.9, KIT_PROVISIONAL),
    mixSchedule: MIXED.mixSchedule("constant", "kit (Algorithm 1's update of p is open, docs/paper.md §5)"),
    smoothRate: MIXED.smoothRate(-0.5, KIT_PROVISIONAL),
    ...adaptiveFields(NO_ADAPTIVE_RATE, ADAPTIVE),
    clipNorm: MIXED.clipNorm(0, "kit: off, as for every method (the search avoids rates that diverge)"),
    ...stopFields(KIT_STOP_RULE, STOP),
    // After the kit's stop-rule values, so this one wins.
    stopRule: MIXED.stopRule("plateau", "paper: UGradSL+ stops when the retain loss converges (docs/paper.md §5)"),
  },
  fixed: {},
  searchSpace: SEARCH_SPACE,
  display: { order: 12, color: "#009E73" },
});
