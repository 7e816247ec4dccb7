/**
 * A fair hyperparameter search: every method gets the same budget of points over its own
 * hyperparameters (spaces.ts), every point runs on the same splits and seeds from the same cached
 * original, and the choice reads only the training data and the validation split:
 *
 *   UA = 100 − accuracy on D_f, RA = accuracy on D_r, VA = accuracy on the validation split (task.valIdx,
 *   held out of D_tr, class-wise without the forgotten class, so it stands where TA stands).
 *
 * The test split is sealed before any method runs: `sealTest` replaces task.test and task.testIdx with
 * objects that throw on any read, and the search rethrows that error rather than record it. (The original
 * model's own test accuracy is computed once, by lib/experiment.ts, when it is first trained and cached;
 * the search log never copies it.) MIA is left out: its non-members are D_te.
 *
 * Objectives (NOTES §6, with VA in place of TA and without MIA):
 * - "complete": maximise UA + RA + VA (the paper's Sum, for "complete unlearning");
 * - "R": minimise the Avg. Gap to Retrain, mean over {UA, RA, VA} of |metric − Retrain's|, with Retrain
 *   run on the same split and seed (a reference, outside every method's budget).
 * A point's score is the mean over seeds; a point that diverged or failed on any seed is never chosen;
 * ties go to the lower point index (point 0 is the method's defaults).
 *
 * Work is split into units (method × point, all seeds; plus Retrain for "R"); `--shard k/n` runs units
 * k, k+n, k+2n, … and appends one line per unit and seed to shards/log-k-of-n.jsonl, skipping lines
 * already there (a preempted shard resumes). `mergeSearch` joins every shard into log.jsonl (every
 * point, its metrics, then one "choice" line per method), summary.md and best.json.
 */
import { backendInfo, initBackend } from "../backend.ts";
import { defaultsOf, resolveOptions } from "../config.ts";
import { datasetSpec, loadDataset } from "../data/registry.ts";
import type { ForgetTask, Paradigm, SplitOptions } from "../data/splits.ts";
import type { DataBundle, Dataset } from "../data/types.ts";
import { machine } from "../env.ts";
import type { PreparedTask } from "../experiment.ts";
import { methodContext, prepareTask } from "../experiment.ts";
import { avgGap } from "../metrics/gaps.ts";
import { evaluate } from "../metrics/registry.ts";
import { disposeNet } from "../models/registry.ts";
import type { OptionValue } from "../models/types.ts";
import { kitVersion } from "../record.ts";
import { autoProgress, silentProgress } from "../report/progress.ts";
import { deriveSeed } from "../rng.ts";
import type { SgdOptions } from "../train.ts";
import { DivergedError } from "../train.ts";
import { methodSpec } from "../unlearn/registry.ts";
import type { SearchSpace } from "./spaces.ts";
import { SEARCH_SPACES, searchPoints } from "./spaces.ts";

export const OBJECTIVES = ["complete", "R"] as const;
export type Objective = typeof OBJECTIVES[number];
/** What the search measures; never TA or MIA (both read D_te). */
export const SEARCH_METRICS = ["UA", "RA", "VA"] as const;

export interface SearchConfig {
  name: string;
  /** The search's folder: search.json, shards/, log.jsonl, summary.md, best.json. */
  out: string;
  dataset: string;
  dataDir?: string;
  /** Use these splits instead of loading `dataset` (tests). */
  bundle?: DataBundle;
  paradigm: Paradigm;
  model: string;
  modelOptions: Record<string, OptionValue>;
  seeds: number[];
  split: Partial<Omit<SplitOptions, "paradigm" | "seed">>;
  training: SgdOptions;
  methods: string[];
  budget: number;
  objective: Objective;
  searchSeed: number;
  /** Options held fixed for every point of a method (`--set`); fixed keys leave the space. */
  fixed: Record<string, Record<string, unknown>>;
  /** Spaces to use instead of SEARCH_SPACES (tests, or a narrower search). */
  spaces?: Record<string, SearchSpace>;
  shard: { index: number; count: number };
  cacheDir: string;
  backend: string;
  progress: boolean;
}

