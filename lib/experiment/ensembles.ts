/**
 * Verification ensembles (docs/verification.md § How the kit computes these): per task (one split),
 * N models of each kind the per-example metrics compare, every member made once and kept in the verified
 * model cache (model_cache.ts `cachedNet`: manifest, sha256 of every file, atomic rename) together with its
 * outputs, so a second run, another method or another metric reads them back instead of training again.
 *
 * - `original[k]`: member 0 is the task's own original θ_o (same cache entry); member k ≥ 1 is trained
 *   with the original's recipe from its own training seed, deriveSeed(task seed, `ensemble/original/k`),
 *   which varies initialisation and batch order (task.ts `originalModel`'s `trainingSeed`).
 * - `unlearned[method][k]`: the method applied to `original[k]` with its own random stream; member 0 uses
 *   the run's stream (deriveSeed(seed, `method/<name>`)), so it is the run's own model, and member k ≥ 1
 *   deriveSeed(seed, `ensemble/<name>/k`). A reference method (Retrain) ignores θ_o: its members all start
 *   from `original[0]` and are the N Retrain models every method is compared with (`retrain[k]`).
 * - `subset[m]` (worst-case forget sets only): models trained on seeded halves of D_tr, for memorisation.
 *
 * What each member keeps (`outputs.bin`, laid out by `outputs.json`, float32): logits (not probabilities:
 * φ = log p_y/(1 − p_y) overflows from float32 probabilities) on all of D_f, on a seeded sample of
 * `RETAIN_SAMPLE` rows of D_r, on D_te and on the validation split; penultimate features on a sample of at
 * most `FEATURE_ROWS` rows of D_f and on the probes' reference rows (a seeded sample of `PROBE_REFERENCE_ROWS` rows
 * of the whole test split, every class: for class-wise forgetting D_r and D_te lack the forgotten class,
 * so a probe fitted there could never name it); per-layer features (up to `MAX_CKA_LAYERS` dense and
 * convolution layers, the penultimate and the logits; spatial axes averaged) on the D_f sample.
 * Fashion-MNIST MLP at the main job's sizes: ≈ 3.2 MB of outputs and 1.1 MB of weights a member.
 *
 * Keys hold everything that decides a member: the data and split, the model and recipe, the method and
 * its options, the member's seed, the rows kept, the backend and a fingerprint of the code ("ensemble"
 * scope of fingerprint.ts `numericsFingerprint`: kernels, models, training, methods and this file), so a changed
 * kernel or method never reuses a member.
 */
import * as tf from "@tensorflow/tfjs";
import { numericsIdentity } from "../backend.ts";
import type { DatasetSpec } from "../data/registry.ts";
import type { ForgetTask } from "../data/splits.ts";
import type { DataBundle, Dataset } from "../data/types.ts";
import { DivergedError, KitError } from "../errors.ts";
import type { EnsembleSet, EnsembleView, EvalSet } from "../metrics/types.ts";
import type { FeatureMatrix } from "../metrics/verify/ensemble.ts";
import { memorizationFromOriginal, trueClassProbability, worstCaseForgetSet } from "../metrics/verify/mod.ts";
import { buildNet, cloneNet, disposeNet } from "../models/registry.ts";
import type { Net } from "../models/types.ts";
import type { Bar, ProgressSink } from "../progress.ts";
import { silentProgress } from "../progress.ts";
import { canonicalJson, sha256Hex } from "../hash.ts";
import { deriveSeed, Rng } from "../rng.ts";
import type { SgdOptions } from "../train.ts";
import { batchOf, fit } from "../train.ts";
import type { MethodSpec, UnlearnContext } from "../unlearn/types.ts";
import type { PreparedTask, TaskSettings } from "./task.ts";
import { originalModel, prepareTask } from "./task.ts";
import { numericsFingerprint } from "./fingerprint.ts";
import { cachedNet } from "./model_cache.ts";

