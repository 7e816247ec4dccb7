/**
 * Batch normalisation in training mode as one oneDNN call each way, on the native backend.
 *
 * tfjs's BatchNormalization layer computes a batch's statistics op by op (`tf.moments`: a mean, a
 * subtraction, a square, another mean), normalises with FusedBatchNorm, and differentiates all of it
 * op by op: with the gradient through the statistics, about a dozen passes over activation-sized
 * tensors per layer each way, and the subtraction's output kept for the backward pass
 * (docs/speed.md). PyTorch runs one fused kernel each way. Here, too:
 *
 * - forward (KitBatchNormTrain): oneDNN's batch normalization forward_training with use_scale |
 *   use_shift computes, per channel c over N, H, W, mean_c = Σx/M and variance_c = Σ(x − mean_c)²/M
 *   (M = N·H·W: the biased variance, as tf.moments), and y = scale·(x − mean)/√(variance + ε) + offset;
 * - backward (KitBatchNormTrainGrad): oneDNN's backward with the statistics as functions of x gives
 *   dScale = Σ dy·x̂, dOffset = Σ dy and dx = scale/√(variance + ε)·(dy − dOffset/M − x̂·dScale/M)
 *   (x̂ = (x − mean)/√(variance + ε)), the whole gradient of y through the statistics, which tfjs's op
 *   by op gradient also computes.
 *
 * The mean and variance outputs feed the layer's moving averages only, which no loss depends on, so
 * the gradient takes y's alone (a caller that differentiated through them would get no gradient
 * from them: the layer below is the only caller). Both primitives run on batchNormThreads() (one
 * thread, eltwise.ts): the same bits on any thread count.
 *
 * The layer: tfjs's BatchNormalization class gets a `call` that, on the native backend in training
 * mode with the usual form (4-D float32 input, the last axis normalised, with scale and offset),
 * runs these two kernels and updates the moving averages exactly as tfjs does; anywhere else it calls
 * tfjs's own `call`, kept from before. Patching the class (not a subclass in lib/models) covers
 * layers built by every model and layers loaded from a saved model alike.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type KernelFunc, type NamedAttrMap, registerGradient, type TensorInfo } from "@tensorflow/tfjs-core";
import { DNNL, type DnnlContext, type Primitive } from "./dnnl.ts";
import { batchNormThreads } from "./eltwise.ts";
import { at, heapBase } from "./heap.ts";
import { batchNormBackwardKernel } from "./batchnorm_grad.ts";

/** The kit's kernels: inputs x, scale, offset → [y, mean, variance]; and its gradient. */
export const BATCH_NORM_TRAIN = "KitBatchNormTrain";
export const BATCH_NORM_TRAIN_GRAD = "KitBatchNormTrainGrad";

/** dnnl_normalization_flags_t: use_scale | use_shift (statistics computed from the batch). */
const FLAGS = 8 | 16;
/** dnnl_types.h argument ids. */
const ARG = { mean: 49, variance: 50, scale: 51, shift: 52 };
/** dnnl_a: a plain 1-D layout. */
const TAG_A = 2;

interface Attrs {
  varianceEpsilon: number;
}

function epsilonOf(attrs: NamedAttrMap | undefined): number {
  const eps = attrs?.varianceEpsilon;
  if (typeof eps !== "number") throw new Error(`${BATCH_NORM_TRAIN}: varianceEpsilon missing`);
  return eps;
}

/** The forward primitive, cached by shape, ε and threads. */
function forwardPrimitive(ctx: DnnlContext, shape: number[], eps: number): Primitive {
  const [n, h, w, c] = shape;
  return ctx.primitive(`batchnorm_train_forward ${shape} eps=${eps} threads=${batchNormThreads()}`, () => {
    const data = ctx.memoryDesc([n, c, h, w], DNNL.tag.nhwc);
    const fwd = ctx.opDesc();
    ctx.check(
      ctx.lib.dnnl_batch_normalization_forward_desc_init(fwd, DNNL.prop.forwardTraining, data, eps, FLAGS),
      "batch_normalization_forward_desc_init",
    );
    const perChannel = (arg: number) => ({ arg, query: 0, md: ctx.memoryDesc([c], TAG_A) });
    return {
      opDesc: fwd,
      threads: batchNormThreads(),
      args: [
        { arg: DNNL.arg.src, query: DNNL.query.srcMd },
        perChannel(ARG.scale),
        perChannel(ARG.shift),
        { arg: DNNL.arg.dst, query: DNNL.query.dstMd },
        perChannel(ARG.mean),
        perChannel(ARG.variance),
      ],
    };
  });
}

