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
import { BACKEND_NAMES } from "../backend.ts";
import type { DatasetSpec } from "../data/registry.ts";
import { checkParadigmSupport, datasetProblems, DATASETS } from "../data/registry.ts";
import type { Paradigm, SplitOptions } from "../data/splits.ts";
import { DEFAULT_SPLIT, PARADIGMS } from "../data/splits.ts";
import type { DataBundle } from "../data/types.ts";
import { cacheDir as envCacheDir, isRerun, kitPath, requestedBackend, ROOT, selectionFile } from "../env.ts";
import { checkAll, KitError, KitErrors } from "../errors.ts";
import { DEFAULT_METRICS, expandMetrics, METRICS, metricSpec } from "../metrics/registry.ts";
import { ARCHS, archSpec, buildNet, disposeNet } from "../models/registry.ts";
import type { OptionValue } from "../models/types.ts";
import type { RunTags } from "../record.ts";
import type { SgdOptions } from "../train.ts";
import { CORE_METHODS, METHODS, methodSpec } from "../unlearn/registry.ts";
import type { Overrides } from "./options.ts";
import { resolveMethodOptions } from "./options.ts";
import { presetFor } from "./presets.ts";
import { makeTask } from "./task.ts";

/** Split settings: everything of SplitOptions but the paradigm and the seed, which vary within a run. */
export type SplitSettings = Omit<SplitOptions, "paradigm" | "seed">;

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

export interface ExperimentConfig {
  /** Names every record. */
  name: string;
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
  /**
   * Other results folders whose finished records answer this run's requests too (one run per
   * configuration: a notebook and the main job with the same configuration share their records).
   */
  reuse: string[];
  /** Replace the test split by one that throws on any read (searches: selection never sees test data). */
  sealTest: boolean;
}

/** What a caller gives: every field optional; `methods` and `methodOptions` are a shorthand for `runs`. */
export interface ExperimentInput {
  name?: string;
  out?: string;
  dataset?: string;
  dataDir?: string;
  bundle?: DataBundle;
  paradigms?: Paradigm[] | "all";
  model?: string;
  modelOptions?: Record<string, OptionValue>;
  /** A count (seeds firstSeed … firstSeed + n − 1) or the seeds themselves. */
  seeds?: number | number[];
  firstSeed?: number;
  split?: Partial<SplitSettings>;
  training?: Partial<SgdOptions>;
  metrics?: string[];
  methods?: string[] | "all";
  /** Per-method option overrides, e.g. { ugradsl: { smoothRate: -0.8 } }. */
  methodOptions?: Record<string, Record<string, unknown>>;
  runs?: RunRequest[];
  /** Selection file; null: none (method defaults only). Default: lib/env.ts `selectionFile()`. */
  selection?: string | null;
  /**
   * Selection name(s) runs start from (default "R"). With several (["R", "C"]), each method runs once per
   * selection its setting has; a method the selection file does not cover runs once, from its defaults.
   */
  selectionName?: string | string[];
  backend?: string;
  cacheDir?: string;
  progress?: boolean;
  rerun?: boolean;
  reuse?: string[];
  sealTest?: boolean;
}

/** The flag that sets each field, for messages. */
export const FIELD_FLAGS: Record<string, string> = {
  name: "--name",
  out: "--out",
  dataset: "--dataset",
  dataDir: "--data-dir",
  paradigms: "--paradigm",
  model: "--model",
  modelOptions: "--model-opt",
  seeds: "--seeds",
  firstSeed: "--first-seed",
  "split.trainSize": "--train-size",
  "split.testSize": "--test-size",
  "split.valFraction": "--val-fraction",
  "split.forgetClass": "--forget-class",
  "split.forgetFraction": "--forget-fraction",
  "split.forgetSubclass": "--forget-subclass",
  "split.identityFraction": "--identity-fraction",
  "training.epochs": "--epochs",
  "training.learningRate": "--lr",
  "training.batchSize": "--batch-size",
  metrics: "--metrics",
  methods: "--methods",
  methodOptions: "--set",
  selection: "--selection",
  backend: "--backend",
  cacheDir: "--cache",
  reuse: "--reuse",
};

/** `split.forgetClass (--forget-class)`. */
export function fieldName(field: string): string {
  const flag = FIELD_FLAGS[field] ?? FIELD_FLAGS[field.split(".")[0]];
  return flag ? `${field} (${flag})` : field;
}

const MAX_SEEDS = 10000;

function checkNumber(
  field: string,
  v: unknown,
  o: { integer?: boolean; min?: number; max?: number; above?: number; below?: number },
): void {
  const where = fieldName(field);
  if (typeof v !== "number" || !Number.isFinite(v)) throw new KitError(`${JSON.stringify(v)} is not a finite number`, where);
  if (o.integer && !Number.isInteger(v)) throw new KitError(`${v} is not an integer`, where);
  if (o.min !== undefined && v < o.min) throw new KitError(`${v} is below ${o.min}`, where);
  if (o.max !== undefined && v > o.max) throw new KitError(`${v} is above ${o.max}`, where);
  if (o.above !== undefined && !(v > o.above)) throw new KitError(`${v} must be above ${o.above}`, where);
  if (o.below !== undefined && !(v < o.below)) throw new KitError(`${v} must be below ${o.below}`, where);
}

