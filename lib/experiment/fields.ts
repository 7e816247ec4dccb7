/**
 * The experiment's fields, declared once, as a method's options are (lib/config.ts): per field
 * its kind, bounds, default and where the default comes from, its help, the command-line flag that sets it
 * and the notebook parameter that sets it where there is one. From this one table come
 * - the `ExperimentInput` type (below; lib/experiment/config.ts fills and checks it),
 * - the experiment flags, their parsing and --help (cli/flags.ts),
 * - the notebook parameters' checks and defaults (lib/notebook.ts),
 * - the per-field checks of `experimentConfig` (`checkField`, the same for a flag and a notebook parameter).
 * The rules that relate fields (a split field and its paradigm, a sealed test split and the metrics, method
 * options and the methods run) stay in lib/experiment/config.ts.
 *
 * A field is keyed by where it sits in an `ExperimentInput`: `dataset`, `split.trainSize`, `training.epochs`.
 * The split fields' bounds are the splits' own (lib/data/splits.ts `SPLIT_BOUNDS`), so they agree by construction.
 */
import { BACKEND_NAMES } from "../backend.ts";
import type { DataBundle } from "../data/types.ts";
import { DATASETS } from "../data/registry.ts";
import type { Bounds } from "../data/split_bounds.ts";
import { describeBounds, SPLIT_BOUNDS } from "../data/split_bounds.ts";
import type { ForgetTarget, Paradigm, SplitOptions } from "../data/splits.ts";
import { DEFAULT_SPLIT, FORGET_TARGETS, PARADIGMS } from "../data/splits.ts";
import { cacheDir, isRerun, keepEndStates, requestedBackend, ROOT, selectionFile } from "../env.ts";
import { KitError } from "../errors.ts";
import { DEFAULT_METRICS, METRICS } from "../metrics/registry.ts";
import { ARCHS } from "../models/registry.ts";
import type { OptionValue } from "../models/types.ts";
import type { RunTags } from "../record.ts";
import type { SgdOptions } from "../train.ts";
import { CORE_METHODS, METHODS } from "../unlearn/registry.ts";
import type { Overrides } from "./options.ts";
import { DESIGN_NAMES } from "./design.ts";
import type { Preset } from "./presets.ts";
import { presetFor } from "./presets.ts";

/** One method to run on every task (paradigm × seed) of the experiment. */
export interface RunRequest {
  method: string;
  /** Row label; default: the selection name when a selection applies (e.g. "R"), else none. */
  variant?: string | null;
  /** Which selection of the selection file to start from; null = the method's defaults only; default: the config's. */
  selection?: string | null;
  /** Option overrides, or a function of the options after defaults and selection. */
  options?: Overrides;
  tags?: RunTags;
  /** Also evaluate after every unlearning epoch (the original is epoch 0). */
  perEpoch?: boolean;
}

/**
 * How a field is given and checked: a number within `bounds`; one of `values` (choice) or a list of them;
 * free text; a folder the kit writes into; folders to read; a boolean; an object only code gives (or a
 * repeatable key=value flag that cli/flags.ts parses).
 */
export type FieldKind = "number" | "choice" | "list" | "text" | "folder" | "folders" | "boolean" | "object";

/** What a data set × model-dependent default is computed from. */
export interface DefaultContext {
  dataset: string;
  model: string;
}

