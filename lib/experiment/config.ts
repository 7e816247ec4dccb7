/**
 * An experiment's configuration as one typed object. Notebooks write an `ExperimentInput` directly
 * (`{paradigms: ["random"], split: {trainSize: 2000}, methodOptions: {ugradsl: {forgetAccTarget: 0}}}`);
 * the command line maps its flags onto the same object (cli/flags.ts). `experimentConfig` fills in the
 * defaults (the data set × model preset, lib/env.ts for runtime settings) and checks every field,
 * listing every problem at once, before anything is loaded, trained or written. Checks that need the
 * data (a class index in range, a paradigm the data set supports, model options that build) run right
 * after the data is loaded and before the first epoch (`checkAgainstData`).
 *
 * Problems name the field and, in brackets, the flag that sets it: `split.forgetClass (--forget-class)`.
 */
import type { BackendName } from "../backend.ts";
import type { DatasetSpec } from "../data/registry.ts";
import { checkParadigmSupport, datasetProblems, DATASETS } from "../data/registry.ts";
import type { Paradigm, SplitOptions } from "../data/splits.ts";
import { withinBounds } from "../data/split_bounds.ts";
import { DEFAULT_SPLIT, PARADIGMS } from "../data/splits.ts";
import type { DataBundle } from "../data/types.ts";
import { kitPath } from "../env.ts";
import { checkAll, KitError, KitErrors } from "../errors.ts";
import { expandMetrics, METRICS, metricSpec } from "../metrics/registry.ts";
import { ARCHS, archSpec, buildNet, disposeNet } from "../models/registry.ts";
import type { OptionValue } from "../models/types.ts";
import type { SgdOptions } from "../train.ts";
import { METHODS, methodSpec } from "../unlearn/registry.ts";
import type { DefaultContext, ExperimentField, ExperimentInput, FieldPath, RunRequest } from "./fields.ts";
import { checkField, checkNumber, defaultOf, EXPERIMENT_FIELDS, fieldEntries, fieldName, fieldSpec } from "./fields.ts";
import { resolveMethodOptions } from "./options.ts";
import { DESIGN_NAMES, designOf } from "./design.ts";
import type { ProtocolFile } from "./protocol_ref.ts";
import { readProtocolFile } from "./protocol_ref.ts";
import { makeTask } from "./task.ts";

/** Split settings: everything of SplitOptions but the paradigm and the seed, which vary within a run. */
export type SplitSettings = Omit<SplitOptions, "paradigm" | "seed">;

export interface ExperimentConfig {
  /** Names every record. */
  name: string;
  /**
   * The evaluation design whose values filled the fields not given ("none": none). Not hashed: a design only sets
   * other fields (seeds, split.forgetTarget, selections…), which are, so a unit run by hand is the same run.
   */
  design: string;
  /** Results folder: records.jsonl, splits/, tables. */
  out: string;
  dataset: string;
  dataDir?: string;
  /** Use these splits instead of loading `dataset` (tests). */
  bundle?: DataBundle;
  paradigms: Paradigm[];
  model: string;
  modelOptions: Record<string, OptionValue>;
  seeds: number[];
  split: SplitSettings;
  /** Recipe of the original model, and of Retrain. */
  training: SgdOptions;
  metrics: string[];
  runs: RunRequest[];
  /** The selection file and the selection name runs start from by default; null: method defaults only. */
  selection: { file: string; name: string } | null;
  backend: BackendName | "auto";
  /** Where original models are cached. */
  cacheDir: string;
  progress: boolean;
  /** Recompute runs whose records are already in `out` (otherwise they are skipped and read back). */
  rerun: boolean;
  /** Keep each run's end state in `cacheDir`, so another metric asked of it later needs no training (end_state.ts). */
  keepEndStates: boolean;
  /**
   * Other results folders whose finished records answer this run's requests too (one run per
   * configuration: a notebook and the main job with the same configuration share their records).
   */
  reuse: string[];
  /** Replace the test split by one that throws on any read (searches: selection never sees test data). */
  sealTest: boolean;
  /** The pre-registered protocol the runs are made under (its stamp enters every record and hash), or null. */
  protocol: ProtocolFile | null;
}

