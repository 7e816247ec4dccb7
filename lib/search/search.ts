/**
 * A fair hyperparameter search over the one run path (lib/experiment/run.ts). Every method gets the
 * same budget of points drawn from the search space in its own file, every point runs on the same search
 * tasks (seeds) from the same cached originals, and a choice reads only the training data and the
 * validation split: UA (D_f), RA (D_r) and VA (the validation split, held out of D_tr; class-wise without
 * the forgotten class, so it stands where TA stands). The test split is sealed: any read throws.
 *
 * One search gives two selections per method, as the paper reports them:
 * - "R", closest to Retrain: the lowest ValGap = mean over {UA, RA, VA} of |metric − Retrain's| (Retrain
 *   runs on the same task as a reference, outside every method's budget);
 * - "C", complete forgetting under a utility bound: the highest UA among points whose VA stays within
 *   `utilityDrop` points of the original's VA.
 * A point's values are means over the search tasks; a point that diverged or failed on any task is never
 * chosen; ties go to the lower point index (point 0 is the method's defaults).
 *
 * Work is split into units (a method's point on every task; plus the Retrain reference); `shard k/n`
 * runs units k, k+n, k+2n, … into `shards/<k>-of-<n>/records.jsonl` and resumes where it stopped.
 * `mergeSearch` reads every shard, scores the points and writes summary.md and best.json.
 */
import { defaultsOf, resolveOptions } from "../config.ts";
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

/** What a search measures: never TA or MIA (both read D_te). */
export const SEARCH_METRICS = ["UA", "RA", "VA"] as const;
export const SELECTIONS = ["R", "C"] as const;
export type SelectionName = typeof SELECTIONS[number];

export interface SearchConfig {
  name: string;
  /** The search's folder: search.json, shards/, summary.md, best.json. */
  out: string;
  /** Data, model, split, training, search tasks (`seeds`), backend and cache, as for any run. */
  experiment: Omit<ExperimentInput, "runs" | "methods" | "methodOptions" | "metrics" | "out" | "name" | "paradigms" | "selection">;
  paradigm: Paradigm;
  methods: string[];
  budget: number;
  searchSeed: number;
  /** Options held fixed for every point of a method; fixed keys leave its space. */
  fixed: Record<string, Record<string, unknown>>;
  /** Spaces to use instead of the methods' own (tests, or a narrower search). */
  spaces?: Record<string, SearchSpace>;
  /** Shift every learning-rate range by this many decades (the selection's sensitivity check). */
  learningRateShift: number;
  /** "C": how many VA points below the original's a point may fall. */
  utilityDrop: number;
  shard: { index: number; count: number };
}

