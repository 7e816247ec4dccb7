/**
 * Notebook parameters and runs. papermill cannot inject parameters into a TypeScript kernel, so a
 * notebook states its parameters as plain data in its first code cell (`common`, then `quick` or `full`)
 * and asks `notebookSetup` which apply. Every knob a reader would turn is a parameter, typed and checked
 * here: the standard ones (every experiment field that declares a notebook parameter in
 * lib/experiment/fields.ts — data set, model, paradigms, forget class / fraction / sub-class, sizes, epochs,
 * methods, selection, seeds — checked, defaulted and sourced by that schema, the same as their flags; and
 * quick), every method option as `method.option` (checked with the method's own schema,
 * lib/unlearn/<method>.ts), and a notebook's own extras (typed by their values).
 *
 * Where values come from, applied in this order, each recorded for the table `describeSetup` prints:
 * 1. the kit's defaults (the data set × model preset for sizes and epochs);
 * 2. the notebook's parameter cell (`common`, then the mode's values);
 * 3. a JSON file, $UNLEARN_NOTEBOOK_PARAMS (what `./kit run --set` writes) or else notebooks/params.json:
 *    `{"*": {...}, "04": {...}, "04.quick": {...}}`. Unknown sections, keys and values are refused,
 *    naming the file, the section and the key.
 * Quick mode (small sizes, one seed) when UNLEARN_QUICK=1 or a file section says `"quick": true`.
 *
 * Where a notebook writes (never into results/ unless the evidence pass asks for it):
 * - $UNLEARN_NOTEBOOK_OUT when set (`./kit run`: scratch/<notebook>/<parameters-hash>/records);
 * - full mode with UNLEARN_EVIDENCE=1 (scripts/evidence.sh only): results/notebooks/<id>/, the committed run;
 * - quick mode with no overrides (CI, `./kit test`): tmp/notebooks/<id>/, recomputed on every execution;
 * - anything else: scratch/<notebook>/<parameters-hash>/records/.
 * Full-mode runs read back finished runs with the same configuration from results/ and from earlier
 * scratch runs of the notebook (UNLEARN_RERUN=1 forces a rerun), so cached originals and Retrains are
 * reused. A run whose records differ from the committed ones is shown beside them (`showVerdict`).
 *
 * A notebook's run is a typed `ExperimentInput` (lib/experiment/config.ts), checked like the command
 * line's, through the one run path (lib/experiment/run.ts); problems name the notebook parameter.
 */
import { createHash } from "node:crypto";
import { checkValue, parseValue } from "./config.ts";
import { DATASETS } from "./data/registry.ts";
import type { Paradigm } from "./data/splits.ts";
import { PARADIGMS } from "./data/splits.ts";
import type { NotebookMode } from "./env.ts";
import { isEvidence, isQuick, kitRelative, notebookOutDir, notebookParamsFile, notebookResultsDir, ROOT } from "./env.ts";
import { KitError, KitErrors } from "./errors.ts";
import type { ExperimentInput } from "./experiment/fields.ts";
import { experimentConfig } from "./experiment/config.ts";
import type { ExperimentField, FieldPath } from "./experiment/fields.ts";
import { checkField, defaultOf, EXPERIMENT_FIELDS, fieldEntries, fieldSpec } from "./experiment/fields.ts";
import { runExperiment } from "./experiment/run.ts";
import type { RunRecord } from "./record.ts";
import { canonicalJson } from "./hash.ts";
import { readRecords } from "./record.ts";
import { besideCommitted, sameRecords } from "./report/compare.ts";
import type { Verdict } from "./verdict.ts";
import { makeVerdict } from "./report/verdicts.ts";
import { methodOrder, METHODS, methodSpec } from "./unlearn/registry.ts";

