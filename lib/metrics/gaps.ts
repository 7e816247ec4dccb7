/**
 * Aggregates against the Retrain of the same split and seed (NOTES §6):
 * Avg. Gap = mean over {UA, MIA, RA, TA} (those present) of |metric − Retrain's|, and
 * Sum = UA + MIA + RA + TA. Lower Avg. Gap is closer to exact unlearning; higher Sum is "more complete".
 */

export const GAP_KEYS = ["UA", "MIA", "RA", "TA"] as const;

/** The keys both records have, in the paper's order. */
export function sharedGapKeys(a: Record<string, number>, b: Record<string, number>, keys: readonly string[] = GAP_KEYS): string[] {
  return keys.filter((k) => Number.isFinite(a[k]) && Number.isFinite(b[k]));
}

export function avgGap(metrics: Record<string, number>, retrain: Record<string, number>, keys: readonly string[] = GAP_KEYS): number {
  const shared = sharedGapKeys(metrics, retrain, keys);
  if (shared.length === 0) return NaN;
  return shared.reduce((s, k) => s + Math.abs(metrics[k] - retrain[k]), 0) / shared.length;
}

export function sumOf(metrics: Record<string, number>, keys: readonly string[] = GAP_KEYS): number {
  const present = keys.filter((k) => Number.isFinite(metrics[k]));
  return present.length === 0 ? NaN : present.reduce((s, k) => s + metrics[k], 0);
}