/** What identifies a search; every shard writes it and checks it matches. */
export interface SearchManifest {
  schema: "unlearn-kit/search@1";
  name: string;
  dataset: string;
  model: string;
  modelOptions: Record<string, OptionValue>;
  paradigm: Paradigm;
  seeds: number[];
  split: SearchConfig["split"];
  training: SgdOptions;
  objective: Objective;
  budget: number;
  searchSeed: number;
  metrics: readonly string[];
  /** Units in order: Retrain first for "R", then each method's points. */
  units: { method: string; point: number; searched: Record<string, unknown>; options: Record<string, unknown> }[];
}

export interface SearchLine {
  kind: "reference" | "point";
  method: string;
  point: number;
  seed: number;
  searched: Record<string, unknown>;
  options: Record<string, unknown>;
  status: "ok" | "diverged" | "failed";
  error?: string;
  metrics: Record<string, number>;
  rteSeconds: number;
  stop?: { reason: string; step: number };
  notes?: Record<string, number | string>;
  original: { key: string; trainAcc: number; valAcc: number };
  sizes: { train: number; forget: number; retain: number; val: number };
  shard: string;
  environment: { backend: string; machine: string; gitCommit: string; dirty: boolean };
}

/** Thrown by a read of the sealed test split; the search never records it as a method failure. */
export class SealedTestError extends Error {
  constructor(what: string) {
    super(`the search read the sealed test split (${what}); selection must use the validation split`);
    this.name = "SealedTestError";
  }
}

function sealed<T extends object>(what: string): T {
  const fail = (p: string | symbol): never => {
    throw new SealedTestError(`${what}.${String(p)}`);
  };
  return new Proxy({} as T, { get: (_t, p) => fail(p), has: (_t, p) => fail(p), ownKeys: () => fail("keys") });
}

/** The task with its test split replaced by objects that throw on any read. */
export function sealTest(task: ForgetTask): ForgetTask {
  return { ...task, test: sealed<Dataset>("task.test"), testIdx: sealed<Int32Array>("task.testIdx") };
}

// ---------------------------------------------------------------------------------------------

export function searchManifest(cfg: SearchConfig): SearchManifest {
  const units: SearchManifest["units"] = [];
  if (cfg.objective === "R") {
    const spec = methodSpec("retrain");
    units.push({
      method: "retrain",
      point: 0,
      searched: {},
      options: resolveOptions(spec.options, cfg.fixed.retrain ?? {}, "search retrain"),
    });
  }
  for (const method of cfg.methods) {
    if (method === "retrain") continue;
    const spec = methodSpec(method);
    const fixed = cfg.fixed[method] ?? {};
    const space = Object.fromEntries(Object.entries((cfg.spaces ?? SEARCH_SPACES)[method] ?? {}).filter(([k]) => !(k in fixed)));
    for (const k of Object.keys(space)) {
      if (!(k in spec.options)) {
        throw new Error(`search space of ${method}: "${k}" is not one of its options (${Object.keys(spec.options).join(", ")})`);
      }
    }
    const defaults = { ...defaultsOf(spec.options), ...fixed };
    searchPoints(method, space, defaults, cfg.budget, cfg.searchSeed).forEach((searched, point) => {
      units.push({
        method,
        point,
        searched,
        options: resolveOptions(spec.options, { ...fixed, ...searched }, `search ${method} point ${point}`),
      });
    });
  }
  return {
    schema: "unlearn-kit/search@1",
    name: cfg.name,
    dataset: cfg.dataset,
    model: cfg.model,
    modelOptions: cfg.modelOptions,
    paradigm: cfg.paradigm,
    seeds: cfg.seeds,
    split: cfg.split,
    training: cfg.training,
    objective: cfg.objective,
    budget: cfg.budget,
    searchSeed: cfg.searchSeed,
    metrics: SEARCH_METRICS,
    units,
  };
}

const shardName = (s: SearchConfig["shard"]) => `log-${s.index}-of-${s.count}.jsonl`;
const lineKey = (l: Pick<SearchLine, "method" | "point" | "seed">) => `${l.method}#${l.point}#${l.seed}`;