/** The knobs every notebook has: the values of the experiment fields with a notebook parameter, and quick. */
export interface StandardParams {
  dataset: string;
  model: string;
  paradigms: Paradigm[];
  /** classwise: the class forgotten; -1 draws one per seed. */
  forgetClass: number;
  /** random: the share of D_tr forgotten. */
  forgetFraction: number;
  /** group: the sub-class forgotten; -1 draws one per seed. */
  forgetSubclass: number;
  /** identity: the share of identities forgotten. */
  identityFraction: number;
  /** Stratified training subset (0 = all); default from the data set × model preset. */
  trainSize: number;
  testSize: number;
  /** Epochs of the original model and of Retrain. */
  epochs: number;
  /** Augmentation of their training batches: "crop-flip" or "none"; default from the preset. */
  augment: "none" | "crop-flip";
  methods: string[] | "all";
  /** Selection names of the search's selection file each method starts from, or "none" (method defaults). */
  selection: string[] | "none";
  /** Number of seeds (0 … seeds − 1). */
  seeds: number;
  /** An evaluation design ("none", "v2"): fills paradigms, methods, selection and seeds where the notebook leaves them at the kit's default. */
  design: string;
  /** classwise and group: "draw" the forgotten class from the seed, or "cycle" it with the seed (the v2 design). */
  forgetTarget: "draw" | "cycle";
  quick: boolean;
}

/**
 * The standard parameters: every experiment field that declares a notebook parameter (lib/experiment/fields.ts),
 * checked with the same schema as the flags, and `quick`.
 */
const STANDARD: Record<string, FieldPath | "quick"> = {
  ...Object.fromEntries(fieldEntries().filter(([, f]) => f.param).map(([path, f]) => [f.param!, path])),
  quick: "quick",
};

/** The notebook parameter that sets an experiment field, for messages. */
function paramOf(field: string): string | undefined {
  return (EXPERIMENT_FIELDS as Record<string, ExperimentField>)[field]?.param;
}

const DEFAULT_SOURCE = "kit default";
const PER_BLOCK = "notebook, per block: ";

export interface ChapterRun {
  sub: string;
  records: RunRecord[];
  /** The committed run's records of the same folder, or null (this is the committed run, or there is none). */
  committed: RunRecord[] | null;
  /** Whether this run's records are the committed ones (same configurations, seeds and metrics). */
  same: boolean;
}

export interface NotebookSetup<P = StandardParams> {
  id: string;
  /** The notebook's file name without .ipynb (04_classwise), for scratch folders. */
  name: string;
  mode: NotebookMode;
  /** Results folder of this execution (absolute). */
  out: string;
  /** committed: the evidence pass (results/notebooks/<id>); ci: quick mode, no overrides (tmp/); scratch: the rest. */
  kind: "committed" | "ci" | "scratch";
  params: P;
  /** Where each parameter's value came from. */
  from: Record<string, string>;
  /** Method options set as `method.option`, per method. */
  methodOptions: Record<string, Record<string, unknown>>;
  /** The overrides in force (file values), which name the scratch folder. */
  overrides: Record<string, unknown>;
  /** The chapter's runs so far (runChapter appends). */
  runs: ChapterRun[];
}

type Values = Record<string, unknown>;

/** 04 → 04_classwise, from the notebooks folder (the id itself when no file matches). */
export function notebookName(id: string): string {
  try {
    for (const e of Deno.readDirSync(`${ROOT}notebooks`)) {
      if (e.name.startsWith(`${id}_`) && e.name.endsWith(".ipynb")) return e.name.slice(0, -".ipynb".length);
    }
  } catch { /* no notebooks folder */ }
  return id;
}

/** The id of a notebook file: notebooks/04_classwise.ipynb → 04. */
export function notebookId(path: string): string {
  const base = path.split("/").pop()!.replace(/\.ipynb$/, "");
  return base.split("_")[0];
}

/** The scratch folder's name for a notebook execution: the first 12 hex digits of the hash of its overrides and mode. */
export function parametersHash(name: string, quick: boolean, overrides: Values): string {
  return createHash("sha256").update(canonicalJson({ notebook: name, quick, overrides })).digest("hex").slice(0, 12);
}

export function scratchDir(name: string, quick: boolean, overrides: Values): string {
  return `${ROOT}scratch/${name}/${parametersHash(name, quick, overrides)}`;
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "string" ? "a string" : typeof v;
}

