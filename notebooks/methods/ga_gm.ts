/**
 * GA+GM: gradient ascent on D_f mixed with gradient descent on D_r (Eq. 6 with p = mixWeight), one-hot
 * labels (α = 0): UGradSL without its negative label smoothing, the paper's Table 8 row "GA+GM". The
 * tutorial notebook 12_add_a_method.ipynb adds it to the kit; to add it for good, copy this file to
 * lib/unlearn/ga_gm.ts (imports then start with "./") and add one line to lib/unlearn/methods.ts:
 *   export { gaGm } from "./ga_gm.ts";
 */
import { MIXED, stopFields } from "../../lib/unlearn/fields.ts";
import { gradientMixedMethod } from "../../lib/unlearn/loops/gradient_mixed.ts";
import { uniform } from "../../lib/config.ts";
import { KIT_STOP_RULE, NO_ADAPTIVE_RATE, SHARED_SPACE } from "../../lib/unlearn/loops/defaults.ts";

export const gaGm = gradientMixedMethod({
  name: "ga-gm",
  title: "GA+GM",
  source: "Label Smoothing Improves Machine Unlearning, Table 8 (GA + gradient mixing, no smoothing)",
  family: "baseline",
  backbone: "ga",
  options: {
    // The same defaults as UGradSL's (lib/unlearn/ugradsl.ts), so the two differ only in α.
    epochs: MIXED.epochs(5, "as UGradSL"),
    learningRate: MIXED.learningRate(1e-3, "as UGradSL"),
    momentum: MIXED.momentum(0.9, "as UGradSL"),
    weightDecay: MIXED.weightDecay(0, "as UGradSL"),
    batchSize: MIXED.batchSize(128, "as UGradSL"),
    pairedBatchSize: MIXED.pairedBatchSize(128, "as UGradSL"),
    mixWeight: MIXED.mixWeight(0.5, "as UGradSL"),
    clipNorm: MIXED.clipNorm(0, "kit: off"),
    ...stopFields(KIT_STOP_RULE, "kit stop rule (lib/unlearn/loops/defaults.ts)"),
  },
  // What makes it GA+GM and not UGradSL: the forget targets stay one-hot.
  fixed: { smoothRate: 0, mixSchedule: "constant", ...NO_ADAPTIVE_RATE },
  // UGradSL's search space without α (lib/unlearn/loops/defaults.ts GRADIENT_MIXED_SPACE).
  searchSpace: { ...SHARED_SPACE, mixWeight: uniform(0.05, 0.99) },
  display: { order: 10.5, color: "#CC6677" },
});
