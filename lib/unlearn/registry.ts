/**
 * Every unlearning method by name. A new method is one file and one line here.
 */
import { ft } from "./ft.ts";
import { ga } from "./ga.ts";
import { retrain } from "./retrain.ts";
import type { MethodSpec } from "./types.ts";
import { ugradsl } from "./ugradsl.ts";
import { ugradslPlus } from "./ugradsl_plus.ts";

export const METHODS: Record<string, MethodSpec> = {
  retrain,
  ft,
  ga,
  ugradsl,
  "ugradsl+": ugradslPlus,
};

export function methodSpec(name: string): MethodSpec {
  const spec = METHODS[name];
  if (!spec) throw new Error(`unknown method "${name}": valid values are ${Object.keys(METHODS).join(", ")}`);
  return spec;
}
