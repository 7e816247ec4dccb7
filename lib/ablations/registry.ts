/**
 * The paper's ablations as data (variants of the gradient-mixed methods) that notebooks and
 * `deno task ablation` run with `runAblation` (run.ts) and show with `ablationTable`:
 *
 * - table8: gradient-mixed on/off × NLS / PLS / none, for the GA backbone (UGradSL's options) and the
 *   FT backbone (UGradSL+'s), §11.1 Table 8. "Off" is mixWeight 0 (pure ascent) for GA and 1 (pure
 *   fine-tuning) for FT; NLS is smoothRate −|α|, PLS +|α|, none 0, with α the method's base smoothRate
 *   (or `rate`). FT without gradient mixing never touches D_f, so smoothing cannot act there: that
 *   backbone has one "off" row, as in the paper.
 * - fig3: UA, RA, TA as the smooth rate runs from positive to strongly negative, §11.7 Figure 3
 *   (UGradSL+ on random forgetting in the paper).
 * - table14: metrics after every unlearning epoch for GA, FT, UGradSL, UGradSL+, §11.10 Table 14; the
 *   stop rule is off where the method has one, so every epoch runs.
 * - adaptive: the adaptive per-sample smooth rate against the fixed one, for each open choice of
 *   docs/paper.md §5 (form, feature space, metric), one choice changed at a time from the default.
 * - mixweight, threshold: the mixing weight p and the adaptive rate's threshold β swept.
 * - forgetSizeSweep (not a CLI ablation: its variants differ in the split, not in options): the core
 *   methods on random forgetting of 1 … 50% of D_tr, one run per share with `split.forgetFraction` set.
 * Each takes a Retrain reference row (for Avg. Gap) unless `retrain` is false. An ablation runs through
 * the one run path (lib/experiment/run.ts): each variant is a run request whose record carries the
 * variant id, the ablation's name and the table's label columns (`ablationRuns`).
 */
import { KitError } from "../errors.ts";
import type { RunRequest } from "../experiment/fields.ts";
import { ADAPTIVE_FORMS, ADAPTIVE_METRICS, ADAPTIVE_SPACES, DEFAULT_ADAPTIVE } from "../smoothing.ts";

export interface Variant {
  /** Unique within the ablation, e.g. "ga+gm+nls". */
  id: string;
  method: string;
  /** What the table shows for this variant, by column (e.g. { Backbone: "GA", NLS: "✓" }). */
  labels: Record<string, string>;
  /** Options changed from the method's base options (given them, for relative changes). */
  options?: (base: Record<string, unknown>) => Record<string, unknown>;
  /** A reference row (Retrain): other rows' Avg. Gap is measured against it. */
  reference?: boolean;
}

export interface AblationSpec {
  name: string;
  title: string;
  /** Which table or figure of the paper, and what it asks. */
  source: string;
  /** Label columns, in table order. */
  labelColumns: string[];
  variants: Variant[];
  /** Evaluate after every unlearning epoch (gradient-mixed methods), not only at the end. */
  perEpoch?: boolean;
}

/** The ablation's variants as run requests: variant id, ablation name and labels go into every record. */
export function ablationRuns(spec: AblationSpec): RunRequest[] {
  return spec.variants.map((v) => ({
    method: v.method,
    variant: v.id,
    options: v.options,
    tags: { ablation: spec.name, labels: v.labels, ...(v.reference ? { reference: true } : {}) },
    perEpoch: spec.perEpoch ?? false,
  }));
}

const RETRAIN: Variant = { id: "retrain", method: "retrain", labels: {}, reference: true };
const withRetrain = (variants: Variant[], retrain: boolean, labels: Record<string, string>) =>
  retrain ? [{ ...RETRAIN, labels }, ...variants] : variants;

const CHECK = "✓";
const mark = (on: boolean) => (on ? CHECK : "");

export interface Table8Params {
  /** |α| for NLS and PLS; default: each backbone method's base |smoothRate|. */
  rate?: number;
  retrain?: boolean;
}

