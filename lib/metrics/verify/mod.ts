/**
 * Per-example verification of forgetting (docs/verification.md): U-LiRA, the NeurIPS 2023 challenge's
 * ε score, KLOM, KS forget quality, representation probes (k-NN, linear probe, linear CKA) and
 * memorisation-ranked worst-case forget sets. Pure functions over plain typed arrays; the run path
 * produces the ensembles' per-example values and calls these.
 */
export * from "./ensemble.ts";
export * from "./ulira.ts";
export * from "./epsilon.ts";
export * from "./klom.ts";
export * from "./ks.ts";
export * from "./kolmogorov.ts";
export * from "./probes.ts";
export * from "./cka.ts";
export * from "./memorization.ts";
export { DEFAULT_LBFGS, type LbfgsOptions, type LbfgsResult, minimizeLbfgs } from "./lbfgs.ts";
