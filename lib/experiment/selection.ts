/**
 * The search's selection file: per data set/model, paradigm and method, the options a validation-split
 * search chose, under a selection name ("R": closest to Retrain; "C": complete forgetting under a utility
 * bound). It is an input read at run time (its path is a config field, default from lib/env.ts), never
 * imported, so results/ is never a compile-time input of the library. Written by `deno task search`'s
 * selection step (lib/search/), never by hand.
 *
 *   { "schema": "unlearn-kit/selection@1", "entries": { "<dataset>/<model>": { "<paradigm>": {
 *       "<method>": { "<name>": { "options": {…}, "source": "<search folder> (point k)" } } } } } }
 */
import { KitError } from "../errors.ts";

export const SELECTION_SCHEMA = "unlearn-kit/selection@1";

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