/** Models per ensemble unless a metric asks for another size (docs/verification.md: U-LiRA needs ≥ 3). */
export const DEFAULT_ENSEMBLE_SIZE = 16;
/** D_r rows whose logits and penultimate features each member keeps (seeded sample; all of D_r when smaller). */
export const RETAIN_SAMPLE = 2000;
/** D_f rows whose features each member keeps (seeded sample; all of D_f when smaller). */
export const FEATURE_ROWS = 2000;
/** Test-split rows (every class) whose penultimate features each member keeps: the probes' reference. */
export const PROBE_REFERENCE_ROWS = 1000;
/** Layers whose features each member keeps on the D_f sample, for CKA. */
export const MAX_CKA_LAYERS = 6;
/** Half-D_tr models behind a worst-case forget set's memorisation scores. */
export const MEMORIZATION_SUBSETS = 8;

const OUTPUTS_FORMAT = "unlearn-kit/ensemble-outputs@1";
const OUTPUTS_BIN = "outputs.bin";
const OUTPUTS_JSON = "outputs.json";
const LOGIT_SETS: EvalSet[] = ["forget", "retain", "test", "val"];

/** The rows every member of a task is evaluated on, aligned across members. */
export interface EnsembleRows {
  /** Indices into the train split (forget, retain, val) or the test split (test); retain is the D_r sample. */
  logits: Record<EvalSet, Int32Array>;
  /** Rows of the feature matrices: the D_f sample (train split) and the probes' reference sample (test split). */
  features: { forget: Int32Array; reference: Int32Array };
}

function sortedSample(idx: Int32Array, size: number, seed: number): Int32Array {
  return idx.length <= size ? Int32Array.from(idx) : new Rng(seed).sample(idx, size).sort();
}

/** The seeded rows of a task (the same for every member and method). */
export function ensembleRows(task: ForgetTask): EnsembleRows {
  const seed = task.options.seed;
  const retain = sortedSample(task.retainIdx, RETAIN_SAMPLE, deriveSeed(seed, "ensemble/retain-sample"));
  return {
    logits: { forget: task.forgetIdx, retain, test: task.testIdx, val: task.valIdx },
    features: {
      forget: sortedSample(task.forgetIdx, FEATURE_ROWS, deriveSeed(seed, "ensemble/forget-sample")),
      reference: sortedSample(Int32Array.from(task.test.y.keys()), PROBE_REFERENCE_ROWS, deriveSeed(seed, "ensemble/reference-sample")),
    },
  };
}

const splitOf = (task: ForgetTask, set: EvalSet): Dataset => (set === "test" ? task.test : task.train);

/** The layers whose features CKA compares: evenly spaced dense/conv layers, then the penultimate and the logits. */
export function ckaLayers(net: Net): string[] {
  const layers = net.model.layers;
  const penultimate = net.features.outputs[0].sourceLayer.name;
  const last = net.model.outputs[0].sourceLayer.name;
  const weighted = layers
    .filter((l) => ["Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D"].includes(l.getClassName()))
    .map((l) => l.name)
    .filter((n) => n !== penultimate && n !== last);
  const room = Math.max(0, MAX_CKA_LAYERS - 2);
  const picked = weighted.length <= room
    ? weighted
    : Array.from({ length: room }, (_, i) => weighted[Math.round((i * (weighted.length - 1)) / Math.max(1, room - 1))]);
  const names = new Set([...picked, penultimate, last]);
  return layers.map((l) => l.name).filter((n) => names.has(n));
}

interface OutputEntry {
  name: string;
  rows: number;
  cols: number;
  /** Offset in float32 values. */
  offset: number;
}

interface OutputLayout {
  format: typeof OUTPUTS_FORMAT;
  entries: OutputEntry[];
  layers: string[];
  penultimate: string;
}