export interface ExperimentField<T = unknown> {
  kind: FieldKind;
  /** What the field means, for --help. */
  doc: string;
  /** A constant default (constant defaults of top-level fields are also the flag's default). */
  default?: T;
  /** A default computed from the data set and model, or from the environment (lib/env.ts). */
  defaultOf?: (at: DefaultContext) => T;
  /** Where the default comes from: "kit default", "preset" (the data set × model preset), an environment variable… */
  source: string;
  /** The command-line flag that sets it (without --), if any. */
  flag?: string;
  /** A switch flag that sets it to `value` (--rerun, --no-progress, --no-selection). */
  toggle?: { flag: string; value: T; doc: string };
  /** The notebook parameter that sets it (lib/notebook.ts), if any. */
  param?: string;
  /** A word a notebook parameter may give in place of the list ("all" methods, "none": no selection). */
  paramWord?: string;
  /** number: the bounds (integer, inclusive min/max, exclusive above/below). */
  bounds?: Bounds;
  /** number: a rule beyond the bounds, e.g. a validation split must exist: the problem, or undefined. */
  rule?: (v: number) => string | undefined;
  /** choice and list: the valid values (a function: the registries fill in after import). */
  values?: () => readonly string[];
  /** list: a word allowed in place of the list, on the command line and in code ("all"). */
  word?: string;
  /** The paradigm a split field applies to: given for another paradigm, it is refused. */
  paradigm?: Paradigm;
  /** folders and object fields: the flag may be repeated. */
  multiple?: boolean;
  /** Carries the field's value type (never set). */
  readonly type?: (v: T) => void;
}

const field = <T>(f: Omit<ExperimentField<T>, "type">): ExperimentField<T> => f;
const KIT = "kit default";
const PRESET = "preset";
const preset = <T>(pick: (p: Preset) => T) => (at: DefaultContext) => pick(presetFor(at.dataset, at.model));
const splitNumber = (key: keyof typeof SPLIT_BOUNDS, doc: string, extra: Partial<ExperimentField<number>> = {}) =>
  field<number>({ kind: "number", doc, bounds: SPLIT_BOUNDS[key], default: DEFAULT_SPLIT[key], source: KIT, ...extra });

