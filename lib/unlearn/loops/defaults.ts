/**
 * Values several gradient-mixed methods fix or share, named once so a method file can say "the kit's stop
 * rule" instead of repeating seven numbers. Each method file still decides which of these it uses.
 */
import type { SearchSpace } from "../../config.ts";
import { choice, intRange, logUniform, uniform } from "../../config.ts";
import type { MixedValues } from "../fields.ts";

/** Where a value comes from when the paper gives none (docs/paper.md §6 lists what it leaves open). */
export const KIT_PROVISIONAL = "kit, provisional (the paper gives no value, docs/paper.md §6); the search's selection replaces it";

/**
 * The stop rule and divergence bound of the GA-backbone methods (GA, UGradSL). The paper says "until
 * convergence" (docs/paper.md §5, open). They stop when accuracy on D_f reaches a target estimated without
 * Retrain or test data, checked after every step (loops/forget_target.ts): 0 class-wise; for random forgetting
 * the original's validation accuracy; for a sub-class or identities a 5-NN vote of D_r on D_f
 * (`targetEstimate: "auto"`, docs/evidence.md §3 says why each). The plateau values are kept for a caller who
 * turns that rule on; no method of the kit uses it by default (UGradSL+ is fixed-epoch, ugradsl_plus.ts).
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
  targetEstimate: "auto",
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
 * §2): learning rates log-uniform over five decades, 1e-5 to 1 (a range capped at 0.1 capped FT, which forgets
 * the class on every seed a decade higher), 1 to 10 epochs, and the one divergence policy: gradient-norm
 * clipping searched for every method with a gradient step, from {0 = none, 1, 10} (the global norm, applied
 * once in `Sgd.step`, lib/train.ts). A selection on the edge of a range widens it and reruns
 * (lib/search/rules.ts).
 */
export const SHARED_SPACE = {
  learningRate: logUniform(1e-5, 1),
  // Widened as far as 50 epochs, never below 1 (0 epochs is no method).
  epochs: intRange(1, 10, { min: 1, max: 50 }),
  clipNorm: choice(0, 1, 10),
} satisfies SearchSpace;

/**
 * UGradSL's and UGradSL+'s space: the shared knobs, the mixing weight p and the smooth rate α. NLS only:
 * the search asks how negative, not whether (Table 8 and Fig. 3 ablate the sign).
 */
export const GRADIENT_MIXED_SPACE = {
  ...SHARED_SPACE,
  // p widens within [0.01, 0.99]: p = 0 drops the retain term, p = 1 the forget term (then it is GA or FT).
  mixWeight: uniform(0.05, 0.99, { min: 0.01, max: 0.99 }),
  // Widening never crosses into positive smoothing: the search asks how negative, not whether.
  smoothRate: uniform(-1, -0.05, { min: -100, max: -0.01 }),
} satisfies SearchSpace;
