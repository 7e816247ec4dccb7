/**
 * The registry's list: one line per method. A new method is its file (lib/unlearn/<name>.ts, exporting a
 * `MethodSpec` made with `defineMethod` or `gradientMixedMethod`) and one line here.
 */
export { be } from "./be.ts";
export { bs } from "./bs.ts";
export { ff } from "./ff.ts";
export { ft } from "./ft.ts";
export { ga } from "./ga.ts";
export { iu } from "./iu.ts";
export { l1Sparse } from "./l1_sparse.ts";
export { randomLabel } from "./random_label.ts";
export { retrain } from "./retrain.ts";
export { salun } from "./salun.ts";
export { scrub } from "./scrub.ts";
export { ugradsl } from "./ugradsl.ts";
export { ugradslPlus } from "./ugradsl_plus.ts";
