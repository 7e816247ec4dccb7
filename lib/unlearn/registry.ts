/**
 * Every unlearning method by name: the methods listed in methods.ts (a new method is its file and one line
 * there; its defaults, search space, table position and colour are in its file), in table order.
 */
import { KitError } from "../errors.ts";
import * as LISTED from "./methods.ts";
import type { MethodSpec } from "./types.ts";

export const METHODS: Record<string, MethodSpec> = {};

/** Adds a method (one line per method below; tests add their own). Names are unique. */
export function registerMethod(spec: MethodSpec): MethodSpec {
  if (METHODS[spec.name]) throw new Error(`method "${spec.name}" is registered twice`);
  METHODS[spec.name] = spec;
  return spec;
}

for (const spec of Object.values(LISTED).sort((a, b) => a.display.order - b.display.order)) registerMethod(spec);

/** The methods the main job and the notebooks' core tables run. */
export const CORE_METHODS = ["retrain", "ft", "ga", "ugradsl", "ugradsl+"];

export function methodSpec(name: string): MethodSpec {
  const spec = METHODS[name];
  if (!spec) throw new KitError(`unknown method "${name}": valid values are ${Object.keys(METHODS).join(", ")}`);
  return spec;
}

/** Method names in table order (the paper's: Retrain, baselines, then the proposed methods). */
export function methodOrder(): string[] {
  return Object.values(METHODS).sort((a, b) => a.display.order - b.display.order).map((m) => m.name);
}
