/**
 * UGradSL+: gradient-mixed unlearning on the fine-tuning backbone with negative label smoothing on D_f
 * (Eq. 6). The loop runs over D_r; forget batches are cycled.
 */
import { gradientMixedMethod, mixedFields } from "./gradient_mixed.ts";
import { METHOD_DEFAULTS } from "./defaults.ts";

export const ugradslPlus = gradientMixedMethod({
  name: "ugradsl+",
  title: "UGradSL+",
  source: "Label Smoothing Improves Machine Unlearning, Eq. 6, FT backbone",
  backbone: "ft",
  options: mixedFields({
    ...METHOD_DEFAULTS["ugradsl+"].common,
    ...METHOD_DEFAULTS["ugradsl+"].stop,
    ...METHOD_DEFAULTS["ugradsl+"].mix,
  }),
  fixed: {},
});
