/**
 * The gradient of FusedBatchNorm (tf.batchNorm: y = scale·(x − mean)/√(variance + ε) + offset) in one
 * oneDNN call on the native backend, instead of tfjs's ~13 passes over x-sized tensors (a tile, seven
 * multiplies, a subtraction, four sums: the largest non-convolution cost of a ResNet-18 step,
 * docs/speed.md).
 *
 * oneDNN's batch-normalization backward with global statistics (mean and variance are inputs, so the
 * primitive treats them as constants, as tfjs's FusedBatchNorm gradient does) returns
 *   dx = dy·scale·r,  dScale = Σ dy·(x − mean)·r,  dOffset = Σ dy      (r = 1/√(variance + ε), Σ over N, H, W),
 * and the gradients for mean and variance follow per channel from those sums:
 *   dMean = Σ −dy·scale·r = −scale·r·dOffset,
 *   dVariance = Σ −½·r³·(x − mean)·dy·scale = −½·scale·r²·dScale.
 * These are exactly the five terms of tfjs 4.22's FusedBatchNorm_grad.
 *
 * The override is registered once for the kernel name (tfjs's gradient registry is global): it
 * computes natively only when the current backend is native and the call is the layer's form (4-D
 * float32 x, per-channel statistics, at least MIN_BATCHNORM_ELEMENTS); every other call, on every
 * other backend, goes to tfjs's own gradient function, kept from before the override.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  type FusedBatchNormAttrs,
  getGradient,
  type GradConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerGradient,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { DNNL, type DnnlContext } from "./dnnl.ts";
import { batchNormThreads, MIN_BATCHNORM_ELEMENTS } from "./eltwise.ts";
import { at, heapBase } from "./heap.ts";

/** The kit's kernel: inputs x, dy, mean, variance, scale; outputs [dx, dScale, dOffset]. */
export const BATCH_NORM_GRAD = "KitFusedBatchNormGrad";

const PROP_BACKWARD = 128;
/**
 * dnnl_normalization_flags_t: use_scale | use_shift, plus use_global_stats where the statistics are
 * given (constants of the gradient, as FusedBatchNorm's) rather than the batch's own (functions of x,
 * as in batchnorm_train.ts).
 */
const USE_GLOBAL_STATS = 1;
const USE_SCALE_SHIFT = 8 | 16;
/** dnnl_types.h argument ids. */
const ARG = { mean: 49, variance: 50, scale: 51, shift: 52, diffScale: 255, diffShift: 256 };
/** dnnl_a: a plain 1-D layout. */
const TAG_A = 2;

/**
 * oneDNN's batch-normalization backward of an NHWC x: inputs x, dy, mean, variance, scale; outputs
 * [dx, dScale, dOffset]. `statistics` "given": mean and variance are constants (this file's gradient);
 * "batch": they are the batch's own, so dx includes the gradient through them (KitBatchNormTrainGrad).
 * Several outputs, so not a wasmKernel; runs on batchNormThreads().
 */
export function batchNormBackwardKernel(ctx: DnnlContext, statistics: "given" | "batch", name: string): KernelFunc {
  const flags = USE_SCALE_SHIFT | (statistics === "given" ? USE_GLOBAL_STATS : 0);
  return ({ inputs, backend, attrs }) => {
    const { x, dy, mean, variance, scale } = inputs as Record<string, TensorInfo>;
    const wasm = backend as BackendWasm;
    const [n, h, w, c] = x.shape;
    const eps = attrs?.varianceEpsilon;
    if (typeof eps !== "number") throw new Error(`${name}: varianceEpsilon missing`);
    const key = `batchnorm_bwd ${statistics} ${x.shape} eps=${eps} threads=${batchNormThreads()}`;
    const prim = ctx.primitive(key, () => {
      const data = ctx.memoryDesc([n, c, h, w], DNNL.tag.nhwc);
      const fwd = ctx.opDesc();
      ctx.check(
        ctx.lib.dnnl_batch_normalization_forward_desc_init(fwd, DNNL.prop.forwardTraining, data, eps, flags),
        "batch_normalization_forward_desc_init",
      );
      const desc = ctx.opDesc();
      ctx.check(
        ctx.lib.dnnl_batch_normalization_backward_desc_init(desc, PROP_BACKWARD, data, data, eps, flags),
        "batch_normalization_backward_desc_init",
      );
      const perChannel = (arg: number) => ({ arg, query: 0, md: ctx.memoryDesc([c], TAG_A) });
      return {
        opDesc: desc,
        hint: ctx.primitiveDesc(fwd),
        threads: batchNormThreads(),
        args: [
          { arg: DNNL.arg.src, query: DNNL.query.srcMd },
          { arg: DNNL.arg.diffDst, query: DNNL.query.diffDstMd },
          perChannel(ARG.mean),
          perChannel(ARG.variance),
          perChannel(ARG.scale),
          // oneDNN 2.6 asks for the shift with use_shift, though the backward pass never reads it.
          perChannel(ARG.shift),
          { arg: DNNL.arg.diffSrc, query: DNNL.query.diffSrcMd },
          perChannel(ARG.diffScale),
          perChannel(ARG.diffShift),
        ],
      };
    });
    const dx = wasm.makeOutput(x.shape, "float32");
    const dScale = wasm.makeOutput([c], "float32");
    const dOffset = wasm.makeOutput([c], "float32");
    const base = heapBase(wasm);
    prim.run([x, dy, mean, variance, scale, scale, dx, dScale, dOffset].map((t) => at(base, wasm, t)));
    return [dx, dScale, dOffset];
  };
}

/** The kernel of this file's gradient override (statistics given). */
export function batchNormGradKernel(ctx: DnnlContext): KernelFunc {
  return batchNormBackwardKernel(ctx, "given", BATCH_NORM_GRAD);
}

let installed = false;

/** Gradients computed natively so far (tests check the native path ran). */
export let nativeBatchNormGrads = 0;

/** Overrides FusedBatchNorm's gradient as described above; idempotent. */
export function installBatchNormGradient(nativeBackend: string): void {
  if (installed) return;
  const original: GradConfig | undefined = getGradient("FusedBatchNorm");
  if (original === undefined) return; // tfjs without the gradient: nothing to speed up
  installed = true;
  registerGradient({
    kernelName: "FusedBatchNorm",
    inputsToSave: original.inputsToSave,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
      const [x, mean, variance, scale] = saved;
      const dyT = dy as tf.Tensor;
      const c = x.shape.at(-1) ?? 0;
      const perChannel = (t?: tf.Tensor) => t == null || (t.rank === 1 && t.shape[0] === c && t.dtype === "float32");
      const native = tf.getBackend() === nativeBackend && x.rank === 4 && x.dtype === "float32" && dyT.dtype === "float32" &&
        util.sizeFromShape(x.shape) >= MIN_BATCHNORM_ELEMENTS && perChannel(mean) && perChannel(variance) && perChannel(scale);
      if (!native) return original.gradFunc(dy, saved, attrs);
      const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
      nativeBatchNormGrads++;
      const gamma = scale ?? tf.ones([c]);
      const [dx, dScale, dOffset] = tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy: dyT, mean, variance, scale: gamma }, {
        varianceEpsilon,
      }) as tf.Tensor[];
      // Per-channel terms (C values): r = 1/√(variance + ε).
      const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
      return {
        x: () => dx,
        mean: () => tf.neg(tf.mul(tf.mul(gamma, r), dOffset)),
        variance: () => tf.mul(tf.mul(tf.mul(gamma, tf.square(r)), dScale), -0.5),
        scale: () => dScale,
        offset: () => dOffset,
      };
    },
  });
}
