/**
 * Every unlearning method by name. A new method is one file and one line here; its defaults, search
 * space, table position and colour are in its file.
 */
import { KitError } from "../errors.ts";
import { be } from "./be.ts";
import { bs } from "./bs.ts";
import { ff } from "./ff.ts";
import { ft } from "./ft.ts";
import { ga } from "./ga.ts";
import { iu } from "./iu.ts";
import { l1Sparse } from "./l1_sparse.ts";
import { randomLabel } from "./random_label.ts";
import { retrain } from "./retrain.ts";
import { salun } from "./salun.ts";
import { scrub } from "./scrub.ts";
import type { MethodSpec } from "./types.ts";
import { ugradsl } from "./ugradsl.ts";
import { ugradslPlus } from "./ugradsl_plus.ts";

export const METHODS: Record<string, MethodSpec> = {};

/** Adds a method (one line per method below; tests add their own). Names are unique. */
export function registerMethod(spec: MethodSpec): MethodSpec {
  if (METHODS[spec.name]) throw new Error(`method "${spec.name}" is registered twice`);
  METHODS[spec.name] = spec;
  return spec;
}

for (const spec of [retrain, ft, ga, iu, ff, be, bs, l1Sparse, scrub, randomLabel, salun, ugradsl, ugradslPlus]) registerMethod(spec);

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