/** What identifies a search; every shard writes it and checks it matches. */
export interface SearchManifest {
  schema: "unlearn-kit/search@2";
  name: string;
  paradigm: Paradigm;
  experiment: SearchConfig["experiment"];
  budget: number;
  searchSeed: number;
  learningRateShift: number;
  utilityDrop: number;
  metrics: readonly string[];
  /** Units in order: Retrain (the reference) first, then each method's points. */
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

export function searchManifest(cfg: SearchConfig): SearchManifest {
  const units: SearchUnit[] = [{
    method: "retrain",
    point: 0,
    reference: true,
    searched: {},
    options: resolveOptions(methodSpec("retrain").options, cfg.fixed.retrain ?? {}, "search retrain") as Record<string, unknown>,
  }];
  for (const method of cfg.methods) {
    if (method === "retrain") continue;
    const spec = methodSpec(method);
    const fixed = cfg.fixed[method] ?? {};
    const own = shiftSpace(cfg.spaces?.[method] ?? spec.searchSpace, cfg.learningRateShift);
    const space = Object.fromEntries(Object.entries(own).filter(([k]) => !(k in fixed)));
    for (const k of Object.keys(space)) {
      if (!(k in spec.options)) {
        throw new KitError(`"${k}" is not one of its options (${Object.keys(spec.options).join(", ")})`, `search space of ${method}`);
      }
    }
    const defaults = { ...defaultsOf(spec.options), ...fixed };
    searchPoints(method, space, defaults, cfg.budget, cfg.searchSeed).forEach((searched, point) => {
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
    schema: "unlearn-kit/search@2",
    name: cfg.name,
    paradigm: cfg.paradigm,
    experiment,
    budget: cfg.budget,
    searchSeed: cfg.searchSeed,
    learningRateShift: cfg.learningRateShift,
    utilityDrop: cfg.utilityDrop,
    metrics: SEARCH_METRICS,
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
  const manifest = searchManifest(cfg);
  const mine = manifest.units.filter((_, i) => i % count === index);
  const config = experimentConfig({
    ...cfg.experiment,
    name: cfg.name,
    out: shardDir(cfg.out, cfg.shard),
    paradigms: [cfg.paradigm],
    runs: mine.map((u) => unitRun(cfg.name, u)),
    metrics: [...SEARCH_METRICS],
    selection: null,
    sealTest: true,
  });
  await Deno.mkdir(cfg.out, { recursive: true });
  await claimManifest(cfg.out, manifest);
  return await runExperiment(config, hooks);
}

// ---------------------------------------------------------------------------------------------

export interface PointScore {
  method: string;
  point: number;
  searched: Record<string, unknown>;
  options: Record<string, unknown>;
  /** Means over the search tasks: UA, RA, VA, ValGap, and the original's VA. */
  metrics: Record<string, number>;
  /** Tasks with an ok run. */
  tasks: number;
  /** Status per task, in seed order. */
  status: string;
}

export interface SearchResult {
  manifest: SearchManifest;
  records: RunRecord[];
  /** Retrain's mean UA, RA, VA over the tasks. */
  reference?: Record<string, number>;
  points: PointScore[];
  chosen: Record<SelectionName, Record<string, PointScore | null>>;
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

/** Scores every point from the records and picks each method's "R" and "C" points. */
export async function scoreSearch(manifest: SearchManifest, records: RunRecord[]): Promise<SearchResult> {
  const seeds = searchSeeds(manifest);
  const byKey = new Map<string, RunRecord>();
  for (const r of records) {
    if (r.tags.search !== manifest.name || r.tags.epoch !== undefined) continue;
    byKey.set(unitKey(r.method, r.tags.point ?? 0, r.seed), r); // a later record (a rerun) wins
  }
  const missing: string[] = [];
  for (const u of manifest.units) {
    for (const seed of seeds) if (!byKey.has(unitKey(u.method, u.point, seed))) missing.push(unitKey(u.method, u.point, seed));
  }
  const refBySeed = new Map<number, RunRecord>();
  for (const seed of seeds) {
    const r = byKey.get(unitKey("retrain", 0, seed));
    if (r?.status === "ok") refBySeed.set(seed, r);
  }
  const points: PointScore[] = [];
  for (const u of manifest.units) {
    if (u.reference) continue;
    const rs = seeds.map((seed) => byKey.get(unitKey(u.method, u.point, seed)));
    const ok = rs.filter((r): r is RunRecord => r?.status === "ok");
    const perTask = await Promise.all(ok.map(async (r) => ({
      ...await deriveMetrics(["ValGap"], r.metrics, refBySeed.get(r.seed)?.metrics),
      originalVA: 100 * r.original.valAcc,
    })));
    const keys = [...SEARCH_METRICS, "ValGap", "originalVA"];
    const allOk = ok.length === seeds.length;
    points.push({
      method: u.method,
      point: u.point,
      searched: u.searched,
      options: u.options,
      metrics: Object.fromEntries(keys.map((k) => [k, allOk ? mean(perTask.map((m) => (m as Record<string, number>)[k])) : NaN])),
      tasks: ok.length,
      status: rs.map((r) => r?.status ?? "missing").join(","),
    });
  }
  const chosen = { R: {}, C: {} } as SearchResult["chosen"];
  for (const p of points) {
    for (const name of SELECTIONS) if (!(p.method in chosen[name])) chosen[name][p.method] = null;
    const m = p.metrics;
    // Points arrive in index order: a strict improvement is needed to replace, so ties keep the lower index.
    if (Number.isFinite(m.ValGap)) {
      const c = chosen.R[p.method];
      if (!c || m.ValGap < c.metrics.ValGap) chosen.R[p.method] = p;
    }
    if (Number.isFinite(m.UA) && m.VA >= m.originalVA - manifest.utilityDrop) {
      const c = chosen.C[p.method];
      if (!c || m.UA > c.metrics.UA || (m.UA === c.metrics.UA && m.VA > c.metrics.VA)) chosen.C[p.method] = p;
    }
  }
  const refs = [...refBySeed.values()].map((r) => r.metrics);
  const reference = refs.length ? Object.fromEntries(SEARCH_METRICS.map((k) => [k, mean(refs.map((r) => r[k]))])) : undefined;
  return { manifest, records: [...byKey.values()], reference, points, chosen, missing };
}

const fmt = (v: unknown) => typeof v === "number" ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(3)).toString()) : String(v);
const fmtOpts = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${fmt(v)}`).join(", ") || "–";
const cell = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");

export function summaryMarkdown(r: SearchResult): string {
  const m = r.manifest;
  const keys = [...SEARCH_METRICS, "ValGap"];
  const head = [
    `# Search ${m.name}`,
    "",
    `${m.experiment.dataset} · ${m.experiment.model} · ${m.paradigm} · search tasks (seeds) ${searchSeeds(m).join(", ")} · ` +
    `budget ${m.budget} points a method · search seed ${m.searchSeed}` +
    (m.learningRateShift ? ` · learning-rate ranges shifted by ${m.learningRateShift} decade(s)` : ""),
    "",
    "Metrics on D_f (UA), D_r (RA) and the validation split (VA), means over the search tasks; the test split was sealed (never read).",
    `Selections: **R** = lowest ValGap (mean |UA, RA, VA − Retrain's|); **C** = highest UA with VA at most ${m.utilityDrop} points below the original's.`,
    "Point 0 is each method's defaults; the others are random draws from the space in the method's file.",
    "",
  ];
  if (r.reference) head.push(`Retrain (reference): ${SEARCH_METRICS.map((k) => `${k} ${r.reference![k].toFixed(2)}`).join(", ")}`, "");
  if (r.missing.length) {
    head.push(`**Incomplete**: ${r.missing.length} unit×task records missing (e.g. ${r.missing.slice(0, 3).join("; ")}).`, "");
  }
  const row = (p: PointScore) =>
    `| ${p.method} | ${p.point} | ${fmtOpts(p.searched)} | ${keys.map((k) => cell(p.metrics[k])).join(" | ")} |`;
  const header = (
    extra = "",
  ) => [
    `| Method | Point | Options | ${keys.join(" | ")} |${extra}`,
    `|---|---:|---|${keys.map(() => "---:").join("|")}|${extra ? "---|" : ""}`,
  ];
  const chosenRows = (name: SelectionName) =>
    Object.entries(r.chosen[name]).map(([method, p]) =>
      p ? row(p) : `| ${method} | – | no point qualified on every task | ${keys.map(() => "–").join(" | ")} |`
    );
  return [
    ...head,
    "## Selection R (closest to Retrain)",
    "",
    ...header(),
    ...chosenRows("R"),
    "",
    "## Selection C (complete forgetting, utility bound)",
    "",
    ...header(),
    ...chosenRows("C"),
    "",
    "## Every point",
    "",
    ...header(" Status per task |"),
    ...r.points.map((p) => `${row(p)} ${p.status} |`),
    "",
  ].join("\n");
}

/** Reads a search folder: its manifest and every shard's records. */
export async function readSearch(out: string): Promise<{ manifest: SearchManifest; records: RunRecord[] }> {
  let manifest: SearchManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${out}/search.json`));
  } catch (e) {
    throw new KitError(`cannot read search.json (${(e as Error).message}); is it a search folder?`, out);
  }
  if (manifest.schema !== "unlearn-kit/search@2") throw new KitError(`search.json has schema ${JSON.stringify(manifest.schema)}`, out);
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

/** Scores a search folder and writes summary.md and best.json (both selections). */
export async function mergeSearch(out: string): Promise<SearchResult> {
  const { manifest, records } = await readSearch(out);
  const result = await scoreSearch(manifest, records);
  await writeFileAtomic(`${out}/summary.md`, summaryMarkdown(result));
  const best = {
    schema: "unlearn-kit/search-best@2",
    about: "Each method's chosen points (R and C): selected on UA (D_f), RA (D_r) and VA (validation split) only; see summary.md.",
    name: manifest.name,
    dataset: manifest.experiment.dataset,
    model: manifest.experiment.model,
    paradigm: manifest.paradigm,
    seeds: searchSeeds(manifest),
    budget: manifest.budget,
    complete: result.missing.length === 0,
    reference: result.reference ?? null,
    selections: Object.fromEntries(SELECTIONS.map((name) => [
      name,
      Object.fromEntries(
        Object.entries(result.chosen[name]).map(([method, p]) => [
          method,
          p ? { point: p.point, searched: p.searched, metrics: p.metrics } : null,
        ]),
      ),
    ])),
  };
  await writeFileAtomic(`${out}/best.json`, JSON.stringify(best, null, 2) + "\n");
  return result;
}