/**
 * Parses one `key=value` of `./kit run --set` by the parameter's type: lists are comma-separated; method
 * options go through the method's schema. A key the kit does not know (a notebook's own extra) is JSON
 * when it parses, else the string; the notebook's parameter cell checks it.
 */
export function parseParam(key: string, raw: string, where: string): unknown {
  const path = STANDARD[key];
  if (path) {
    const s = raw.trim();
    if (path === "quick") return parseValue({ type: "boolean", default: false, doc: "" }, s, where);
    const f = fieldSpec(path);
    if (f.kind === "list") return f.paramWord !== undefined && s === f.paramWord ? s : s.split(",").map((x) => x.trim()).filter((x) => x);
    if (f.kind === "number") return parseValue({ type: "number", default: 0, doc: "" }, s, where);
    return s;
  }
  if (isMethodOption(key)) {
    const dot = key.lastIndexOf(".");
    const field = methodSpec(key.slice(0, dot)).options[key.slice(dot + 1)];
    if (field) return parseValue(field, raw, where);
  }
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Checks one standard parameter's value with its experiment field's schema (the same check as the field's
 * flag); returns it (a list given as "a,b" becomes a list).
 */
function checkStandard(key: string, v: unknown, where: string): unknown {
  const path = STANDARD[key];
  const doc = path === "quick" ? "quick mode: small sizes, one seed" : fieldSpec(path).doc;
  if (v === null || v === undefined) throw new KitError(`${JSON.stringify(v ?? null)} is not a value (${doc})`, where);
  if (path === "quick") {
    checkValue({ type: "boolean", default: false, doc: "" }, v, where);
    return v;
  }
  return checkField(path, v, where, fieldSpec(path).paramWord ?? null);
}

/** Checks a notebook's own parameter against the type of the notebook's value. */
function checkExtra(given: unknown, v: unknown, where: string): unknown {
  if (Array.isArray(given) && typeof v === "string") {
    v = v.split(",").map((x) => x.trim()).map((x) => (typeof given[0] === "number" ? Number(x) : x));
  }
  if (typeName(v) !== typeName(given)) {
    throw new KitError(`${JSON.stringify(v)} is ${typeName(v)}, not ${typeName(given)} like ${JSON.stringify(given)}`, where);
  }
  if (typeof v === "number" && !Number.isFinite(v)) throw new KitError(`${v} is not a finite number`, where);
  if (Array.isArray(v) && Array.isArray(given) && given.length > 0) {
    const t = typeName(given[0]);
    const bad = v.find((x) => typeName(x) !== t || (typeof x === "number" && !Number.isFinite(x)));
    if (bad !== undefined || v.length === 0) throw new KitError(`${JSON.stringify(v)} is not a non-empty list of ${t}s`, where);
  }
  return v;
}

function readOverrides(): { path: string; sections: Record<string, Values> } {
  const { path, required } = notebookParamsFile();
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    if (required) throw new KitError("cannot read the file", `UNLEARN_NOTEBOOK_PARAMS=${path}`);
    return { path, sections: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KitError(`not JSON (${(e as Error).message})`, path);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new KitError(`holds ${typeName(parsed)}; notebook parameters are an object {"*": {...}, "04": {...}, "04.quick": {...}}`, path);
  }
  const sections: Record<string, Values> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const m = key.match(/^(\*|\d\d)(?:\.(quick|full))?$/);
    if (!m || (m[1] === "*" && m[2])) {
      throw new KitError(
        `unknown section "${key}": sections are "*", a notebook id ("04"), or an id and a mode ("04.quick", "04.full")`,
        path,
      );
    }
    if (m[1] !== "*" && notebookName(m[1]) === m[1]) {
      throw new KitError(`section "${key}": there is no notebook notebooks/${m[1]}_*.ipynb`, path);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new KitError(`section "${key}" holds ${typeName(value)}, not an object of parameters`, path);
    }
    sections[key] = value as Values;
  }
  return { path, sections };
}

/**
 * Checks a parameter the kit knows (a standard one, or a method option) wherever it is given; a key it
 * does not know may be a notebook's own, which only the notebook's parameter cell can check. Returns
 * whether the key is known.
 */