/** A folder the kit will write into: a non-empty path that is a folder or does not exist yet. */
function checkFolder(field: string, path: string): void {
  const where = fieldName(field);
  if (path.trim() === "") throw new KitError("is empty (it would write at the filesystem root)", where);
  if (path.replace(/\/+$/, "") === "") throw new KitError(`"${path}" is the filesystem root`, where);
  try {
    if (!Deno.statSync(path).isDirectory) throw new KitError(`${path} exists and is not a folder`, where);
  } catch (e) {
    if (e instanceof KitError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) throw new KitError(`${path} is not usable (${(e as Error).message})`, where);
    // Not found: a link whose target is missing (mkdir would fail on it) is named here, before any work.
    let link: Deno.FileInfo | undefined;
    try {
      link = Deno.lstatSync(path);
    } catch { /* nothing there: the folder is made */ }
    if (link?.isSymlink) {
      throw new KitError(`${path} is a symbolic link to ${Deno.readLinkSync(path)}, which does not exist`, where);
    }
  }
}

/**
 * The record folders of the `reuse` paths (`recordFolders`), each path checked: one that does not exist or
 * a file is an error naming it (a typo would otherwise silently recompute everything); a folder with no
 * records.jsonl at or below it is a warning.
 */
export function reuseFolders(paths: string[]): string[] {
  const problems: KitError[] = [];
  const folders: string[] = [];
  for (const given of paths) {
    const path = kitPath(given);
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch (e) {
      problems.push(
        new KitError(
          `${path} ${e instanceof Deno.errors.NotFound ? "does not exist" : `is not usable (${(e as Error).message})`}`,
          fieldName("reuse"),
        ),
      );
      continue;
    }
    if (!info.isDirectory) {
      problems.push(new KitError(`${path} is a file; give the folder that holds records.jsonl`, fieldName("reuse")));
      continue;
    }
    const found = recordFolders([path]);
    if (found.length === 0) {
      console.error(`warning: ${fieldName("reuse")}: ${path} holds no records.jsonl (three levels deep): nothing to reuse`);
    }
    folders.push(...found);
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length) throw new KitErrors(problems);
  return [...new Set(folders)];
}

type Check = (f: () => void) => void;

/** A top-level field's value: given, else its schema default (for the data set and model where it depends on them). */
function valueOf<K extends keyof ExperimentInput & FieldPath>(
  input: ExperimentInput,
  k: K,
  at?: DefaultContext,
): NonNullable<ExperimentInput[K]> {
  return (input[k] ?? defaultOf(k, at).value) as NonNullable<ExperimentInput[K]>;
}

/**
 * The input with the design's values for every field it leaves unset: paradigms, methods, selections, seeds (from
 * 0), the target rule and the protocol file. A field given explicitly wins, so `--seeds 3` runs the first three units and
 * `--paradigm classwise` one paradigm of the design.
 */
export function withDesign(input: ExperimentInput): ExperimentInput {
  const d = designOf(input.design);
  if (!d) return input;
  return {
    ...input,
    paradigms: input.paradigms ?? d.paradigms,
    methods: input.runs ? input.methods : input.methods ?? d.methods,
    selectionName: input.selectionName ?? d.selections,
    seeds: input.seeds ?? d.seeds,
    firstSeed: input.firstSeed ?? 0,
    split: { forgetTarget: d.forgetTarget, ...input.split },
    protocol: input.protocol ?? d.protocol,
  };
}

/**
 * Fills defaults from the fields' schema (lib/experiment/fields.ts), after a design's (lib/experiment/design.ts),
 * and checks every field; throws one KitErrors listing every problem.
 */
