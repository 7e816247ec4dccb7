/**
 * The gradient of Relu in one oneDNN call on the native backend: dx = dy where x > 0, else 0 (oneDNN's
 * eltwise backward), instead of tfjs's step, cast and multiply (two passes over x-sized tensors; the
 * CNN's first activation alone is 3.2M values).
 *
 * As for batch norm (./batchnorm_grad.ts), the override is registered once for the kernel name and
 * computes natively only on the native backend, for float32 tensors of at least MIN_ELEMENTS values;
 * everything else, on every backend, goes to tfjs's own gradient function. One difference: where x is
 * NaN tfjs's gradient is NaN and oneDNN's is 0 (a run with NaN activations has diverged either way;
 * lib/train.ts stops it).
 *
 * The override saves Relu's output y for the backward pass instead of its input x, on every backend:
 * y > 0 exactly where x > 0, so both gradients (oneDNN's and tfjs's step of it) are the same bits for
 * every number (where x is NaN, wasm's relu gives 0, so tfjs's gradient there becomes 0 on wasm).
 * The output is what the next layer (a convolution) saves anyway, so the backward pass no longer keeps
 * the input, batch norm's output, alive: a third of a ResNet block's activations (docs/speed.md).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { getGradient, type GradConfig, type KernelFunc, registerGradient, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { DNNL, type DnnlContext } from "./dnnl.ts";
import { MIN_ELEMENTS } from "./eltwise.ts";
import { at, heapBase } from "./heap.ts";

/** The kit's kernel: inputs dy, x; output dx. */
export const RELU_GRAD = "KitReluGrad";

/** dnnl_alg_kind_t eltwise_relu; dnnl_a (1-D) layout. */
const TAG_A = 2;

export function reluGradKernel(ctx: DnnlContext): KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x } = inputs as Record<string, TensorInfo>;
    const wasm = backend as BackendWasm;
    const size = util.sizeFromShape(x.shape);
    // Element-wise: one flat primitive per size.
    const prim = ctx.primitive(`relu_bwd ${size}`, () => {
      const data = ctx.memoryDesc([size], TAG_A);
      const fwd = ctx.opDesc();
      ctx.check(
        ctx.lib.dnnl_eltwise_forward_desc_init(fwd, DNNL.prop.forwardTraining, DNNL.alg.eltwiseRelu, data, 0, 0),
        "eltwise_forward_desc_init",
      );
      const desc = ctx.opDesc();
      ctx.check(ctx.lib.dnnl_eltwise_backward_desc_init(desc, DNNL.alg.eltwiseRelu, data, data, 0, 0), "eltwise_backward_desc_init");
      return {
        opDesc: desc,
        hint: ctx.primitiveDesc(fwd),
        args: [
          { arg: DNNL.arg.src, query: DNNL.query.srcMd },
          { arg: DNNL.arg.diffDst, query: DNNL.query.diffDstMd },
          { arg: DNNL.arg.diffSrc, query: DNNL.query.diffSrcMd },
        ],
      };
    });
    const dx = wasm.makeOutput(x.shape, "float32");
    const base = heapBase(wasm);
    prim.run([at(base, wasm, x), at(base, wasm, dy), at(base, wasm, dx)]);
    return dx;
  };
}

/**
 * Whether the override below computes the gradient natively for float32 dy and x of one shape on the native backend
 * (./dense_stack.ts follows the same rule).
 */
export function reluGradIsNative(size: number): boolean {
  return size >= MIN_ELEMENTS;
}

let installed = false;

/** Gradients computed natively so far (tests check the native path ran). */
export let nativeReluGrads = 0;

/** Overrides Relu's gradient as described above; idempotent. */
export function installReluGradient(nativeBackend: string): void {
  if (installed) return;
  const original: GradConfig | undefined = getGradient("Relu");
  if (original === undefined) return;
  installed = true;
  registerGradient({
    kernelName: "Relu",
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      // y = relu(x): y > 0 exactly where x > 0, which is all either gradient reads of it.
      const [x] = saved;
      const dyT = dy as tf.Tensor;
      const native = tf.getBackend() === nativeBackend && x.dtype === "float32" && dyT.dtype === "float32" &&
        reluGradIsNative(util.sizeFromShape(x.shape)) && util.arraysEqual(x.shape, dyT.shape);
      if (!native) return original.gradFunc(dy, [x], attrs);
      nativeReluGrads++;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dyT, x }, {}) as tf.Tensor };
    },
  });
}