export function checkKnownParam(key: string, value: unknown, where: string): boolean {
  if (key in STANDARD) {
    checkStandard(key, value, where);
    return true;
  }
  if (!isMethodOption(key)) return false;
  const dot = key.lastIndexOf(".");
  const field = methodSpec(key.slice(0, dot)).options[key.slice(dot + 1)];
  if (!field) {
    throw new KitError(
      `${key.slice(0, dot)} has no option "${key.slice(dot + 1)}": its options are ${
        Object.keys(methodSpec(key.slice(0, dot)).options).join(", ")
      }`,
      where,
    );
  }
  checkValue(field, value, where);
  return true;
}

function isMethodOption(key: string): boolean {
  const dot = key.lastIndexOf(".");
  return dot > 0 && key.slice(0, dot) in METHODS;
}

/** Runs every check, then throws them all at once. */
function runChecks(checks: (() => void)[]): void {
  const errors: KitError[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (e) {
      if (e instanceof KitErrors) errors.push(...e.problems);
      else if (e instanceof KitError) errors.push(e);
      else throw e;
    }
  }
  if (errors.length) throw new KitErrors(errors);
}

/** What a notebook's parameter cell gives: values for both modes and each mode, and what it sets itself. */
export interface NotebookModes<C extends Values, Q extends Values, F extends Values> {
  common?: C;
  quick: Q;
  full: F;
  /** Standard parameters the notebook sets itself, per block (e.g. 10's models), with what it does instead. */
  fixed?: Partial<Record<keyof StandardParams, string>>;
}

type Overrides = { path: string; shortPath: string; sections: Record<string, Values> };

/**
 * The notebook's parameters for the current mode, with overrides applied and every value checked, and
 * where this execution writes. Bad parameters are refused here, in the parameter cell, naming the
 * parameter and where its value came from.
 */
export function notebookSetup<C extends Values = Values, Q extends Values = Values, F extends Values = Values>(
  id: string,
  modes: NotebookModes<C, Q, F>,
): NotebookSetup<StandardParams & Omit<C & Q & F, keyof StandardParams>> {
  const file = readOverrides();
  const files: Overrides = { ...file, shortPath: kitRelative(file.path) };
  const { quick, quickFrom } = modeOf(id, files);
  const mode: NotebookMode = quick ? "quick" : "full";
  const { params, from, overrides } = layerParams(id, modes, mode, files);
  fillDefaults(params, from, quick, quickFrom, modes.fixed ?? {});
  const methodOptions = checkScope(id, params, from);
  const name = notebookName(id);
  const { kind, out } = outputOf(id, name, mode, overrides);
  const nb = { id, name, mode, out, kind, params, from, methodOptions, overrides, runs: [] } as unknown as NotebookSetup<
    StandardParams & Omit<C & Q & F, keyof StandardParams>
  >;
  // The knobs as the run path sees them, checked now (sizes, methods, options against the selection file).
  translateErrors(nb, () => experimentConfig({ ...notebookInput(nb), out: `${out}/check`, cacheDir: `${ROOT}data/cache` }));
  return nb;
}

/** Quick or full: UNLEARN_QUICK, unless a file's "*" or the notebook's section says `"quick"`. */
function modeOf(id: string, { path, shortPath, sections }: Overrides): { quick: boolean; quickFrom: string } {
  let quick = isQuick();
  let quickFrom = quick ? "UNLEARN_QUICK" : DEFAULT_SOURCE;
  for (const key of ["*", id]) {
    const v = sections[key]?.quick;
    if (v === undefined) continue;
    checkStandard("quick", v, `${path} "${key}": quick`);
    quick = v as boolean;
    quickFrom = `${shortPath} "${key}"`;
  }
  for (const key of [`${id}.quick`, `${id}.full`]) {
    if (sections[key] && "quick" in sections[key]) throw new KitError(`"quick" cannot be set in a mode's own section`, `${path} "${key}"`);
  }
  return { quick, quickFrom };
}