export function table8(params: Table8Params = {}): AblationSpec {
  // |α| of NLS and PLS: the given rate, else the backbone method's own |smoothRate| (its file or the selection).
  const alpha = (base: Record<string, unknown>) => params.rate ?? Math.abs(Number(base.smoothRate));
  const variants: Variant[] = [];
  const add = (backbone: "GA" | "FT", gm: boolean, smoothing: "none" | "NLS" | "PLS") => {
    const method = backbone === "GA" ? "ugradsl" : "ugradsl+";
    const off = backbone === "GA" ? 0 : 1;
    variants.push({
      id: `${backbone.toLowerCase()}${gm ? "+gm" : ""}${smoothing === "none" ? "" : `+${smoothing.toLowerCase()}`}`,
      method,
      labels: { Backbone: backbone, "Gradient-mixed": mark(gm), NLS: mark(smoothing === "NLS"), PLS: mark(smoothing === "PLS") },
      options: (base) => ({
        ...(gm ? {} : { mixWeight: off }),
        smoothRate: smoothing === "none" ? 0 : smoothing === "NLS" ? -alpha(base) : alpha(base),
      }),
    });
  };
  for (const [gm, s] of [[false, "none"], [true, "none"], [false, "NLS"], [true, "NLS"], [false, "PLS"], [true, "PLS"]] as const) {
    add("GA", gm, s);
  }
  for (const [gm, s] of [[false, "none"], [true, "none"], [true, "NLS"], [true, "PLS"]] as const) add("FT", gm, s);
  return {
    name: "table8",
    title: "Table 8 (gradient-mixed × label smoothing)",
    source: "§11.1 Table 8: does gradient mixing improve GA and FT, and does NLS (not PLS) improve them further?",
    labelColumns: ["Backbone", "Gradient-mixed", "NLS", "PLS"],
    variants: withRetrain(variants, params.retrain ?? true, { Backbone: "Retrain" }),
  };
}

export interface Fig3Params {
  method?: "ugradsl" | "ugradsl+";
  rates?: number[];
  retrain?: boolean;
}

/**
 * The smooth rates of the sweep: both signs, log-spaced magnitudes (a symmetric-log axis), and 0. Positive
 * rates stop at 1 (beyond it the target's own class gets a negative weight).
 */
export const FIG3_RATES = [1, 0.3, 0.1, 0.03, 0, -0.03, -0.1, -0.3, -1, -3];

export function fig3(params: Fig3Params = {}): AblationSpec {
  const method = params.method ?? "ugradsl+";
  const variants = (params.rates ?? FIG3_RATES).map((rate): Variant => ({
    id: `${method}@${rate}`,
    method,
    labels: { Method: method, "Smooth rate α": String(rate) },
    options: () => ({ smoothRate: rate }),
  }));
  return {
    name: "fig3",
    title: `Figure 3 (smooth rate sweep, ${method})`,
    source: "§11.7 Figure 3: UA, RA, TA as α goes from PLS through 0 to strongly negative NLS",
    labelColumns: ["Method", "Smooth rate α"],
    variants: withRetrain(variants, params.retrain ?? true, { Method: "retrain" }),
  };
}

export interface Table14Params {
  methods?: string[];
  /** Unlearning epochs for every method (0 = each method's own). */
  epochs?: number;
  retrain?: boolean;
}

export function table14(params: Table14Params = {}): AblationSpec {
  const variants = (params.methods ?? ["ga", "ft", "ugradsl", "ugradsl+"]).map((method): Variant => ({
    id: method,
    method,
    labels: { Method: method },
    options: (base) => ({
      ...(params.epochs ? { epochs: params.epochs } : {}),
      ...("stopRule" in base ? { stopRule: "none" } : {}),
    }),
  }));
  return {
    name: "table14",
    title: "Table 14 (metrics per unlearning epoch)",
    source: "§11.10 Table 14: how GA, FT, UGradSL and UGradSL+ evolve epoch by epoch (stop rules off)",
    labelColumns: ["Method"],
    variants: withRetrain(variants, params.retrain ?? true, { Method: "retrain" }),
    perEpoch: true,
  };
}

export interface AdaptiveParams {
  methods?: string[];
  retrain?: boolean;
}

export function adaptive(params: AdaptiveParams = {}): AblationSpec {
  const variants: Variant[] = [];
  for (const method of params.methods ?? ["ugradsl", "ugradsl+"]) {
    const d = DEFAULT_ADAPTIVE;
    const v = (id: string, adaptive: boolean, form = d.form, space = d.space, metric = d.metric) =>
      variants.push({
        id: `${method}/${id}`,
        method,
        labels: {
          Method: method,
          Rate: adaptive ? "adaptive" : "fixed",
          Form: adaptive ? form : "",
          Space: adaptive ? space : "",
          Metric: adaptive ? metric : "",
        },
        // The threshold β stays the method's own (its base options).
        options: () => (adaptive ? { adaptive, adaptiveForm: form, adaptiveSpace: space, adaptiveMetric: metric } : { adaptive }),
      });
    v("fixed", false);
    v("default", true);
    for (const form of ADAPTIVE_FORMS.filter((f) => f !== d.form)) v(`form=${form}`, true, form);
    for (const space of ADAPTIVE_SPACES.filter((s) => s !== d.space)) v(`space=${space}`, true, d.form, space);
    for (const metric of ADAPTIVE_METRICS.filter((m) => m !== d.metric)) v(`metric=${metric}`, true, d.form, d.space, metric);
  }
  return {
    name: "adaptive",
    title: "Adaptive vs fixed smooth rate",
    source: "docs/paper.md §5: the adaptive per-sample rate against a fixed one, for each open choice (form, space, metric)",
    labelColumns: ["Method", "Rate", "Form", "Space", "Metric"],
    variants: withRetrain(variants, params.retrain ?? true, { Method: "retrain" }),
  };
}