async function readLines(file: string): Promise<SearchLine[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    try {
      return JSON.parse(l) as SearchLine;
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
  });
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
    if (existing !== text) {
      throw new Error(`${file} describes a different search (other flags, points or code); use another --name or folder`);
    }
    return;
  }
  const tmp = `${file}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, file);
}

/** A seed's task (test split sealed) and original model. */
type SeedState = PreparedTask;

/**
 * Runs this shard's units (all of them for shard 0/1) and appends their lines. Returns the lines
 * written by this call.
 */
export async function runSearch(cfg: SearchConfig, hooks: { onLine?: (l: SearchLine) => void } = {}): Promise<SearchLine[]> {
  const { index, count } = cfg.shard;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new Error(`shard ${index}/${count}: need 0 ≤ k < n`);
  }
  const manifest = searchManifest(cfg);
  await initBackend({ backend: cfg.backend as never });
  await Deno.mkdir(`${cfg.out}/shards`, { recursive: true });
  await claimManifest(cfg.out, manifest);
  const file = `${cfg.out}/shards/${shardName(cfg.shard)}`;
  const done = new Set((await readLines(file)).map(lineKey));
  const mine = manifest.units.filter((_, i) => i % count === index);
  const progress = cfg.progress ? autoProgress : silentProgress;
  const bundle = cfg.bundle ?? await loadDataset(cfg.dataset, cfg.dataDir);
  const superClasses = cfg.bundle ? undefined : datasetSpec(cfg.dataset).superClasses;
  const env = { backend: backendInfo().name, machine: `${machine().cpuModel} × ${machine().cores}`, ...kitVersion() };
  const states = new Map<number, SeedState>();
  const stateOf = async (seed: number): Promise<SeedState> => {
    let s = states.get(seed);
    if (!s) {
      const { task, original: net, info } = await prepareTask(bundle, superClasses, cfg, cfg.paradigm, seed, progress);
      s = { task: sealTest(task), original: net, info };
      states.set(seed, s);
    }
    return s;
  };
  const written: SearchLine[] = [];
  try {
    for (const unit of mine) {
      const spec = methodSpec(unit.method);
      for (const seed of cfg.seeds) {
        if (done.has(lineKey({ ...unit, seed }))) continue;
        const state = await stateOf(seed);
        const { task, info } = state;
        const ctx = methodContext(state, spec.name, cfg.training, progress);
        const base = {
          kind: unit.method === "retrain" ? "reference" as const : "point" as const,
          method: unit.method,
          point: unit.point,
          seed,
          searched: unit.searched,
          options: unit.options,
          original: info,
          sizes: { train: task.trainIdx.length, forget: task.forgetIdx.length, retain: task.retainIdx.length, val: task.valIdx.length },
          shard: `${index}/${count}`,
          environment: env,
        };
        let line: SearchLine;
        const started = performance.now();
        try {
          const outcome = await spec.run(ctx, unit.options as never);
          const rteSeconds = (performance.now() - started) / 1000;
          const metrics = await evaluate(outcome.net, task, [...SEARCH_METRICS], deriveSeed(seed, "metrics"));
          line = { ...base, status: "ok", metrics, rteSeconds, stop: outcome.stop, notes: outcome.notes };
          if (outcome.net !== ctx.start) disposeNet(ctx.start);
          disposeNet(outcome.net);
        } catch (e) {
          if (e instanceof SealedTestError) throw e;
          if (!(e instanceof Error)) throw e;
          line = {
            ...base,
            status: e instanceof DivergedError ? "diverged" : "failed",
            error: e.message,
            metrics: {},
            rteSeconds: (performance.now() - started) / 1000,
          };
          try {
            disposeNet(ctx.start);
          } catch { /* the method disposed it */ }
        }
        await Deno.writeTextFile(file, JSON.stringify(line) + "\n", { append: true, create: true });
        written.push(line);
        hooks.onLine?.(line);
      }
    }
  } finally {
    for (const s of states.values()) disposeNet(s.original);
  }
  return written;
}

// ---------------------------------------------------------------------------------------------

export interface PointScore {
  method: string;
  point: number;
  searched: Record<string, unknown>;
  options: Record<string, unknown>;
  /** Mean over seeds of each metric. */
  metrics: Record<string, number>;
  /** The objective (higher is better for "complete", lower for "R"); NaN when not every seed is ok. */
  score: number;
  seeds: number;
  status: string;
}

export interface SearchResult {
  manifest: SearchManifest;
  lines: SearchLine[];
  reference?: Record<string, number>;
  points: PointScore[];
  chosen: Record<string, PointScore | null>;
  /** Units × seeds with no line yet (a shard still running or lost). */
  missing: string[];
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Scores every point from the lines and picks each method's best. */
export function scoreSearch(manifest: SearchManifest, lines: SearchLine[]): SearchResult {
  const byKey = new Map<string, SearchLine>();
  for (const l of lines) byKey.set(lineKey(l), l); // a later line (a rerun) wins
  const missing: string[] = [];
  for (const u of manifest.units) {
    for (const seed of manifest.seeds) if (!byKey.has(lineKey({ ...u, seed }))) missing.push(lineKey({ ...u, seed }));
  }
  const keys = manifest.metrics;
  const refBySeed = new Map<number, Record<string, number>>();
  for (const seed of manifest.seeds) {
    const r = byKey.get(lineKey({ method: "retrain", point: 0, seed }));
    if (r?.status === "ok") refBySeed.set(seed, r.metrics);
  }
  const points: PointScore[] = [];
  for (const u of manifest.units) {
    if (u.method === "retrain") continue;
    const ls = manifest.seeds.map((seed) => byKey.get(lineKey({ ...u, seed })));
    const ok = ls.every((l) => l?.status === "ok");
    const present = ls.filter((l): l is SearchLine => l?.status === "ok");
    const metrics = Object.fromEntries(keys.map((k) => [k, present.length ? mean(present.map((l) => l.metrics[k])) : NaN]));
    let score = NaN;
    if (ok) {
      score = manifest.objective === "complete"
        ? mean(present.map((l) => keys.reduce((s, k) => s + l.metrics[k], 0)))
        : manifest.seeds.every((s) => refBySeed.has(s))
        ? mean(present.map((l) => avgGap(l.metrics, refBySeed.get(l.seed)!, keys)))
        : NaN;
    }
    const status = ls.map((l) => l?.status ?? "missing").join(",");
    points.push({
      method: u.method,
      point: u.point,
      searched: u.searched,
      options: u.options,
      metrics,
      score,
      seeds: present.length,
      status,
    });
  }
  const better = (a: PointScore, b: PointScore) => manifest.objective === "complete" ? a.score > b.score : a.score < b.score;
  const chosen: Record<string, PointScore | null> = {};
  for (const p of points) {
    if (!(p.method in chosen)) chosen[p.method] = null;
    if (!Number.isFinite(p.score)) continue;
    const c = chosen[p.method];
    if (!c || better(p, c)) chosen[p.method] = p; // points arrive in index order: ties keep the lower
  }
  const refs = [...refBySeed.values()];
  const reference = refs.length ? Object.fromEntries(keys.map((k) => [k, mean(refs.map((r) => r[k]))])) : undefined;
  return { manifest, lines: [...byKey.values()], reference, points, chosen, missing };
}

const fmt = (v: unknown) => typeof v === "number" ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(3)).toString()) : String(v);
const fmtOpts = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${fmt(v)}`).join(", ") || "–";