/** The notebook's values, then the file's sections in order, each checked and its source noted. */
function layerParams<C extends Values, Q extends Values, F extends Values>(
  id: string,
  modes: NotebookModes<C, Q, F>,
  mode: NotebookMode,
  { path, shortPath, sections }: Overrides,
): { params: Values; from: Record<string, string>; overrides: Values } {
  const own: Values = { ...modes.common, ...modes[mode] };
  const extras = Object.keys({ ...modes.common, ...modes.quick, ...modes.full }).filter((k) => !(k in STANDARD) && !isMethodOption(k));
  const params: Values = {};
  const from: Record<string, string> = {};
  const checks: (() => void)[] = [];
  const layer = (values: Values, source: string, section: string | null) => {
    for (const [k, v] of Object.entries(values)) {
      const where = section === null ? `notebook ${id} parameter ${k}` : `${path} "${section}": ${k}`;
      checks.push(() => {
        if (k === "quick") return;
        params[k] = checkParam(id, k, v, where, { fixed: modes.fixed, extras: section === "*" ? [] : extras, own, starExtras: extras });
        from[k] = source;
      });
    }
  };
  layer(modes.common ?? {}, "notebook", null);
  layer(modes[mode], `notebook (${mode})`, null);
  const overrides: Values = {};
  for (const section of ["*", id, `${id}.${mode}`]) {
    const values = sections[section];
    if (!values) continue;
    layer(values, `${shortPath} "${section}"`, section);
    for (const [k, v] of Object.entries(values)) if (k !== "quick") overrides[k] = v;
  }
  runChecks(checks);
  return { params, from, overrides };
}

/** One parameter's value, checked by its kind: standard, method option, or the notebook's own. */
function checkParam(
  id: string,
  k: string,
  v: unknown,
  where: string,
  o: { fixed?: NotebookModes<Values, Values, Values>["fixed"]; extras: string[]; own: Values; starExtras: string[] },
): unknown {
  if (o.fixed && k in o.fixed) {
    throw new KitError(`notebook ${id} sets ${k} itself (${o.fixed[k as keyof StandardParams]}); it is not a parameter here`, where);
  }
  if (k in STANDARD) return checkStandard(k, v, where);
  if (isMethodOption(k)) {
    checkKnownParam(k, v, where);
    return v;
  }
  if (o.extras.includes(k)) return checkExtra(o.own[k], v, where);
  throw new KitError(
    `unknown parameter "${k}": valid ones are ${[...Object.keys(STANDARD), ...o.starExtras].join(", ")}` +
      ` and method options as method.option (methods: ${Object.keys(METHODS).join(", ")})` +
      (o.starExtras.includes(k) ? `; "${k}" is notebook ${id}'s own: set it in section "${id}"` : ""),
    where,
  );
}

/** The kit's defaults (the data set × model preset for sizes and epochs) for what neither the notebook nor a file set. */
function fillDefaults(
  params: Values,
  from: Record<string, string>,
  quick: boolean,
  quickFrom: string,
  fixed: Record<string, string>,
): void {
  const at = {
    dataset: params.dataset as string ?? fieldSpec("dataset").default as string,
    model: params.model as string ?? fieldSpec("model").default as string,
  };
  for (const [k, path] of Object.entries(STANDARD)) {
    if (k in params || path === "quick") continue;
    ({ value: params[k], source: from[k] } = defaultOf(path, at));
  }
  params.quick = quick;
  from.quick = quickFrom;
  for (const [k, what] of Object.entries(fixed)) from[k] = `${PER_BLOCK}${what}`;
}

/**
 * What applies to what this notebook runs: method options only for its methods, split parameters only for
 * its paradigms, a class index within the data set's classes where the registry knows them without loading
 * the data (the rest is checked right after loading, still under the parameter's name). Returns the method
 * options per method.
 */
