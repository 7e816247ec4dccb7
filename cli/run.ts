/**
 * `./kit run NOTEBOOK [--set key=value …] [--quick]`: executes a notebook headless (nbconvert, kernel
 * `deno`) with parameters into scratch/<notebook>/<parameters-hash>/: params.json (the overrides),
 * <notebook>.ipynb (executed), <notebook>.html, records/ (one folder per run of the notebook), figures/
 * (each figure the notebook shows, as svg/png/pdf/json, from these records), timings.json (where the time went:
 * kernel start-up, each cell, the exports). Keys are
 * the parameter cell's (lib/notebook.ts): `seeds=1`, `forgetClass=3`, `methods=retrain,ugradsl`,
 * `ugradsl.smoothRate=-0.5`. Cached originals (data/cache) and finished runs with the same configuration
 * (results/, earlier scratch runs of the notebook: Retrain, say) are read back, not recomputed. Nothing
 * under notebooks/ or results/ is written.
 */
import { chromiumPath, envValue, ROOT } from "../lib/env.ts";
import { KitError, KitErrors } from "../lib/errors.ts";
import { checkKnownParam, notebookId, notebookName, parseParam, scratchDir } from "../lib/notebook.ts";
import { writeFileAtomic } from "../lib/record.ts";
import { CHAPTERS } from "../lib/report/chapters.ts";
import { exportFigures } from "../lib/report/figures.ts";
import { cellTimings } from "../lib/report/cell_timings.ts";
import { parseFlags, runCommand } from "./flags.ts";

