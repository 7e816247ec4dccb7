/**
 * Notebook parameters and runs. papermill cannot inject parameters into a TypeScript kernel, so a
 * notebook states its quick and full parameters as plain data in its first code cell and asks
 * `notebookSetup` which apply:
 *
 * - quick mode when UNLEARN_QUICK=1 (what CI and `./kit test` use): small subsets, one seed; results go to
 *   tmp/notebooks/<id>/ (ignored by git) and are recomputed on every execution;
 * - full mode otherwise: the real sizes; results go to results/notebooks/<id>/ (committed). A full-mode
 *   run whose configuration matches the one saved beside its records is read back instead of recomputed
 *   (UNLEARN_RERUN=1 forces a rerun), so re-executing a notebook to refresh its figures is cheap.
 * - overrides from a JSON file, $UNLEARN_NOTEBOOK_PARAMS or else notebooks/params.json when present:
 *   `{"*": {...}, "04": {...}, "04.quick": {...}}`, applied in that order over the notebook's own values.
 *
 * Paths are absolute (from this file's location), so the same code works from notebooks/ (the kernel's
 * working folder), from the repository root (`deno task figures`) and from tests.
 */
import type { AblationConfig, AblationRow, AblationSpec } from "./ablations/run.ts";
import { readAblationRows, runAblation } from "./ablations/run.ts";
import { isQuick } from "./env.ts";
import type { ExperimentConfig } from "./experiment.ts";
import { runExperiment } from "./experiment.ts";
import { parseCli } from "./cli.ts";
import type { RunRecord } from "./record.ts";
import { readRecords } from "./record.ts";
import { tunedEntry } from "./unlearn/tuned.ts";

/** The repository root, with a trailing slash. */
export const ROOT = new URL("../", import.meta.url).pathname;

export type Mode = "quick" | "full";

export interface NotebookSetup<P> {
  id: string;
  mode: Mode;
  /** Results folder of this notebook (absolute). */
  out: string;
  params: P;
}

export function notebookMode(): Mode {
  return isQuick() ? "quick" : "full";
}

/** Where a notebook's results go in a mode (absolute). */
export function notebookOut(id: string, mode: Mode = notebookMode()): string {
  return mode === "quick" ? `${ROOT}tmp/notebooks/${id}` : `${ROOT}results/notebooks/${id}`;
}

function readOverrides(): Record<string, Record<string, unknown>> {
  const given = Deno.env.get("UNLEARN_NOTEBOOK_PARAMS");
  const path = given ?? `${ROOT}notebooks/params.json`;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    if (given) throw new Error(`UNLEARN_NOTEBOOK_PARAMS=${given}: cannot read the file`);
    return {};
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
}

/**
 * The notebook's parameters for the current mode, with JSON overrides applied. Unknown override keys
 * are refused (a typo would otherwise silently do nothing).
 */
export function notebookSetup<P extends Record<string, unknown>>(id: string, modes: { quick: P; full: P }): NotebookSetup<P> {
  const mode = notebookMode();
  const base = modes[mode];
  const overrides = readOverrides();
  const params = { ...base };
  for (const key of ["*", id, `${id}.${mode}`]) {
    for (const [k, v] of Object.entries(overrides[key] ?? {})) {
      if (!(k in base)) {
        if (key === "*") continue; // "*" may name parameters only some notebooks have
        throw new Error(`notebook parameters "${key}": unknown parameter "${k}": valid ones are ${Object.keys(base).join(", ")}`);
      }
      (params as Record<string, unknown>)[k] = v;
    }
  }
  return { id, mode, out: notebookOut(id, mode), params };
}

export type Flags = Record<string, string | number | boolean | (string | number)[] | undefined>;

/** `{dataset: "x", seeds: 2, set: ["a=1", "b=2"], "no-tuned": true}` → CLI flags. */
export function toFlags(flags: Flags): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined || v === false) continue;
    if (v === true) out.push(`--${k}`);
    else if (Array.isArray(v)) { for (const x of v) out.push(`--${k}=${x}`); }
    else out.push(`--${k}=${v}`);
  }
  return out;
}

/**
 * An ExperimentConfig through the CLI's own validation, writing to `<out>/<sub>` and caching originals
 * in data/cache/. Notebooks pass the same flags a user would type.
 */
export function experimentConfig(out: string, sub: string, flags: Flags): ExperimentConfig {
  const cfg = parseCli(toFlags({ cache: `${ROOT}data/cache`, ...flags, out: `${out}/${sub}`, name: flags.name ?? sub }));
  if (cfg === "help") throw new Error("experimentConfig: --help is not a configuration");
  return cfg;
}

/**
 * What identifies a run's results: the configuration minus where it is shown, plus the searched defaults
 * (results/search/tuned.json) it would start from, so a new search invalidates old records.
 */
function runKey(cfg: ExperimentConfig): string {
  const { progress: _p, out: _o, cacheDir: _c, ...rest } = cfg;
  const tuned = cfg.useTuned
    ? Object.fromEntries(
      cfg.paradigms.flatMap((p) => cfg.methods.map((m) => [`${p}/${m}`, tunedEntry(cfg.dataset, cfg.model, p, m) ?? null])),
    )
    : {};
  return JSON.stringify({ ...rest, tuned }, null, 2);
}