function checkScope(id: string, params: Values, from: Record<string, string>): Record<string, Record<string, unknown>> {
  const methods = params.methods === "all" ? methodOrder() : params.methods as string[];
  const paradigms = params.paradigms as string[];
  const methodOptions: Record<string, Record<string, unknown>> = {};
  const checks: (() => void)[] = [];
  const where = (k: string) => `notebook ${id} parameter ${k} (${from[k]})`;
  for (const k of Object.keys(params).filter(isMethodOption)) {
    const dot = k.lastIndexOf(".");
    const method = k.slice(0, dot);
    checks.push(() => {
      if (!methods.includes(method)) throw new KitError(`${method} is not among this notebook's methods (${methods.join(", ")})`, where(k));
    });
    (methodOptions[method] ??= {})[k.slice(dot + 1)] = params[k];
  }
  for (const [k, paradigm] of scopedParams()) {
    if (from[k] === DEFAULT_SOURCE) continue;
    checks.push(() => {
      if (!paradigms.includes(paradigm)) {
        throw new KitError(`applies to the ${paradigm} paradigm; this notebook runs ${paradigms.join(", ")}`, where(k));
      }
    });
  }
  const dataset = params.dataset as string;
  const classes = DATASETS[dataset]?.superClasses?.ofClass.length;
  for (const k of ["forgetClass", "forgetSubclass"]) {
    checks.push(() => {
      if (classes !== undefined && (params[k] as number) >= classes) {
        throw new KitError(`${params[k]} is not a class of ${dataset} (0 … ${classes - 1}, or -1 for one drawn per seed)`, where(k));
      }
    });
  }
  runChecks(checks);
  return methodOptions;
}

/**
 * Where an execution writes: $UNLEARN_NOTEBOOK_OUT; results/notebooks/<id> for the evidence pass (full mode);
 * tmp/notebooks/<id> in quick mode without overrides (CI); else scratch/<notebook>/<parameters-hash>/records.
 */
function outputOf(id: string, name: string, mode: NotebookMode, overrides: Values): { kind: NotebookSetup["kind"]; out: string } {
  const given = notebookOutDir();
  if (given) return { kind: "scratch", out: given };
  if (mode === "full" && isEvidence()) return { kind: "committed", out: notebookResultsDir(id, mode) };
  if (mode === "quick" && Object.keys(overrides).length === 0) return { kind: "ci", out: notebookResultsDir(id, mode) };
  return { kind: "scratch", out: `${scratchDir(name, mode === "quick", overrides)}/records` };
}

/** Re-throws the run path's problems under the notebook parameter's name and source (not a CLI flag). */
function translateErrors<T>(nb: NotebookSetup<unknown>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof KitError)) throw e;
    const problems = e instanceof KitErrors ? e.problems : [e];
    throw new KitErrors(problems.map((p) => renameProblem(nb, p)));
  }
}

function renameProblem(nb: NotebookSetup<unknown>, p: KitError): KitError {
  if (!p.where) return new KitError(`notebook ${nb.id}: ${p.message}`);
  const message = p.message.slice(p.where.length + 2);
  const field = p.where.replace(/ \(--[^)]*\)/, "");
  const m = field.match(/^methodOptions(?: \S+)?\.(\w+)$/);
  const option = m ? `${field.split(" ")[1].split(".")[0]}.${m[1]}` : undefined;
  const param = option ?? paramOf(field);
  if (!param) return new KitError(`notebook ${nb.id}: ${p.message}`);
  return new KitError(message, `notebook ${nb.id} parameter ${param} (${nb.from[param] ?? "notebook"})`);
}

/** The parameters of split fields that apply to one paradigm, with that paradigm. */
function scopedParams(): [string, Paradigm][] {
  return Object.entries(STANDARD).flatMap(([k, path]) => {
    const paradigm = path === "quick" ? undefined : fieldSpec(path).paradigm;
    return paradigm ? [[k, paradigm] as [string, Paradigm]] : [];
  });
}

