/**
 * Every per-model metric by name. A new metric is one spec and one line here; `evaluate` runs the
 * requested ones over a shared prediction cache.
 */
import type { ForgetTask } from "../data/splits.ts";
import type { Net } from "../models/types.ts";
import { Rng } from "../rng.ts";
import { predict } from "../train.ts";
import { RA, TA, UA, VA } from "./accuracy.ts";
import { AdditionalMIA, MIA } from "./mia.ts";
import { LiRA } from "./lira.ts";
import { Streisand } from "./streisand.ts";
import type { EvalSet, MetricContext, MetricSpec, Predictions } from "./types.ts";

export const METRICS: Record<string, MetricSpec> = { UA, RA, TA, VA, MIA, AdditionalMIA, LiRA, Streisand };

/** What the main job reports unless told otherwise. */
export const DEFAULT_METRICS = ["UA", "RA", "TA", "VA", "MIA"];

export function metricSpec(name: string): MetricSpec {
  const spec = METRICS[name];
  if (!spec) throw new Error(`unknown metric "${name}": valid values are ${Object.keys(METRICS).join(", ")}`);
  return spec;
}

export function evalIndices(task: ForgetTask, set: EvalSet): { split: "train" | "test"; idx: Int32Array } {
  switch (set) {
    case "forget":
      return { split: "train", idx: task.forgetIdx };
    case "retain":
      return { split: "train", idx: task.retainIdx };
    case "val":
      return { split: "train", idx: task.valIdx };
    case "test":
      return { split: "test", idx: task.testIdx };
  }
}

export function predictionCache(net: Net, task: ForgetTask): (set: EvalSet) => Predictions {
  const cache = new Map<EvalSet, Predictions>();
  return (set) => {
    let p = cache.get(set);
    if (!p) {
      const { split, idx } = evalIndices(task, set);
      p = { ...predict(net, split === "train" ? task.train : task.test, idx), idx };
      cache.set(set, p);
    }
    return p;
  };
}

/** Runs the named metrics on `net`; the seed drives any sampling a metric does (e.g. MIA's members). */
export async function evaluate(
  net: Net,
  task: ForgetTask,
  names: string[],
  seed: number,
  extras: Pick<MetricContext, "details" | "training"> = {},
): Promise<Record<string, number>> {
  const ctx: MetricContext = { net, task, rng: new Rng(seed), predictions: predictionCache(net, task), ...extras };
  const out: Record<string, number> = {};
  for (const name of names) Object.assign(out, await metricSpec(name).compute(ctx));
  return out;
}
