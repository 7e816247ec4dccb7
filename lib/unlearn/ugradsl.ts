/**
 * UGradSL: gradient-mixed unlearning on the GA backbone with negative label smoothing on D_f (Eq. 6,
 * Algorithm 1; docs/paper.md §5). The loop runs over D_f; retain batches are drawn alongside.
 */
import { MIXED } from "./fields.ts";
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
    adaptive: MIXED.adaptive(NO_ADAPTIVE_RATE.adaptive, ADAPTIVE),
    adaptiveForm: MIXED.adaptiveForm(NO_ADAPTIVE_RATE.adaptiveForm, ADAPTIVE),
    adaptiveSpace: MIXED.adaptiveSpace(NO_ADAPTIVE_RATE.adaptiveSpace, ADAPTIVE),
    adaptiveMetric: MIXED.adaptiveMetric(NO_ADAPTIVE_RATE.adaptiveMetric, ADAPTIVE),
    adaptiveThreshold: MIXED.adaptiveThreshold(NO_ADAPTIVE_RATE.adaptiveThreshold, ADAPTIVE),
    clipNorm: MIXED.clipNorm(0, "kit: off"),
    stopRule: MIXED.stopRule(KIT_STOP_RULE.stopRule, STOP),
    forgetAccTarget: MIXED.forgetAccTarget(KIT_STOP_RULE.forgetAccTarget, STOP),
    targetEstimate: MIXED.targetEstimate(KIT_STOP_RULE.targetEstimate, STOP),
    monitorSize: MIXED.monitorSize(KIT_STOP_RULE.monitorSize, STOP),
    plateauWindow: MIXED.plateauWindow(KIT_STOP_RULE.plateauWindow, STOP),
    plateauTolerance: MIXED.plateauTolerance(KIT_STOP_RULE.plateauTolerance, STOP),
    plateauPatience: MIXED.plateauPatience(KIT_STOP_RULE.plateauPatience, STOP),
    divergeLoss: MIXED.divergeLoss(KIT_STOP_RULE.divergeLoss, STOP),
  },
  fixed: {},
  searchSpace: SEARCH_SPACE,
  display: { order: 11, color: "#d62728" },
});
