/**
 * `deno task unlearn`: flags → a validated ExperimentConfig → runExperiment → records and tables.
 * Unknown flags or values are refused with the list of valid ones; nothing is written until the
 * configuration is valid, and records already written are only ever appended to.
 */
import { parseArgs } from "node:util";
import { describeSchema, parseValue, resolveOptions } from "./config.ts";
import { DATASETS, datasetSpec } from "./data/registry.ts";
import type { Paradigm } from "./data/splits.ts";
import { PARADIGMS } from "./data/splits.ts";
import type { ExperimentConfig } from "./experiment.ts";
import { DEFAULT_METRICS, METRICS, metricSpec } from "./metrics/registry.ts";
import { ARCHS, archSpec } from "./models/registry.ts";
import { presetFor } from "./presets.ts";
import { METHODS, methodSpec } from "./unlearn/registry.ts";

export const CORE_METHODS = ["retrain", "ft", "ga", "ugradsl", "ugradsl+"];

const FLAGS = {
  dataset: { type: "string", default: "fashion-mnist", doc: `data set (${Object.keys(DATASETS).join("|")})` },
  "data-dir": { type: "string", doc: "folder holding the data set's standard files" },
  paradigm: { type: "string", default: "classwise", doc: `comma list of ${PARADIGMS.join("|")}, or all` },
  model: { type: "string", default: "mlp", doc: `architecture (${Object.keys(ARCHS).join("|")})` },
  "model-opt": { type: "string", multiple: true, doc: "architecture option key=value (repeatable)" },
  methods: { type: "string", default: CORE_METHODS.join(","), doc: `comma list of ${Object.keys(METHODS).join("|")}, or all` },
  set: { type: "string", multiple: true, doc: "method option method.key=value (repeatable), e.g. ugradsl.smoothRate=-0.8" },
  seeds: { type: "string", default: "2", doc: "number of seeds" },
  "first-seed": { type: "string", default: "0", doc: "first seed; seeds are first-seed … first-seed+seeds−1" },
  out: { type: "string", doc: "results folder (default results/<dataset>-<model>)" },
  name: { type: "string", doc: "experiment name (default: the out folder's name)" },
  "train-size": { type: "string", doc: "stratified training subset (0 = all; default from the preset)" },
  "test-size": { type: "string", doc: "stratified test subset (0 = all; default from the preset)" },
  "val-fraction": { type: "string", default: "0.1", doc: "share of the training pool held out for validation" },
  "forget-class": { type: "string", default: "-1", doc: "class-wise: class to forget (-1: drawn from the seed)" },
  "forget-fraction": { type: "string", default: "0.1", doc: "random: share of the training set forgotten" },
  "forget-subclass": { type: "string", default: "-1", doc: "group: sub-class to forget (-1: drawn from the seed)" },
  epochs: { type: "string", doc: "original/Retrain epochs (default from the preset)" },
  lr: { type: "string", doc: "original/Retrain learning rate (default from the preset)" },
  "batch-size": { type: "string", doc: "original/Retrain batch size (default from the preset)" },
  metrics: { type: "string", default: DEFAULT_METRICS.join(","), doc: `comma list of ${Object.keys(METRICS).join("|")}` },
  backend: {
    type: "string",
    default: Deno.env.get("UNLEARN_BACKEND") ?? "auto",
    doc: "auto|tensorflow|webgpu|wasm|cpu (or $UNLEARN_BACKEND)",
  },
  cache: { type: "string", default: "data/cache", doc: "cache folder for original models" },
  "no-progress": { type: "boolean", doc: "no progress bars" },
  "no-tuned": { type: "boolean", doc: "ignore the searched defaults of results/search/tuned.json" },
  help: { type: "boolean", short: "h", doc: "this help" },
} as const;

export function helpText(): string {
  const flags = Object.entries(FLAGS).map(([k, f]) => {
    const d = "default" in f ? ` (default ${f.default})` : "";
    return `  --${k}${f.type === "string" ? " VALUE" : ""}  ${f.doc}${d}`;
  });
  const methods = Object.values(METHODS).map((m) => `${m.name}: ${m.title}, ${m.source}\n${describeSchema(m.options, "    ")}`);
  return [
    "deno task unlearn [flags]",
    "",
    "Runs unlearning methods on forgetting splits and writes records.jsonl, table.md and table.csv.",
    "",
    ...flags,
    "",
    "Methods and their options (--set method.option=value):",
    ...methods,
  ].join("\n");
}

function list(raw: string, valid: readonly string[], flag: string): string[] {
  const items = raw === "all" ? [...valid] : raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`--${flag}: empty; valid values are ${valid.join(", ")}`);
  for (const it of items) {
    if (!valid.includes(it)) throw new Error(`--${flag}: unknown value "${it}": valid values are ${valid.join(", ")}`);
  }
  return items;
}

