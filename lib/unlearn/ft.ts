/**
 * FT: fine-tune θ_o on D_r only, so that D_f is forgotten catastrophically (Warnecke et al. 2021): the
 * gradient-mixed loop with p = 1 (retain descent only) and no stop rule.
 */
import { MIXED } from "./fields.ts";
import { gradientMixedMethod } from "./loops/gradient_mixed.ts";
import { KIT_STOP_RULE, NO_ADAPTIVE_RATE, SHARED_SPACE } from "./loops/defaults.ts";

export const ft = gradientMixedMethod({
  name: "ft",
  title: "FT",
  source: "Fine-tuning on D_r (Warnecke et al. 2021); paper §11.3: 10 epochs, lr 0.01",
  family: "baseline",
  backbone: "ft",
  options: {
    epochs: MIXED.epochs(5, "kit (the paper's §11.3 says 10)"),
    learningRate: MIXED.learningRate(0.01, "paper §11.3"),
    momentum: MIXED.momentum(0.9, "the public code's SGD (OPTML-Group/Unlearn-Sparse)"),
    weightDecay: MIXED.weightDecay(5e-4, "the public code's SGD (OPTML-Group/Unlearn-Sparse)"),
    batchSize: MIXED.batchSize(128, "kit"),
    clipNorm: MIXED.clipNorm(0, "kit: none by default; searched among none, 1 and 10 as for every method"),
  },
  fixed: {
    mixWeight: 1,
    smoothRate: 0,
    mixSchedule: "constant",
    pairedBatchSize: 128,
    ...NO_ADAPTIVE_RATE,
    ...KIT_STOP_RULE,
    stopRule: "none",
  },
  searchSpace: SHARED_SPACE,
  display: { order: 1, color: "#0072B2" },
});
