/**
 * What every command shares: the experiment flags, one per field of lib/experiment/fields.ts, mapped onto an
 * `ExperimentInput` (the typed object the notebooks write; lib/experiment/config.ts checks both the same way), a strict flag parser whose errors
 * name the flag and list the valid ones, and `runCommand`, which turns a user error (`KitError`) into its
 * message and exit status 2 and lets anything else crash with its stack.
 */
import { parseArgs } from "node:util";
import { describeSchema, parseValue } from "../lib/config.ts";
import { FileError, KitError, KitErrors } from "../lib/errors.ts";
import type { ExperimentConfig } from "../lib/experiment/config.ts";
import { kitPath, ROOT } from "../lib/env.ts";
import type { ExperimentInput } from "../lib/experiment/fields.ts";
import { experimentConfig, recordFolders } from "../lib/experiment/config.ts";
import type { FieldPath } from "../lib/experiment/fields.ts";
import { fieldEntries, fieldHelp, fieldSpec } from "../lib/experiment/fields.ts";
import { DEFAULT_METRICS, withEnsembleSize } from "../lib/metrics/registry.ts";
import { DEFAULT_ENSEMBLE, parseSizedName, VERIFY_METRICS } from "../lib/metrics/verification.ts";
import { ARCHS, archSpec } from "../lib/models/registry.ts";
import type { OptionValue } from "../lib/models/types.ts";
import { METHODS, methodSpec } from "../lib/unlearn/registry.ts";

export interface FlagSpec {
  type: "string" | "boolean";
  doc: string;
  default?: string;
  /**
   * false: the default is shown in --help but not filled into the parsed values. The experiment flags: their
   * defaults come from the schema when the config is made, after a design (--design) has filled its own.
   */
  fill?: boolean;
  multiple?: boolean;
  short?: string;
}
export type Flags = Record<string, FlagSpec>;

const ENSEMBLE_FLAG: FlagSpec = {
  type: "string",
  doc: `models per ensemble for ${VERIFY_METRICS.join(", ")} (default ${DEFAULT_ENSEMBLE}: ${DEFAULT_ENSEMBLE} Retrain and ` +
    `${DEFAULT_ENSEMBLE} unlearned models per method, cached; ≥ 6 gives Retrain's own row its calibration halves); docs/verification.md`,
};

/** The flags of an experiment, one per field that has one (lib/experiment/fields.ts), and --ensemble after --metrics. */
export const EXPERIMENT_FLAGS: Flags = experimentFlags();

function experimentFlags(): Flags {
  const flags: Flags = {};
  for (const [path, f] of fieldEntries()) {
    if (f.flag) {
      // A top-level field's constant default is the flag's; a split or training field is left to the preset.
      const shown = !path.includes(".") && f.default !== undefined && ["number", "choice", "list"].includes(f.kind);
      const value = Array.isArray(f.default) ? f.default.join(",") : String(f.default);
      flags[f.flag] = {
        type: "string",
        doc: fieldHelp(path),
        ...(shown ? { default: value, fill: false } : {}),
        ...(f.multiple ? { multiple: true } : {}),
      };
    }
    if (f.toggle) flags[f.toggle.flag] = { type: "boolean", doc: f.toggle.doc };
    if (path === "metrics") flags.ensemble = ENSEMBLE_FLAG;
  }
  return flags;
}

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
    for (const [k, f] of Object.entries(flags)) {
      if (values[k] === undefined && f.default !== undefined && f.fill !== false) values[k] = f.default;
    }
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
 * The experiment flags as an ExperimentInput, field by field of the schema (lib/experiment/fields.ts), with
 * the values that could not be parsed (each naming its flag; the field is then left to its default).
 * Everything else is checked by `experimentConfig`.
 */