function number(raw: string, flag: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v)) throw new Error(`--${flag}: "${raw}" is not a number`);
  if (opts.integer && !Number.isInteger(v)) throw new Error(`--${flag}: ${v} is not an integer`);
  if (opts.min !== undefined && v < opts.min) throw new Error(`--${flag}: ${v} is below ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new Error(`--${flag}: ${v} is above ${opts.max}`);
  return v;
}

function keyValue(raw: string, flag: string): [string, string] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new Error(`--${flag}: "${raw}" is not key=value`);
  return [raw.slice(0, eq).trim(), raw.slice(eq + 1).trim()];
}

/** Parses and validates flags; throws an Error whose message names the flag and the valid values. */
export function parseCli(args: string[]): ExperimentConfig | "help" {
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS as never, allowPositionals: false, strict: true });
  } catch (e) {
    const msg = (e as Error).message;
    const unknown = msg.match(/Unknown option '([^']+)'/)?.[1];
    if (unknown) throw new Error(`unknown flag ${unknown}: valid flags are ${Object.keys(FLAGS).map((k) => `--${k}`).join(", ")}`);
    throw new Error(msg);
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (v.help) return "help";
  const s = (k: string) => v[k] as string;

  const dataset = datasetSpec(s("dataset")).name;
  const model = archSpec(s("model")).name;
  const paradigms = list(s("paradigm"), PARADIGMS, "paradigm") as Paradigm[];
  const methods = list(s("methods"), Object.keys(METHODS), "methods");
  const metrics = list(s("metrics"), Object.keys(METRICS), "metrics");
  metrics.forEach(metricSpec);

  const methodOptions: Record<string, Record<string, unknown>> = {};
  for (const raw of (v.set as string[] | undefined) ?? []) {
    const [path, value] = keyValue(raw, "set");
    const dot = path.lastIndexOf(".");
    if (dot <= 0) throw new Error(`--set: "${path}" is not method.option`);
    const [method, key] = [path.slice(0, dot), path.slice(dot + 1)];
    const spec = methodSpec(method);
    const field = spec.options[key];
    if (!field) throw new Error(`--set ${method}.${key}: unknown option: valid options are ${Object.keys(spec.options).join(", ")}`);
    (methodOptions[method] ??= {})[key] = parseValue(field, value, `--set ${method}.${key}`);
  }

  for (const [method, given] of Object.entries(methodOptions)) resolveOptions(methodSpec(method).options, given, `--set ${method}`);

  const modelOptions: Record<string, number | string | boolean> = {};
  for (const raw of (v["model-opt"] as string[] | undefined) ?? []) {
    const [key, value] = keyValue(raw, "model-opt");
    const def = archSpec(model).defaults[key];
    if (def === undefined) {
      throw new Error(
        `--model-opt ${key}: unknown option of ${model}: valid options are ${Object.keys(archSpec(model).defaults).join(", ")}`,
      );
    }
    modelOptions[key] = typeof def === "number" ? number(value, `model-opt ${key}`) : typeof def === "boolean" ? value === "true" : value;
  }

  const preset = presetFor(dataset, model);
  const training = { ...preset.training };
  if (v.epochs !== undefined) training.epochs = number(s("epochs"), "epochs", { integer: true, min: 1 });
  if (v.lr !== undefined) training.learningRate = number(s("lr"), "lr", { min: 0 });
  if (v["batch-size"] !== undefined) training.batchSize = number(s("batch-size"), "batch-size", { integer: true, min: 1 });

  const nSeeds = number(s("seeds"), "seeds", { integer: true, min: 1 });
  const firstSeed = number(s("first-seed"), "first-seed", { integer: true, min: 0 });
  const out = (v.out as string | undefined) ?? `results/${dataset}-${model}`;
  return {
    name: (v.name as string | undefined) ?? out.replace(/\/+$/, "").split("/").pop()!,
    out,
    dataset,
    dataDir: v["data-dir"] as string | undefined,
    paradigms,
    model,
    modelOptions,
    methods,
    methodOptions,
    useTuned: !v["no-tuned"],
    seeds: Array.from({ length: nSeeds }, (_, i) => firstSeed + i),
    split: {
      trainSize: v["train-size"] !== undefined ? number(s("train-size"), "train-size", { integer: true, min: 0 }) : preset.trainSize,
      testSize: v["test-size"] !== undefined ? number(s("test-size"), "test-size", { integer: true, min: 0 }) : preset.testSize,
      valFraction: number(s("val-fraction"), "val-fraction", { min: 0, max: 0.49 }),
      forgetClass: number(s("forget-class"), "forget-class", { integer: true, min: -1 }),
      forgetFraction: number(s("forget-fraction"), "forget-fraction", { min: 0, max: 1 }),
      forgetSubclass: number(s("forget-subclass"), "forget-subclass", { integer: true, min: -1 }),
    },
    training,
    metrics,
    backend: s("backend"),
    cacheDir: s("cache"),
    progress: !v["no-progress"],
  };
}