/** Rows `idx` of `ds` through `model` (evaluation mode), each output flattened to [rows × features]. */
function forward(model: tf.LayersModel, ds: Dataset, idx: Int32Array, batchSize = 500): Float32Array[] {
  const outs: Float32Array[][] = [];
  let cols: number[] = [];
  for (let s = 0; s < idx.length; s += batchSize) {
    const b = idx.subarray(s, Math.min(idx.length, s + batchSize));
    const { x, y } = batchOf(ds, b);
    const parts = tf.tidy(() => {
      const raw = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
      // Convolutional outputs: average over the spatial axes (one value per channel).
      return (Array.isArray(raw) ? raw : [raw]).map((t) => (t.rank > 2 ? t.mean(Array.from({ length: t.rank - 2 }, (_, i) => i + 1)) : t));
    });
    cols = parts.map((p) => p.shape[1] as number);
    parts.forEach((p, j) => (outs[j] ??= []).push(p.dataSync() as Float32Array));
    tf.dispose([x, y, ...parts]);
  }
  return outs.length
    ? outs.map((chunks, j) => {
      const flat = new Float32Array(idx.length * cols[j]);
      let at = 0;
      for (const c of chunks) (flat.set(c, at), (at += c.length));
      return flat;
    })
    : [];
}

/** A member's outputs on the task's rows, as the two files its cache entry keeps. */
export function memberOutputFiles(net: Net, task: ForgetTask, rows: EnsembleRows): Record<string, Uint8Array> {
  const layers = ckaLayers(net);
  const penultimate = net.features.outputs[0].sourceLayer.name;
  const parts: { name: string; rows: number; data: Float32Array }[] = [];
  for (const set of LOGIT_SETS) {
    const idx = rows.logits[set];
    const [logits] = idx.length ? forward(net.model, splitOf(task, set), idx) : [new Float32Array()];
    parts.push({ name: `logits/${set}`, rows: idx.length, data: logits });
  }
  const layerModel = tf.model({ inputs: net.model.inputs, outputs: layers.map((n) => net.model.getLayer(n).output as tf.SymbolicTensor) });
  const perLayer = forward(layerModel, task.train, rows.features.forget);
  layers.forEach((n, j) => parts.push({ name: `features/${n}/forget`, rows: rows.features.forget.length, data: perLayer[j] }));
  const [referenceFeatures] = forward(net.features, task.test, rows.features.reference);
  parts.push({ name: "features/penultimate/reference", rows: rows.features.reference.length, data: referenceFeatures });
  let offset = 0;
  const entries = parts.map((p) => {
    const e = { name: p.name, rows: p.rows, cols: p.rows ? p.data.length / p.rows : 0, offset };
    offset += p.data.length;
    return e;
  });
  const bin = new Float32Array(offset);
  parts.forEach((p, j) => bin.set(p.data, entries[j].offset));
  const layout: OutputLayout = { format: OUTPUTS_FORMAT, entries, layers, penultimate };
  return { [OUTPUTS_BIN]: new Uint8Array(bin.buffer), [OUTPUTS_JSON]: new TextEncoder().encode(JSON.stringify(layout)) };
}

/** One member's outputs, read from its files. */
export interface MemberOutputs {
  logits: Record<EvalSet, Float32Array>;
  /** `features/<layer>/forget` and `features/penultimate/reference`, row-major. */
  features: Map<string, FeatureMatrix>;
  layers: string[];
  penultimate: string;
}

export function readMemberOutputs(files: Record<string, Uint8Array>): MemberOutputs {
  const layout: OutputLayout = JSON.parse(new TextDecoder().decode(files[OUTPUTS_JSON]));
  if (layout.format !== OUTPUTS_FORMAT) throw new Error(`ensemble member outputs: format ${layout.format}, expected ${OUTPUTS_FORMAT}`);
  const raw = files[OUTPUTS_BIN];
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const slice = (e: OutputEntry) => all.subarray(e.offset, e.offset + e.rows * e.cols);
  const logits = {} as Record<EvalSet, Float32Array>;
  const features = new Map<string, FeatureMatrix>();
  for (const e of layout.entries) {
    if (e.name.startsWith("logits/")) logits[e.name.slice(7) as EvalSet] = slice(e);
    else features.set(e.name, { data: slice(e), rows: e.rows, cols: e.cols });
  }
  return { logits, features, layers: layout.layers, penultimate: layout.penultimate };
}

