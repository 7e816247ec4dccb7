/**
 * The training loop shared by original models, Retrain and every fine-tuning-style method: batches
 * from index lists, SGD with momentum and weight decay (PyTorch semantics: v ← μv + g + λw,
 * w ← w − η·v), optional global-norm clipping, and batched prediction.
 */
import * as tf from "@tensorflow/tfjs";
import { type Augment, randomCropFlip } from "./data/augment.ts";
import type { Dataset } from "./data/types.ts";
import { sampleSize } from "./data/types.ts";
import type { Net } from "./models/types.ts";
import type { ProgressSink } from "./progress.ts";
import { silentProgress } from "./progress.ts";
import { Rng } from "./rng.ts";
import { crossEntropy } from "./smoothing.ts";
import { DivergedError } from "./errors.ts";
import { SGD_UPDATE, type SgdUpdateAttrs, SQUARED_NORM } from "./backend/native/sgd.ts";
import { denseStack, denseStackApplies } from "./backend/native/dense_stack.ts";
import { denseStackLayers } from "./models/dense_stack.ts";

export interface SgdOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  /** "cosine" anneals the learning rate to 0 over the run; "constant" keeps it. */
  schedule: "constant" | "cosine";
  /** Clip the global gradient norm to this; 0 turns clipping off. */
  clipNorm: number;
  /**
   * Data augmentation of the training batches: "crop-flip" = a random crop after 4 pixels of zero padding and a
   * random horizontal flip (lib/data/augment.ts), drawn from the run's seeded stream; "none" or absent = none.
   */
  augment?: "none" | "crop-flip";
}

/** Materialises samples `idx` of `ds` as a batch: x [B, ...sampleShape], y [B] int32. */
export function batchOf(ds: Dataset, idx: ArrayLike<number>, augment?: Augment, rng?: Rng): { x: tf.Tensor; y: tf.Tensor1D } {
  const size = sampleSize(ds);
  const n = idx.length;
  const isInt = ds.x instanceof Int32Array;
  const x = isInt ? new Int32Array(n * size) : new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const i = idx[b];
    x.set(ds.x.subarray(i * size, (i + 1) * size), b * size);
    y[b] = ds.y[i];
  }
  if (augment && rng && !isInt) augment(x as Float32Array, n, ds.sampleShape, rng);
  return {
    x: tf.tensor(x, [n, ...ds.sampleShape], isInt ? "int32" : "float32"),
    y: tf.tensor1d(y, "int32"),
  };
}

/** Shuffled mini-batches of `idx` for one epoch. */
export function* epochBatches(idx: Int32Array, batchSize: number, rng: Rng): Generator<Int32Array> {
  const order = rng.shuffle(Int32Array.from(idx));
  for (let s = 0; s < order.length; s += batchSize) yield order.subarray(s, Math.min(order.length, s + batchSize));
}

/** Batches that cycle through `idx` forever, reshuffling at every pass (for the smaller set of a pair). */
export function* cycleBatches(idx: Int32Array, batchSize: number, rng: Rng): Generator<Int32Array> {
  if (idx.length === 0) throw new Error("cycleBatches: empty index list");
  while (true) yield* epochBatches(idx, batchSize, rng);
}

