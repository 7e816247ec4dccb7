/**
 * Every runtime setting in one place (after transformers.js `env.js`): where the kit runs, how it may
 * talk to the user, and each environment variable it reads. No other module reads `Deno.env`.
 *
 * One rule for booleans: unset, "", "0", "false", "no" and "off" (any case) are false; "1", "true",
 * "yes" and "on" are true; anything else is an error naming the variable.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | UNLEARN_QUICK | quick mode: small sizes (CI, smoke runs) | false |
 * | UNLEARN_RERUN | recompute runs whose records already exist | false |
 * | UNLEARN_BACKEND | auto, or a backend name (lib/backend.ts) | auto |
 * | UNLEARN_THREADS | threads of native kernels (never changes a number: docs/speed.md) | the machine's cores |
 * | UNLEARN_NATIVE_PICK | how native kernels pick among bit-identical variants: timed, canonical, other (tests) | timed |
 * | UNLEARN_PARALLEL_HELPER | the native products' parallel runner (a path), or "off" for one task after another (never changes a number) | build/libkit_parallel.so |
 * | UNLEARN_DENSE_STACK | a dense stack's (the MLP's) training step in one native op each way; off: tfjs's op by op (never changes a number) | on |
 * | UNLEARN_CACHE_DIR | cached original models | data/cache |
 * | UNLEARN_SELECTION | the search's selection file (searched defaults) | results/search/selection.json |
 * | UNLEARN_NOTEBOOK_PARAMS | JSON file of notebook parameter overrides | notebooks/params.json if present |
 * | UNLEARN_NOTEBOOK_OUT | where a notebook execution writes its records (`./kit run`) | see lib/notebook.ts |
 * | UNLEARN_EVIDENCE | the evidence pass: full-mode notebooks and the main job may write results/ | false |
 * | UNLEARN_CHROMIUM | Chromium binary for figure export | chromium on PATH |
 * | UNLEARN_PLOTLY_JS | plotly.js bundle | node_modules/plotly.js-dist/plotly.js |
 * | UNLEARN_FIGURE_IMAGES | static images in notebooks: chromium, png, svg, none | chromium where found |
 * | FASHION_MNIST_DIR, CIFAR10_DIR, … | where a data set's standard files are | see docs/datasets.md |
 * | UNLEARN_PYTHON | the Python with PyTorch the bench compares against | /usr/bin/python3 |
 *
 * A relative path in a path variable (or a path flag, `kitPath`) is the kit folder's, wherever the process
 * was started from.
 *
 * Set for a library when unset (never read by the kit): OMP_WAIT_POLICY=PASSIVE and, on AMD CPUs with
 * AVX-512, OPENBLAS_CORETYPE=SkylakeX, before the native backend loads oneDNN and OpenBLAS
 * (lib/backend/native/libs.ts, docs/speed.md); XDG_RUNTIME_DIR during the WebGPU probe (lib/backend.ts).
 */
import { fileURLToPath } from "node:url";
import { KitError } from "./errors.ts";

type JupyterApi = { display(obj: unknown, opts?: { raw?: boolean; update?: boolean; display_id?: string }): Promise<void> };

/**
 * The repository root (absolute, with a trailing slash), from this file's location. Decoded: a URL's
 * `pathname` keeps "%20" and "%C3%BC", so a checkout under "my projects ü/" would write beside itself.
 */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * A path the user gave (a flag, a variable, a notebook parameter), absolute: a relative one is resolved
 * against the kit's folder, wherever the command was started from (`./kit` and `deno task` run there too),
 * so the same words always name the same place.
 */
export function kitPath(path: string): string {
  return path.startsWith("/") ? path : `${ROOT}${path.replace(/^\.\//, "")}`;
}

/**
 * A path as a record names it: relative to the kit's folder when it lies inside it, so that a record does not
 * depend on where the checkout sits (a fresh clone elsewhere writes the same record); any other path as given.
 */
export function kitRelative(path: string): string {
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** A variable's value; undefined when unset, empty, or when the process may not read the environment. */
export function envValue(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: as if unset
  }
}

const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off"];

