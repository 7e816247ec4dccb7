/**
 * A forgetting task and its original model θ_o: the start of every run of one paradigm and seed.
 *
 * Original models are cached in `<cacheDir>/originals/<key>/`, keyed by everything that determines
 * them: the data set's training pool and labels (and a checksum of the data actually read), the model,
 * the training recipe, the seed, the backend and a fingerprint of the kit's numerics (the source of the
 * kernels, models and training loop), so a changed kernel never reuses an old original. Each entry has
 * a manifest (`original.json`) with the sha256 of its files and the train accuracy on a small seeded
 * sample; both are verified on load, and an entry that fails is logged, removed and rebuilt.
 * An entry is written into a temporary folder and renamed into place, so concurrent writers of one key
 * cannot corrupt or crash each other: the first rename wins and the others load it.
 *
 * The same machinery (`cachedNet`) keeps the members of the verification ensembles
 * (lib/experiment/ensembles.ts, `<cacheDir>/ensembles/<key>/`): a model plus files of its outputs, each
 * file listed with its sha256 in the manifest and verified on load like the model's.
 */
import { numericsIdentity } from "../backend.ts";
import type { DatasetSpec } from "../data/registry.ts";
import type { ForgetTask, Paradigm, SplitOptions } from "../data/splits.ts";
import { makeForgetTask } from "../data/splits.ts";
import type { TextBundle } from "../data/tokenizer.ts";
import type { DataBundle } from "../data/types.ts";
import { archSpec, buildNet, disposeNet, loadNet, modelConfig, saveNet } from "../models/registry.ts";
import type { ModelConfig, Net, OptionValue } from "../models/types.ts";
import type { ProgressSink } from "../progress.ts";
import { KitError } from "../errors.ts";
import { canonicalJson, sha256Hex } from "../hash.ts";
import { fileError, writeFileAtomic } from "../record.ts";
import { deriveSeed, Rng } from "../rng.ts";
import type { SgdOptions } from "../train.ts";
import { evaluateAccuracy, fit } from "../train.ts";

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

interface CacheManifest {
  schema: "unlearn-kit/original@2";
  key: string;
  keyText: string;
  /** sha256 of each saved file: the model's, then any outputs saved with it. */
  files: Record<string, string>;
  /** Train accuracy on `checkSize` training samples drawn from the seed: recomputed on load. */
  check: { size: number; accuracy: number };
  /** Numbers measured when the entry was made (originals: trainAcc, testAcc, trainSeconds). */
  [stat: string]: unknown;
}

const MODEL_FILES = ["model.json", "weights.bin", "net.json"];
const CHECK_SIZE = 256;

const numericsCache = new Map<string, Promise<string>>();

/** The files whose code decides an original model's numbers, and (scope "run") a run's. */
const NUMERICS_FILES = {
  original: {
    files: ["backend.ts", "train.ts", "smoothing.ts", "rng.ts", "data/splits.ts", "data/augment.ts", "experiment/task.ts"],
    dirs: ["backend", "backend/native", "models"],
  },
  run: {
    files: [
      "backend.ts",
      "train.ts",
      "smoothing.ts",
      "rng.ts",
      "data/splits.ts",
      "data/augment.ts",
      "experiment/task.ts",
      "experiment/run.ts",
      "experiment/ensembles.ts",
    ],
    dirs: ["backend", "backend/native", "models", "unlearn", "unlearn/loops", "metrics", "metrics/verify"],
  },
  /** A member of a verification ensemble: the original's code, the methods, and how members are made. */
  ensemble: {
    files: [
      "backend.ts",
      "train.ts",
      "smoothing.ts",
      "rng.ts",
      "data/splits.ts",
      "data/augment.ts",
      "experiment/task.ts",
      "experiment/ensembles.ts",
    ],
    dirs: ["backend", "backend/native", "models", "unlearn", "unlearn/loops"],
  },
};

/** Source text without comments and blank space, so a reworded comment does not count as a change. */
function codeOnly(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/[^\n]*/g, "$1").replace(/\s+/g, " ");
}