export function summaryMarkdown(r: SearchResult): string {
  const m = r.manifest;
  const objective = m.objective === "complete"
    ? "complete: maximise UA + RA + VA (mean over seeds)"
    : "R: minimise the Avg. Gap to Retrain over UA, RA, VA (same split and seed; mean over seeds)";
  const head = [
    `# Search ${m.name}`,
    "",
    `${m.dataset} · ${m.model} · ${m.paradigm} · seeds ${
      m.seeds.join(", ")
    } · budget ${m.budget} points a method · search seed ${m.searchSeed}`,
    "",
    `Objective ${objective}. Metrics on D_f (UA), D_r (RA) and the validation split (VA); the test split was sealed (never read).`,
    "Point 0 is each method's defaults; the others are random draws from its space (lib/search/spaces.ts).",
    "",
  ];
  if (r.reference) head.push(`Retrain (reference): ${m.metrics.map((k) => `${k} ${r.reference![k].toFixed(2)}`).join(", ")}`, "");
  if (r.missing.length) {
    head.push(`**Incomplete**: ${r.missing.length} unit×seed lines missing (e.g. ${r.missing.slice(0, 3).join("; ")}).`, "");
  }
  const scoreName = m.objective === "complete" ? "Sum (UA+RA+VA) ↑" : "Avg. Gap ↓";
  const row = (p: PointScore) =>
    `| ${p.method} | ${p.point} | ${fmtOpts(p.searched)} | ${
      m.metrics.map((k) => Number.isFinite(p.metrics[k]) ? p.metrics[k].toFixed(2) : "–").join(" | ")
    } | ${Number.isFinite(p.score) ? p.score.toFixed(2) : "–"} |`;
  const header = [
    `| Method | Point | Chosen options | ${m.metrics.join(" | ")} | ${scoreName} |`,
    `|---|---:|---|${m.metrics.map(() => "---:").join("|")}|---:|`,
  ];
  const chosenRows = Object.entries(r.chosen).map(([method, p]) =>
    p ? row(p) : `| ${method} | – | no point finished on every seed | ${m.metrics.map(() => "–").join(" | ")} | – |`
  );
  const allRows = r.points.map((p) => `${row(p).slice(0, -1)} ${p.status} |`);
  return [
    ...head,
    "## Chosen points",
    "",
    ...header,
    ...chosenRows,
    "",
    "## Every point",
    "",
    `| Method | Point | Options | ${m.metrics.join(" | ")} | ${scoreName} | Status per seed |`,
    `|---|---:|---|${m.metrics.map(() => "---:").join("|")}|---:|---|`,
    ...allRows,
    "",
  ].join("\n");
}

