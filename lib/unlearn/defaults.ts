/**
 * Default hyperparameters of the ascent and fine-tuning methods, in one place so that the search that
 * chose them (results/search/, on the validation split, never the test set) and the code agree.
 * `deno task search` re-runs it; its summary says which grid point each default came from.
 */

/** The stop rule and divergence bound of the ascent-based methods (see gradient_mixed.ts). */
const STOP = {
  stopRule: "forget-acc" as const,
  forgetAccTarget: -1,
  checkEvery: 5,
  monitorSize: 512,
  plateauTolerance: 1e-3,
  plateauPatience: 3,
  divergeLoss: 1e4,
};

/** The gradient-mixed options of UGradSL and UGradSL+ (NOTES §5; the adaptive rate is off by default). */
const MIX = {
  mixSchedule: "constant" as const,
  smoothRate: -0.5,
  pairedBatchSize: 128,
  adaptive: false,
  adaptiveForm: "dampen" as const,
  adaptiveSpace: "features" as const,
  adaptiveMetric: "euclidean" as const,
  adaptiveThreshold: 0.5,
};

export const METHOD_DEFAULTS = {
  ft: {
    common: { epochs: 5, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128 },
  },
  ga: {
    common: { epochs: 5, learningRate: 1e-4, momentum: 0.9, weightDecay: 0, batchSize: 128 },
    stop: { ...STOP, clipNorm: 0 },
  },
  ugradsl: {
    common: { epochs: 5, learningRate: 1e-3, momentum: 0.9, weightDecay: 0, batchSize: 128 },
    stop: { ...STOP, clipNorm: 0 },
    mix: { ...MIX, mixWeight: 0.5 },
  },
  "ugradsl+": {
    common: { epochs: 3, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, batchSize: 128 },
    stop: { ...STOP, clipNorm: 5 },
    mix: { ...MIX, mixWeight: 0.9 },
  },
};