/** Every experiment field, in the order of --help. */
export const EXPERIMENT_FIELDS = {
  dataset: field<string>({
    kind: "choice",
    doc: "data set",
    values: () => Object.keys(DATASETS),
    default: "fashion-mnist",
    source: KIT,
    flag: "dataset",
    param: "dataset",
  }),
  dataDir: field<string>({ kind: "text", doc: "folder holding the data set's standard files", source: "the data set's", flag: "data-dir" }),
  bundle: field<DataBundle>({ kind: "object", doc: "splits to use instead of loading the data set (tests)", source: "none" }),
  design: field<string>({
    kind: "choice",
    doc: "an evaluation design, whose paradigms, methods, selections, seeds and forget targets fill every field not " +
      "given (v2: 20 seeds a paradigm, the forgotten class cycling with the seed; lib/experiment/design.ts)",
    values: () => DESIGN_NAMES,
    default: "none",
    source: KIT,
    flag: "design",
    param: "design",
  }),
  paradigms: field<Paradigm[] | "all">({
    kind: "list",
    doc: "the forgetting paradigms run",
    values: () => PARADIGMS,
    word: "all",
    default: ["classwise"],
    source: KIT,
    flag: "paradigm",
    param: "paradigms",
  }),
  model: field<string>({
    kind: "choice",
    doc: "architecture",
    values: () => Object.keys(ARCHS),
    default: "mlp",
    source: KIT,
    flag: "model",
    param: "model",
  }),
  modelOptions: field<Record<string, OptionValue>>({
    kind: "object",
    doc: "architecture option key=value (repeatable)",
    default: {},
    source: "the architecture's",
    flag: "model-opt",
    multiple: true,
  }),
  methods: field<string[] | "all">({
    kind: "list",
    doc: "the methods run",
    values: () => Object.keys(METHODS),
    word: "all",
    default: CORE_METHODS,
    source: KIT,
    flag: "methods",
    param: "methods",
    paramWord: "all",
  }),
  methodOptions: field<Record<string, Record<string, unknown>>>({
    kind: "object",
    doc: "method option method.key=value (repeatable), e.g. ugradsl.smoothRate=-0.8",
    source: "the selection, else the method's",
    flag: "set",
    multiple: true,
  }),
  runs: field<RunRequest[]>({ kind: "object", doc: "the runs, in place of methods and methodOptions (code)", source: "methods" }),
  seeds: field<number | number[]>({
    kind: "number",
    doc: "number of seeds (intervals need several, docs/evidence.md §1); code may give the seeds themselves",
    bounds: { integer: true, min: 1, max: 10000 },
    default: 5,
    source: KIT,
    flag: "seeds",
    param: "seeds",
  }),
  firstSeed: field<number>({
    kind: "number",
    doc: "first seed; seeds are first-seed … first-seed+seeds−1",
    bounds: { integer: true, min: 0 },
    default: 0,
    source: KIT,
    flag: "first-seed",
  }),
  out: field<string>({
    kind: "folder",
    doc: "results folder",
    defaultOf: (at) => `${ROOT}results/${at.dataset}-${at.model}`,
    source: "results/<dataset>-<model>",
    flag: "out",
  }),
  name: field<string>({ kind: "text", doc: "experiment name", source: "the out folder's name", flag: "name" }),
  "split.trainSize": splitNumber("trainSize", "stratified training subset (0 = all)", {
    default: undefined,
    defaultOf: preset((p) => p.trainSize),
    source: PRESET,
    flag: "train-size",
    param: "trainSize",
  }),
  "split.testSize": splitNumber("testSize", "stratified test subset (0 = all)", {
    default: undefined,
    defaultOf: preset((p) => p.testSize),
    source: PRESET,
    flag: "test-size",
    param: "testSize",
  }),
  "split.valFraction": splitNumber(
    "valFraction",
    "share of the training pool held out for validation, which stop rules and searches read",
    {
      flag: "val-fraction",
      rule: (v) => v > 0 ? undefined : `${v} leaves no validation split, which stop rules and searches read; give a value in (0, 0.5)`,
    },
  ),
  "split.forgetClass": splitNumber("forgetClass", "classwise: the class forgotten (-1: one drawn per seed)", {
    flag: "forget-class",
    param: "forgetClass",
    paradigm: "classwise",
  }),
  "split.forgetFraction": splitNumber("forgetFraction", "random: share of D_tr forgotten", {
    flag: "forget-fraction",
    param: "forgetFraction",
    paradigm: "random",
  }),
  "split.forgetRanking": field<"random" | "memorization">({
    kind: "choice",
    doc: "random: random draws D_f; memorization takes the most memorised examples of D_tr (a worst-case forget set)",
    values: () => ["random", "memorization"],
    default: DEFAULT_SPLIT.forgetRanking,
    source: KIT,
    flag: "forget-ranking",
  }),
  "split.forgetTarget": field<ForgetTarget>({
    kind: "choice",
    doc: "classwise and group, when no class is given: draw it from the seed, or cycle (class-wise: class seed mod K; group: " +
      "the sub-classes in turn over the super-classes), as the v2 design does (lib/experiment/design.ts)",
    values: () => FORGET_TARGETS,
    default: DEFAULT_SPLIT.forgetTarget,
    source: KIT,
    flag: "forget-target",
    param: "forgetTarget",
  }),
  "split.forgetSubclass": splitNumber("forgetSubclass", "group: the sub-class forgotten (-1: one drawn per seed)", {
    flag: "forget-subclass",
    param: "forgetSubclass",
    paradigm: "group",
  }),
  "split.identityFraction": splitNumber("identityFraction", "identity: share of identities forgotten", {
    flag: "identity-fraction",
    param: "identityFraction",
    paradigm: "identity",
  }),
  "training.epochs": field<number>({
    kind: "number",
    doc: "epochs of the original and of Retrain",
    bounds: { integer: true, min: 1, max: 10000 },
    defaultOf: preset((p) => p.training.epochs),
    source: PRESET,
    flag: "epochs",
    param: "epochs",
  }),
  "training.batchSize": field<number>({
    kind: "number",
    doc: "batch size of the original and of Retrain",
    bounds: { integer: true, min: 1, max: 65536 },
    defaultOf: preset((p) => p.training.batchSize),
    source: PRESET,
    flag: "batch-size",
  }),
  "training.learningRate": field<number>({
    kind: "number",
    doc: "learning rate of the original and of Retrain",
    bounds: { above: 0, max: 10 },
    defaultOf: preset((p) => p.training.learningRate),
    source: PRESET,
    flag: "lr",
  }),
  "training.momentum": field<number>({
    kind: "number",
    doc: "SGD momentum",
    bounds: { min: 0, below: 1 },
    defaultOf: preset((p) => p.training.momentum),
    source: PRESET,
  }),
  "training.weightDecay": field<number>({
    kind: "number",
    doc: "weight decay",
    bounds: { min: 0, max: 1 },
    defaultOf: preset((p) => p.training.weightDecay),
    source: PRESET,
  }),
  "training.schedule": field<"constant" | "cosine">({
    kind: "choice",
    doc: "learning-rate schedule (cosine anneals to 0)",
    values: () => ["constant", "cosine"],
    defaultOf: preset((p) => p.training.schedule),
    source: PRESET,
  }),
  "training.augment": field<"none" | "crop-flip">({
    kind: "choice",
    doc: "augmentation of the training batches of the original and of Retrain: crop-flip = random crop (4-pixel padding) and flip",
    values: () => ["none", "crop-flip"],
    defaultOf: preset((p) => p.training.augment ?? "none"),
    source: PRESET,
    flag: "augment",
    param: "augment",
  }),
  "training.clipNorm": field<number>({
    kind: "number",
    doc: "clip the global gradient norm to this (0: off)",
    bounds: { min: 0 },
    defaultOf: preset((p) => p.training.clipNorm),
    source: PRESET,
  }),
  metrics: field<string[]>({
    kind: "list",
    doc: "the metrics computed",
    values: () => Object.keys(METRICS),
    default: DEFAULT_METRICS,
    source: KIT,
    flag: "metrics",
  }),
  selection: field<string | null>({
    kind: "text",
    doc: "the search's selection file the methods start from",
    defaultOf: () => selectionFile(),
    source: "$UNLEARN_SELECTION or results/search/selection.json",
    flag: "selection",
    toggle: { flag: "no-selection", value: null, doc: "start every method from its own defaults (ignore the selection file)" },
  }),
  selectionName: field<string | string[]>({
    kind: "list",
    doc: "which selection(s): R (closest to Retrain), C (complete forgetting under a utility bound); with several, " +
      "each method runs once per selection",
    default: ["R"],
    source: KIT,
    flag: "selection-name",
    param: "selection",
    paramWord: "none",
  }),
  protocol: field<string>({
    kind: "text",
    doc: "the pre-registered protocol (results/protocol.json) the runs are made under: its sha256 and version enter every " +
      "record and configuration hash (docs/protocol.md)",
    source: "none",
    flag: "protocol",
  }),
  backend: field<string>({
    kind: "choice",
    doc: "tfjs backend",
    values: () => ["auto", ...BACKEND_NAMES],
    defaultOf: () => requestedBackend(),
    source: "$UNLEARN_BACKEND or auto",
    flag: "backend",
  }),
  cacheDir: field<string>({
    kind: "folder",
    doc: "cache folder for original models",
    defaultOf: () => cacheDir(),
    source: "$UNLEARN_CACHE_DIR or data/cache",
    flag: "cache",
  }),
  progress: field<boolean>({
    kind: "boolean",
    doc: "progress bars",
    default: true,
    source: KIT,
    toggle: { flag: "no-progress", value: false, doc: "no progress bars" },
  }),
  rerun: field<boolean>({
    kind: "boolean",
    doc: "recompute runs whose records are already in the out folder",
    defaultOf: () => isRerun(),
    source: "$UNLEARN_RERUN",
    toggle: { flag: "rerun", value: true, doc: "recompute runs whose records are already in the out folder" },
  }),
  keepEndStates: field<boolean>({
    kind: "boolean",
    doc: "keep each run's end state (its weights, history, stop and notes) in the cache folder, so that asking the run " +
      "for another metric later measures the kept model instead of training it again (a run's weights: 1.0 MiB for the " +
      "MLP, 1.6 MiB for the CNN on Fashion-MNIST, 43 MiB for ResNet-18; docs/speed.md)",
    defaultOf: () => keepEndStates(),
    source: "$UNLEARN_KEEP_END_STATES",
    toggle: { flag: "keep-end-states", value: true, doc: "keep each run's end state in the cache folder (--cache)" },
  }),
  reuse: field<string[]>({
    kind: "folders",
    doc: "also take finished runs of the same configuration from this results folder (or the folders below it)",
    default: [],
    source: KIT,
    flag: "reuse",
    multiple: true,
  }),
  sealTest: field<boolean>({
    kind: "boolean",
    doc: "replace the test split by one that throws on any read (searches)",
    default: false,
    source: KIT,
  }),
};