/**
 * Runs `fn` with variable `name` set to `value` when it is unset, and unsets it again after (for a library
 * that misbehaves without a variable the kit has no other use for). Without --allow-env, just runs `fn`.
 */
export async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  let setHere = false;
  try {
    if (!Deno.env.get(name)) {
      Deno.env.set(name, value);
      setHere = true;
    }
  } catch { /* no --allow-env */ }
  try {
    return await fn();
  } finally {
    if (setHere) Deno.env.delete(name);
  }
}

/** A boolean variable, by the one rule above. */
export function envFlag(name: string): boolean {
  const raw = envValue(name);
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new KitError(`"${raw}" is not a boolean (${[...TRUE, ...FALSE].join(", ")})`, name);
}

/** A path variable, resolved against the repository root when relative. */
function envPath(name: string, fallback: string): string {
  return kitPath(envValue(name) ?? fallback);
}

let jupyterCache: JupyterApi | null | undefined;

/** Deno's Jupyter API when running inside `deno jupyter`, else null (reading Deno.jupyter elsewhere throws). */
export function jupyter(): JupyterApi | null {
  if (jupyterCache === undefined) {
    try {
      jupyterCache = (Deno as unknown as { jupyter?: JupyterApi }).jupyter ?? null;
    } catch {
      jupyterCache = null;
    }
  }
  return jupyterCache;
}

export function isJupyter(): boolean {
  return jupyter() !== null;
}

export function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** Quick mode (CI, smoke runs): smaller sizes everywhere a caller asks. */
export function isQuick(): boolean {
  return envFlag("UNLEARN_QUICK");
}

/** Recompute runs whose records already exist (otherwise finished runs are read back). */
export function isRerun(): boolean {
  return envFlag("UNLEARN_RERUN");
}

/** Keep every run's end state in the cache folder (lib/experiment/end_state.ts). */
export function keepEndStates(): boolean {
  return envFlag("UNLEARN_KEEP_END_STATES");
}

/** The requested backend name ("auto" unless UNLEARN_BACKEND says otherwise); checked by backend.ts. */
export function requestedBackend(): string {
  return envValue("UNLEARN_BACKEND") ?? "auto";
}

/** Threads for native kernels: UNLEARN_THREADS, else the machine's cores. */
export function threadCount(): number {
  const raw = envValue("UNLEARN_THREADS");
  if (raw === undefined) return navigator.hardwareConcurrency;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new KitError(`"${raw}" is not a positive integer`, "UNLEARN_THREADS");
  return n;
}

/** How the native backend picks among bit-identical kernel variants (lib/backend/native/conv.ts). */
export function variantPick(): "timed" | "canonical" | "other" {
  const raw = envValue("UNLEARN_NATIVE_PICK") ?? "timed";
  if (raw !== "timed" && raw !== "canonical" && raw !== "other") {
    throw new KitError(`"${raw}" is not one of timed, canonical, other`, "UNLEARN_NATIVE_PICK");
  }
  return raw;
}

/**
 * The C helper that runs the native backend's fixed product blocks on several threads
 * (lib/backend/native/parallel.ts), or null when UNLEARN_PARALLEL_HELPER is "off" (the blocks then run
 * one after another: same bits, docs/speed.md).
 */
export function parallelHelperPath(): string | null {
  const raw = envValue("UNLEARN_PARALLEL_HELPER");
  return raw?.trim().toLowerCase() === "off" ? null : kitPath(raw ?? "build/libkit_parallel.so");
}

/**
 * Whether the native backend runs a dense stack (the MLP) as one op each way while differentiating
 * (lib/backend/native/dense_stack.ts): UNLEARN_DENSE_STACK by the boolean rule, on when unset. Either way, the same bits.
 */
export function denseStackEnabled(): boolean {
  return envValue("UNLEARN_DENSE_STACK") === undefined || envFlag("UNLEARN_DENSE_STACK");
}

/** Where original models are cached. */
export function cacheDir(): string {
  return envPath("UNLEARN_CACHE_DIR", "data/cache");
}

