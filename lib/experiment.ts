/**
 * One experiment: data flows one way, config → split → original model (cached) → method → model →
 * metrics → record. The CLI and the notebooks both call `runExperiment`.
 */
import { backendInfo, initBackend } from "./backend.ts";
import { datasetSpec, loadDataset } from "./data/registry.ts";
import type { ForgetTask, Paradigm, SplitOptions } from "./data/splits.ts";
import { makeForgetTask, splitSummary } from "./data/splits.ts";
import { machine } from "./env.ts";
import { evaluate } from "./metrics/registry.ts";
import { archSpec, buildNet, cloneNet, disposeNet, loadNet, modelConfig, saveNet } from "./models/registry.ts";
import type { TextBundle } from "./data/tokenizer.ts";
import type { DataBundle } from "./data/types.ts";
import type { ModelConfig, Net, OptionValue } from "./models/types.ts";
import type { DatasetSpec } from "./data/registry.ts";
import type { RunRecord } from "./record.ts";
import { appendRecord, kitVersion, RECORD_SCHEMA, sha256Hex } from "./record.ts";
import type { ProgressSink } from "./report/progress.ts";
import { autoProgress, silentProgress } from "./report/progress.ts";
import { deriveSeed, Rng } from "./rng.ts";
import type { SgdOptions } from "./train.ts";
import { DivergedError, evaluateAccuracy, fit } from "./train.ts";
import { resolveOptions } from "./config.ts";
import { methodSpec } from "./unlearn/registry.ts";
import { tunedEntry } from "./unlearn/tuned.ts";
import type { UnlearnContext } from "./unlearn/types.ts";

export interface ExperimentConfig {
  /** Names the results folder and every record. */
  name: string;
  /** Results folder; records.jsonl and splits/ go here. */
  out: string;
  dataset: string;
  dataDir?: string;
  paradigms: Paradigm[];
  model: string;
  modelOptions: Record<string, OptionValue>;
  methods: string[];
  /** Per-method option overrides, validated against each method's schema. */
  methodOptions: Record<string, Record<string, unknown>>;
  /** Start from the searched defaults of results/search/tuned.json where they cover the setting. */
  useTuned: boolean;
  seeds: number[];
  split: Partial<Omit<SplitOptions, "paradigm" | "seed">>;
  /** Recipe of the original model, and of Retrain. */
  training: SgdOptions;
  metrics: string[];
  /** "auto" or a backend name (see backend.ts). */
  backend: string;
  /** Where original models are cached, keyed by everything that determines them. */
  cacheDir: string;
  progress: boolean;
}

export interface OriginalInfo {
  key: string;
  trainAcc: number;
  valAcc: number;
  testAcc: number;
  trainSeconds: number;
  cached: boolean;
}