/**
 * A fingerprint of the code that decides the numbers: for an original model ("original") the kernels,
 * the backend choice, the models, the training loop, the splits and the random streams; for a run
 * ("run") also the methods and the metrics; for an ensemble member ("ensemble") the original's code, the
 * methods and lib/experiment/ensembles.ts. Comments do not count. Where the sources cannot be read (a
 * bundled kit), the unreadable files count as such.
 */
export function numericsFingerprint(scope: keyof typeof NUMERICS_FILES = "original"): Promise<string> {
  let cached = numericsCache.get(scope);
  if (!cached) {
    cached = (async () => {
      const lib = new URL("../", import.meta.url);
      const { files: own, dirs } = NUMERICS_FILES[scope];
      const files = [...own];
      for (const dir of dirs) {
        try {
          for await (const e of Deno.readDir(new URL(`${dir}/`, lib))) {
            if (e.isFile && e.name.endsWith(".ts")) files.push(`${dir}/${e.name}`);
          }
        } catch { /* absent: the rest still counts */ }
      }
      const parts: string[] = [];
      for (const f of files.sort()) {
        try {
          parts.push(`${f}:${await sha256Hex(codeOnly(await Deno.readTextFile(new URL(f, lib))))}`);
        } catch {
          parts.push(`${f}:unreadable`);
        }
      }
      return (await sha256Hex(parts.join("\n"))).slice(0, 16);
    })();
    numericsCache.set(scope, cached);
  }
  return cached;
}

function checkSample(task: ForgetTask, seed: number): Int32Array {
  const rng = new Rng(deriveSeed(seed, "cache-check"));
  return rng.sample(task.trainIdx, Math.min(CHECK_SIZE, task.trainIdx.length));
}

async function fileHashes(dir: string, names: readonly string[] = MODEL_FILES): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of names) out[f] = await sha256Hex(await Deno.readFile(`${dir}/${f}`));
  return out;
}

/**
 * Loads and verifies a cache entry (every file against its manifest hash, then the model's train accuracy on
 * its check sample); returns null (after saying why) when it is absent or fails a check.
 */
