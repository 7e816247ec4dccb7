/**
 * Option definitions that several methods share: what each option means and its bounds. They carry no
 * defaults of their own: every method file gives each of its options a value and the source of that value,
 * so a default lives in exactly one place, the file that uses it.
 */
import type { BooleanField, EnumField, NumberField, OptionsOf } from "../config.ts";
import { bool, int, num, oneOf } from "../config.ts";
import type { AdaptiveForm, AdaptiveMetric, AdaptiveSpace } from "../smoothing.ts";
import { ADAPTIVE_FORMS, ADAPTIVE_METRICS, ADAPTIVE_SPACES } from "../smoothing.ts";

type Num = (value: number, source: string) => NumberField;

/** The SGD options of the kit's fine-tuning-style methods (PyTorch semantics, lib/train.ts). */
export const SGD = {
  epochs: ((v, source) => int(v, "passes over the method's training set", { min: 0, max: 1000, source })) as Num,
  learningRate: ((v, source) => num(v, "SGD learning rate", { min: 0, max: 10, source })) as Num,
  momentum: ((v, source) => num(v, "SGD momentum", { min: 0, max: 0.999, source })) as Num,
  weightDecay: ((v, source) => num(v, "L2 weight decay added to the gradient", { min: 0, max: 1, source })) as Num,
  batchSize: ((v, source) => int(v, "batch size", { min: 1, max: 65536, source })) as Num,
  clipNorm: ((v, source) => num(v, "clip the global gradient norm to this (0 = none: no clipping)", { min: 0, source })) as Num,
};

export interface SgdDefaults {
  epochs: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  clipNorm: number;
}

/** The six SGD options with one source for all of them (the recipe they come from). */
export function sgdFields(d: SgdDefaults, source: string) {
  return {
    epochs: SGD.epochs(d.epochs, source),
    learningRate: SGD.learningRate(d.learningRate, source),
    momentum: SGD.momentum(d.momentum, source),
    weightDecay: SGD.weightDecay(d.weightDecay, source),
    batchSize: SGD.batchSize(d.batchSize, source),
    clipNorm: SGD.clipNorm(d.clipNorm, source),
  };
}

export const MIX_SCHEDULES = ["constant", "size-ratio", "anneal"] as const;
export type MixSchedule = typeof MIX_SCHEDULES[number];
export const STOP_RULES = ["none", "forget-acc", "plateau"] as const;
export type StopRule = typeof STOP_RULES[number];
/** How the forget-accuracy target is estimated when not given (loops/forget_target.ts). */
export const TARGET_ESTIMATES = ["auto", "knn", "validation"] as const;
export type TargetEstimate = typeof TARGET_ESTIMATES[number];
/** How per-example gradients are formed (loops/per_example.ts). */
export const PER_EXAMPLE_MODES = ["auto", "dense", "loop"] as const;
export type PerExampleMode = typeof PER_EXAMPLE_MODES[number];

/**
 * Every option of the gradient-mixed loop of Eq. 6 (lib/unlearn/loops/gradient_mixed.ts; docs/paper.md §5).
 * Signs: `mixWeight` p weighs retain descent and 1 − p forget ascent; `smoothRate` α < 0 is negative label
 * smoothing (NLS), 0 the one-hot label, α > 0 positive smoothing.
 */