/** An ensemble's members as the view metrics read (lib/metrics/types.ts `EnsembleView`). */
export function ensembleView(
  method: string,
  task: ForgetTask,
  rows: EnsembleRows,
  members: { outputs: MemberOutputs; seconds: number; cached: boolean; key: string }[],
): EnsembleView {
  const labelsOf = (set: EvalSet, idx: Int32Array) => Int32Array.from(idx, (i) => splitOf(task, set).y[i]);
  const labels = Object.fromEntries(LOGIT_SETS.map((s) => [s, labelsOf(s, rows.logits[s])])) as Record<EvalSet, Int32Array>;
  const featureLabels = { forget: labelsOf("forget", rows.features.forget), reference: labelsOf("test", rows.features.reference) };
  const view = (list: typeof members): EnsembleView => ({
    method,
    size: list.length,
    numClasses: task.numClasses,
    layers: list[0]?.outputs.layers ?? [],
    rows: (set) => rows.logits[set],
    labels: (set) => labels[set],
    logits: (m, set) => list[m].outputs.logits[set],
    featureRows: (set) => rows.features[set],
    featureLabels: (set) => featureLabels[set],
    features(m, set, layer) {
      const out = list[m].outputs;
      const name = set === "reference" ? "features/penultimate/reference" : `features/${layer ?? out.penultimate}/forget`;
      const f = out.features.get(name);
      if (!f) {
        throw new Error(
          `ensemble ${method}: member ${m} has no ${name}${
            set === "reference" && layer ? " (the reference keeps the penultimate only)" : ""
          }`,
        );
      }
      return f;
    },
    slice: (from, to) => view(list.slice(from, to)),
    seconds: list.map((m) => m.seconds),
    cached: list.map((m) => m.cached),
    keys: list.map((m) => m.key),
  });
  return view(members);
}

/** What a task's ensembles are made from. */
export interface EnsembleSettings {
  prepared: PreparedTask;
  /** The original's (and Retrain's) training recipe. */
  training: SgdOptions;
  cacheDir: string;
  dataChecksum: string;
  progress: ProgressSink;
  /** Members per ensemble: Retrain's (also Retrain's own row) and each method's. */
  sizes: { retrain: number; unlearned: number };
  /** The reference method (Retrain) and the options its ensemble is made with. */
  reference: { spec: MethodSpec; options: Record<string, unknown> };
}

/** Seed of member k's random stream for `method`: member 0 shares the run's (task.ts/run.ts `method/<name>`). */
export function memberSeed(seed: number, method: string, k: number): number {
  return k === 0 ? deriveSeed(seed, `method/${method}`) : deriveSeed(seed, `ensemble/${method}/${k}`);
}

/** Training seed of original member k ≥ 1 (member 0 is the task's own original). */
export function originalSeed(seed: number, k: number): number {
  return deriveSeed(seed, `ensemble/original/${k}`);
}

/**
 * The ensembles of one task, made (or read from the cache) when a run first needs them and kept until
 * `dispose`: the originals and Retrain's ensemble are shared by every method of the task.
 */
export class TaskEnsembles {
  readonly rows: EnsembleRows;
  #originals = new Map<number, Promise<{ net: Net; valAcc: number; key: string; seconds: number }>>();
  #retrain?: Promise<EnsembleView>;
  #splitHash?: Promise<string>;

  constructor(readonly settings: EnsembleSettings) {
    this.rows = ensembleRows(settings.prepared.task);
  }

