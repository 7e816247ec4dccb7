/**
 * A fair hyperparameter search over the one run path (lib/experiment/run.ts). Every method gets a budget of
 * points that grows with the dimension of its space (lib/search/rules.ts `BUDGET_RULE`), drawn from the search
 * space in its own file, every point runs on the same search
 * tasks (seeds) from the same cached originals, and a choice reads only the training data and the
 * validation split: UA (D_f), RA (D_r) and VA (the validation split, held out of D_tr; class-wise without
 * the forgotten class, so it stands where TA stands). The test split is sealed: any read throws.
 *
 * One search gives the selections of lib/search/rules.ts per method: "R", closest to Retrain (Retrain runs
 * on the same tasks as a reference, outside every method's budget); "C", complete forgetting at the paper's
 * 15-point utility bound; "C5", the same at 5 points (a sensitivity row).
 * A point's values are means over the search tasks; a point that diverged or failed on any task is never
 * chosen (the usable budget counts the others); ties go to the lower point index (point 0 is the defaults).
 *
 * Work is split into units (a method's point on every task; plus the Retrain reference); `shard k/n`
 * runs units k, k+n, k+2n, … into `shards/<k>-of-<n>/records.jsonl` and resumes where it stopped.
 * `mergeSearch` reads every shard, scores the points and writes summary.md and best.json. A chosen value on
 * the edge of its range plans another round (`round-<r>/plan.json`: the methods whose ranges widen, and the
 * widened spaces), which runs as the first did (`round` in the config) and replaces those methods' selections;
 * lib/search/rounds.ts holds the rounds.
 */
import { checkSpace, defaultsOf, resolveOptions } from "../config.ts";
import type { SearchSpace } from "../config.ts";
import type { Paradigm } from "../data/splits.ts";
import { KitError } from "../errors.ts";
import type { ExperimentInput, RunRequest } from "../experiment/fields.ts";
import { experimentConfig } from "../experiment/config.ts";
import { runExperiment } from "../experiment/run.ts";
import { deriveMetrics } from "../metrics/registry.ts";
import type { RunRecord } from "../record.ts";
import { canonicalJson } from "../hash.ts";
import { readRecordsWithSkips, writeFileAtomic } from "../record.ts";
import { methodSpec } from "../unlearn/registry.ts";
import { searchPoints, shiftSpace } from "./spaces.ts";
import { readPlan, roundDir, roundName } from "./rounds.ts";
import type { Edge } from "./rules.ts";
import { budgetFor, EDGE_RULE } from "./rules.ts";
import type { SelectionName } from "../experiment/selection.ts";
import { SELECTION_RULES, SELECTIONS } from "../experiment/selection.ts";

/** What a search measures: never TA or MIA (both read D_te). */
export const SEARCH_METRICS = ["UA", "RA", "VA"] as const;
export const SEARCH_SCHEMA = "unlearn-kit/search@3";

export interface SearchConfig {
  name: string;
  /** The search's folder: search.json, shards/, summary.md, best.json. */
  out: string;
  /** Data, model, split, training, search tasks (`seeds`), backend and cache, as for any run. */
  experiment: Omit<ExperimentInput, "runs" | "methods" | "methodOptions" | "metrics" | "out" | "name" | "paradigms" | "selection">;
  paradigm: Paradigm;
  methods: string[];
  /** Points per method: "rule" = the budget rule (lib/search/rules.ts), or one number for every method. */
  budget: number | "rule";
  searchSeed: number;
  /** Options held fixed for every point of a method; fixed keys leave its space. */
  fixed: Record<string, Record<string, unknown>>;
  /** Spaces to use instead of the methods' own (tests, or a narrower search). */
  spaces?: Record<string, SearchSpace>;
  /** Shift every learning-rate range by this many decades (the selection's sensitivity check). */
  learningRateShift: number;
  shard: { index: number; count: number };
  /** Which round: 0 = the methods' own spaces; r ≥ 1 = the widened spaces merging round r − 1 planned. */
  round?: number;
  /** How many widening rounds may follow round 0 (default: the edge rule's, lib/search/rules.ts; 0: none). */
  maxRounds?: number;
}