async function loadCached(
  dir: string,
  key: string,
  task: ForgetTask,
  seed: number,
  what = "original",
): Promise<{ net: Net; manifest: CacheManifest; files: Record<string, Uint8Array> } | null> {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}/original.json`));
  } catch {
    return null; // not cached
  }
  const reject = async (why: string) => {
    console.error(`warning: cached ${what} ${dir} ${why}; it is removed and trained again`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return null;
  };
  if (manifest.schema !== "unlearn-kit/original@2" || manifest.key !== key) return reject("has another format or key");
  const names = Object.keys(manifest.files ?? {});
  if (!MODEL_FILES.every((f) => names.includes(f))) return reject("lists no model files");
  const files: Record<string, Uint8Array> = {};
  const changed: string[] = [];
  try {
    for (const f of names) {
      const bytes = await Deno.readFile(`${dir}/${f}`);
      if (await sha256Hex(bytes) !== manifest.files[f]) changed.push(f);
      if (!MODEL_FILES.includes(f)) files[f] = bytes;
    }
  } catch (e) {
    return reject(`is incomplete (${(e as Error).message})`);
  }
  if (changed.length) return reject(`does not match its manifest (${changed.join(", ")} changed)`);
  let net: Net;
  try {
    net = await loadNet(dir);
  } catch (e) {
    return reject(`cannot be loaded (${(e as Error).message})`);
  }
  const accuracy = evaluateAccuracy(net, task.train, checkSample(task, seed));
  if (accuracy !== manifest.check.accuracy) {
    disposeNet(net);
    return reject(`gives train accuracy ${accuracy} on its check sample, not the saved ${manifest.check.accuracy}`);
  }
  return { net, manifest, files };
}

/** A model from the verified cache, with what was saved beside it. */
export interface CachedNet {
  net: Net;
  key: string;
  /** The numbers measured when the entry was made (they survive a cache hit, e.g. the training time). */
  stats: Record<string, number>;
  /** The files saved beside the model (an ensemble member's outputs), verified against the manifest. */
  files: Record<string, Uint8Array>;
  cached: boolean;
}

export interface CacheEntrySpec {
  /** Folder under the cache folder: "originals", "ensembles". */
  folder: string;
  /** Everything that determines the model, as canonical JSON; its sha256 names the entry. */
  keyText: string;
  /** The task and seed whose check sample (CHECK_SIZE training rows) verifies the model on load. */
  task: ForgetTask;
  checkSeed: number;
  /** Makes the model when it is not cached: the net, numbers to keep, files to save beside it. */
  make(): Promise<{ net: Net; stats: Record<string, number>; files?: Record<string, Uint8Array> }>;
}

/** Whether process `pid` is alive (Linux /proc); true where that cannot be told. */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return true;
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return true; // no /proc: cannot tell
    }
  }
}

/**
 * Removes the temporary folders (`<key>.tmp-<pid>-<id>`) that processes which no longer run left in a
 * cache folder (a kill or a full disk during a save), so they do not hold the space for ever.
 */
export async function sweepTemporaries(folder: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch {
    return;
  }
  for (const e of entries) {
    const pid = Number(e.name.match(/\.tmp-(\d+)-[0-9a-f]+$/)?.[1]);
    if (!pid || pid === Deno.pid || alive(pid)) continue;
    await Deno.remove(`${folder}/${e.name}`, { recursive: true }).catch(() => {});
  }
}

/** `sweepTemporaries` in every folder of a cache (at the start of a run). */
export async function sweepCache(cacheDir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(cacheDir)) if (e.isDirectory) await sweepTemporaries(`${cacheDir}/${e.name}`);
  } catch { /* no cache yet */ }
}

/**
 * The model of a cache entry: loaded and verified when present, else made, saved (temporary folder, then
 * an atomic rename) and returned. What the original models and the ensembles' members share.
 */
export async function cachedNet(cacheDir: string, spec: CacheEntrySpec): Promise<CachedNet> {
  const key = (await sha256Hex(spec.keyText)).slice(0, 16);
  const dir = `${cacheDir}/${spec.folder}/${key}`;
  const hit = await loadCached(dir, key, spec.task, spec.checkSeed, spec.folder === "originals" ? "original" : "model");
  if (hit) {
    const { schema: _s, key: _k, keyText: _t, files: _f, check: _c, ...stats } = hit.manifest;
    return { net: hit.net, key, stats: stats as Record<string, number>, files: hit.files, cached: true };
  }
  const { net, stats, files = {} } = await spec.make();
  // Saving is an optimisation: a full disk or a forbidden folder costs the cache entry, not the run.
  const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(`${cacheDir}/${spec.folder}`, { recursive: true });
    await sweepTemporaries(`${cacheDir}/${spec.folder}`);
    await saveNet(net, tmp);
    for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(`${tmp}/${name}`, bytes);
    const manifest: CacheManifest = {
      schema: "unlearn-kit/original@2",
      key,
      keyText: spec.keyText,
      ...stats,
      files: await fileHashes(tmp, [...MODEL_FILES, ...Object.keys(files)]),
      check: { size: CHECK_SIZE, accuracy: evaluateAccuracy(net, spec.task.train, checkSample(spec.task, spec.checkSeed)) },
    };
    await writeFileAtomic(`${tmp}/original.json`, JSON.stringify(manifest, null, 2) + "\n");
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    const named = fileError(e, tmp);
    if (!(named instanceof KitError)) throw named;
    console.error(`warning: the model was not cached (${named.message}); the run goes on without it`);
    return { net, key, stats, files, cached: false };
  }
  try {
    await Deno.rename(tmp, dir);
  } catch {
    // Another process saved this key first (the rename target exists): keep theirs.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return { net, key, stats, files, cached: false };
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