/** The standard parameters as an `ExperimentInput`, with `extra` (metrics, runs, a block's model or paradigms…) over them. */
export function notebookInput(nb: NotebookSetup<unknown>, extra: ExperimentInput = {}): ExperimentInput {
  const p = nb.params as StandardParams;
  const paradigms = extra.paradigms === "all" ? [...PARADIGMS] : extra.paradigms ?? p.paradigms;
  const split: ExperimentInput["split"] = { trainSize: p.trainSize, testSize: p.testSize };
  for (const [k, paradigm] of scopedParams()) {
    if (nb.from[k] !== DEFAULT_SOURCE && paradigms.includes(paradigm)) {
      (split as Record<string, unknown>)[STANDARD[k].slice("split.".length)] = p[k as keyof StandardParams];
    }
  }
  if (nb.from.forgetTarget !== DEFAULT_SOURCE) split.forgetTarget = p.forgetTarget;
  const methodOptions = Object.keys(nb.methodOptions).length ? nb.methodOptions : undefined;
  // Under a design, a parameter left at the kit's default is the design's to fill (lib/experiment/design.ts).
  const given = (k: keyof StandardParams) => p.design === "none" || nb.from[k] !== DEFAULT_SOURCE;
  return {
    dataset: p.dataset,
    model: p.model,
    design: p.design,
    ...(given("paradigms") ? { paradigms: p.paradigms } : {}),
    ...(given("seeds") ? { seeds: p.seeds } : {}),
    ...(given("methods") ? { methods: p.methods } : {}),
    ...(p.selection === "none" ? { selection: null } : given("selection") ? { selectionName: p.selection } : {}),
    ...(methodOptions ? { methodOptions } : {}),
    ...extra,
    split: { ...split, ...extra.split },
    training: { epochs: p.epochs, augment: p.augment, ...extra.training },
  };
}

/** An ablation's runs take the notebook's method options under their own (the variant's values win). */
function withMethodOptions(input: ExperimentInput): ExperimentInput {
  if (!input.runs || !input.methodOptions) return input;
  const { methodOptions, ...rest } = input;
  return {
    ...rest,
    runs: input.runs.map((r) => {
      const mine = methodOptions[r.method];
      if (!mine) return r;
      const theirs = r.options;
      return {
        ...r,
        options: typeof theirs === "function" ? (base) => ({ ...mine, ...theirs({ ...base, ...mine }) }) : { ...mine, ...theirs },
      };
    }),
  };
}

/** The committed run's records of a notebook folder, or null when there are none. */
async function committedRecords(id: string, sub: string): Promise<RunRecord[] | null> {
  const file = `${notebookResultsDir(id, "full")}/${sub}/records.jsonl`;
  try {
    await Deno.stat(file);
  } catch {
    return null;
  }
  return await readRecords([file]);
}

/**
 * Runs a notebook's experiment into `<out>/<sub>` (ci: always recomputed; otherwise finished runs with the
 * same configuration, in results/ or an earlier scratch run of this notebook, are read back). `input` is
 * usually `notebookInput(nb, {...})`. Returns the records and whether every one was read back.
 */
export async function runChapter(
  nb: NotebookSetup<unknown>,
  sub: string,
  input: ExperimentInput,
): Promise<{ records: RunRecord[]; reused: boolean }> {
  const candidates = nb.kind === "ci" ? [] : nb.kind === "committed" ? [`${ROOT}results`] : [`${ROOT}results`, `${ROOT}scratch/${nb.name}`];
  // Folders that exist only: --reuse refuses a missing one (a typo), and no scratch run may have happened yet.
  const reuse = candidates.filter(isDirectory);
  const cfg = translateErrors(nb, () =>
    experimentConfig({
      name: sub,
      reuse,
      ...withMethodOptions(input),
      out: `${nb.out}/${sub}`,
      ...(nb.kind === "ci" ? { rerun: true } : {}),
    }));
  let fresh = 0;
  let records: RunRecord[];
  try {
    records = await runExperiment(cfg, { onRecord: (_r, resumed) => void (resumed || fresh++) });
  } catch (e) {
    if (e instanceof KitError) {
      translateErrors(nb, () => {
        throw e;
      });
    }
    throw e;
  }
  const committed = nb.kind === "committed" ? null : await committedRecords(nb.id, sub);
  (nb.runs ??= []).push({ sub, records, committed, same: committed !== null && sameRecords(records, committed) });
  return { records, reused: fresh === 0 };
}

const show = (v: unknown) => (Array.isArray(v) ? v.join(",") : typeof v === "string" ? v : JSON.stringify(v));

/** Where the method options not set as parameters come from. */
function selectionLine(selection: StandardParams["selection"]): string {
  const from = selection === "none"
    ? "are each method's defaults, as the selection is none"
    : `come from the selection (${
      show(selection)
    }) where the selection file has an entry for this data set, model and paradigm, else from the method's defaults`;
  return `Method options not listed ${from} (the options table below shows every value used).`;
}