/** The selection file the search wrote (searched defaults per data set, model, paradigm and method). */
export function selectionFile(): string {
  return envPath("UNLEARN_SELECTION", "results/search/selection.json");
}

/** Notebook parameter overrides: the file named by UNLEARN_NOTEBOOK_PARAMS (must exist), else notebooks/params.json. */
export function notebookParamsFile(): { path: string; required: boolean } {
  const given = envValue("UNLEARN_NOTEBOOK_PARAMS");
  return given ? { path: kitPath(given), required: true } : { path: `${ROOT}notebooks/params.json`, required: false };
}

function isExecutable(p: string): boolean {
  try {
    const s = Deno.statSync(p);
    return s.isFile && ((s.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** UNLEARN_CHROMIUM (when executable), else the first of chromium / chromium-browser / google-chrome on PATH; null if none. */
export function chromiumPath(): string | null {
  const given = envValue("UNLEARN_CHROMIUM");
  if (given) return isExecutable(given) ? given : null;
  const path = (envValue("PATH") ?? "/usr/bin:/bin").split(":");
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    for (const dir of path) if (isExecutable(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

/** The local plotly.js bundle. */
export function plotlyJsPath(): string {
  return envPath("UNLEARN_PLOTLY_JS", "node_modules/plotly.js-dist/plotly.js");
}

/** chromium: SVG by plotly.js in headless Chromium; png: a PNG the same way; svg: the kit's own SVG; none. */
export const FIGURE_IMAGE_MODES = ["chromium", "png", "svg", "none"] as const;
export type FigureImageMode = typeof FIGURE_IMAGE_MODES[number];

/** Static images in notebooks: UNLEARN_FIGURE_IMAGES, else chromium where found, else the pure-TS SVG. */
export function figureImageMode(): FigureImageMode {
  const v = envValue("UNLEARN_FIGURE_IMAGES");
  if (v === undefined) return chromiumPath() ? "chromium" : "svg";
  if (!(FIGURE_IMAGE_MODES as readonly string[]).includes(v)) {
    throw new KitError(`"${v}" is not one of ${FIGURE_IMAGE_MODES.join(", ")}`, "UNLEARN_FIGURE_IMAGES");
  }
  return v as FigureImageMode;
}

/** A data set's folder: its variable (e.g. FASHION_MNIST_DIR) when set, else `fallback`. */
export function dataDir(variable: string, fallback: string): string {
  return envValue(variable) ?? fallback;
}

export function versions() {
  return { deno: Deno.version.deno, v8: Deno.version.v8, typescript: Deno.version.typescript };
}

export function machine() {
  let cpuModel = "unknown";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    cpuModel = info.match(/model name\s*:\s*(.+)/)?.[1] ?? cpuModel;
  } catch { /* not Linux */ }
  return { os: Deno.build.os, arch: Deno.build.arch, cores: navigator.hardwareConcurrency, cpuModel };
}

/** Notebook modes: quick (small sizes, CI) and full (the committed runs). */
export type NotebookMode = "quick" | "full";

export function notebookMode(): NotebookMode {
  return isQuick() ? "quick" : "full";
}

/**
 * A notebook's folder in a mode (absolute): quick (CI) runs in tmp/, the committed full-mode run in results/
 * (written only by the evidence pass; other executions write into scratch/, lib/notebook.ts).
 */
export function notebookResultsDir(id: string, mode: NotebookMode = notebookMode()): string {
  return mode === "quick" ? `${ROOT}tmp/notebooks/${id}` : `${ROOT}results/notebooks/${id}`;
}

/**
 * The evidence pass (scripts/evidence.sh) sets UNLEARN_EVIDENCE=1: only then do full-mode notebooks and
 * `./kit main` write into results/. Everything else writes into scratch/.
 */
export function isEvidence(): boolean {
  return envFlag("UNLEARN_EVIDENCE");
}

/** UNLEARN_NOTEBOOK_OUT: where a notebook execution writes its records (`./kit run` sets it), or undefined. */
export function notebookOutDir(): string | undefined {
  return envValue("UNLEARN_NOTEBOOK_OUT") === undefined ? undefined : envPath("UNLEARN_NOTEBOOK_OUT", "");
}
