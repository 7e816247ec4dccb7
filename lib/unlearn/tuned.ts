/**
 * Searched defaults. `results/search/tuned.json` holds, per data set/model, paradigm and method, the
 * options a validation-split search chose (written by scripts/tune_defaults.ts, never by hand). A run
 * starts from a method's schema defaults, overlays the tuned options for its setting when there are
 * any, then the user's --set overrides; its record says which tuned entry it used.
 */
import tuned from "../../results/search/tuned.json" with { type: "json" };

export interface TunedEntry {
  options: Record<string, unknown>;
  /** The search log the options come from. */
  source: string;
  objective: string;
}

const ENTRIES = (tuned as { entries: Record<string, Record<string, Record<string, TunedEntry>>> }).entries;

export function tunedKey(dataset: string, model: string): string {
  return `${dataset}/${model}`;
}

/** The tuned entry for a method in a setting, if the search covered it. */
export function tunedEntry(dataset: string, model: string, paradigm: string, method: string): TunedEntry | undefined {
  return ENTRIES[tunedKey(dataset, model)]?.[paradigm]?.[method];
}