/** The notebook's first output: mode, where it writes, and a table of the parameters in force and where each came from. */
export function describeSetup<P>(nb: NotebookSetup<P>): string {
  const other = nb.mode === "quick" ? "unset UNLEARN_QUICK for full mode" : "UNLEARN_QUICK=1 for quick mode";
  const where = nb.kind === "committed"
    ? "the committed run (evidence pass)"
    : nb.kind === "ci"
    ? "quick-mode scratch, recomputed"
    : "a scratch run";
  const rows = Object.entries(nb.params as Values).map(([k, v]) =>
    `| ${k} | ${nb.from[k].startsWith(PER_BLOCK) ? "–" : show(v)} | ${nb.from[k]} |`
  );
  const methods = (nb.params as StandardParams).methods;
  const names = methods === "all" ? methodOrder() : methods;
  const options = names.map((m) => `- ${m}: ${Object.keys(methodSpec(m).options).join(", ")}`).join("\n");
  return [
    `notebook ${nb.id}: ${nb.mode} mode (${other}); results in ${kitRelative(nb.out)}/ (${where})`,
    "",
    "| parameter | value | from |",
    "|---|---|---|",
    ...rows,
    "",
    selectionLine((nb.params as StandardParams).selection),
    "",
    `<details><summary>Every method option, set as <code>method.option</code></summary>`,
    "",
    options,
    "",
    "</details>",
  ].join("\n");
}

/** Method names for a notebook parameter: a list, or "all" for every registered method. */
export function methodNames(methods: string[] | "all"): string[] {
  return methods === "all" ? methodOrder() : methods;
}

/**
 * What a notebook's verdict cell shows. For the committed run (or a run whose records are the committed
 * ones): the verdict. Otherwise: this run beside the committed one (n, mean ± interval, difference per
 * method and metric), the verdict labelled as this run's, and a note that the Reading below reads the
 * committed run and is stale for this one — or, for a notebook whose Reading is written from the records
 * (`readingFromRecords`, notebook 00's `quickstartReading`), that it reads this run.
 */
export function verdictFor(nb: NotebookSetup<unknown>, verdict: Verdict, options: { readingFromRecords?: boolean } = {}): unknown[] {
  const runs = nb.runs ?? [];
  if (nb.kind === "committed" || (runs.length > 0 && runs.every((r) => r.same))) return [verdict];
  const here = `${nb.mode} mode, ${kitRelative(nb.out)}/`;
  const parts: unknown[] = [];
  const committed = runs.filter((r) => r.committed);
  if (committed.length) {
    parts.push(
      `**This run beside the committed run** (this run: ${here}; committed: ${kitRelative(notebookResultsDir(nb.id, "full"))}/). ` +
        `Per method and metric: n seeds, mean ± half-width of the 95% interval, and this run's mean minus the committed one.`,
    );
    // Runs into one folder (08's forget-set sizes) are compared as one.
    const subs = [...new Set(committed.map((r) => r.sub))];
    for (const sub of subs) {
      const mine = committed.filter((r) => r.sub === sub);
      parts.push(besideCommitted(mine.flatMap((r) => r.records), mine[0].committed!, sub));
    }
  } else {
    parts.push(`**This run** (${here}): no committed records of notebook ${nb.id} to compare with.`);
  }
  parts.push(
    makeVerdict(`THIS RUN (${nb.mode} mode, not the committed run) — ${verdict.title}`, verdict.claim, verdict.checks, [
      ...verdict.notes,
      `This verdict reads this run's records in ${kitRelative(nb.out)}/, not the committed run's.`,
    ]),
    options.readingFromRecords
      ? `The Reading below is written from this run's records (${kitRelative(nb.out)}/), so it describes what is shown above.`
      : `**Stale below:** the notebook's Reading reads the committed run (${kitRelative(notebookResultsDir(nb.id, "full"))}/); ` +
        `this run's outputs differ, so its numbers and words do not describe what is shown above.`,
  );
  return parts;
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