  get task(): ForgetTask {
    return this.settings.prepared.task;
  }

  /** Original member k: the task's own for k = 0, else trained (or loaded) from its training seed. */
  original(k: number): Promise<{ net: Net; valAcc: number; key: string; seconds: number }> {
    let hit = this.#originals.get(k);
    if (!hit) {
      const { prepared, training, cacheDir, dataChecksum } = this.settings;
      hit = k === 0
        ? Promise.resolve({
          net: prepared.original,
          valAcc: prepared.info.valAcc,
          key: prepared.info.key,
          seconds: prepared.info.trainSeconds,
        })
        : originalModel(
          prepared.task,
          prepared.original.config,
          training,
          cacheDir,
          silentProgress,
          dataChecksum,
          originalSeed(prepared.task.options.seed, k),
        )
          .then(({ net, info }) => ({ net, valAcc: info.valAcc, key: info.key, seconds: info.trainSeconds }));
      this.#originals.set(k, hit);
    }
    return hit;
  }

  /** Identifies the split and the rows kept (members of another split or row sample never match). */
  #split(): Promise<string> {
    const t = this.task;
    this.#splitHash ??= sha256Hex(JSON.stringify({
      options: t.options,
      originalKey: t.originalKey,
      forget: Array.from(t.forgetIdx),
      val: Array.from(t.valIdx),
      test: Array.from(t.testIdx),
      retainSample: Array.from(this.rows.logits.retain),
      forgetSample: Array.from(this.rows.features.forget),
      referenceSample: Array.from(this.rows.features.reference),
    }));
    return this.#splitHash;
  }

  /** Member k of `spec`'s ensemble: made from original k (original 0 for a reference method), or read back. */
  async #member(spec: MethodSpec, options: Record<string, unknown>, k: number) {
    const task = this.task;
    const seed = task.options.seed;
    const from = spec.family === "reference" ? 0 : k;
    const original = await this.original(from);
    const rngSeed = memberSeed(seed, spec.name, k);
    const keyText = canonicalJson({
      v: 1,
      kind: "unlearned",
      method: spec.name,
      options,
      member: k,
      rngSeed,
      original: original.key,
      split: await this.#split(),
      training: this.settings.training,
      backend: numericsIdentity(),
      numerics: await numericsFingerprint("ensemble"),
    });
    const entry = await cachedNet(this.settings.cacheDir, {
      folder: "ensembles",
      keyText,
      task,
      checkSeed: seed,
      make: async () => {
        const ctx: UnlearnContext = {
          task,
          original: original.net,
          start: cloneNet(original.net),
          originalTraining: this.settings.training,
          originalValAcc: original.valAcc,
          seed,
          rng: new Rng(rngSeed),
          progress: silentProgress,
        };
        const started = performance.now();
        let outcome;
        try {
          outcome = await spec.runWith(ctx, options);
        } catch (e) {
          try {
            disposeNet(ctx.start);
          } catch { /* the method disposed it */ }
          throw e;
        }
        const seconds = (performance.now() - started) / 1000;
        if (outcome.net !== ctx.start) disposeNet(ctx.start);
        return { net: outcome.net, stats: { seconds }, files: memberOutputFiles(outcome.net, task, this.rows) };
      },
    });
    disposeNet(entry.net); // what the metrics read is in the files
    return { outputs: readMemberOutputs(entry.files), seconds: entry.stats.seconds, cached: entry.cached, key: entry.key };
  }

  /** `spec`'s ensemble of `size` members, with a progress bar (training the originals it starts from too). */
  async ensemble(spec: MethodSpec, options: Record<string, unknown>, size: number): Promise<EnsembleView> {
    const { paradigm, seed } = this.task.options;
    const bar: Bar = this.settings.progress(`ensemble ${spec.name} (${paradigm}, seed ${seed}): ${size} members`, size);
    const members = [];
    let cached = 0;
    try {
      for (let k = 0; k < size; k++) {
        const m = await this.#member(spec, options, k);
        cached += m.cached ? 1 : 0;
        members.push(m);
        bar.tick(1, { member: k + 1, cached });
      }
    } finally {
      bar.done();
    }
    return ensembleView(spec.name, this.task, this.rows, members);
  }

  /** Retrain's ensemble, made once per task. */
  retrain(): Promise<EnsembleView> {
    const { reference, sizes } = this.settings;
    this.#retrain ??= this.ensemble(reference.spec, reference.options, Math.max(sizes.retrain, sizes.unlearned));
    return this.#retrain;
  }

  /**
   * The ensembles a run's metrics compare: its method's and Retrain's. A reference run (Retrain) gets its
   * own ensemble as both, and its metrics compare the two halves. A member that diverges or a method
   * that does not apply leaves the metrics empty, with the reason.
   */
  async forRun(spec: MethodSpec, options: Record<string, unknown>): Promise<EnsembleSet> {
    try {
      const retrain = await this.retrain();
      if (spec.family === "reference") return { ok: true, retrain, unlearned: retrain, reference: true, originalSeconds: [] };
      const unlearned = await this.ensemble(spec, options, this.settings.sizes.unlearned);
      // The extra originals (member 0 is the task's own, trained for the run anyway).
      const originalSeconds = await Promise.all(
        Array.from({ length: unlearned.size - 1 }, (_, k) => this.original(k + 1).then((o) => o.seconds)),
      );
      return { ok: true, retrain, unlearned, reference: false, originalSeconds };
    } catch (e) {
      if (!(e instanceof DivergedError || e instanceof KitError)) throw e;
      // A failed Retrain ensemble would fail every run again: forget it so the next run says so too.
      if (spec.family === "reference") this.#retrain = undefined;
      return { ok: false, why: `an ensemble member of ${spec.name} could not be made: ${e.message}` };
    }
  }

  /** Disposes the original members this object trained or loaded (member 0 belongs to the task). */
  async dispose(): Promise<void> {
    for (const [k, p] of this.#originals) {
      if (k === 0) continue;
      try {
        disposeNet((await p).net);
      } catch { /* never made */ }
    }
    this.#originals.clear();
  }
}