export function parseExperimentFlags(v: FlagValues): { input: ExperimentInput; problems: KitError[] } {
  const problems: KitError[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof KitError)) throw e;
      problems.push(...(e instanceof KitErrors ? e.problems : [e]));
      return undefined;
    }
  };
  const input: Record<string, unknown> = { split: {}, training: {}, modelOptions: {}, methodOptions: {} };
  for (const [path, f] of fieldEntries()) {
    const raw = f.flag === undefined ? undefined : v[f.flag];
    const value = f.toggle && v[f.toggle.flag] === true
      ? f.toggle.value
      : raw === undefined
      ? undefined
      : attempt(() => fromFlag(path, raw, v));
    if (value === undefined) continue;
    const [group, key] = path.split(".");
    if (key) (input[group] as Record<string, unknown>)[key] = value;
    else input[path] = value;
  }
  if (v.ensemble !== undefined) {
    attempt(() => {
      const n = integerFlag(v.ensemble as string, "ensemble");
      const metrics = (input.metrics ?? DEFAULT_METRICS) as string[];
      if (!metrics.some((m) => parseSizedName(m))) {
        throw new KitError(`none of the metrics compares ensembles (they are ${VERIFY_METRICS.join(", ")})`, "--ensemble");
      }
      input.metrics = withEnsembleSize(metrics, n);
    });
  }
  return { input: input as ExperimentInput, problems };
}

/** One field's flag value, parsed by the field's kind (or its own parser: --model-opt, --set). */
function fromFlag(path: FieldPath, raw: string | string[] | boolean, v: FlagValues): unknown {
  const f = fieldSpec(path);
  const flag = f.flag!;
  if (path === "modelOptions") return modelOptionsFlag(raw as string[], (v.model as string | undefined) ?? "mlp");
  if (path === "methodOptions") return methodOptionsFlag(raw as string[]);
  if (f.kind === "number") return f.bounds?.integer ? integerFlag(raw as string, flag) : numberFlag(raw as string, flag);
  if (f.kind === "choice") return (raw as string).trim();
  if (f.kind === "list") return f.word !== undefined && raw === f.word ? f.word : listFlag(raw as string);
  return raw;
}

/** --model-opt key=value, typed by the architecture's default for the key. */
function modelOptionsFlag(raws: string[], model: string): Record<string, OptionValue> {
  const modelOptions: Record<string, OptionValue> = {};
  const problems: KitError[] = [];
  for (const raw of raws) {
    try {
      const [key, value] = keyValue(raw, "model-opt");
      if (!(model in ARCHS)) continue; // an unknown --model is reported by experimentConfig
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
    } catch (e) {
      if (!(e instanceof KitError)) throw e;
      problems.push(e);
    }
  }
  throwProblems(problems);
  return modelOptions;
}

/** --set method.option=value, parsed by the method's option schema. */
function methodOptionsFlag(raws: string[]): Record<string, Record<string, unknown>> {
  const methodOptions: Record<string, Record<string, unknown>> = {};
  const problems: KitError[] = [];
  for (const raw of raws) {
    try {
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
    } catch (e) {
      if (!(e instanceof KitError)) throw e;
      problems.push(e);
    }
  }
  throwProblems(problems);
  return methodOptions;
}

function throwProblems(problems: KitError[]): void {
  if (problems.length === 1) throw problems[0];
  if (problems.length) throw new KitErrors(problems);
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

/** Whether `path` exists (a file or a folder). */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `--sensitivity NAME=DIR` values (deno task claims, claims-v2) as [name, folder], the folder relative to the kit's;
 * none given: each folder of records below results/sensitivity, named by its folder.
 */
export function sensitivityFolders(given: string[] | undefined): [string, string][] {
  if (!given?.length) return recordFolders([`${ROOT}results/sensitivity`]).map((dir) => [dir.split("/").pop()!, dir]);
  return given.map((g) => {
    const eq = g.indexOf("=");
    if (eq <= 0) throw new KitError(`"${g}" is not NAME=DIR`, "--sensitivity");
    return [g.slice(0, eq), kitPath(g.slice(eq + 1))];
  });
}
