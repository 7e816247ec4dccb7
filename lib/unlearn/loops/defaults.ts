/**
 * Values several gradient-mixed methods fix or share, named once so a method file can say "the kit's stop
 * rule" instead of repeating seven numbers. Each method file still decides which of these it uses.
 */
import type { SearchSpace } from "../../config.ts";
import { intRange, logUniform, uniform } from "../../config.ts";
import type { MixedValues } from "../fields.ts";

/** Where a value comes from when the paper gives none (docs/paper.md §6 lists what it leaves open). */
export const KIT_PROVISIONAL = "kit, provisional (the paper gives no value, docs/paper.md §6); the search's selection replaces it";

/**
 * The stop rules and divergence bound of the gradient-mixed methods. The paper says "until convergence"
 * (docs/paper.md §5, open). The GA-backbone methods stop when accuracy on D_f reaches a target estimated
 * without Retrain or test data, checked after every step (loops/forget_target.ts); the FT backbone stops,
 * as the paper's UGradSL+, when its loop (retain) loss stops changing: windows of 10 steps, a relative
 * change below 1% three windows in a row.
 */
export const KIT_STOP_RULE: Pick<
  MixedValues,
  | "stopRule"
  | "forgetAccTarget"
  | "targetEstimate"
  | "monitorSize"
  | "plateauWindow"
  | "plateauTolerance"
  | "plateauPatience"
  | "divergeLoss"
> = {
  stopRule: "forget-acc",
  forgetAccTarget: -1,
  targetEstimate: "knn",
  monitorSize: 512,
  plateauWindow: 10,
  plateauTolerance: 0.01,
  plateauPatience: 3,
  divergeLoss: 1e4,
};

/** The adaptive per-sample smooth rate switched off, with the choices it would use (docs/paper.md §5). */
export const NO_ADAPTIVE_RATE: Pick<
  MixedValues,
  "adaptive" | "adaptiveForm" | "adaptiveSpace" | "adaptiveMetric" | "adaptiveThreshold"
> = {
  adaptive: false,
  adaptiveForm: "dampen",
  adaptiveSpace: "features",
  adaptiveMetric: "euclidean",
  adaptiveThreshold: 0.5,
};

/**
 * The search ranges of the knobs methods share, the same for every method that has them (docs/evidence.md
 * §2): learning rates log-uniform over four decades, 1e-5 to 1e-1, and 1 to 10 epochs. Gradient clipping is
 * searched for none (every method runs without it).
 */
export const SHARED_SPACE = { learningRate: logUniform(1e-5, 1e-1), epochs: intRange(1, 10) } satisfies SearchSpace;

/**
 * UGradSL's and UGradSL+'s space: the shared knobs, the mixing weight p and the smooth rate α. NLS only:
 * the search asks how negative, not whether (Table 8 and Fig. 3 ablate the sign).
 */
export const GRADIENT_MIXED_SPACE = {
  ...SHARED_SPACE,
  mixWeight: uniform(0.05, 0.99),
  smoothRate: uniform(-1, -0.05),
} satisfies SearchSpace;