export interface SweepParams {
  method?: "ugradsl" | "ugradsl+";
  values?: number[];
  retrain?: boolean;
}

/** The mixing weight p of Eq. 6 swept (a reviewer's request): 0 is pure ascent, 1 pure descent on D_r. */
export const MIX_WEIGHTS = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.99];

export function mixWeightSweep(params: SweepParams = {}): AblationSpec {
  const method = params.method ?? "ugradsl";
  return {
    name: "mixweight",
    title: `Mixing weight sweep (${method})`,
    source: "Eq. 6: how the weight p of retain descent against forget ascent moves UA, RA and TA (the paper fixes p per data set)",
    labelColumns: ["Method", "Mixing weight p"],
    variants: withRetrain(
      (params.values ?? MIX_WEIGHTS).map((p): Variant => ({
        id: `${method}@p=${p}`,
        method,
        labels: { Method: method, "Mixing weight p": String(p) },
        options: () => ({ mixWeight: p }),
      })),
      params.retrain ?? true,
      { Method: "retrain" },
    ),
  };
}

/** The adaptive rate's threshold β swept, with the adaptive rate on (Algorithm 1). */
export const THRESHOLDS = [0.1, 0.3, 0.5, 0.7, 0.9];

export function thresholdSweep(params: SweepParams = {}): AblationSpec {
  const method = params.method ?? "ugradsl";
  return {
    name: "threshold",
    title: `Adaptive-rate threshold sweep (${method})`,
    source: "Algorithm 1: the neighbour threshold β of the adaptive per-sample smooth rate (docs/paper.md §5)",
    labelColumns: ["Method", "Threshold β"],
    variants: withRetrain(
      [
        { id: `${method}@fixed`, method, labels: { Method: method, "Threshold β": "fixed rate" }, options: () => ({ adaptive: false }) },
        ...(params.values ?? THRESHOLDS).map((beta): Variant => ({
          id: `${method}@β=${beta}`,
          method,
          labels: { Method: method, "Threshold β": String(beta) },
          options: () => ({ adaptive: true, adaptiveThreshold: beta }),
        })),
      ],
      params.retrain ?? true,
      { Method: "retrain" },
    ),
  };
}

/** Shares of D_tr forgotten in the forget-set size sweep (random forgetting). */
export const FORGET_FRACTIONS = [0.01, 0.05, 0.1, 0.2, 0.5];

export interface ForgetSizeParams {
  /** The share of D_tr the split forgets: the caller sets the same value as `split.forgetFraction`. */
  fraction: number;
  methods?: string[];
}

/**
 * One share of the forget-set size sweep: Retrain (the reference) and each method, their variant ids and
 * labels naming the share, so the records of every share can share one folder and one table.
 */
export function forgetSizeSweep(params: ForgetSizeParams): AblationSpec {
  const pct = `${+(100 * params.fraction).toFixed(2)}%`;
  const variants = ["retrain", ...(params.methods ?? ["ft", "ga", "ugradsl", "ugradsl+"])].map((method): Variant => ({
    id: `${method}@${pct}`,
    method,
    labels: { "Forget set": pct, Method: method },
    ...(method === "retrain" ? { reference: true } : {}),
  }));
  return {
    name: "forgetsize",
    title: `Forget-set size sweep (${pct} of D_tr)`,
    source: "A reviewer's question: how do the methods scale with the share of D_tr forgotten (random forgetting)?",
    labelColumns: ["Forget set", "Method"],
    variants,
  };
}

export const ABLATIONS = { table8, fig3, table14, adaptive, mixweight: mixWeightSweep, threshold: thresholdSweep } as const;
export type AblationName = keyof typeof ABLATIONS;

export function ablationSpecByName(name: string): (typeof ABLATIONS)[AblationName] {
  if (!(name in ABLATIONS)) throw new KitError(`unknown ablation "${name}": valid values are ${Object.keys(ABLATIONS).join(", ")}`);
  return ABLATIONS[name as AblationName];
}