export type FieldPath = keyof typeof EXPERIMENT_FIELDS;
type Fields = typeof EXPERIMENT_FIELDS;
type ValueOf<F> = F extends { readonly type?: (v: infer T) => void } ? T : never;
type TopLevel<S> = { [K in keyof S as K extends `${string}.${string}` ? never : K]?: ValueOf<S[K]> };
type Group<S, G extends string> = { [K in keyof S as K extends `${G}.${infer F}` ? F : never]?: ValueOf<S[K]> };

/**
 * What a caller gives, derived from the fields: every field optional; `methods` and `methodOptions` are a
 * shorthand for `runs`. Notebooks write it directly; the command line maps its flags onto it.
 */
export type ExperimentInput = TopLevel<Fields> & { split?: Group<Fields, "split">; training?: Group<Fields, "training"> };

/** Whether two types are the same. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** The split and training fields are exactly the split's options and the SGD recipe: one missing or extra fails type checking. */
const _COVERED: [
  Same<Required<NonNullable<ExperimentInput["split"]>>, Omit<SplitOptions, "paradigm" | "seed">>,
  Same<Required<NonNullable<ExperimentInput["training"]>>, Required<SgdOptions>>,
] = [true, true];

/** The field at `path`, widened for code that walks every field. */
export function fieldSpec(path: FieldPath): ExperimentField {
  return EXPERIMENT_FIELDS[path] as ExperimentField;
}

