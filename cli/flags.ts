/**
 * What every command shares: the experiment flags mapped onto an `ExperimentInput` (the typed object the
 * notebooks write; lib/experiment/config.ts checks both the same way), a strict flag parser whose errors
 * name the flag and list the valid ones, and `runCommand`, which turns a user error (`KitError`) into its
 * message and exit status 2 and lets anything else crash with its stack.
 */
import { parseArgs } from "node:util";
import { describeSchema, parseValue } from "../lib/config.ts";
import { DATASETS } from "../lib/data/registry.ts";
import type { Paradigm } from "../lib/data/splits.ts";
import { PARADIGMS } from "../lib/data/splits.ts";
import { FileError, KitError, KitErrors } from "../lib/errors.ts";
import type { ExperimentConfig, ExperimentInput } from "../lib/experiment/config.ts";
import { experimentConfig } from "../lib/experiment/config.ts";
import { DEFAULT_METRICS, METRICS, withEnsembleSize } from "../lib/metrics/registry.ts";
import { DEFAULT_ENSEMBLE, parseSizedName, VERIFY_METRICS } from "../lib/metrics/verification.ts";
import { ARCHS, archSpec } from "../lib/models/registry.ts";
import type { OptionValue } from "../lib/models/types.ts";
import { CORE_METHODS, METHODS, methodSpec } from "../lib/unlearn/registry.ts";

export interface FlagSpec {
  type: "string" | "boolean";
  doc: string;
  default?: string;
  multiple?: boolean;
  short?: string;
}
export type Flags = Record<string, FlagSpec>;

/** The flags of an experiment: data, model, split, seeds, training, methods, metrics, runtime. */
export const EXPERIMENT_FLAGS: Flags = {
  dataset: { type: "string", default: "fashion-mnist", doc: `data set (${Object.keys(DATASETS).join("|")})` },
  "data-dir": { type: "string", doc: "folder holding the data set's standard files" },
  paradigm: { type: "string", default: "classwise", doc: `comma list of ${PARADIGMS.join("|")}, or all` },
  model: { type: "string", default: "mlp", doc: `architecture (${Object.keys(ARCHS).join("|")})` },
  "model-opt": { type: "string", multiple: true, doc: "architecture option key=value (repeatable)" },
  methods: { type: "string", default: CORE_METHODS.join(","), doc: `comma list of ${Object.keys(METHODS).join("|")}, or all` },
  set: { type: "string", multiple: true, doc: "method option method.key=value (repeatable), e.g. ugradsl.smoothRate=-0.8" },
  seeds: { type: "string", default: "5", doc: "number of seeds (at most 10000; intervals need several, docs/evidence.md §1)" },
  "first-seed": { type: "string", default: "0", doc: "first seed; seeds are first-seed … first-seed+seeds−1" },
  out: { type: "string", doc: "results folder (default results/<dataset>-<model>)" },
  name: { type: "string", doc: "experiment name (default: the out folder's name)" },
  "train-size": { type: "string", doc: "stratified training subset (0 = all; default from the preset)" },
  "test-size": { type: "string", doc: "stratified test subset (0 = all; default from the preset)" },
  "val-fraction": { type: "string", doc: "share of the training pool held out for validation, in (0, 0.5) (default 0.1)" },
  "forget-class": { type: "string", doc: "classwise: class to forget (default -1: drawn from the seed)" },
  "forget-fraction": { type: "string", doc: "random: share of the training set forgotten (default 0.1)" },
  "forget-ranking": {
    type: "string",
    doc: "random: random draws D_f (default); memorization takes the most memorised examples of D_tr (a worst-case forget set)",
  },
  "forget-subclass": { type: "string", doc: "group: sub-class to forget (default -1: drawn from the seed)" },
  "identity-fraction": { type: "string", doc: "identity: share of identities forgotten (default 0.01)" },
  epochs: { type: "string", doc: "original/Retrain epochs (default from the preset)" },
  lr: { type: "string", doc: "original/Retrain learning rate (default from the preset)" },
  "batch-size": { type: "string", doc: "original/Retrain batch size (default from the preset)" },
  metrics: { type: "string", default: DEFAULT_METRICS.join(","), doc: `comma list of ${Object.keys(METRICS).join("|")}` },
  ensemble: {
    type: "string",
    doc:
      `models per ensemble for ${
        VERIFY_METRICS.join(", ")
      } (default ${DEFAULT_ENSEMBLE}: ${DEFAULT_ENSEMBLE} Retrain and ${DEFAULT_ENSEMBLE} ` +
      "unlearned models per method, cached; ≥ 6 gives Retrain's own row its calibration halves); docs/verification.md",
  },
  selection: { type: "string", doc: "the search's selection file the methods start from (default results/search/selection.json)" },
  "selection-name": {
    type: "string",
    default: "R",
    doc: "which selection(s), comma list: R (closest to Retrain), C (complete forgetting under a utility bound)",
  },
  "no-selection": { type: "boolean", doc: "start every method from its own defaults (ignore the selection file)" },
  backend: { type: "string", doc: "auto|tensorflow|webgpu|native|wasm|cpu (default $UNLEARN_BACKEND or auto)" },
  cache: { type: "string", doc: "cache folder for original models (default data/cache or $UNLEARN_CACHE_DIR)" },
  rerun: { type: "boolean", doc: "recompute runs whose records are already in the out folder" },
  reuse: {
    type: "string",
    multiple: true,
    doc: "also take finished runs of the same configuration from this results folder (or the folders below it)",
  },
  "no-progress": { type: "boolean", doc: "no progress bars" },
};