export function experimentConfig(given: ExperimentInput): ExperimentConfig {
  const problems: (() => void)[] = [];
  const check: Check = (f) => problems.push(f);
  const design = valueOf(given, "design");
  check(() => void checkField("design", design, fieldName("design")));
  const input = DESIGN_NAMES.includes(design) ? withDesign(given) : given;
  const at = { dataset: valueOf(input, "dataset"), model: valueOf(input, "model") };
  const { dataset, model } = at;
  const paradigms = paradigmsOf(input, dataset);
  const split = { ...groupDefaults("split", at), ...input.split } as SplitSettings;
  const training = { ...groupDefaults("training", at), ...input.training } as SgdOptions;
  const metrics = valueOf(input, "metrics");
  const backend = valueOf(input, "backend").trim().toLowerCase();
  const { out, cacheDir } = foldersOf(input, at);
  const values: Partial<Record<FieldPath, unknown>> = { dataset, model, paradigms, metrics, backend, out, cacheDir };
  for (const [key, v] of Object.entries(split)) values[`split.${key}` as FieldPath] = v;
  for (const [key, v] of Object.entries(training)) values[`training.${key}` as FieldPath] = v;
  if (!Array.isArray(input.seeds)) values.seeds = valueOf(input, "seeds");
  values.firstSeed = valueOf(input, "firstSeed");
  for (const [path, f] of fieldEntries().filter(([path]) => path in values)) {
    check(() => f.kind === "folder" ? checkFolder(path, values[path] as string) : void checkField(path, values[path], fieldName(path)));
  }
  const seeds = seedsOf(input, values.firstSeed as number, check);
  paradigmRules(input, dataset, paradigms, check);
  check(() => sealedMetrics(input, metrics));
  check(() => modelOptionRules(model, valueOf(input, "modelOptions")));
  const runs = runsOf(input, check);
  const selection = selectionOf(input);
  optionRules(runs, paradigms, selection, at, check);
  let reuse: string[] = [];
  check(() => void (reuse = reuseFolders(input.reuse ?? [])));
  let protocol: ProtocolFile | null = null;
  if (input.protocol !== undefined) check(() => void (protocol = readProtocolFile(kitPath(input.protocol!), fieldName("protocol"))));
  checkAll(problems);
  return {
    name: input.name ?? out.replace(/\/+$/, "").split("/").pop()!,
    design,
    out: out.replace(/\/+$/, ""),
    dataset,
    dataDir: input.dataDir === undefined ? undefined : kitPath(input.dataDir),
    bundle: input.bundle,
    paradigms,
    model,
    modelOptions: valueOf(input, "modelOptions"),
    seeds,
    split,
    training,
    metrics,
    runs,
    selection,
    backend: backend as BackendName | "auto",
    cacheDir,
    progress: valueOf(input, "progress"),
    rerun: valueOf(input, "rerun"),
    keepEndStates: valueOf(input, "keepEndStates"),
    reuse,
    sealTest: valueOf(input, "sealTest"),
    protocol,
  };
}

/** The defaults of a group's fields (split, training), in the schema's order. */
function groupDefaults(group: "split" | "training", at: { dataset: string; model: string }): Record<string, unknown> {
  const entries = fieldEntries().filter(([path]) => path.startsWith(`${group}.`));
  return Object.fromEntries(entries.map(([path]) => [path.slice(group.length + 1), defaultOf(path, at).value]));
}

/** The paradigms run; "all": every paradigm the data set can do. */
function paradigmsOf(input: ExperimentInput, dataset: string): Paradigm[] {
  if (input.paradigms !== "all") return valueOf(input, "paradigms") as Paradigm[];
  return PARADIGMS.filter((p) => {
    try {
      checkParadigmSupport(dataset, p);
      return true;
    } catch {
      return false;
    }
  });
}

/** Results and cache folders; relative paths are the kit's folder's (env.ts kitPath), as `./kit` and `deno task` run there. */
function foldersOf(input: ExperimentInput, at: { dataset: string; model: string }): { out: string; cacheDir: string } {
  const path = (field: "out" | "cacheDir") => {
    const given = input[field];
    return given !== undefined && given.trim() !== "" ? kitPath(given) : given ?? defaultOf(field, at).value as string;
  };
  return { out: path("out"), cacheDir: path("cacheDir") };
}

/** The seeds: a count from the first seed (checked as the field), or the seeds themselves. */
function seedsOf(input: ExperimentInput, firstSeed: number, check: Check): number[] {
  if (Array.isArray(input.seeds)) {
    const seeds = input.seeds;
    check(() => {
      if (seeds.length === 0) throw new KitError("no seeds", fieldName("seeds"));
      seeds.forEach((s) => checkNumber(s, { integer: true, min: 0 }, fieldName("seeds")));
      if (new Set(seeds).size !== seeds.length) throw new KitError("a seed is given twice", fieldName("seeds"));
    });
    return seeds;
  }
  const n = valueOf(input, "seeds") as number;
  return withinBounds(n, fieldSpec("seeds").bounds!) ? Array.from({ length: n }, (_, i) => firstSeed + i) : [];
}

/**
 * What relates paradigms to the data set and the split fields: a paradigm the data set cannot do (group
 * without super-classes, identity without identities) is known from the registry, before anything is
 * loaded; an unknown split field is named; a split field of a paradigm the run does not run is refused.
 */
