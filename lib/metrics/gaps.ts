/**
 * Metrics computed from other metrics (docs/paper.md §6):
 * - `AvgGap` (Avg. Gap) = mean over {UA, MIA, RA, TA} of |metric − Retrain's|, against the Retrain run of
 *   the same task and seed; lower is closer to exact unlearning.
 * - `Sum` = UA + MIA + RA + TA; higher is "more complete" unlearning.
 * - `ValGap` = mean over {UA, RA, VA} of |metric − Retrain's|: what a search may read (no test data).
 * Each is defined over its whole key set: when a key is missing from the run or its reference, the value
 * is NaN (shown as "–"), never an average over fewer keys that would not compare with other rows.
 */
import type { MetricSpec } from "./types.ts";

export const GAP_KEYS = ["UA", "MIA", "RA", "TA"] as const;
export const VAL_GAP_KEYS = ["UA", "RA", "VA"] as const;

/** Mean |a[k] − b[k]| over `keys`; NaN unless every key is finite in both. */
export function meanAbsGap(a: Record<string, number>, b: Record<string, number>, keys: readonly string[]): number {
  if (!keys.every((k) => Number.isFinite(a[k]) && Number.isFinite(b[k]))) return NaN;
  return keys.reduce((s, k) => s + Math.abs(a[k] - b[k]), 0) / keys.length;
}

/** Σ metrics[k] over `keys`; NaN unless every key is finite. */
export function sumOf(metrics: Record<string, number>, keys: readonly string[] = GAP_KEYS): number {
  if (!keys.every((k) => Number.isFinite(metrics[k]))) return NaN;
  return keys.reduce((s, k) => s + metrics[k], 0);
}

function gapMetric(name: string, title: string, keys: readonly string[], description: string): MetricSpec {
  return {
    name,
    description,
    needs: { sets: [], metrics: [...keys], reference: "retrain" },
    // A mean of absolute differences of percentages.
    columns: { [name]: { title, unit: "points", range: [0, 100], better: "lower", reads: "closer to Retrain" } },
    compute: (ctx) => ({ [name]: ctx.reference ? meanAbsGap(ctx.measured, ctx.reference, keys) : NaN }),
  };
}

export const AvgGap = gapMetric(
  "AvgGap",
  "Avg. Gap",
  GAP_KEYS,
  "Avg. Gap: mean |metric − Retrain's| over UA, MIA, RA, TA (same task and seed)",
);
export const ValGap = gapMetric(
  "ValGap",
  "Val. Gap",
  VAL_GAP_KEYS,
  "mean |metric − Retrain's| over UA, RA, VA: the search's closeness to Retrain",
);
export const Sum: MetricSpec = {
  name: "Sum",
  description: "UA + MIA + RA + TA",
  needs: { sets: [], metrics: [...GAP_KEYS] },
  // Four percentages.
  columns: { Sum: { unit: "points", range: [0, 400], better: "higher", reads: "more complete" } },
  compute: (ctx) => ({ Sum: sumOf(ctx.measured) }),
};
