/**
 * GA: gradient ascent on D_f (Thudi et al. 2022), as the paper's baseline: the gradient-mixed loop with
 * p = 0 (no retain descent) and α = 0 (one-hot labels). The ascent objective is unbounded, so the kit adds
 * its stop rule and a clipping option.
 */
import { MIXED, stopFields } from "./fields.ts";
import { gradientMixedMethod } from "./loops/gradient_mixed.ts";
import { KIT_STOP_RULE, NO_ADAPTIVE_RATE, SHARED_SPACE } from "./loops/defaults.ts";

const STOP = "kit stop rule (loops/defaults.ts)";

export const ga = gradientMixedMethod({
  name: "ga",
  title: "GA",
  source: "Gradient ascent on D_f (Thudi et al. 2022); paper §11.3: 10 epochs, lr 1e-4",
  family: "baseline",
  backbone: "ga",
  options: {
    epochs: MIXED.epochs(5, "OPTML-Group/Unlearn-Sparse README (GA: 5 epochs); the paper's §11.3 says 10"),
    learningRate: MIXED.learningRate(1e-4, "paper §11.3"),
    momentum: MIXED.momentum(0.9, "the public code's SGD (OPTML-Group/Unlearn-Sparse)"),
    weightDecay: MIXED.weightDecay(0, "kit: no weight decay during pure ascent"),
    batchSize: MIXED.batchSize(128, "kit"),
    clipNorm: MIXED.clipNorm(0, "kit: none by default; searched among none, 1 and 10 as for every method"),
    ...stopFields(KIT_STOP_RULE, STOP),
  },
  fixed: { mixWeight: 0, smoothRate: 0, mixSchedule: "constant", pairedBatchSize: 128, ...NO_ADAPTIVE_RATE },
  searchSpace: SHARED_SPACE,
  display: { order: 2, color: "#E69F00" },
});