export const HELP_FLAG: Flags = { help: { type: "boolean", short: "h", doc: "this help" } };

/** One line per flag, for --help. */
export function flagHelp(flags: Flags): string {
  return Object.entries(flags).map(([k, f]) =>
    `  --${k}${f.type === "string" ? " VALUE" : ""}  ${f.doc}${f.default !== undefined ? ` (default ${f.default})` : ""}`
  ).join("\n");
}

/** Each method and its options with their defaults and sources, for --help. */
export function methodsHelp(): string {
  return Object.values(METHODS).map((m) => `${m.name}: ${m.title}, ${m.source}\n${describeSchema(m.options, "    ")}`).join("\n");
}

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

/** Parses `args` strictly against `flags`; unknown flags and missing values are KitErrors. */
export function parseFlags(args: string[], flags: Flags, positionals = false): { values: FlagValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(flags).map(([k, f]) => [
      k,
      { type: f.type, ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) },
    ]),
  );
  try {
    const parsed = parseArgs({ args, options: options as never, allowPositionals: positionals, strict: true });
    const values = { ...(parsed.values as object) } as FlagValues;
    for (const [k, f] of Object.entries(flags)) if (values[k] === undefined && f.default !== undefined) values[k] = f.default;
    return { values, positionals: parsed.positionals };
  } catch (e) {
    const msg = (e as Error).message;
    const unknown = msg.match(/Unknown option '([^']+)'/)?.[1];
    if (unknown) throw new KitError(`unknown flag: valid flags are ${Object.keys(flags).map((k) => `--${k}`).join(", ")}`, unknown);
    const positional = msg.match(/Unexpected argument '([^']+)'/)?.[1];
    if (positional) throw new KitError("unexpected argument (every value goes after its --flag)", positional);
    throw new KitError(msg.replace(/^TypeError.*?: /, ""));
  }
}

/** A decimal integer (no "0x10", no "1e9"). */
export function integerFlag(raw: string, flag: string): number {
  if (!/^[-+]?\d+$/.test(raw.trim())) throw new KitError(`"${raw}" is not a whole number`, `--${flag}`);
  return Number(raw);
}

/** A decimal number. */
export function numberFlag(raw: string, flag: string): number {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim())) throw new KitError(`"${raw}" is not a number`, `--${flag}`);
  return Number(raw);
}

export function listFlag(raw: string): string[] {
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}

function keyValue(raw: string, flag: string): [string, string] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new KitError(`"${raw}" is not key=value`, `--${flag}`);
  return [raw.slice(0, eq).trim(), raw.slice(eq + 1).trim()];
}

/**
 * The experiment flags as an ExperimentInput, with the values that could not be parsed (each naming its
 * flag; the field is then left to its default). Everything else is checked by `experimentConfig`.
 */