/** What identifies a search; every shard writes it and checks it matches. */
export interface SearchManifest {
  schema: typeof SEARCH_SCHEMA;
  name: string;
  paradigm: Paradigm;
  experiment: SearchConfig["experiment"];
  budget: number | "rule";
  /** Points each method got (the budget rule applied to its space, or the given number). */
  budgets: Record<string, number>;
  /** The space each method's points were drawn from (fixed options left out, ranges shifted or widened). */
  spaces: Record<string, SearchSpace>;
  searchSeed: number;
  learningRateShift: number;
  selections: typeof SELECTION_RULES;
  metrics: readonly string[];
  /** 0, or the round of widened ranges, with the edges that widened them. */
  round: number;
  maxRounds: number;
  widened: Edge[];
  /** Units in order: Retrain (the reference, round 0 only) first, then each method's points. */
  units: SearchUnit[];
}

export interface SearchUnit {
  method: string;
  point: number;
  reference: boolean;
  /** The searched values of this point. */
  searched: Record<string, unknown>;
  /** Every option the method runs with at this point. */
  options: Record<string, unknown>;
}

export function searchManifest(cfg: SearchConfig, widened: Edge[] = []): SearchManifest {
  const round = cfg.round ?? 0;
  const units: SearchUnit[] = round > 0 ? [] : [{
    method: "retrain",
    point: 0,
    reference: true,
    searched: {},
    options: resolveOptions(methodSpec("retrain").options, cfg.fixed.retrain ?? {}, "search retrain") as Record<string, unknown>,
  }];
  const budgets: Record<string, number> = {};
  const spaces: Record<string, SearchSpace> = {};
  for (const method of cfg.methods) {
    if (method === "retrain") continue;
    const spec = methodSpec(method);
    const fixed = cfg.fixed[method] ?? {};
    // A widened round's spaces were shifted in round 0 already.
    const own = shiftSpace(cfg.spaces?.[method] ?? spec.searchSpace, round > 0 ? 0 : cfg.learningRateShift);
    const space = Object.fromEntries(Object.entries(own).filter(([k]) => !(k in fixed)));
    checkSpace(spec.options, space, `search space of ${method}`);
    spaces[method] = space;
    budgets[method] = cfg.budget === "rule" ? budgetFor(space) : cfg.budget;
    const defaults = { ...defaultsOf(spec.options), ...fixed };
    const label = round > 0 ? `${method}/round${round}` : method;
    searchPoints(label, space, defaults, budgets[method], cfg.searchSeed).forEach((searched, point) => {
      units.push({
        method,
        point,
        reference: false,
        searched,
        options: resolveOptions(spec.options, { ...fixed, ...searched }, `search ${method} point ${point}`) as Record<string, unknown>,
      });
    });
  }
  const { bundle: _bundle, progress: _progress, cacheDir: _cache, backend: _backend, rerun: _rerun, ...experiment } = cfg.experiment;
  return {
    schema: SEARCH_SCHEMA,
    name: cfg.name,
    paradigm: cfg.paradigm,
    experiment,
    budget: cfg.budget,
    budgets,
    spaces,
    searchSeed: cfg.searchSeed,
    learningRateShift: cfg.learningRateShift,
    selections: SELECTION_RULES,
    metrics: SEARCH_METRICS,
    round,
    maxRounds: cfg.maxRounds ?? EDGE_RULE.maxRounds,
    widened,
    units,
  };
}

/** Writes search.json, or checks that the one there describes the same search. */
async function claimManifest(out: string, manifest: SearchManifest): Promise<void> {
  const file = `${out}/search.json`;
  const text = JSON.stringify(manifest, null, 2) + "\n";
  let existing: string | undefined;
  try {
    existing = await Deno.readTextFile(file);
  } catch { /* first shard here */ }
  if (existing !== undefined) {
    if (canonicalJson(JSON.parse(existing)) !== canonicalJson(JSON.parse(text))) {
      throw new KitError("describes a different search (other flags, points or code); use another --name or folder", file);
    }
    return;
  }
  await writeFileAtomic(file, text);
}

const shardDir = (out: string, s: SearchConfig["shard"]) => `${out}/shards/${s.index}-of-${s.count}`;

/** The run request of a unit: its exact options, no selection, tagged with the search and point. */
function unitRun(name: string, u: SearchUnit): RunRequest {
  return {
    method: u.method,
    variant: null,
    selection: null,
    options: u.options,
    tags: { search: name, point: u.point, ...(u.reference ? { reference: true } : {}) },
  };
}

