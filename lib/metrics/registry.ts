/**
 * Every metric by name. A new metric is one spec and one line here. `evaluate` runs the requested ones in
 * the order their needs allow (a metric computed from others after those), over a shared prediction cache.
 */
import type { ForgetTask } from "../data/splits.ts";
import { KitError } from "../errors.ts";
import type { Net } from "../models/types.ts";
import { Rng } from "../rng.ts";
import { predict } from "../train.ts";
import { RA, TA, UA, VA } from "./accuracy.ts";
import { AvgGap, Sum, ValGap } from "./gaps.ts";
import { LiRA } from "./lira.ts";
import { AdditionalMIA, MIA } from "./mia.ts";
import { Streisand } from "./streisand.ts";
import type { EvalSet, MetricColumn, MetricContext, MetricSpec, Predictions } from "./types.ts";
import { parseSizedName, VERIFICATION_METRICS, verificationMetric } from "./verification.ts";

export const METRICS: Record<string, MetricSpec> = {
  UA,
  RA,
  TA,
  VA,
  MIA,
  AdditionalMIA,
  LiRA,
  Streisand,
  AvgGap,
  Sum,
  ValGap,
  ...VERIFICATION_METRICS,
};

/** What the main job reports unless told otherwise. */
export const DEFAULT_METRICS = ["UA", "RA", "TA", "VA", "MIA", "AvgGap", "Sum"];

/** How a column reads (title, unit, range, which way is better), as the metric computing it declares; undefined for other keys. */
export function metricColumn(key: string): MetricColumn | undefined {
  for (const spec of Object.values(METRICS)) {
    const column = spec.columns?.[key];
    if (column) return column;
  }
  return undefined;
}

export function metricSpec(name: string): MetricSpec {
  // An ensemble metric at another size ("ULiRA@8", e.g. read back from a record) is made on first use.
  const sized = METRICS[name] ? null : parseSizedName(name);
  if (sized && sized[1] >= 2) METRICS[name] = verificationMetric(sized[0], sized[1]);
  const spec = METRICS[name];
  if (!spec) throw new KitError(`unknown metric "${name}": valid values are ${Object.keys(METRICS).join(", ")}`);
  return spec;
}

/**
 * The metrics to compute for `names`, dependencies first: a metric named in another's `needs.metrics` is
 * added when missing, so asking for AvgGap computes MIA too. Unknown names are refused.
 */
export function expandMetrics(names: string[]): string[] {
  const out: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (out.includes(name)) return;
    if (path.includes(name)) throw new Error(`metrics depend on each other in a cycle: ${[...path, name].join(" → ")}`);
    for (const dep of metricSpec(name).needs.metrics ?? []) visit(dep, [...path, name]);
    out.push(name);
  };
  for (const n of names) visit(n, []);
  return out;
}

/**
 * The names of `names` with every ensemble metric at ensemble size n ("ULiRA" → "ULiRA@8"; the default
 * size keeps the plain name), registering those specs so configs accept them. Other names pass unchanged.
 */
export function withEnsembleSize(names: string[], n: number): string[] {
  return names.map((name) => {
    const sized = parseSizedName(name);
    if (!sized) return name;
    const spec = verificationMetric(sized[0], n);
    METRICS[spec.name] ??= spec;
    return spec.name;
  });
}

/** How many Retrain and unlearned models the metrics compare at most, or null when none needs ensembles. */
export function ensembleSizes(names: string[]): { retrain: number; unlearned: number } | null {
  const needs = expandMetrics(names).map((n) => metricSpec(n).needs.ensembles).filter((e) => e !== undefined);
  if (needs.length === 0) return null;
  return { retrain: Math.max(...needs.map((e) => e.retrain)), unlearned: Math.max(...needs.map((e) => e.unlearned)) };
}

/** Whether any of the metrics is measured against a reference run (Retrain). */
export function needsReference(names: string[]): boolean {
  return expandMetrics(names).some((n) => metricSpec(n).needs.reference !== undefined);
}

/** The evaluation sets the metrics read. */
export function setsNeeded(names: string[]): EvalSet[] {
  return [...new Set(expandMetrics(names).flatMap((n) => metricSpec(n).needs.sets))];
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

export interface EvaluateExtras {
  details?: Record<string, unknown>;
  training?: MetricContext["training"];
  /** The reference run's metrics on the same task and seed, for metrics that need one; "self": this run is the reference. */
  reference?: Record<string, number> | "self";
  /** The run's and Retrain's ensembles, for metrics that declare `needs.ensembles` (end states only). */
  ensembles?: MetricContext["ensembles"];
}

/** Runs the named metrics (and what they need) on `net`; the seed drives any sampling (e.g. MIA's members). */
export async function evaluate(
  net: Net,
  task: ForgetTask,
  names: string[],
  seed: number,
  extras: EvaluateExtras = {},
): Promise<Record<string, number>> {
  const measured: Record<string, number> = {};
  const reference = extras.reference === "self" ? measured : extras.reference;
  const ctx: MetricContext = { net, task, rng: new Rng(seed), predictions: predictionCache(net, task), measured, ...extras, reference };
  for (const name of expandMetrics(names)) Object.assign(measured, await metricSpec(name).compute(ctx));
  return measured;
}

/**
 * Metrics that read only other metrics (no model), computed from a run's measured values and its
 * reference's, e.g. a search's ValGap once every shard's Retrain reference is in.
 */
export async function deriveMetrics(
  names: string[],
  measured: Record<string, number>,
  reference: Record<string, number> | undefined,
): Promise<Record<string, number>> {
  const out = { ...measured };
  for (const name of expandMetrics(names)) {
    const spec = metricSpec(name);
    if (spec.needs.sets.length > 0) continue; // measured on the model already
    const ctx = { measured: out, reference } as unknown as MetricContext;
    Object.assign(out, await spec.compute(ctx));
  }
  return out;
}
