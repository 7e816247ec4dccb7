/**
 * A run's method options, in three named layers applied in order (each recorded in the run's
 * `optionLayers`):
 *   1. the method's defaults (its file, lib/unlearn/<method>.ts, each with its source);
 *   2. the search's selection for this data set, model, paradigm and method, when there is one
 *      (selection.ts; skipped when the config says `selection: null`);
 *   3. the caller's overrides (flags, a notebook's `methodOptions`, an ablation variant, a search point),
 *      given as values or as a function of the options after layers 1-2.
 */
import { defaultsOf, resolveOptions } from "../config.ts";
import { kitRelative } from "../env.ts";
import type { OptionLayers } from "../record.ts";
import { methodSpec } from "../unlearn/registry.ts";
import { selectionEntry } from "./selection.ts";

export type Overrides = Record<string, unknown> | ((base: Record<string, unknown>) => Record<string, unknown>);

export interface ResolvedMethodOptions {
  options: Record<string, unknown>;
  layers: OptionLayers;
}

export function resolveMethodOptions(
  method: string,
  setting: { dataset: string; model: string; paradigm: string },
  selection: { file: string; name: string } | null,
  overrides: Overrides | undefined,
  where: string,
): ResolvedMethodOptions {
  const schema = methodSpec(method).options;
  const defaults = defaultsOf(schema) as Record<string, unknown>;
  const entry = selection ? selectionEntry(selection.file, { ...setting, method }, selection.name) : undefined;
  const selected = entry ? resolveOptions(schema, entry.options, `${selection!.file}: ${method} (${selection!.name})`) : defaults;
  const given = typeof overrides === "function" ? overrides({ ...selected }) : overrides ?? {};
  const options = resolveOptions(schema, { ...entry?.options, ...given }, where) as Record<string, unknown>;
  return {
    options,
    layers: {
      defaults,
      selection: entry
        ? {
          // As records name paths: relative to the kit's folder, so a clone elsewhere writes the same record.
          file: kitRelative(selection!.file),
          entry: `${setting.dataset}/${setting.model}/${setting.paradigm}/${method}`,
          name: selection!.name,
          source: entry.source,
          options: entry.options,
        }
        : null,
      overrides: given,
    },
  };
}