/** Runs this shard's units (all of them for shard 0/1), resuming; returns the records of this shard. */
export async function runSearch(
  cfg: SearchConfig,
  hooks: { onRecord?: (r: RunRecord, resumed: boolean) => void } = {},
): Promise<RunRecord[]> {
  const { index, count } = cfg.shard;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new KitError(`${index}/${count} is not k/n with 0 ≤ k < n`, "--shard");
  }
  const round = cfg.round ?? 0;
  const plan = round > 0 ? await readPlan(cfg.out, round) : undefined;
  const here: SearchConfig = plan
    ? { ...cfg, name: roundName(cfg.name, round), out: roundDir(cfg.out, round), methods: plan.methods, spaces: plan.spaces }
    : cfg;
  const manifest = searchManifest(here, plan?.edges ?? []);
  const mine = manifest.units.filter((_, i) => i % count === index);
  const config = experimentConfig({
    ...here.experiment,
    name: here.name,
    out: shardDir(here.out, here.shard),
    paradigms: [here.paradigm],
    runs: mine.map((u) => unitRun(here.name, u)),
    metrics: [...SEARCH_METRICS],
    selection: null,
    sealTest: true,
  });
  await Deno.mkdir(here.out, { recursive: true });
  await claimManifest(here.out, manifest);
  return mine.length ? await runExperiment(config, hooks) : [];
}

// ---------------------------------------------------------------------------------------------

export interface PointScore {
  method: string;
  point: number;
  /** The round the point was drawn in (0: the method's own space). */
  round: number;
  searched: Record<string, unknown>;
  options: Record<string, unknown>;
  /** Means over the search tasks: UA, RA, VA, ValGap, and the original's VA. */
  metrics: Record<string, number>;
  /** Tasks with an ok run. */
  tasks: number;
  /** Status per task, in seed order. */
  status: string;
}

/** Per method: the points drawn and the usable ones (ok on every search task: never diverged or failed). */
export type UsableBudget = Record<string, { drawn: number; usable: number; diverged: number; failed: number }>;

