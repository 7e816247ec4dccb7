/**
 * GA: gradient ascent on D_f (Thudi et al. 2022); the paper's setting is 10 epochs at lr 1e-4 (§11.3).
 * The ascent objective is unbounded, so the kit adds the stop rule and clipping options.
 */
import { gradientMixedMethod, mixedFields } from "./gradient_mixed.ts";
import { METHOD_DEFAULTS } from "./defaults.ts";

export const ga = gradientMixedMethod({
  name: "ga",
  title: "GA",
  source: "Gradient ascent on D_f (Thudi et al. 2022); paper §11.3: 10 epochs, lr 1e-4",
  backbone: "ga",
  options: mixedFields({ ...METHOD_DEFAULTS.ga.common, ...METHOD_DEFAULTS.ga.stop }),
  fixed: { mixWeight: 0, smoothRate: 0, adaptive: false },
});