/** Every field, widened, in order. */
export function fieldEntries(): [FieldPath, ExperimentField][] {
  return Object.entries(EXPERIMENT_FIELDS) as [FieldPath, ExperimentField][];
}

/**
 * The field's default and where it comes from ("preset fashion-mnist/mlp", "kit default"). `at`, the data set
 * and model, is needed by the defaults that depend on them (the preset's sizes and recipe, the out folder).
 */
export function defaultOf(path: FieldPath, at?: DefaultContext): { value: unknown; source: string } {
  const f = fieldSpec(path);
  if (f.defaultOf && f.source === PRESET && !at) throw new Error(`${path}: its default needs the data set and model`);
  const value = f.defaultOf ? f.defaultOf(at ?? { dataset: "", model: "" }) : f.default;
  return { value, source: f.source === PRESET ? `preset ${at!.dataset}/${at!.model}` : f.source };
}

/** `split.forgetClass (--forget-class)`: a field named with the flag that sets it, for messages. */
export function fieldName(path: string): string {
  const f = (EXPERIMENT_FIELDS as Record<string, ExperimentField>)[path] ??
    (EXPERIMENT_FIELDS as Record<string, ExperimentField>)[path.split(".")[0]];
  const flag = f?.flag ?? f?.toggle?.flag;
  return flag ? `${path} (--${flag})` : path;
}

/** The field set by a notebook parameter, or undefined. */
export function fieldOfParam(param: string): FieldPath | undefined {
  return fieldEntries().find(([, f]) => f.param === param)?.[0];
}