// ---------------------------------------------------------------------------------------------
// Worst-case forget sets

/**
 * A random-paradigm task whose D_f is the most memorised examples of D_tr, as many as the random draw takes
 * (split option forgetRanking "memorization"; docs/verification.md § Memorisation and worst-case forget
 * sets). mem(x) = p_y(x) under the original minus its mean over the `subsets` half-D_tr models whose half
 * left x out (`memorizationFromOriginal`). The original is the random paradigm's (same D_tr, same cache
 * entry); the subset models are cached like ensemble members, with their p_y on D_tr.
 */
export async function prepareWorstCaseTask(
  bundle: DataBundle,
  superClasses: DatasetSpec["superClasses"],
  s: TaskSettings,
  seed: number,
  progress: ProgressSink,
  dataChecksum = "",
  subsets = MEMORIZATION_SUBSETS,
): Promise<PreparedTask> {
  if (subsets < 2) throw new KitError(`needs at least 2 subset models, got ${subsets}`, "worst-case forget set");
  const base = await prepareTask(
    bundle,
    superClasses,
    { ...s, split: { ...s.split, forgetRanking: "random" } },
    "random",
    seed,
    progress,
    dataChecksum,
  );
  const task = base.task;
  const labels = Int32Array.from(task.trainIdx, (i) => task.train.y[i]);
  const pyOf = (net: Net) => trueClassProbability(forward(net.model, task.train, task.trainIdx)[0], labels, task.numClasses);
  const originalPy = pyOf(base.original);
  const subsetPy: Float64Array[] = [];
  const leftOut: Uint8Array[] = [];
  const bar = progress(`memorisation (${subsets} half-D_tr models, seed ${seed})`, subsets);
  try {
    for (let m = 0; m < subsets; m++) {
      const subset = await subsetModel({ base, settings: s, seed, dataChecksum, pyOf }, m);
      subsetPy.push(subset.py);
      leftOut.push(subset.leftOut);
      bar.tick(1, { model: m + 1, cached: subset.cached ? "yes" : "no" });
    }
  } finally {
    bar.done();
  }
  return withWorstCaseForgetSet(base, memorizationFromOriginal(originalPy, subsetPy, leftOut), subsets);
}