/** Trains, or loads from the cache, the original model θ_o for a task. */
export async function originalModel(
  task: ForgetTask,
  config: ModelConfig,
  training: SgdOptions,
  cacheDir: string,
  progress: ProgressSink,
): Promise<{ net: Net; info: OriginalInfo }> {
  const seed = task.options.seed;
  const keyText = JSON.stringify({ v: 1, data: task.originalKey, model: config, training, seed });
  const key = (await sha256Hex(keyText)).slice(0, 16);
  const dir = `${cacheDir}/originals/${key}`;
  try {
    const info: OriginalInfo = JSON.parse(await Deno.readTextFile(`${dir}/original.json`));
    return { net: await loadNet(dir), info: { ...info, cached: true } };
  } catch {
    // not cached (or unreadable): train it
  }
  const net = buildNet(config, deriveSeed(seed, "original-init"));
  const started = performance.now();
  fit(net, task.train, task.trainIdx, training, {
    rng: new Rng(deriveSeed(seed, "original-batches")),
    progress,
    label: `original ${config.arch} seed ${seed}`,
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const allTest = Int32Array.from({ length: task.test.y.length }, (_, i) => i);
  const info: OriginalInfo = {
    key,
    trainAcc: evaluateAccuracy(net, task.train, task.trainIdx),
    valAcc: evaluateAccuracy(net, task.train, task.valIdx),
    testAcc: evaluateAccuracy(net, task.test, allTest),
    trainSeconds,
    cached: false,
  };
  await saveNet(net, dir);
  await Deno.writeTextFile(`${dir}/original.json`, JSON.stringify({ ...info, keyText }, null, 2));
  return { net, info };
}

/**
 * Options a data set fixes for the model: a text model's vocabulary is the tokenizer's (fitted on the
 * train split). Only options the architecture has are passed.
 */
export function dataModelOptions(bundle: DataBundle, arch: string): Record<string, OptionValue> {
  const hints: Record<string, OptionValue> = {};
  if ("tokenizer" in bundle) hints.vocabSize = (bundle as TextBundle).tokenizer.vocabSize;
  const accepted = archSpec(arch).defaults;
  return Object.fromEntries(Object.entries(hints).filter(([k]) => k in accepted));
}

/** A task with its original model: what every method of one paradigm × seed starts from. */
export interface PreparedTask {
  task: ForgetTask;
  original: Net;
  info: OriginalInfo;
}

/**
 * Builds the forgetting task and trains (or loads) its original model. runExperiment, the search and
 * the ablations all go through here, so they share one cached original per setting.
 */
export async function prepareTask(
  bundle: DataBundle,
  superClasses: DatasetSpec["superClasses"],
  cfg: Pick<ExperimentConfig, "split" | "model" | "modelOptions" | "training" | "cacheDir">,
  paradigm: Paradigm,
  seed: number,
  progress: ProgressSink,
): Promise<PreparedTask> {
  const task = makeForgetTask(bundle.name, bundle.train, bundle.test, { ...cfg.split, paradigm, seed }, superClasses);
  const mc = modelConfig(cfg.model, bundle.train.sampleShape, task.numClasses, {
    ...dataModelOptions(bundle, cfg.model),
    ...cfg.modelOptions,
  });
  const { net: original, info } = await originalModel(task, mc, cfg.training, cfg.cacheDir, progress);
  return { task, original, info };
}

/**
 * The context a method runs in: a fresh copy of the original, and a random stream that depends only on
 * the seed and the method's name (so a search point re-run by runExperiment reproduces the search).
 */
export function methodContext(
  prepared: PreparedTask,
  method: string,
  originalTraining: SgdOptions,
  progress: ProgressSink,
): UnlearnContext {
  const seed = prepared.task.options.seed;
  return {
    task: prepared.task,
    original: prepared.original,
    start: cloneNet(prepared.original),
    originalTraining,
    originalValAcc: prepared.info.valAcc,
    seed,
    rng: new Rng(deriveSeed(seed, `method/${method}`)),
    progress,
  };
}

/** Writes the split's index lists once per task and returns (file, sha256). */
async function writeSplit(out: string, task: ForgetTask): Promise<{ indexFile: string; indexSha256: string }> {
  const name = `splits/${task.options.paradigm}-seed${task.options.seed}.json`;
  const text = JSON.stringify({
    dataset: task.dataset,
    options: task.options,
    forgotten: task.forgotten,
    note: "indices into the standard train/test splits; retain = train \\ forget",
    trainIdx: Array.from(task.trainIdx),
    forgetIdx: Array.from(task.forgetIdx),
    valIdx: Array.from(task.valIdx),
    testIdx: Array.from(task.testIdx),
  });
  await Deno.mkdir(`${out}/splits`, { recursive: true });
  await Deno.writeTextFile(`${out}/${name}`, text);
  return { indexFile: name, indexSha256: await sha256Hex(text) };
}

/**
 * Runs every method on every paradigm × seed, appending one record per run to `${out}/records.jsonl`
 * as soon as it finishes. A method that diverges or throws gets a record with that status; the others
 * still run.
 */
export async function runExperiment(
  cfg: ExperimentConfig,
  hooks: { onRecord?: (r: RunRecord) => void } = {},
): Promise<RunRecord[]> {
  await initBackend({ backend: cfg.backend as never });
  const resolve = (m: string, paradigm: string) => {
    const tuned = cfg.useTuned ? tunedEntry(cfg.dataset, cfg.model, paradigm, m) : undefined;
    const given = { ...tuned?.options, ...cfg.methodOptions[m] };
    return { spec: methodSpec(m), opts: resolveOptions(methodSpec(m).options, given, `method ${m}`), tuned };
  };
  // Refuse bad options before anything runs or is written.
  for (const m of cfg.methods) for (const p of cfg.paradigms) resolve(m, p);
  const progress = cfg.progress ? autoProgress : silentProgress;
  const dsSpec = datasetSpec(cfg.dataset);
  const bundle = await loadDataset(cfg.dataset, cfg.dataDir);
  await Deno.mkdir(cfg.out, { recursive: true });
  const recordsFile = `${cfg.out}/records.jsonl`;
  const records: RunRecord[] = [];

  for (const seed of cfg.seeds) {
    for (const paradigm of cfg.paradigms) {
      const prepared = await prepareTask(bundle, dsSpec.superClasses, cfg, paradigm, seed, progress);
      const { task, original, info } = prepared;
      const splitFile = await writeSplit(cfg.out, task);
      for (const { spec, opts, tuned } of cfg.methods.map((m) => resolve(m, paradigm))) {
        const ctx = methodContext(prepared, spec.name, cfg.training, progress);
        const base = {
          schema: RECORD_SCHEMA,
          experiment: cfg.name,
          runId: `${cfg.dataset}/${paradigm}/${spec.name}/seed${seed}`,
          method: spec.name,
          methodOptions: opts as Record<string, unknown>,
          tuned: tuned ? { source: tuned.source, objective: tuned.objective } : null,
          dataset: cfg.dataset,
          paradigm,
          seed,
          model: original.config,
          split: { ...splitSummary(task), options: task.options, ...splitFile },
          original: { ...info, training: cfg.training },
          environment: { backend: backendInfo(), machine: machine(), kit: kitVersion() },
          startedAt: new Date().toISOString(),
        } as const;
        let record: RunRecord;
        const started = performance.now();
        try {
          const outcome = await spec.run(ctx, opts);
          const rteSeconds = (performance.now() - started) / 1000;
          const evalStart = performance.now();
          const details: Record<string, unknown> = {};
          const metrics = await evaluate(outcome.net, task, cfg.metrics, deriveSeed(seed, "metrics"), {
            details,
            training: cfg.training,
          });
          record = {
            ...base,
            status: "ok",
            metrics,
            details,
            rteSeconds,
            evalSeconds: (performance.now() - evalStart) / 1000,
            stop: outcome.stop,
            notes: outcome.notes,
            history: outcome.history,
          };
          if (outcome.net !== ctx.start) disposeNet(ctx.start);
          disposeNet(outcome.net);
        } catch (e) {
          const diverged = e instanceof DivergedError;
          if (!diverged && !(e instanceof Error)) throw e;
          record = {
            ...base,
            status: diverged ? "diverged" : "failed",
            error: (e as Error).message,
            metrics: {},
            rteSeconds: (performance.now() - started) / 1000,
            evalSeconds: 0,
            history: [],
          };
          try {
            disposeNet(ctx.start);
          } catch { /* already disposed by the method */ }
          if (!diverged) console.error(`${base.runId}: failed: ${(e as Error).stack ?? e}`);
        }
        await appendRecord(recordsFile, record);
        records.push(record);
        hooks.onRecord?.(record);
      }
      disposeNet(original);
    }
  }
  return records;
}