const FLAGS = {
  set: { type: "string" as const, multiple: true, doc: "a parameter key=value (repeatable), e.g. seeds=1 or ugradsl.smoothRate=-0.5" },
  quick: { type: "boolean" as const, doc: "quick mode: small sizes, one seed (UNLEARN_QUICK=1)" },
  "no-html": { type: "boolean" as const, doc: "skip the HTML export" },
  "no-figures": { type: "boolean" as const, doc: "skip the figure files" },
  timeout: { type: "string" as const, default: "0", doc: "seconds a cell may run (0: no limit)" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

const HELP = `./kit run NOTEBOOK [--set key=value …] [--quick] [--no-html] [--timeout S]

Executes NOTEBOOK headless with the given parameters into scratch/<notebook>/<parameters-hash>/ (executed
notebook, HTML, records; the same parameters reuse the same folder and its finished runs). Keys are the
notebook's parameters (its first output lists them with their values and sources) and method options as
method.option. Lists are comma-separated (methods=retrain,ugradsl). Committed notebooks and results/ are
never written.
  --set key=value   a parameter (repeatable)
  --quick           quick mode (small sizes, one seed)
  --no-html         skip the HTML export
  --no-figures      skip the figure files (figures/<name>.svg, .png, .pdf, .json, from the run's records)
  --timeout S       seconds a cell may run (default 0: no limit)`;

const rel = (p: string) => (p.startsWith(ROOT) ? p.slice(ROOT.length) : p);

/** The notebook file named on the command line (relative to the kit's folder), checked. */
function notebookFile(arg: string): string {
  const path = arg.startsWith("/") ? arg : `${ROOT}${arg}`;
  if (!path.endsWith(".ipynb")) throw new KitError("is not a notebook (.ipynb)", arg);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new KitError(`cannot read (${(e as Error).message})`, arg);
  }
  try {
    const nb = JSON.parse(text);
    if (!Array.isArray(nb?.cells)) throw new Error("no cells");
  } catch (e) {
    throw new KitError(`is not a notebook file (${(e as Error).message})`, arg);
  }
  const id = notebookId(path);
  if (notebookName(id) === id) throw new KitError(`no notebook of the kit has id "${id}" (notebooks/${id}_*.ipynb)`, arg);
  return path;
}

/** `key=value` strings → typed values; known keys checked now, before any work. */
export function parseSets(sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const problems: KitError[] = [];
  for (const raw of sets) {
    try {
      const eq = raw.indexOf("=");
      if (eq <= 0) throw new KitError(`"${raw}" is not key=value`, "--set");
      const key = raw.slice(0, eq).trim();
      const where = `--set ${key}`;
      if (key in out) throw new KitError("given twice", where);
      const value = parseParam(key, raw.slice(eq + 1), where);
      checkKnownParam(key, value, where);
      out[key] = value;
    } catch (e) {
      if (e instanceof KitErrors) problems.push(...e.problems);
      else if (e instanceof KitError) problems.push(e);
      else throw e;
    }
  }
  if (problems.length) throw new KitErrors(problems);
  return out;
}

async function jupyter(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; stdin?: string },
): Promise<{ code: number; log: string }> {
  const child = new Deno.Command("jupyter", {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(opts.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, log: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** What one `./kit run` was asked for: the notebook, its parameters and the scratch folder they name. */
interface RunRequest {
  file: string;
  id: string;
  name: string;
  quick: boolean;
  sets: Record<string, unknown>;
  dir: string;
  timeout: number;
}

/** Flags and positionals → a checked request, before any work. */
function runRequest(values: Record<string, unknown>, positionals: string[]): RunRequest {
  if (positionals.length !== 1) throw new KitError(`give one notebook, e.g. notebooks/04_classwise.ipynb (got ${positionals.length})`);
  const file = notebookFile(positionals[0]);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 0) throw new KitError(`"${values.timeout}" is not a whole number of seconds`, "--timeout");
  const sets = parseSets((values.set as string[] | undefined) ?? []);
  const name = file.split("/").pop()!.replace(/\.ipynb$/, "");
  const quick = values.quick === true || sets.quick === true;
  const { quick: _q, ...overrides } = sets;
  return { file, id: notebookId(file), name, quick, sets, dir: scratchDir(name, quick, overrides), timeout };
}

/** The notebook's environment: its parameter file (its own section and the mode), its records folder. */
async function notebookEnv(req: RunRequest): Promise<Record<string, string>> {
  await Deno.mkdir(`${req.dir}/records`, { recursive: true });
  const paramsFile = `${req.dir}/params.json`;
  await writeFileAtomic(paramsFile, JSON.stringify({ [req.id]: req.sets }, null, 2) + "\n");
  return {
    NO_COLOR: "1",
    JUPYTER_PATH: `${ROOT}.jupyter${envValue("JUPYTER_PATH") ? `:${envValue("JUPYTER_PATH")}` : ""}`,
    UNLEARN_NOTEBOOK_PARAMS: paramsFile,
    UNLEARN_NOTEBOOK_OUT: `${req.dir}/records`,
    UNLEARN_QUICK: req.quick ? "1" : "0",
  };
}

/** Executes the notebook headless into the scratch folder; returns the exit status (2: a bad parameter). */
async function executeNotebook(req: RunRequest, env: Record<string, string>): Promise<number> {
  const { dir, name } = req;
  // From stdin, with notebooks/ as the kernel's folder: the notebook's `../lib/…` imports resolve for a
  // committed notebook and a working copy alike, and the input file is only read.
  const exec = await jupyter([
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    "--stdin",
    "--output",
    name,
    "--output-dir",
    dir,
    "--ExecutePreprocessor.kernel_name=deno",
    `--ExecutePreprocessor.timeout=${req.timeout || -1}`,
  ], { cwd: `${ROOT}notebooks`, env, stdin: await Deno.readTextFile(req.file) });
  await Deno.writeTextFile(`${dir}/nbconvert.log`, exec.log);
  if (exec.code === 0) return 0;
  // A bad parameter fails the parameter cell with a KitError: say it plainly.
  const kit = exec.log.split("\n").filter((l) => /^\s*KitErrors?\b/.test(l) || /^\s{2}- /.test(l));
  console.error(`[run] the notebook failed (log: ${rel(dir)}/nbconvert.log)`);
  if (kit.length) console.error(kit.join("\n"));
  else console.error(exec.log.split("\n").slice(-30).join("\n"));
  return kit.length ? 2 : 1;
}

/** The notebook's figures as files, from this run's records (what `deno task figures` makes of the committed ones). */
async function exportRunFigures(req: RunRequest): Promise<boolean> {
  const spec = CHAPTERS[req.id];
  if (!spec?.loadFrom) return false;
  if (!chromiumPath()) {
    console.error("[run] no figure files: no Chromium (bash scripts/setup.sh --figures)");
    return false;
  }
  const data = await spec.loadFrom(`${req.dir}/records`);
  if (!data) return false;
  const figs = spec.figures(data);
  await exportFigures(Object.fromEntries(Object.entries(figs).map(([k, f]) => [`${req.id}_${k}`, f])), `${req.dir}/figures`);
  return true;
}

/** Runs `fn` and returns its result with its wall seconds. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, Math.round(performance.now() - t0) / 1000];
}

/** The HTML export of the executed notebook; false (after saying why) when nbconvert fails. */
async function exportHtml(req: RunRequest, env: Record<string, string>): Promise<boolean> {
  const html = await jupyter(["nbconvert", "--to", "html", "--output-dir", req.dir, `${req.dir}/${req.name}.ipynb`], { cwd: req.dir, env });
  if (html.code !== 0) console.error(`[run] HTML export failed:\n${html.log.split("\n").slice(-10).join("\n")}`);
  return html.code === 0;
}

/**
 * Where the run's time went → <dir>/timings.json: execution (the kernel's start-up before the first cell, each
 * cell), the HTML export and the figure files (these two run side by side: neither reads the other's output).
 */
async function writeTimings(req: RunRequest, phases: Record<string, number>, startedAt: number): Promise<Record<string, unknown>> {
  const nb = JSON.parse(await Deno.readTextFile(`${req.dir}/${req.name}.ipynb`));
  const timings = { notebook: req.id, quick: req.quick, sets: req.sets, phases, ...cellTimings(nb, startedAt) };
  await writeFileAtomic(`${req.dir}/timings.json`, JSON.stringify(timings, null, 2) + "\n");
  return timings;
}

export async function runMain(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const req = runRequest(values, positionals);
  const env = await notebookEnv(req);
  const { dir, name } = req;
  console.error(`[run] ${rel(req.file)}: ${req.quick ? "quick" : "full"} mode, parameters ${JSON.stringify(req.sets)} → ${rel(dir)}/`);
  const startedAt = Date.now();
  const [status, executeSeconds] = await timed(() => executeNotebook(req, env));
  if (status !== 0) return status;
  console.error(`[run] executed in ${executeSeconds.toFixed(0)} s`);
  const [[[html, htmlSeconds], [figures, figuresSeconds]], exportSeconds] = await timed(() =>
    Promise.all([
      timed(async () => !values["no-html"] && await exportHtml(req, env)),
      timed(async () => !values["no-figures"] && await exportRunFigures(req)),
    ])
  );
  const phases = { executeSeconds, htmlSeconds, figuresSeconds, exportSeconds, totalSeconds: Math.round(Date.now() - startedAt) / 1000 };
  await writeTimings(req, phases, startedAt);
  console.error(`[run] HTML and figure files in ${exportSeconds.toFixed(0)} s; timings in ${rel(dir)}/timings.json`);
  console.log(`${rel(dir)}/${name}.ipynb`);
  if (html) console.log(`${rel(dir)}/${name}.html`);
  console.log(`${rel(dir)}/records/`);
  if (figures) console.log(`${rel(dir)}/figures/`);
  return 0;
}

if (import.meta.main) await runCommand("run", runMain);