export interface SearchResult {
  manifest: SearchManifest;
  records: RunRecord[];
  /** Retrain's mean UA, RA, VA over the tasks. */
  reference?: Record<string, number>;
  points: PointScore[];
  chosen: Record<SelectionName, Record<string, PointScore | null>>;
  usable: UsableBudget;
  /** Unit × task pairs with no record yet (a shard still running or lost). */
  missing: string[];
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const unitKey = (method: string, point: number, seed: number) => `${method}#${point}#${seed}`;

/** The search tasks' seeds, from the manifest's experiment. */
export function searchSeeds(m: SearchManifest): number[] {
  const s = m.experiment.seeds ?? 5;
  return Array.isArray(s) ? s : Array.from({ length: s }, (_, i) => (m.experiment.firstSeed ?? 0) + i);
}

/**
 * Scores every point from the records and picks each method's point under every selection rule. A widened
 * round has no Retrain of its own: `references` are round 0's records, whose Retrain ran on the same tasks.
 */
export async function scoreSearch(manifest: SearchManifest, records: RunRecord[], references = records): Promise<SearchResult> {
  const seeds = searchSeeds(manifest);
  const byKey = recordsByUnit(manifest.name, records);
  const missing = manifest.units.flatMap((u) =>
    seeds.filter((seed) => !byKey.has(unitKey(u.method, u.point, seed))).map((seed) => unitKey(u.method, u.point, seed))
  );
  const referenceKeys = recordsByUnit(references[0]?.tags.search ?? manifest.name, references);
  const refBySeed = new Map<number, RunRecord>();
  for (const seed of seeds) {
    const r = referenceKeys.get(unitKey("retrain", 0, seed));
    if (r?.status === "ok") refBySeed.set(seed, r);
  }
  const points: PointScore[] = [];
  for (const u of manifest.units.filter((u) => !u.reference)) points.push(await scorePoint(manifest, u, seeds, byKey, refBySeed));
  const refs = [...refBySeed.values()].map((r) => r.metrics);
  const reference = refs.length ? Object.fromEntries(SEARCH_METRICS.map((k) => [k, mean(refs.map((r) => r[k]))])) : undefined;
  return { manifest, records: [...byKey.values()], reference, points, chosen: choose(points), usable: usableBudget(points), missing };
}

/** A search's records by unit and task; a later record (a rerun) wins. */
function recordsByUnit(search: string, records: RunRecord[]): Map<string, RunRecord> {
  const byKey = new Map<string, RunRecord>();
  for (const r of records) {
    if (r.tags.search !== search || r.tags.epoch !== undefined) continue;
    byKey.set(unitKey(r.method, r.tags.point ?? 0, r.seed), r);
  }
  return byKey;
}

/** One point's means over the tasks (NaN unless ok on every task). */
async function scorePoint(
  manifest: SearchManifest,
  u: SearchUnit,
  seeds: number[],
  byKey: Map<string, RunRecord>,
  refBySeed: Map<number, RunRecord>,
): Promise<PointScore> {
  const rs = seeds.map((seed) => byKey.get(unitKey(u.method, u.point, seed)));
  const ok = rs.filter((r): r is RunRecord => r?.status === "ok");
  const perTask = await Promise.all(ok.map(async (r) => ({
    ...await deriveMetrics(["ValGap"], r.metrics, refBySeed.get(r.seed)?.metrics),
    originalVA: 100 * r.original.valAcc,
  })));
  const keys = [...SEARCH_METRICS, "ValGap", "originalVA"];
  const allOk = ok.length === seeds.length;
  return {
    method: u.method,
    point: u.point,
    round: manifest.round,
    searched: u.searched,
    options: u.options,
    metrics: Object.fromEntries(keys.map((k) => [k, allOk ? mean(perTask.map((m) => (m as Record<string, number>)[k])) : NaN])),
    tasks: ok.length,
    status: rs.map((r) => r?.status ?? "missing").join(","),
  };
}

/** Each method's point under every selection rule (lib/search/rules.ts); points arrive in index order. */
export function choose(points: PointScore[]): SearchResult["chosen"] {
  const chosen = Object.fromEntries(SELECTIONS.map((name) => [name, {}])) as SearchResult["chosen"];
  for (const p of points) {
    for (const name of SELECTIONS) {
      if (!(p.method in chosen[name])) chosen[name][p.method] = null;
      const rule = SELECTION_RULES[name];
      const m = p.metrics;
      const c = chosen[name][p.method];
      // A strict improvement is needed to replace, so ties keep the lower index.
      if (rule.kind === "closest") {
        if (Number.isFinite(m.ValGap) && (!c || m.ValGap < c.metrics.ValGap)) chosen[name][p.method] = p;
      } else if (Number.isFinite(m.UA) && m.VA >= m.originalVA - rule.utilityDropPoints) {
        if (!c || m.UA > c.metrics.UA || (m.UA === c.metrics.UA && m.VA > c.metrics.VA)) chosen[name][p.method] = p;
      }
    }
  }
  return chosen;
}

/** Points drawn and usable per method: a point that diverged or failed on any task is never chosen. */
export function usableBudget(points: PointScore[]): UsableBudget {
  const out: UsableBudget = {};
  for (const p of points) {
    const u = out[p.method] ??= { drawn: 0, usable: 0, diverged: 0, failed: 0 };
    const statuses = p.status.split(",");
    u.drawn++;
    if (statuses.every((s) => s === "ok")) u.usable++;
    if (statuses.includes("diverged")) u.diverged++;
    else if (statuses.includes("failed")) u.failed++;
  }
  return out;
}

/** Reads a search folder (one round): its manifest and every shard's records. */
export async function readSearch(out: string): Promise<{ manifest: SearchManifest; records: RunRecord[] }> {
  let manifest: SearchManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${out}/search.json`));
  } catch (e) {
    throw new KitError(`cannot read search.json (${(e as Error).message}); is it a search folder?`, out);
  }
  if (manifest.schema !== SEARCH_SCHEMA) {
    throw new KitError(`search.json has schema ${JSON.stringify(manifest.schema)}, not ${SEARCH_SCHEMA} (made by older code)`, out);
  }
  const files: string[] = [];
  try {
    for await (const e of Deno.readDir(`${out}/shards`)) if (e.isDirectory) files.push(`${out}/shards/${e.name}/records.jsonl`);
  } catch { /* no shard has run yet */ }
  const present: string[] = [];
  for (const f of files) {
    try {
      await Deno.stat(f);
      present.push(f);
    } catch { /* a shard that wrote nothing */ }
  }
  const { records, skipped } = await readRecordsWithSkips(present.sort());
  for (const s of skipped) console.error(`warning: ${s.file}:${s.line}: skipped (${s.why})`);
  return { manifest, records };
}
