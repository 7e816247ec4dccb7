/** A tiny forgetting task (synthetic 4×4×1, 3 classes, 200 samples) and a trained MLP, for method tests. */
import { initBackend } from "../../lib/backend.ts";
import type { Paradigm } from "../../lib/data/splits.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import type { ForgetTask } from "../../lib/data/splits.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";
import { buildNet, cloneNet, modelConfig } from "../../lib/models/registry.ts";
import type { Net } from "../../lib/models/types.ts";
import { silentProgress } from "../../lib/progress.ts";
import { Rng } from "../../lib/rng.ts";
import type { SgdOptions } from "../../lib/train.ts";
import { evaluateAccuracy, fit } from "../../lib/train.ts";
import type { UnlearnContext } from "../../lib/unlearn/types.ts";
import type { SearchConfig } from "../../lib/search/search.ts";

export const TINY_TRAINING: SgdOptions = {
  epochs: 30,
  batchSize: 32,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 0,
  schedule: "constant",
  clipNorm: 0,
};

export const TINY_BUNDLE = makeSynthetic({ numClasses: 3, side: 4, trainPerClass: 56, testPerClass: 11, identitiesPerClass: 3, seed: 5 });

/** The experiment of a search on TINY_BUNDLE: an MLP of 8 hidden units, 10 epochs, seed 0, on cpu. */
export function tinySearchExperiment(cacheDir: string): SearchConfig["experiment"] {
  return {
    dataset: "synthetic",
    bundle: TINY_BUNDLE,
    model: "mlp",
    modelOptions: { hidden: 8 },
    seeds: [0],
    split: { valFraction: 0.1 },
    training: { ...TINY_TRAINING, epochs: 10 },
    cacheDir,
    backend: "cpu",
    progress: false,
  };
}

export function tinyTask(paradigm: Paradigm, seed = 0): ForgetTask {
  return makeForgetTask("synthetic-tiny", TINY_BUNDLE.train, TINY_BUNDLE.test, { paradigm, seed, valFraction: 0.1, forgetFraction: 0.2 });
}

const originals = new Map<string, { net: Net; valAcc: number }>();

/** The original model of a tiny task (trained once per process and seed; callers must not train it). */
export async function tinyOriginal(task: ForgetTask): Promise<{ net: Net; valAcc: number }> {
  await initBackend({ backend: "cpu" });
  const key = task.originalKey + task.options.seed;
  let o = originals.get(key);
  if (!o) {
    const config = modelConfig("mlp", task.train.sampleShape, task.numClasses, { hidden: 8, depth: 2 });
    const net = buildNet(config, 7 + task.options.seed);
    fit(net, task.train, task.trainIdx, TINY_TRAINING, { rng: new Rng(11) });
    o = { net, valAcc: evaluateAccuracy(net, task.train, task.valIdx) };
    originals.set(key, o);
  }
  return o;
}

export async function tinyContext(paradigm: Paradigm, seed = 0): Promise<UnlearnContext> {
  const task = tinyTask(paradigm, seed);
  const { net, valAcc } = await tinyOriginal(task);
  return {
    task,
    original: net,
    start: cloneNet(net),
    originalTraining: TINY_TRAINING,
    originalValAcc: valAcc,
    seed,
    rng: new Rng(seed + 100),
    progress: silentProgress,
  };
}

export function weightsOf(net: Net): Float32Array[] {
  return net.model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

export function sameWeights(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((w, i) => w.length === b[i].length && w.every((v, j) => v === b[i][j]));
}
