/**
 * Values several gradient-mixed methods fix or share, named once so a method file can say "the kit's stop
 * rule" instead of repeating seven numbers. Each method file still decides which of these it uses.
 */
import type { MixedValues } from "./gradient_mixed.ts";

/** Where a value comes from when the paper gives none (docs/paper.md §6 lists what it leaves open). */
export const KIT_PROVISIONAL = "kit, provisional (the paper gives no value, docs/paper.md §6); the search's selection replaces it";

/**
 * The stop rule and divergence bound of the ascent-based methods. The paper says "until convergence"
 * (docs/paper.md §5, open): the kit stops when accuracy on D_f reaches a target measured without test data.
 */
export const KIT_STOP_RULE: Pick<
  MixedValues,
  "stopRule" | "forgetAccTarget" | "checkEvery" | "monitorSize" | "plateauTolerance" | "plateauPatience" | "divergeLoss"
> = {
  stopRule: "forget-acc",
  forgetAccTarget: -1,
  checkEvery: 5,
  monitorSize: 512,
  plateauTolerance: 1e-3,
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