export function parseExperimentFlags(v: FlagValues): { input: ExperimentInput; problems: KitError[] } {
  const s = (k: string) => v[k] as string | undefined;
  const problems: KitError[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof KitError)) throw e;
      problems.push(e);
      return undefined;
    }
  };
  const split: Record<string, number | string> = {};
  for (
    const [flag, field, parse] of [
      ["train-size", "trainSize", integerFlag],
      ["test-size", "testSize", integerFlag],
      ["val-fraction", "valFraction", numberFlag],
      ["forget-class", "forgetClass", integerFlag],
      ["forget-fraction", "forgetFraction", numberFlag],
      ["forget-subclass", "forgetSubclass", integerFlag],
      ["identity-fraction", "identityFraction", numberFlag],
    ] as const
  ) {
    if (s(flag) !== undefined) {
      const x = attempt(() => parse(s(flag)!, flag));
      if (x !== undefined) split[field] = x;
    }
  }
  const training: Record<string, number> = {};
  for (
    const [flag, field, parse] of [["epochs", "epochs", integerFlag], ["lr", "learningRate", numberFlag], [
      "batch-size",
      "batchSize",
      integerFlag,
    ]] as const
  ) {
    if (s(flag) !== undefined) {
      const x = attempt(() => parse(s(flag)!, flag));
      if (x !== undefined) training[field] = x;
    }
  }
  const model = s("model") ?? "mlp";
  const modelOptions: Record<string, OptionValue> = {};
  for (const raw of (v["model-opt"] as string[] | undefined) ?? []) {
    attempt(() => {
      const [key, value] = keyValue(raw, "model-opt");
      if (!(model in ARCHS)) return; // an unknown --model is reported by experimentConfig
      const def = archSpec(model).defaults[key];
      if (def === undefined) {
        throw new KitError(
          `unknown option of ${model}: valid options are ${Object.keys(archSpec(model).defaults).join(", ")}`,
          `--model-opt ${key}`,
        );
      }
      modelOptions[key] = typeof def === "number"
        ? numberFlag(value, `model-opt ${key}`)
        : typeof def === "boolean"
        ? value === "true"
        : value;
    });
  }
  const methodOptions: Record<string, Record<string, unknown>> = {};
  for (const raw of (v.set as string[] | undefined) ?? []) {
    attempt(() => {
      const [path, value] = keyValue(raw, "set");
      const dot = path.lastIndexOf(".");
      if (dot <= 0) throw new KitError(`"${path}" is not method.option`, "--set");
      const [method, key] = [path.slice(0, dot), path.slice(dot + 1)];
      const field = methodSpec(method).options[key];
      if (!field) {
        throw new KitError(
          `unknown option: valid options are ${Object.keys(methodSpec(method).options).join(", ")}`,
          `--set ${method}.${key}`,
        );
      }
      (methodOptions[method] ??= {})[key] = parseValue(field, value, `--set ${method}.${key}`);
    });
  }
  if (s("forget-ranking") !== undefined) {
    attempt(() => {
      const v = s("forget-ranking")!.trim();
      if (!["random", "memorization"].includes(v)) throw new KitError(`"${v}" is not random or memorization`, "--forget-ranking");
      split.forgetRanking = v;
    });
  }
  let metrics = listFlag(s("metrics")!);
  if (s("ensemble") !== undefined) {
    attempt(() => {
      const n = integerFlag(s("ensemble")!, "ensemble");
      if (!metrics.some((m) => parseSizedName(m))) {
        throw new KitError(`none of the metrics compares ensembles (they are ${VERIFY_METRICS.join(", ")})`, "--ensemble");
      }
      metrics = withEnsembleSize(metrics, n);
    });
  }
  const seeds = attempt(() => integerFlag(s("seeds")!, "seeds"));
  const firstSeed = attempt(() => integerFlag(s("first-seed")!, "first-seed"));
  const paradigm = s("paradigm")!;
  const methods = s("methods")!;
  const input: ExperimentInput = {
    name: s("name"),
    out: s("out"),
    dataset: s("dataset"),
    dataDir: s("data-dir"),
    paradigms: paradigm === "all" ? "all" : listFlag(paradigm) as Paradigm[],
    model,
    modelOptions,
    methods: methods === "all" ? "all" : listFlag(methods),
    methodOptions,
    seeds,
    firstSeed,
    split,
    training,
    metrics,
    selection: v["no-selection"] ? null : s("selection"),
    selectionName: s("selection-name") === undefined ? undefined : listFlag(s("selection-name")!),
    backend: s("backend"),
    cacheDir: s("cache"),
    rerun: v.rerun === true ? true : undefined,
    reuse: v.reuse as string[] | undefined,
    progress: !v["no-progress"],
  };
  return { input, problems };
}

/** The experiment flags as an ExperimentInput; malformed values are thrown together. */
export function experimentInput(v: FlagValues): ExperimentInput {
  const { input, problems } = parseExperimentFlags(v);
  if (problems.length) throw new KitErrors(problems);
  return input;
}

/** Flags → checked config, with every problem (malformed values and invalid settings) listed at once. */
export function configFromFlags(v: FlagValues, extra: Partial<ExperimentInput> = {}): ExperimentConfig {
  const { input, problems } = parseExperimentFlags(v);
  let cfg: ExperimentConfig;
  try {
    cfg = experimentConfig({ ...input, ...extra });
  } catch (e) {
    if (!(e instanceof KitError) || problems.length === 0) throw e;
    throw new KitErrors([...problems, ...(e instanceof KitErrors ? e.problems : [e])]);
  }
  if (problems.length) throw new KitErrors(problems);
  return cfg;
}

/**
 * Runs a command's main function: a KitError prints `error: <message>` and a pointer to --help and exits
 * with 2 (no stack); anything else is a bug and propagates with its stack.
 */
export async function runCommand(command: string, main: (args: string[]) => Promise<number>): Promise<never> {
  let status: number;
  try {
    status = await main(Deno.args);
  } catch (e) {
    if (!(e instanceof KitError)) throw e;
    console.error(`error: ${e.message}${e instanceof FileError ? "" : `\n(see deno task ${command} --help)`}`);
    status = 2;
  }
  Deno.exit(status);
}