/** A number within bounds, else a KitError at `where`. */
export function checkNumber(v: unknown, b: Bounds, where: string): void {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new KitError(`${JSON.stringify(v)} is not a finite number`, where);
  if (b.integer && !Number.isInteger(v)) throw new KitError(`${v} is not an integer`, where);
  if (b.min !== undefined && v < b.min) throw new KitError(`${v} is below ${b.min}`, where);
  if (b.max !== undefined && v > b.max) throw new KitError(`${v} is above ${b.max}`, where);
  if (b.above !== undefined && !(v > b.above)) throw new KitError(`${v} must be above ${b.above}`, where);
  if (b.below !== undefined && !(v < b.below)) throw new KitError(`${v} must be below ${b.below}`, where);
}

/** A non-empty list of valid, distinct values, else a KitError at `where`. */
export function checkList(items: readonly string[], valid: readonly string[], where: string): void {
  if (items.length === 0) throw new KitError(`empty; valid values are ${valid.join(", ")}`, where);
  const bad = items.filter((x) => !valid.includes(x));
  if (bad.length) {
    throw new KitError(`unknown value(s) ${bad.map((b) => `"${b}"`).join(", ")}: valid values are ${valid.join(", ")}`, where);
  }
  const repeated = items.filter((x, i) => items.indexOf(x) !== i);
  if (repeated.length) throw new KitError(`${[...new Set(repeated)].join(", ")} given more than once`, where);
}

/**
 * Checks one field's value by its kind and bounds, the same for a flag, a notebook parameter and code;
 * returns it (a list given as "a,b" becomes a list). `word`: a word allowed in place of a list (null: none).
 */
export function checkField(path: FieldPath, v: unknown, where: string, word: string | null = fieldSpec(path).word ?? null): unknown {
  const f = fieldSpec(path);
  if (f.kind === "number") {
    checkNumber(v, f.bounds ?? {}, where);
    const problem = f.rule?.(v as number);
    if (problem) throw new KitError(problem, where);
  } else if (f.kind === "choice") {
    checkList([v as string], f.values!(), where);
  } else if (f.kind === "list") {
    if (word !== null && v === word) return v;
    const list = typeof v === "string" ? v.split(",").map((x) => x.trim()) : v;
    if (!Array.isArray(list) || list.some((x) => typeof x !== "string" || x === "")) {
      const valid = f.values ? ` of ${f.values().join(", ")}` : " of names";
      throw new KitError(`${JSON.stringify(v)} is not a list${valid}${word ? `, or "${word}"` : ""}`, where);
    }
    checkList(list, f.values?.() ?? list, where);
    return list;
  } else if (f.kind === "boolean" && typeof v !== "boolean") {
    throw new KitError(`${JSON.stringify(v)} is not true or false`, where);
  }
  return v;
}

/** One line of --help for a field: its meaning, valid values or bounds, and its default with the source. */
export function fieldHelp(path: FieldPath): string {
  const f = fieldSpec(path);
  const values = f.values ? `${f.values().join("|")}${f.word ? `, or ${f.word}` : ""}` : "";
  const what = f.kind === "list" && f.values ? `comma list of ${values} (${f.doc})` : f.kind === "list" ? `${f.doc}; a comma list` : f.doc;
  const valid = f.kind === "choice" ? ` (${values})` : "";
  const bounds = f.bounds ? ` (${f.bounds.integer ? "an integer " : ""}in ${describeBounds(f.bounds)})` : "";
  const shown = Array.isArray(f.default) ? f.default.join(",") : String(f.default);
  const constant = f.default !== undefined && path.includes(".") ? ` (default ${shown})` : "";
  const computed = f.default === undefined && f.source !== "none"
    ? ` (default: ${f.source === PRESET ? "the data set × model preset" : f.source})`
    : "";
  return `${what}${valid}${bounds}${constant}${computed}`;
}