/** What every subset model of one task shares: the random paradigm's task and original, and p_y on D_tr. */
interface SubsetSetting {
  base: PreparedTask;
  settings: TaskSettings;
  seed: number;
  dataChecksum: string;
  pyOf: (net: Net) => Float64Array;
}

/**
 * Subset model `m`: trained on a seeded half of D_tr (cached like an ensemble member), its p_y on D_tr, and
 * which examples of D_tr its half left out.
 */
async function subsetModel(w: SubsetSetting, m: number): Promise<{ py: Float64Array; leftOut: Uint8Array; cached: boolean }> {
  const { base, settings: s, seed } = w;
  const task = base.task;
  const train = task.trainIdx;
  const rows = new Rng(deriveSeed(seed, `memorization/subset/${m}`)).sample(train, Math.floor(train.length / 2)).sort();
  const keyText = canonicalJson({
    v: 1,
    kind: "subset",
    data: task.originalKey,
    dataChecksum: w.dataChecksum,
    model: base.original.config,
    training: s.training,
    seed,
    member: m,
    rows: await sha256Hex(rows.join(",")),
    backend: numericsIdentity(),
    numerics: await numericsFingerprint("ensemble"),
  });
  const entry = await cachedNet(s.cacheDir, {
    folder: "ensembles",
    keyText,
    task,
    checkSeed: seed,
    make: () => {
      const net = buildNet(base.original.config, deriveSeed(seed, `memorization/subset/${m}/init`));
      const started = performance.now();
      fit(net, task.train, rows, s.training, { rng: new Rng(deriveSeed(seed, `memorization/subset/${m}/batches`)) });
      const seconds = (performance.now() - started) / 1000;
      const py = Float32Array.from(w.pyOf(net));
      return Promise.resolve({ net, stats: { seconds }, files: { "py.bin": new Uint8Array(py.buffer) } });
    },
  });
  disposeNet(entry.net);
  const raw = entry.files["py.bin"];
  const inHalf = new Set(rows);
  return {
    py: Float64Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))),
    leftOut: Uint8Array.from(train, (i) => (inHalf.has(i) ? 0 : 1)),
    cached: entry.cached,
  };
}

/** The random paradigm's task with D_f replaced by the most memorised examples of D_tr, as many as it drew. */
function withWorstCaseForgetSet(base: PreparedTask, scores: Float64Array, subsets: number): PreparedTask {
  const task = base.task;
  const train = task.trainIdx;
  // As many as the random draw takes (per class, `forgetFraction` of each), so the two compare.
  const size = task.forgetIdx.length;
  const forgetIdx = worstCaseForgetSet(scores, train, size);
  const chosen = new Set(forgetIdx);
  const picked = Array.from(train.keys()).filter((j) => chosen.has(train[j])).map((j) => scores[j]);
  const lowest = Math.min(...picked);
  return {
    ...base,
    task: {
      ...task,
      options: { ...task.options, forgetRanking: "memorization" },
      forgetIdx,
      retainIdx: train.filter((i) => !chosen.has(i)),
      forgotten: {
        description: `the ${size} most memorised examples of D_tr (memorisation ≥ ${lowest.toFixed(3)}: the original's p_y minus ` +
          `its mean over the ${subsets} half-D_tr models that left the example out)`,
      },
    },
  };
}