export function trainableVariables(net: Net): tf.Variable[] {
  return net.model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * The net's logits for x. While a tape records on the native backend, a dense stack (the MLP) runs as one op each
 * way (lib/backend/native/dense_stack.ts), with the bits of tfjs's layers; every other case runs the model's layers.
 * Every loss of training and unlearning reaches the model here, so this is the one place that switches.
 */
export function logitsOf(net: Net, x: tf.Tensor, training: boolean): tf.Tensor2D {
  const layers = denseStackApplies() ? denseStackLayers(net.model, x) : undefined;
  return layers ? denseStack(x, layers) : net.model.apply(x, { training }) as tf.Tensor2D;
}

/**
 * One optimiser over a net's trainable variables, with weight decay and clipping applied to gradients.
 * Where the backend has the kit's fused update (KitSgdUpdate: the native backend), every variable is
 * updated by one kernel call with the same float32 operations, in the same order, as tfjs's ops
 * below (lib/backend/native/sgd.ts; tests/backend/native_sgd_test.ts checks the bits against the cpu
 * backend); elsewhere by tfjs's MomentumOptimizer on the adjusted gradients.
 */
export class Sgd {
  readonly #opt: tf.MomentumOptimizer;
  readonly #vars: tf.Variable[];
  /** The fused path's momentum buffers (zeros at first, as tfjs's), one per variable. */
  #velocities: tf.Tensor[] | undefined;
  readonly #fused: boolean;
  #learningRate: number;
  #step = 0;

  constructor(net: Net, readonly options: Pick<SgdOptions, "learningRate" | "momentum" | "weightDecay" | "clipNorm">) {
    this.#vars = trainableVariables(net);
    this.#opt = tf.train.momentum(options.learningRate, options.momentum);
    this.#learningRate = options.learningRate;
    this.#fused = tf.getKernel(SGD_UPDATE, tf.getBackend()) !== undefined && tf.getKernel(SQUARED_NORM, tf.getBackend()) !== undefined;
  }

  setLearningRate(lr: number): void {
    this.#learningRate = lr;
    this.#opt.setLearningRate(lr);
  }

  /**
   * Minimises `loss` (a scalar built from the net's variables) for one step. Returns the loss value
   * and the gradient norm before clipping; throws DivergedError on a non-finite loss or gradient.
   */
  step(loss: () => tf.Scalar): { loss: number; gradNorm: number } {
    this.#step++;
    const { value, grads } = tf.variableGrads(loss, this.#vars);
    const [lossValue, gradNorm] = [value.dataSync()[0], this.#gradientNorm(grads)];
    if (!Number.isFinite(lossValue) || !Number.isFinite(gradNorm)) {
      tf.dispose([value, ...Object.values(grads)]);
      throw new DivergedError(`loss ${lossValue}, gradient norm ${gradNorm} at step ${this.#step}`, this.#step);
    }
    const { weightDecay, clipNorm } = this.options;
    const scale = clipNorm > 0 && gradNorm > clipNorm ? clipNorm / gradNorm : 1;
    if (this.#fused) {
      this.#fusedUpdate(grads, scale);
      tf.dispose([value, ...Object.values(grads)]);
      return { loss: lossValue, gradNorm };
    }
    const adjusted = tf.tidy(() => {
      const out: { [name: string]: tf.Tensor } = {};
      for (const v of this.#vars) {
        let g = grads[v.name];
        if (scale !== 1) g = g.mul(scale);
        if (weightDecay > 0) g = g.add(v.mul(weightDecay));
        out[v.name] = g;
      }
      return out;
    });
    this.#opt.applyGradients(adjusted as Parameters<tf.MomentumOptimizer["applyGradients"]>[0]);
    tf.dispose([value, ...Object.values(grads), ...Object.values(adjusted)]);
    return { loss: lossValue, gradNorm };
  }

  /**
   * ‖g‖ over every variable's gradient, as a float32 value: fused, one KitSquaredNorm call (its sum
   * order is the kit's, lib/backend/native/sgd.ts); else tfjs's ops.
   */
  #gradientNorm(grads: tf.NamedTensorMap): number {
    const list = this.#vars.map((v) => grads[v.name]);
    if (!this.#fused) return tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(g.square())))).dataSync()[0]);
    const inputs: tf.NamedTensorMap = {};
    list.forEach((g, i) => inputs[`g${i}`] = g);
    const squares = tf.engine().runKernel(SQUARED_NORM, inputs, { count: list.length }) as tf.Tensor;
    const sumOfSquares = squares.dataSync()[0];
    squares.dispose();
    return Math.fround(Math.sqrt(sumOfSquares));
  }

  /** Every variable's update in one KitSgdUpdate call: w ← w − lr·v, v ← momentum·v + scale·g + decay·w. */
  #fusedUpdate(grads: tf.NamedTensorMap, gradScale: number): void {
    const vars = this.#vars;
    // kept: a step may run inside a caller's tf.tidy, and the buffers outlive it.
    const velocities = this.#velocities ??= vars.map((v) => tf.keep(tf.zerosLike(v)));
    const inputs: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      inputs[`w${i}`] = v;
      inputs[`g${i}`] = grads[v.name];
      inputs[`v${i}`] = velocities[i];
    });
    const attrs: SgdUpdateAttrs = {
      count: vars.length,
      learningRate: this.#learningRate,
      momentum: this.options.momentum,
      weightDecay: this.options.weightDecay,
      gradScale,
    };
    const outs = tf.engine().runKernel(SGD_UPDATE, inputs, { ...attrs }) as tf.Tensor[];
    vars.forEach((v, i) => v.assign(outs[i]));
    tf.dispose([...velocities, ...outs.slice(0, vars.length)]);
    this.#velocities = outs.slice(vars.length).map((t) => tf.keep(t));
  }

  dispose(): void {
    tf.dispose(this.#velocities ?? []);
    this.#opt.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD parent keeps
    // (`c`), leaking one tensor per optimiser; dispose it here.
    (this.#opt as unknown as { c?: tf.Tensor }).c?.dispose();
  }
}

export function learningRateAt(opts: Pick<SgdOptions, "learningRate" | "schedule">, progress: number): number {
  return opts.schedule === "cosine" ? 0.5 * opts.learningRate * (1 + Math.cos(Math.PI * Math.min(1, progress))) : opts.learningRate;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  trainAcc: number;
  learningRate: number;
}

export interface FitOptions {
  rng: Rng;
  progress?: ProgressSink;
  label?: string;
  /** Overrides the recipe's `augment` (tests, benches). */
  augment?: Augment;
}

/** Trains `net` on samples `idx` of `ds` with cross-entropy; returns per-epoch statistics. */
export function fit(net: Net, ds: Dataset, idx: Int32Array, opts: SgdOptions, run: FitOptions): EpochStats[] {
  const sgd = new Sgd(net, opts);
  const augment = run.augment ?? (opts.augment === "crop-flip" ? randomCropFlip() : undefined);
  const stepsPerEpoch = Math.ceil(idx.length / opts.batchSize);
  const bar = (run.progress ?? silentProgress)(run.label ?? "train", opts.epochs * stepsPerEpoch);
  const history: EpochStats[] = [];
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let step = 0;
      let lr = opts.learningRate;
      for (const b of epochBatches(idx, opts.batchSize, run.rng)) {
        lr = learningRateAt(opts, (epoch + step / stepsPerEpoch) / opts.epochs);
        sgd.setLearningRate(lr);
        const { x, y } = batchOf(ds, b, augment, run.rng);
        let hits = 0;
        const { loss } = sgd.step(() => {
          const logits = logitsOf(net, x, true);
          hits = tf.tidy(() => tf.sum(tf.equal(tf.argMax(logits, 1), y).toInt()).dataSync()[0]);
          return tf.mean(crossEntropy(logits, y)) as tf.Scalar;
        });
        tf.dispose([x, y]);
        lossSum += loss * b.length;
        correct += hits;
        seen += b.length;
        step++;
        bar.tick(1, { epoch: epoch + 1, loss: lossSum / seen, acc: correct / seen });
      }
      history.push({ epoch: epoch + 1, loss: lossSum / seen, trainAcc: correct / seen, learningRate: lr });
    }
  } finally {
    sgd.dispose();
    bar.done();
  }
  return history;
}

/** Softmax probabilities [n × K] of samples `idx` (evaluation mode), with their labels. */
export function predict(
  net: Net,
  ds: Dataset,
  idx: Int32Array,
  batchSize = 1000,
): { probs: Float32Array; labels: Int32Array; numClasses: number } {
  const k = net.config.numClasses;
  const probs = new Float32Array(idx.length * k);
  for (let s = 0; s < idx.length; s += batchSize) {
    const b = idx.subarray(s, Math.min(idx.length, s + batchSize));
    const { x, y } = batchOf(ds, b);
    const p = tf.tidy(() => tf.softmax(logitsOf(net, x, false)));
    probs.set(p.dataSync(), s * k);
    tf.dispose([x, y, p]);
  }
  return { probs, labels: Int32Array.from(idx, (i) => ds.y[i]), numClasses: k };
}

/** Share of rows whose arg-max equals the label, in [0, 1]; NaN for an empty set. */
export function accuracyOf(probs: Float32Array, labels: Int32Array, numClasses: number): number {
  if (labels.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probs[i * numClasses + c] > probs[i * numClasses + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

export function evaluateAccuracy(net: Net, ds: Dataset, idx: Int32Array): number {
  const { probs, labels, numClasses } = predict(net, ds, idx);
  return accuracyOf(probs, labels, numClasses);
}
