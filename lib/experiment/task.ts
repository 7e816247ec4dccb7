/**
 * A forgetting task and its original model θ_o: the start of every run of one paradigm and seed.
 *
 * `makeTask` builds the index lists and the model config (cheap); `prepareTask` adds the original model,
 * trained or loaded from the verified model cache (lib/experiment/model_cache.ts, folder "originals"),
 * keyed by everything that determines it: the data set's training pool and labels (and a checksum of the
 * data actually read), the model, the training recipe, the seed, the backend and the numerics fingerprint
 * (lib/experiment/fingerprint.ts), so a changed kernel never reuses an old original.
 */
import { numericsIdentity } from "../backend.ts";
import type { DatasetSpec } from "../data/registry.ts";
import type { ForgetTask, Paradigm, SplitOptions } from "../data/splits.ts";
import { makeForgetTask } from "../data/splits.ts";
import type { TextBundle } from "../data/tokenizer.ts";
import type { DataBundle } from "../data/types.ts";
import { archSpec, buildNet, modelConfig } from "../models/registry.ts";
import type { ModelConfig, Net, OptionValue } from "../models/types.ts";
import type { ProgressSink } from "../progress.ts";
import { canonicalJson } from "../hash.ts";
import { deriveSeed, Rng } from "../rng.ts";
import type { SgdOptions } from "../train.ts";
import { evaluateAccuracy, fit } from "../train.ts";
import { numericsFingerprint } from "./fingerprint.ts";
import { cachedNet } from "./model_cache.ts";

export const CACHE_VERSION = 3;

export interface OriginalInfo {
  key: string;
  trainAcc: number;
  /** On this task's validation split (class-wise: without the forgotten class), measured here, not cached. */
  valAcc: number;
  /** On the whole test split (no paradigm rule), measured when the model was trained. */
  testAcc: number;
  trainSeconds: number;
  cached: boolean;
}

/**
 * Trains, or loads from the cache, the original model θ_o for a task. Its initialisation and batch order
 * come from the task's seed; an ensemble member (lib/experiment/ensembles.ts) passes its own
 * `trainingSeed` instead, which then enters the cache key (without one, keys and models are as they were).
 */
export async function originalModel(
  task: ForgetTask,
  config: ModelConfig,
  training: SgdOptions,
  cacheDir: string,
  progress: ProgressSink,
  dataChecksum = "",
  trainingSeed?: number,
): Promise<{ net: Net; info: OriginalInfo }> {
  const seed = task.options.seed;
  const streams = trainingSeed ?? seed;
  const keyText = canonicalJson({
    v: CACHE_VERSION,
    data: task.originalKey,
    dataChecksum,
    model: config,
    training,
    seed,
    ...(trainingSeed !== undefined ? { trainingSeed } : {}),
    backend: numericsIdentity(),
    numerics: await numericsFingerprint(),
  });
  const entry = await cachedNet(cacheDir, {
    folder: "originals",
    keyText,
    task,
    checkSeed: seed,
    make: () => {
      const net = buildNet(config, deriveSeed(streams, "original-init"));
      const started = performance.now();
      fit(net, task.train, task.trainIdx, training, {
        rng: new Rng(deriveSeed(streams, "original-batches")),
        progress,
        label: `original ${config.arch} seed ${seed}${trainingSeed !== undefined ? ` (training seed ${trainingSeed})` : ""}`,
      });
      const trainSeconds = (performance.now() - started) / 1000;
      const allTest = Int32Array.from({ length: task.test.y.length }, (_, i) => i);
      const stats = {
        trainAcc: evaluateAccuracy(net, task.train, task.trainIdx),
        testAcc: evaluateAccuracy(net, task.test, allTest),
        trainSeconds,
      };
      return Promise.resolve({ net, stats });
    },
  });
  const { net, key, stats, cached } = entry;
  return {
    net,
    info: {
      key,
      trainAcc: stats.trainAcc,
      valAcc: evaluateAccuracy(net, task.train, task.valIdx),
      testAcc: stats.testAcc,
      trainSeconds: stats.trainSeconds,
      cached,
    },
  };
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

export interface TaskSettings {
  split: Omit<SplitOptions, "paradigm" | "seed">;
  model: string;
  modelOptions: Record<string, OptionValue>;
  training: SgdOptions;
  cacheDir: string;
}

/** Builds the task's index lists (no model): cheap, and enough to know the split and the model config. */
export function makeTask(bundle: DataBundle, superClasses: DatasetSpec["superClasses"], s: TaskSettings, paradigm: Paradigm, seed: number) {
  const task = makeForgetTask(bundle.name, bundle.train, bundle.test, { ...s.split, paradigm, seed }, superClasses);
  const model = modelConfig(s.model, bundle.train.sampleShape, task.numClasses, {
    ...dataModelOptions(bundle, s.model),
    ...s.modelOptions,
  });
  return { task, model };
}

/** The task and its original model, trained or loaded from the cache. */
export async function prepareTask(
  bundle: DataBundle,
  superClasses: DatasetSpec["superClasses"],
  s: TaskSettings,
  paradigm: Paradigm,
  seed: number,
  progress: ProgressSink,
  dataChecksum = "",
  trainingSeed?: number,
): Promise<PreparedTask> {
  const { task, model } = makeTask(bundle, superClasses, s, paradigm, seed);
  const { net: original, info } = await originalModel(task, model, s.training, s.cacheDir, progress, dataChecksum, trainingSeed);
  return { task, original, info };
}

/** Thrown by a read of a sealed test split: a bug (selection must use the validation split), never a run status. */
export class SealedTestError extends Error {
  constructor(what: string) {
    super(`the test split is sealed and was read (${what}); selection must use the validation split`);
    this.name = "SealedTestError";
  }
}

function sealed<T extends object>(what: string): T {
  const fail = (p: string | symbol): never => {
    throw new SealedTestError(`${what}.${String(p)}`);
  };
  return new Proxy({} as T, { get: (_t, p) => fail(p), has: (_t, p) => fail(p), ownKeys: () => fail("keys") });
}

/** The task with its test split replaced by objects that throw on any read. */
export function sealTest(task: ForgetTask): ForgetTask {
  return { ...task, test: sealed<ForgetTask["test"]>("task.test"), testIdx: sealed<Int32Array>("task.testIdx") };
}