function paradigmRules(input: ExperimentInput, dataset: string, paradigms: Paradigm[], check: Check): void {
  for (const paradigm of paradigms) {
    check(() => {
      if (!(dataset in DATASETS) || !PARADIGMS.includes(paradigm)) return;
      try {
        checkParadigmSupport(dataset, paradigm);
      } catch (e) {
        if (e instanceof KitError) throw new KitError(e.message.replace(/^--paradigm: /, ""), fieldName("paradigms"));
        throw e;
      }
    });
  }
  for (const key of Object.keys(input.split ?? {})) {
    const f = (EXPERIMENT_FIELDS as Record<string, ExperimentField>)[`split.${key}`];
    check(() => {
      if (!f) throw new KitError(`unknown split field "${key}": valid fields are ${Object.keys(DEFAULT_SPLIT).join(", ")}`, "split");
      if (f.paradigm && !paradigms.includes(f.paradigm)) {
        throw new KitError(
          `applies to the ${f.paradigm} paradigm only; the run's paradigms are ${paradigms.join(", ")}`,
          fieldName(`split.${key}`),
        );
      }
    });
  }
}

/** A run that seals the test split cannot compute a metric that reads it. */
function sealedMetrics(input: ExperimentInput, metrics: string[]): void {
  if (!input.sealTest || !metrics.every((m) => m in METRICS)) return;
  const reads = expandMetrics(metrics).filter((m) => metricSpec(m).needs.sets.includes("test"));
  if (reads.length) throw new KitError(`${reads.join(", ")} read the test split, which this run seals`, fieldName("metrics"));
}

/** Model options by name and type (values are checked against the data, where the model is built once). */
function modelOptionRules(model: string, modelOptions: Record<string, OptionValue>): void {
  if (!(model in ARCHS)) return; // reported by the model check
  const defaults = archSpec(model).defaults;
  for (const [k, v] of Object.entries(modelOptions)) {
    if (!(k in defaults)) {
      throw new KitError(
        `unknown option "${k}" of ${model}: valid options are ${Object.keys(defaults).join(", ")}`,
        fieldName("modelOptions"),
      );
    }
    if (typeof v !== typeof defaults[k]) {
      throw new KitError(`${k} = ${JSON.stringify(v)} is not a ${typeof defaults[k]}`, fieldName("modelOptions"));
    }
  }
}

/** The runs: given, or each method once per selection name with its options; options only for methods run, labels unique. */
function runsOf(input: ExperimentInput, check: Check): RunRequest[] {
  const runs: RunRequest[] = input.runs ?? (() => {
    const given = valueOf(input, "methods");
    const methods = given === "all" ? Object.keys(METHODS) : given;
    check(() => void checkField("methods", methods, fieldName("methods")));
    const names = [valueOf(input, "selectionName")].flat();
    return methods.flatMap((method) => names.map((name) => ({ method, selection: name, options: input.methodOptions?.[method] })));
  })();
  for (const method of Object.keys(input.methodOptions ?? {})) {
    check(() => {
      methodSpec(method);
      if (!runs.some((r) => r.method === method)) {
        throw new KitError(`options for ${method}, which this run does not run`, fieldName("methodOptions"));
      }
    });
  }
  check(() => {
    if (runs.length === 0) throw new KitError("nothing to run", fieldName("methods"));
    if (!input.runs) return; // a repeated method name is reported by the list check above
    const ids = runs.map((r) => `${r.method}|${r.variant ?? ""}|${r.selection ?? ""}|${JSON.stringify(r.tags ?? {})}`);
    const twice = runs.filter((_, i) => ids.indexOf(ids[i]) !== i).map((r) => r.method);
    if (twice.length) throw new KitError(`${[...new Set(twice)].join(", ")} would run twice with the same label`, fieldName("methods"));
  });
  return runs;
}

/** The selection file and the first selection name; null: method defaults only. */
function selectionOf(input: ExperimentInput): ExperimentConfig["selection"] {
  if (input.selection === null) return null;
  const name = [valueOf(input, "selectionName")].flat()[0] ?? "R";
  return { file: input.selection ? kitPath(input.selection) : defaultOf("selection").value as string, name };
}

/** Every run's options on every paradigm, selection layer included: a bad option fails here, not mid-run. */
function optionRules(
  runs: RunRequest[],
  paradigms: Paradigm[],
  selection: ExperimentConfig["selection"],
  at: { dataset: string; model: string },
  check: Check,
): void {
  for (const run of runs) {
    for (const paradigm of paradigms) {
      check(() => {
        methodSpec(run.method);
        resolveMethodOptions(
          run.method,
          { ...at, paradigm },
          runSelection(run, selection),
          run.options,
          `${fieldName("methodOptions")} ${run.method}`,
        );
      });
    }
  }
}

