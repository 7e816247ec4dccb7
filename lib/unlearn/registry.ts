/**
 * Every unlearning method by name. A new method is one file and one line here.
 */
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

export const METHODS: Record<string, MethodSpec> = {
  retrain,
  ft,
  ga,
  ugradsl,
  "ugradsl+": ugradslPlus,
  iu,
  ff,
  bs,
  be,
  "l1-sparse": l1Sparse,
  scrub,
  "random-label": randomLabel,
  salun,
};

export function methodSpec(name: string): MethodSpec {
  const spec = METHODS[name];
  if (!spec) throw new Error(`unknown method "${name}": valid values are ${Object.keys(METHODS).join(", ")}`);
  return spec;
}