/** Joins every shard's lines into log.jsonl, summary.md and best.json. */
export async function mergeSearch(out: string): Promise<SearchResult> {
  let manifest: SearchManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${out}/search.json`));
  } catch (e) {
    throw new Error(`${out}/search.json: cannot read (${(e as Error).message}); is ${out} a search folder?`);
  }
  const lines: SearchLine[] = [];
  for await (const entry of Deno.readDir(`${out}/shards`)) {
    if (entry.isFile && entry.name.endsWith(".jsonl")) lines.push(...await readLines(`${out}/shards/${entry.name}`));
  }
  const result = scoreSearch(manifest, lines);
  const order = new Map(manifest.units.map((u, i) => [`${u.method}#${u.point}`, i]));
  const sorted = [...result.lines].sort((a, b) =>
    (order.get(`${a.method}#${a.point}`) ?? 1e9) - (order.get(`${b.method}#${b.point}`) ?? 1e9) || a.seed - b.seed
  );
  const choices = Object.entries(result.chosen).map(([method, p]) => ({
    kind: "choice",
    method,
    objective: manifest.objective,
    point: p?.point ?? null,
    searched: p?.searched ?? null,
    options: p?.options ?? null,
    metrics: p?.metrics ?? null,
    score: p?.score ?? null,
  }));
  await Deno.writeTextFile(`${out}/log.jsonl`, [...sorted, ...choices].map((l) => JSON.stringify(l)).join("\n") + "\n");
  await Deno.writeTextFile(`${out}/summary.md`, summaryMarkdown(result));
  const best = {
    schema: "unlearn-kit/search-best@1",
    about: "Each method's chosen point: selected on UA (D_f), RA (D_r) and VA (validation split) only; see summary.md and log.jsonl.",
    name: manifest.name,
    dataset: manifest.dataset,
    model: manifest.model,
    paradigm: manifest.paradigm,
    objective: manifest.objective,
    seeds: manifest.seeds,
    budget: manifest.budget,
    complete: result.missing.length === 0,
    reference: result.reference ?? null,
    methods: Object.fromEntries(
      Object.entries(result.chosen).map(([method, p]) => [
        method,
        p ? { point: p.point, searched: p.searched, options: p.options, metrics: p.metrics, score: p.score } : null,
      ]),
    ),
  };
  await Deno.writeTextFile(`${out}/best.json`, JSON.stringify(best, null, 2) + "\n");
  return result;
}