/**
 * The folders holding a records.jsonl at or below each path (three levels deep at most), for `reuse`;
 * a path that does not exist contributes nothing.
 */
export function recordFolders(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile && e.name === "records.jsonl")) out.push(dir.replace(/\/+$/, ""));
    if (depth > 0) { for (const e of entries) if (e.isDirectory && e.name !== "splits") walk(`${dir}/${e.name}`, depth - 1); }
  };
  for (const p of paths) walk(p, 3);
  return [...new Set(out)];
}

/** The selection a run starts from: its own name, none, or the config's. */
export function runSelection(run: RunRequest, selection: ExperimentConfig["selection"]): { file: string; name: string } | null {
  if (!selection || run.selection === null) return null;
  return { file: selection.file, name: run.selection ?? selection.name };
}

/**
 * Checks that need the data, before any training: a forgotten class or sub-class in range, paradigms
 * the data set supports, sizes within the data, and model options that build. Lists every problem.
 */
export function checkAgainstData(cfg: ExperimentConfig, bundle: DataBundle, superClasses: DatasetSpec["superClasses"]): void {
  const problems: (() => void)[] = [];
  // What the data itself rules out: a class to forget with no training samples, too few identities, a
  // random forget set that rounds to nothing (lib/data/registry.ts). Data the registry does not describe
  // (a test's own bundle): the same range and support checks here.
  if (!cfg.bundle) {
    for (const paradigm of cfg.paradigms) {
      for (const e of datasetProblems(cfg.dataset, bundle, { paradigm, ...cfg.split })) problems.push(() => void throwIt(e));
    }
  } else {
    problems.push(...ownBundleProblems(cfg, bundle, superClasses));
  }
  problems.push(() => {
    const n = bundle.train.y.length;
    if (cfg.split.trainSize > n) {
      throw new KitError(`${cfg.split.trainSize} is more than the ${n} training samples`, fieldName("split.trainSize"));
    }
  });
  problems.push(() => {
    const n = bundle.test.y.length;
    if (n === 0) throw new KitError(`the test split of ${cfg.dataset} is empty`, "data");
    if (cfg.split.testSize > n) throw new KitError(`${cfg.split.testSize} is more than the ${n} test samples`, fieldName("split.testSize"));
  });
  checkAll(problems);
  checkModelBuilds(cfg, bundle, superClasses);
}

function throwIt(e: unknown): never {
  throw e;
}

/** Classes in range and paradigms supported, for a bundle the data registry does not describe. */
function ownBundleProblems(cfg: ExperimentConfig, bundle: DataBundle, superClasses: DatasetSpec["superClasses"]): (() => void)[] {
  const k = bundle.train.numClasses;
  const problems = (["forgetClass", "forgetSubclass"] as const).map((f) => () => {
    const v = cfg.split[f];
    if (v >= k) {
      throw new KitError(`${v} is not a class of ${cfg.dataset} (0 … ${k - 1}, or -1 to draw one from the seed)`, fieldName(`split.${f}`));
    }
  });
  problems.push(() => {
    if (cfg.paradigms.includes("group") && !superClasses) {
      throw new KitError(`${cfg.dataset} has no super-classes, so it cannot do group forgetting`, fieldName("paradigms"));
    }
  });
  problems.push(() => {
    if (cfg.paradigms.includes("identity") && !bundle.train.identity) {
      throw new KitError(`${cfg.dataset} has no per-sample identities, so it cannot do identity forgetting`, fieldName("paradigms"));
    }
  });
  return problems;
}

/** The model, built once on the first task's shapes: options that cannot build fail here, not mid-run. */
function checkModelBuilds(cfg: ExperimentConfig, bundle: DataBundle, superClasses: DatasetSpec["superClasses"]): void {
  const seed = cfg.seeds[0];
  const paradigm = cfg.paradigms.find((p) => p !== "group" || superClasses) ?? cfg.paradigms[0];
  let modelConfig;
  try {
    modelConfig = makeTask(bundle, superClasses, cfg, paradigm, seed).model;
  } catch (e) {
    if (e instanceof KitError) throw e;
    throw new KitError(`the ${paradigm} split of seed ${seed} cannot be made: ${(e as Error).message}`, "split");
  }
  try {
    disposeNet(buildNet(modelConfig, 0));
  } catch (e) {
    throw new KitError(
      `${cfg.model} with ${JSON.stringify(cfg.modelOptions)} cannot be built: ${(e as Error).message}`,
      fieldName("modelOptions"),
    );
  }
}
