/**
 * Notebook parameters and runs. papermill cannot inject parameters into a TypeScript kernel, so a
 * notebook states its quick and full parameters as plain data in its first code cell and asks
 * `notebookSetup` which apply:
 *
 * - quick mode when UNLEARN_QUICK=1 (what CI and `./kit test` use): small subsets, one seed; results go to
 *   tmp/notebooks/<id>/ (ignored by git) and are recomputed on every execution;
 * - full mode otherwise: the real sizes; results go to results/notebooks/<id>/ (committed). Runs whose
 *   records are already there or anywhere under results/ (same configuration, seed and metrics) are read
 *   back instead of recomputed (UNLEARN_RERUN=1 forces a rerun), so re-executing a notebook to refresh
 *   its figures is cheap and a notebook and the main job never compute one configuration twice.
 * - overrides from a JSON file, $UNLEARN_NOTEBOOK_PARAMS or else notebooks/params.json when present:
 *   `{"*": {...}, "04": {...}, "04.quick": {...}}`, applied in that order over the notebook's own values.
 *
 * A notebook's run is a typed `ExperimentInput` (lib/experiment/config.ts), checked like the command
 * line's, through the one run path (lib/experiment/run.ts).
 */
import type { NotebookMode } from "./env.ts";
import { notebookMode, notebookParamsFile, notebookResultsDir, ROOT } from "./env.ts";
import { KitError } from "./errors.ts";
import type { ExperimentInput } from "./experiment/config.ts";
import { experimentConfig } from "./experiment/config.ts";
import { runExperiment } from "./experiment/run.ts";
import type { RunRecord } from "./record.ts";
import { methodOrder } from "./unlearn/registry.ts";

export interface NotebookSetup<P> {
  id: string;
  mode: NotebookMode;
  /** Results folder of this notebook (absolute). */
  out: string;
  params: P;
}

function readOverrides(): Record<string, Record<string, unknown>> {
  const { path, required } = notebookParamsFile();
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    if (required) throw new KitError("cannot read the file", `UNLEARN_NOTEBOOK_PARAMS=${path}`);
    return {};
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KitError(`not JSON (${(e as Error).message})`, path);
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
        throw new KitError(`unknown parameter "${k}": valid ones are ${Object.keys(base).join(", ")}`, `notebook parameters "${key}"`);
      }
      (params as Record<string, unknown>)[k] = v;
    }
  }
  return { id, mode, out: notebookResultsDir(id, mode), params };
}

/**
 * Runs a notebook's experiment into `<notebook folder>/<sub>` (quick mode: always recomputed; full mode:
 * finished runs read back). Returns the records and whether every one was read back.
 */
export async function runChapter(
  nb: NotebookSetup<unknown>,
  sub: string,
  input: ExperimentInput,
): Promise<{ records: RunRecord[]; reused: boolean }> {
  // Full mode: a run with the same configuration anywhere under results/ (the main job, another notebook)
  // is read back instead of recomputed. Quick mode: always recomputed.
  const cfg = experimentConfig({
    name: sub,
    reuse: nb.mode === "full" ? [`${ROOT}results`] : [],
    ...input,
    out: `${nb.out}/${sub}`,
    ...(nb.mode === "quick" ? { rerun: true } : {}),
  });
  let fresh = 0;
  const records = await runExperiment(cfg, { onRecord: (_r, resumed) => void (resumed || fresh++) });
  return { records, reused: fresh === 0 };
}

/** A short line for the notebook's first output: mode, out folder (relative to the root), and how to switch. */
export function describeSetup<P>(nb: NotebookSetup<P>): string {
  const rel = nb.out.startsWith(ROOT) ? nb.out.slice(ROOT.length) : nb.out;
  const other = nb.mode === "quick" ? "unset UNLEARN_QUICK for full mode" : "UNLEARN_QUICK=1 for quick mode";
  return `notebook ${nb.id}: ${nb.mode} mode (${other}); results in ${rel}/; parameters ${JSON.stringify(nb.params)}`;
}

/** Method names for a notebook parameter: a list, or "all" for every registered method. */
export function methodNames(methods: string[] | "all"): string[] {
  return methods === "all" ? methodOrder() : methods;
}
