/**
 * FT: fine-tune θ_o on D_r only (catastrophic forgetting of D_f), Warnecke et al. 2021; the paper's
 * setting is 10 epochs at lr 0.01 (§11.3). Defaults: results/search/ (validation split, see README).
 */
import { gradientMixedMethod, mixedFields } from "./gradient_mixed.ts";
import { METHOD_DEFAULTS } from "./defaults.ts";

export const ft = gradientMixedMethod({
  name: "ft",
  title: "FT",
  source: "Fine-tuning on D_r (Warnecke et al. 2021); paper §11.3: 10 epochs, lr 0.01",
  backbone: "ft",
  options: mixedFields({ ...METHOD_DEFAULTS.ft.common, clipNorm: 0 }),
  fixed: { mixWeight: 1, smoothRate: 0, adaptive: false, stopRule: "none" },
});
