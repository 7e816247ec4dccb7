/**
 * UGradSL: gradient-mixed unlearning on the GA backbone with negative label smoothing on D_f
 * (Eq. 6, Algorithm 1). The loop runs over D_f; retain batches are drawn alongside.
 */
import { gradientMixedMethod, mixedFields } from "./gradient_mixed.ts";
import { METHOD_DEFAULTS } from "./defaults.ts";

export const ugradsl = gradientMixedMethod({
  name: "ugradsl",
  title: "UGradSL",
  source: "Label Smoothing Improves Machine Unlearning, Eq. 6 / Algorithm 1, GA backbone",
  backbone: "ga",
  options: mixedFields({ ...METHOD_DEFAULTS.ugradsl.common, ...METHOD_DEFAULTS.ugradsl.stop, ...METHOD_DEFAULTS.ugradsl.mix }),
  fixed: {},
});