/** KitBatchNormTrain: y, and the batch's mean and (biased) variance per channel. */
export function batchNormTrainKernel(ctx: DnnlContext): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, scale, offset } = inputs as Record<string, TensorInfo>;
    const wasm = backend as BackendWasm;
    const c = x.shape[3];
    const prim = forwardPrimitive(ctx, x.shape, epsilonOf(attrs));
    const y = wasm.makeOutput(x.shape, "float32");
    const mean = wasm.makeOutput([c], "float32");
    const variance = wasm.makeOutput([c], "float32");
    const base = heapBase(wasm);
    prim.run([x, scale, offset, y, mean, variance].map((t) => at(base, wasm, t)));
    return [y, mean, variance];
  };
}

/** KitBatchNormTrainGrad: inputs x, dy, mean, variance, scale → [dx, dScale, dOffset] (the batch's statistics). */
export function batchNormTrainGradKernel(ctx: DnnlContext): KernelFunc {
  return batchNormBackwardKernel(ctx, "batch", BATCH_NORM_TRAIN_GRAD);
}

/** Batch normalisation of a training batch on the native backend: [y, mean, variance]. */
export function batchNormTrain(x: tf.Tensor4D, scale: tf.Tensor1D, offset: tf.Tensor1D, varianceEpsilon: number): tf.Tensor[] {
  const attrs: Attrs = { varianceEpsilon };
  return tf.engine().runKernel(BATCH_NORM_TRAIN, { x, scale, offset }, { ...attrs }) as tf.Tensor[];
}

/** Trained batch normalisations run natively so far (tests check the native path ran). */
export let nativeBatchNormTrains = 0;

/** The fields of tfjs-layers' BatchNormalization that the training path reads (not in its public types). */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type LayerCall = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** tfjs's moving average, verbatim: variable ← variable − (variable − value)·(1 − momentum). */
function movingAverage(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

/** The fused training path of one call, or undefined where tfjs's own call must run. */
function fusedCall(layer: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>, backendName: string) {
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  const usual = kwargs?.training === true && tf.getBackend() === backendName && x !== undefined && x.rank === 4 &&
    x.dtype === "float32" && (layer.axis === -1 || layer.axis === 3) && layer.center && layer.scale;
  if (!usual) return undefined;
  nativeBatchNormTrains++;
  return tf.tidy(() => {
    const [y, mean, variance] = batchNormTrain(
      x as tf.Tensor4D,
      layer.gamma.read() as tf.Tensor1D,
      layer.beta.read() as tf.Tensor1D,
      layer.epsilon,
    );
    movingAverage(layer.movingMean, mean, layer.momentum);
    movingAverage(layer.movingVariance, variance, layer.momentum);
    return y;
  });
}

let installed = false;

/** Registers the gradient and patches the layer's call as described above; idempotent. */
export function installBatchNormTraining(backendName: string): void {
  if (installed) return;
  installed = true;
  registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ["x", "scale"],
    outputsToSave: [false, true, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
      const [x, scale, mean, variance] = saved;
      const dy = (dys as tf.Tensor[])[0];
      const [dx, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { x, dy, mean, variance, scale }, {
        varianceEpsilon: epsilonOf(attrs),
      }) as tf.Tensor[];
      return { x: () => dx, scale: () => dScale, offset: () => dOffset };
    },
  });
  const prototype = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: LayerCall };
  const original = prototype.call;
  prototype.call = function (this: BatchNormLayer, inputs, kwargs) {
    return fusedCall(this, inputs, kwargs, backendName) ?? original.call(this, inputs, kwargs);
  };
}