function checkList(field: string, items: readonly string[], valid: readonly string[]): void {
  if (items.length === 0) throw new KitError(`empty; valid values are ${valid.join(", ")}`, fieldName(field));
  const bad = items.filter((x) => !valid.includes(x));
  if (bad.length) {
    throw new KitError(`unknown value(s) ${bad.map((b) => `"${b}"`).join(", ")}: valid values are ${valid.join(", ")}`, fieldName(field));
  }
  const repeated = items.filter((x, i) => items.indexOf(x) !== i);
  if (repeated.length) throw new KitError(`${[...new Set(repeated)].join(", ")} given more than once`, fieldName(field));
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

/** Which paradigms each split field applies to. */
const SPLIT_FIELD_PARADIGMS: Partial<Record<keyof SplitSettings, Paradigm>> = {
  forgetClass: "classwise",
  forgetFraction: "random",
  forgetSubclass: "group",
  identityFraction: "identity",
};

/** Fills defaults and checks every field; throws one KitErrors listing every problem. */
export function experimentConfig(input: ExperimentInput): ExperimentConfig {
  const problems: (() => void)[] = [];
  const check = (f: () => void) => problems.push(f);

  const dataset = input.dataset ?? "fashion-mnist";
  const model = input.model ?? "mlp";
  check(() => checkList("dataset", [dataset], Object.keys(DATASETS)));
  check(() => checkList("model", [model], Object.keys(ARCHS)));
  const preset = presetFor(dataset, model);

  // "all": every paradigm the data set can do.
  const supported = (p: Paradigm) => {
    try {
      checkParadigmSupport(dataset, p);
      return true;
    } catch {
      return false;
    }
  };
  const paradigms = input.paradigms === "all" ? PARADIGMS.filter(supported) : input.paradigms ?? ["classwise"];
  check(() => checkList("paradigms", paradigms, PARADIGMS));
  // A paradigm the data set cannot do (group without super-classes, identity without identities) is known
  // from the registry, before anything is loaded.
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

  // Seeds.
  const firstSeed = input.firstSeed ?? 0;
  check(() => checkNumber("firstSeed", firstSeed, { integer: true, min: 0 }));
  let seeds: number[] = [];
  if (Array.isArray(input.seeds)) {
    seeds = input.seeds;
    check(() => {
      if (seeds.length === 0) throw new KitError("no seeds", fieldName("seeds"));
      seeds.forEach((s) => checkNumber("seeds", s, { integer: true, min: 0 }));
      if (new Set(seeds).size !== seeds.length) throw new KitError("a seed is given twice", fieldName("seeds"));
    });
  } else {
    const n = input.seeds ?? 5;
    check(() => checkNumber("seeds", n, { integer: true, min: 1, max: MAX_SEEDS }));
    if (Number.isInteger(n) && n >= 1 && n <= MAX_SEEDS) seeds = Array.from({ length: n }, (_, i) => firstSeed + i);
  }

  // Split.
  const split: SplitSettings = {
    ...DEFAULT_SPLIT,
    trainSize: preset.trainSize,
    testSize: preset.testSize,
    ...input.split,
  };
  for (const key of Object.keys(input.split ?? {})) {
    if (!(key in DEFAULT_SPLIT)) {
      check(() => {
        throw new KitError(`unknown split field "${key}": valid fields are ${Object.keys(DEFAULT_SPLIT).join(", ")}`, "split");
      });
    }
  }
  check(() => checkNumber("split.trainSize", split.trainSize, { integer: true, min: 0 }));
  check(() => checkNumber("split.testSize", split.testSize, { integer: true, min: 0 }));
  check(() => {
    checkNumber("split.valFraction", split.valFraction, { below: 0.5 });
    if (!(split.valFraction > 0)) {
      throw new KitError(
        `${split.valFraction} leaves no validation split, which stop rules and searches read; give a value in (0, 0.5)`,
        fieldName("split.valFraction"),
      );
    }
  });
  check(() => checkNumber("split.forgetFraction", split.forgetFraction, { above: 0, below: 1 }));
  check(() => checkNumber("split.identityFraction", split.identityFraction, { above: 0, below: 1 }));
  check(() => checkNumber("split.forgetClass", split.forgetClass, { integer: true, min: -1 }));
  check(() => checkNumber("split.forgetSubclass", split.forgetSubclass, { integer: true, min: -1 }));
  for (const [key, paradigm] of Object.entries(SPLIT_FIELD_PARADIGMS)) {
    if (input.split && key in input.split && !paradigms.includes(paradigm!)) {
      check(() => {
        throw new KitError(
          `applies to the ${paradigm} paradigm only; the run's paradigms are ${paradigms.join(", ")}`,
          fieldName(`split.${key}`),
        );
      });
    }
  }

  // Training recipe of the original and Retrain.
  const training: SgdOptions = { ...preset.training, ...input.training };
  check(() => checkNumber("training.epochs", training.epochs, { integer: true, min: 1, max: 10000 }));
  check(() => checkNumber("training.learningRate", training.learningRate, { above: 0, max: 10 }));
  check(() => checkNumber("training.batchSize", training.batchSize, { integer: true, min: 1, max: 65536 }));
  check(() => checkNumber("training.momentum", training.momentum, { min: 0, below: 1 }));
  check(() => checkNumber("training.weightDecay", training.weightDecay, { min: 0, max: 1 }));
  check(() => checkNumber("training.clipNorm", training.clipNorm, { min: 0 }));
  check(() => checkList("training.schedule", [training.schedule], ["constant", "cosine"]));

  // Metrics.
  const metrics = input.metrics ?? DEFAULT_METRICS;
  check(() => {
    checkList("metrics", metrics, Object.keys(METRICS));
    if (input.sealTest) {
      const reads = expandMetrics(metrics).filter((m) => metricSpec(m).needs.sets.includes("test"));
      if (reads.length) throw new KitError(`${reads.join(", ")} read the test split, which this run seals`, fieldName("metrics"));
    }
  });

  // Model options (values are checked against the data, where the model is built once).
  const modelOptions = input.modelOptions ?? {};
  check(() => {
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
  });

  // Runs.
  const runs: RunRequest[] = input.runs ?? (() => {
    const methods = input.methods === "all" ? Object.keys(METHODS) : input.methods ?? CORE_METHODS;
    check(() => checkList("methods", methods, Object.keys(METHODS)));
    const names = Array.isArray(input.selectionName) ? input.selectionName : [input.selectionName ?? "R"];
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

  const firstName = Array.isArray(input.selectionName) ? input.selectionName[0] ?? "R" : input.selectionName ?? "R";
  const selection = input.selection === null
    ? null
    : { file: input.selection ? kitPath(input.selection) : selectionFile(), name: firstName };
  // Every run's options on every paradigm, selection layer included: a bad option fails here, not mid-run.
  for (const run of runs) {
    for (const paradigm of paradigms) {
      check(() => {
        methodSpec(run.method);
        resolveMethodOptions(
          run.method,
          { dataset, model, paradigm },
          runSelection(run, selection),
          run.options,
          `${fieldName("methodOptions")} ${run.method}`,
        );
      });
    }
  }

  const backend = (input.backend ?? requestedBackend()).trim().toLowerCase();
  check(() => checkList("backend", [backend], ["auto", ...BACKEND_NAMES]));

  // Relative paths are the kit's folder's (env.ts kitPath), as `./kit` and `deno task` run there.
  const out = input.out !== undefined && input.out.trim() !== "" ? kitPath(input.out) : input.out ?? `${ROOT}results/${dataset}-${model}`;
  check(() => checkFolder("out", out));
  const cacheDir = input.cacheDir !== undefined && input.cacheDir.trim() !== "" ? kitPath(input.cacheDir) : input.cacheDir ?? envCacheDir();
  check(() => checkFolder("cacheDir", cacheDir));
  let reuse: string[] = [];
  check(() => void (reuse = reuseFolders(input.reuse ?? [])));

  checkAll(problems);
  return {
    name: input.name ?? out.replace(/\/+$/, "").split("/").pop()!,
    out: out.replace(/\/+$/, ""),
    dataset,
    dataDir: input.dataDir === undefined ? undefined : kitPath(input.dataDir),
    bundle: input.bundle,
    paradigms,
    model,
    modelOptions,
    seeds,
    split,
    training,
    metrics,
    runs,
    selection,
    backend: backend as BackendName | "auto",
    cacheDir,
    progress: input.progress ?? true,
    rerun: input.rerun ?? isRerun(),
    reuse,
    sealTest: input.sealTest ?? false,
  };
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
  // random forget set that rounds to nothing (lib/data/registry.ts).
  if (!cfg.bundle) {
    for (const paradigm of cfg.paradigms) {
      for (const e of datasetProblems(cfg.dataset, bundle, { paradigm, ...cfg.split })) {
        problems.push(() => {
          throw e;
        });
      }
    }
  } else {
    // Data the registry does not describe (a test's own bundle): the same range and support checks here.
    const k = bundle.train.numClasses;
    for (const f of ["forgetClass", "forgetSubclass"] as const) {
      problems.push(() => {
        const v = cfg.split[f];
        if (v >= k) {
          throw new KitError(
            `${v} is not a class of ${cfg.dataset} (0 … ${k - 1}, or -1 to draw one from the seed)`,
            fieldName(`split.${f}`),
          );
        }
      });
    }
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
  // The model, built once on the first task's shapes: options that cannot build fail here, not mid-run.
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
