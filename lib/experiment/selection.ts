/**
 * The search's selection rules and its selection file: per data set/model, paradigm and method, the options a
 * validation-split search chose, under a selection name ("R": closest to Retrain; "C": complete forgetting
 * under the paper's 15-point utility bound; "C5": the same under 5 points, `SELECTION_RULES` below). It is an input read at run time (its path is a config field, default from lib/env.ts), never
 * imported, so results/ is never a compile-time input of the library. Written by `deno task search`'s
 * selection step (lib/search/), never by hand.
 *
 *   { "schema": "unlearn-kit/selection@1", "entries": { "<dataset>/<model>": { "<paradigm>": {
 *       "<method>": { "<name>": { "options": {…}, "source": "<search folder> (point k)" } } } } } }
 */
import { KitError } from "../errors.ts";

export const SELECTION_SCHEMA = "unlearn-kit/selection@1";

/**
 * A selection: "closest" = the lowest ValGap (mean over UA, RA, VA of |metric − Retrain's|, in points);
 * "complete" = the highest UA among points whose VA is at most `utilityDropPoints` below the original's
 * (VA and the original's VA: accuracy in % on the task's validation split, class-wise without the forgotten
 * class, both means over the search tasks). Ties go to the lower point; for "complete", equal UA to the
 * higher VA first.
 */
export interface SelectionRule {
  kind: "closest" | "complete";
  utilityDropPoints?: number;
  doc: string;
}

/**
 * R: closest to Retrain. C: complete forgetting at the paper's utility bound: its complete-unlearning rows
 * accept validation/test accuracy about 15 points below the original's (docs/evidence.md §2). C5: the same
 * with the kit's v1 bound of 5 points, kept as a sensitivity row.
 */
export const SELECTION_RULES = {
  R: { kind: "closest", doc: "lowest ValGap: mean |UA, RA, VA − Retrain's| over the search tasks" },
  C: {
    kind: "complete",
    utilityDropPoints: 15,
    doc: "highest UA among points with VA ≥ the original's VA − 15 points (the paper's complete-unlearning bound)",
  },
  C5: {
    kind: "complete",
    utilityDropPoints: 5,
    doc: "highest UA among points with VA ≥ the original's VA − 5 points (evidence v1's bound; a sensitivity row)",
  },
} as const satisfies Record<string, SelectionRule>;

export const SELECTIONS = Object.keys(SELECTION_RULES) as (keyof typeof SELECTION_RULES)[];
export type SelectionName = keyof typeof SELECTION_RULES;

export interface SelectionEntry {
  options: Record<string, unknown>;
  /** The search result the options come from. */
  source: string;
}

export interface SelectionFile {
  schema: typeof SELECTION_SCHEMA;
  about?: string;
  entries: Record<string, Record<string, Record<string, Record<string, SelectionEntry>>>>;
}

export function selectionKey(dataset: string, model: string): string {
  return `${dataset}/${model}`;
}

const cache = new Map<string, SelectionFile>();

/** Reads (once per process) and checks a selection file; errors name the file. */
export function readSelection(file: string): SelectionFile {
  const hit = cache.get(file);
  if (hit) return hit;
  let parsed: SelectionFile;
  try {
    parsed = JSON.parse(Deno.readTextFileSync(file));
  } catch (e) {
    throw new KitError(`cannot read the selection file (${(e as Error).message})`, file);
  }
  if (parsed?.schema !== SELECTION_SCHEMA || typeof parsed.entries !== "object") {
    throw new KitError(`not a selection file (field "schema" should be "${SELECTION_SCHEMA}")`, file);
  }
  cache.set(file, parsed);
  return parsed;
}

/** The selection `name` of a method in a setting, or undefined when the search did not cover it. */
export function selectionEntry(
  file: string,
  setting: { dataset: string; model: string; paradigm: string; method: string },
  name: string,
): SelectionEntry | undefined {
  return readSelection(file).entries[selectionKey(setting.dataset, setting.model)]?.[setting.paradigm]?.[setting.method]?.[name];
}

/** Forget what was read (tests that rewrite a selection file). */
export function clearSelectionCache(): void {
  cache.clear();
}