export const MIXED = {
  epochs: ((v, source) => num(v, "passes over the loop set (D_f for the GA backbone, D_r for FT)", { min: 0, max: 1000, source })) as Num,
  learningRate: SGD.learningRate,
  momentum: SGD.momentum,
  weightDecay: SGD.weightDecay,
  batchSize: ((v, source) => int(v, "batch size of the loop set", { min: 1, max: 65536, source })) as Num,
  pairedBatchSize:
    ((v, source) =>
      int(v, "batch size of the paired set (retain for the GA backbone, forget for FT)", { min: 1, max: 65536, source })) as Num,
  mixWeight: ((v, source) => num(v, "p of Eq. 6: weight on retain descent; 1 − p on forget ascent", { min: 0, max: 1, source })) as Num,
  mixSchedule: (v: MixSchedule, source: string): EnumField<MixSchedule> =>
    oneOf(
      MIX_SCHEDULES,
      v,
      "how p evolves (docs/paper.md §5, open): constant; size-ratio = |D_r|/(|D_r|+|D_f|); anneal = linear from mixWeight to 1",
      source,
    ),
  smoothRate:
    ((v, source) => num(v, "α of GLS on the forget batch: < 0 is NLS, 0 plain labels, > 0 PLS", { min: -100, max: 1, source })) as Num,
  adaptive: (v: boolean, source: string): BooleanField =>
    bool(v, "per-sample smooth rate from retain-neighbour density (Algorithm 1, docs/paper.md §5)", source),
  adaptiveForm: (v: AdaptiveForm, source: string): EnumField<AdaptiveForm> =>
    oneOf(ADAPTIVE_FORMS, v, "dampen: α(1−d); scale: α·d; summary: d (literal)", source),
  adaptiveSpace: (v: AdaptiveSpace, source: string): EnumField<AdaptiveSpace> =>
    oneOf(ADAPTIVE_SPACES, v, "where distances are measured", source),
  adaptiveMetric: (v: AdaptiveMetric, source: string): EnumField<AdaptiveMetric> => oneOf(ADAPTIVE_METRICS, v, "distance metric", source),
  adaptiveThreshold: ((v, source) => num(v, "β: neighbour if normalised distance < β", { min: 0, max: 1, source })) as Num,
  clipNorm: SGD.clipNorm,
  stopRule: (v: StopRule, source: string): EnumField<StopRule> =>
    oneOf(
      STOP_RULES,
      v,
      "forget-acc: stop when accuracy on D_f reaches the target; plateau: when the loop loss stops changing",
      source,
    ),
  forgetAccTarget:
    ((v, source) =>
      num(v, "target accuracy on D_f in [0, 1]; -1 = auto (class-wise 0, else the original's validation accuracy)", {
        min: -1,
        max: 1,
        source,
      })) as Num,
  plateauTolerance:
    ((v, source) => num(v, "plateau: relative change of the windowed loop loss that counts as flat", { min: 0, source })) as Num,
  plateauPatience: ((v, source) => int(v, "plateau: flat checks in a row before stopping", { min: 1, max: 1000, source })) as Num,
  targetEstimate: (v: TargetEstimate, source: string): EnumField<TargetEstimate> =>
    oneOf(
      TARGET_ESTIMATES,
      v,
      "forget-acc target when not given (not class-wise): knn = a 5-NN vote of D_r on D_f; validation = the original's " +
        "validation accuracy; auto = validation for random forgetting, knn otherwise",
      source,
    ),
  plateauWindow:
    ((v, source) => int(v, "plateau: steps averaged into one window of the loop loss", { min: 1, max: 100000, source })) as Num,
  monitorSize: ((v, source) => int(v, "forget samples the stop rule evaluates", { min: 1, max: 1000000, source })) as Num,
  divergeLoss: ((v, source) => num(v, "a loss magnitude beyond this counts as divergence", { min: 1, source })) as Num,
};

/** The loop's option fields, and the values they take. */
export type MixedFields = { [K in keyof typeof MIXED]: ReturnType<(typeof MIXED)[K]> };
export type MixedValues = OptionsOf<MixedFields>;

/** The option that chooses how per-example gradients are formed (lib/unlearn/loops/per_example.ts). */
export function perExampleField(source: string): EnumField<PerExampleMode> {
  return oneOf(PER_EXAMPLE_MODES, "auto", "per-example gradients: auto (the dense trick when the net allows it), dense, loop", source);
}

/** The stop-rule options of a gradient-mixed method, all from one set of values with one source. */
export function stopFields(
  v: {
    stopRule: StopRule;
    forgetAccTarget: number;
    targetEstimate: TargetEstimate;
    monitorSize: number;
    plateauWindow: number;
    plateauTolerance: number;
    plateauPatience: number;
    divergeLoss: number;
  },
  source: string,
) {
  return {
    stopRule: MIXED.stopRule(v.stopRule, source),
    forgetAccTarget: MIXED.forgetAccTarget(v.forgetAccTarget, source),
    targetEstimate: MIXED.targetEstimate(v.targetEstimate, source),
    monitorSize: MIXED.monitorSize(v.monitorSize, source),
    plateauWindow: MIXED.plateauWindow(v.plateauWindow, source),
    plateauTolerance: MIXED.plateauTolerance(v.plateauTolerance, source),
    plateauPatience: MIXED.plateauPatience(v.plateauPatience, source),
    divergeLoss: MIXED.divergeLoss(v.divergeLoss, source),
  };
}

/** The adaptive-rate options of a gradient-mixed method, all from one set of values with one source. */
export function adaptiveFields(
  v: {
    adaptive: boolean;
    adaptiveForm: AdaptiveForm;
    adaptiveSpace: AdaptiveSpace;
    adaptiveMetric: AdaptiveMetric;
    adaptiveThreshold: number;
  },
  source: string,
) {
  return {
    adaptive: MIXED.adaptive(v.adaptive, source),
    adaptiveForm: MIXED.adaptiveForm(v.adaptiveForm, source),
    adaptiveSpace: MIXED.adaptiveSpace(v.adaptiveSpace, source),
    adaptiveMetric: MIXED.adaptiveMetric(v.adaptiveMetric, source),
    adaptiveThreshold: MIXED.adaptiveThreshold(v.adaptiveThreshold, source),
  };
}