function expectedRecords(cfg: ExperimentConfig): number {
  return cfg.methods.length * cfg.paradigms.length * cfg.seeds.length;
}

/**
 * Runs an experiment, or reads its records back when `<out>/run.json` holds the same configuration and
 * every run is there (full mode only; quick mode always reruns). A fresh run starts a fresh
 * records.jsonl. Returns the records and whether they were read back.
 */
export async function runOrLoad(cfg: ExperimentConfig, mode: Mode = notebookMode()): Promise<{ records: RunRecord[]; reused: boolean }> {
  const key = runKey(cfg);
  const runFile = `${cfg.out}/run.json`;
  const recordsFile = `${cfg.out}/records.jsonl`;
  const rerun = mode === "quick" || ["1", "true"].includes(Deno.env.get("UNLEARN_RERUN") ?? "");
  if (!rerun) {
    try {
      if (Deno.readTextFileSync(runFile) === key) {
        const records = await readRecords([recordsFile]);
        if (records.length >= expectedRecords(cfg)) return { records, reused: true };
      }
    } catch { /* nothing usable: run */ }
  }
  await Deno.mkdir(cfg.out, { recursive: true });
  await Deno.remove(recordsFile).catch(() => {});
  await Deno.remove(runFile).catch(() => {});
  const records = await runExperiment(cfg);
  await Deno.writeTextFile(runFile, key);
  return { records, reused: false };
}

/**
 * Records of a variant shown as their own rows: method "ugradsl" becomes "ugradsl (R)" (and its runId
 * follows, so the table does not treat the two as repeats of one run).
 */
export function asVariant(records: RunRecord[], suffix: string, methods?: string[]): RunRecord[] {
  return records.map((r) =>
    methods && !methods.includes(r.method) ? r : {
      ...r,
      method: `${r.method} ${suffix}`,
      runId: r.runId.replace(`/${r.method}/`, `/${r.method} ${suffix}/`),
    }
  );
}

/** An ablation's configuration from the same flags (data, model, split, seeds, training, metrics). */
export function ablationConfig(out: string, sub: string, flags: Flags): AblationConfig {
  const c = experimentConfig(out, sub, { methods: "retrain", ...flags });
  return {
    name: c.name,
    out: c.out,
    dataset: c.dataset,
    dataDir: c.dataDir,
    paradigms: c.paradigms,
    model: c.model,
    modelOptions: c.modelOptions,
    seeds: c.seeds,
    split: c.split,
    training: c.training,
    metrics: c.metrics,
    useTuned: c.useTuned,
    cacheDir: c.cacheDir,
    backend: c.backend,
    progress: c.progress,
  };
}

/**
 * `runAblation`, or its rows read back when `<out>/run.json` holds the same configuration and variants
 * (full mode only), as `runOrLoad` does for experiments.
 */
export async function runAblationOrLoad(
  cfg: AblationConfig,
  spec: AblationSpec,
  mode: Mode = notebookMode(),
): Promise<{ rows: AblationRow[]; reused: boolean }> {
  const { progress: _p, out: _o, cacheDir: _c, bundle: _b, ...rest } = cfg;
  const variants = spec.variants.map((v) => ({ id: v.id, method: v.method, labels: v.labels, options: v.options?.({}) ?? {} }));
  const key = JSON.stringify({ config: rest, ablation: spec.name, perEpoch: spec.perEpoch ?? false, variants }, null, 2);
  const runFile = `${cfg.out}/run.json`;
  const rowsFile = `${cfg.out}/records.jsonl`;
  const rerun = mode === "quick" || ["1", "true"].includes(Deno.env.get("UNLEARN_RERUN") ?? "");
  if (!rerun) {
    try {
      if (Deno.readTextFileSync(runFile) === key) return { rows: await readAblationRows([rowsFile]), reused: true };
    } catch { /* nothing usable: run */ }
  }
  await Deno.mkdir(cfg.out, { recursive: true });
  await Deno.remove(rowsFile).catch(() => {});
  await Deno.remove(runFile).catch(() => {});
  const rows = await runAblation(cfg, spec);
  await Deno.writeTextFile(runFile, key);
  return { rows, reused: false };
}

/** Reads a finished notebook's records (for `deno task figures` and the index). */
export async function notebookRecords(id: string, sub: string, mode: Mode = "full"): Promise<RunRecord[]> {
  return await readRecords([`${notebookOut(id, mode)}/${sub}/records.jsonl`]);
}

/** A short line for the notebook's first output: mode, out folder (relative to the root), and how to switch. */
export function describeSetup<P>(nb: NotebookSetup<P>): string {
  const rel = nb.out.startsWith(ROOT) ? nb.out.slice(ROOT.length) : nb.out;
  const other = nb.mode === "quick" ? "unset UNLEARN_QUICK for full mode" : "UNLEARN_QUICK=1 for quick mode";
  return `notebook ${nb.id}: ${nb.mode} mode (${other}); results in ${rel}/; parameters ${JSON.stringify(nb.params)}`;
}
