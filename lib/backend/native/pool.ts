/**
 * MaxPool and MaxPoolGrad through oneDNN's pooling primitives, NHWC on the wasm heap in place.
 *
 * tfjs's MaxPoolGrad gets (dy, input, output) but oneDNN's backward max pooling needs the forward
 * pass's workspace (where each maximum was), so the kernel reruns the forward pooling in training
 * mode into temporaries (cheap next to the backward pass of the convolution it follows), then runs
 * the backward primitive. Padding is tfjs's; oneDNN's max pooling ignores padded positions, as
 * tfjs does. Ties: checked against tfjs's rule (the first maximum in row-major window order gets
 * the gradient) in tests/backend/native_kernels_test.ts.
 */
import { backend_util, type KernelFunc, type MaxPoolAttrs, type MaxPoolGradAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { DNNL, type DnnlContext, DnnlError, type Primitive } from "./dnnl.ts";
import { at, fallBack, heapBase, wasmKernel } from "./heap.ts";

type Shape4 = [number, number, number, number];

interface PoolGeometry {
  src: number[];
  dst: number[];
  strides: number[];
  kernel: number[];
  padL: number[];
  padR: number[];
  key: string;
  /** Some window lies wholly in the padding. */
  emptyWindows: boolean;
}

function geometry(info: backend_util.Conv2DInfo): PoolGeometry {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const g = {
    src: [n, c, h, w],
    dst: [n, c, oh, ow],
    strides: [sh, sw],
    kernel: [kh, kw],
    padL: [top, left],
    // oneDNN requires oh = (h - kh + top + bottom) / sh + 1; tfjs's output size decides.
    padR: [(oh - 1) * sh + kh - h - top, (ow - 1) * sw + kw - w - left],
  };
  const emptyWindows = [0, 1].some((i) => g.padL[i] >= g.kernel[i] || g.padR[i] >= g.kernel[i]);
  return { ...g, key: JSON.stringify(g), emptyWindows };
}

/** Sets the outputs of windows wholly in the padding to -Infinity (tfjs's max of nothing). */
function markEmptyWindows(out: Float32Array, g: PoolGeometry) {
  const [n, c, oh, ow] = g.dst;
  const [h, w] = g.src.slice(2);
  const empty = (o: number, axis: 0 | 1, size: number) => {
    const start = o * g.strides[axis] - g.padL[axis];
    return start + g.kernel[axis] <= 0 || start >= size;
  };
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let s = 0; s < ow; s++) {
        if (!empty(r, 0, h) && !empty(s, 1, w)) continue;
        const at = ((b * oh + r) * ow + s) * c;
        out.fill(-Infinity, at, at + c);
      }
    }
  }
}

function forwardDesc(ctx: DnnlContext, g: PoolGeometry, prop: number): Uint8Array {
  const desc = ctx.opDesc();
  ctx.check(
    ctx.lib.dnnl_pooling_forward_desc_init(
      desc,
      prop,
      DNNL.alg.poolingMax,
      ctx.memoryDesc(g.src, DNNL.tag.nhwc),
      ctx.memoryDesc(g.dst, DNNL.tag.nhwc),
      ctx.dims(g.strides),
      ctx.dims(g.kernel),
      ctx.dims(g.padL),
      ctx.dims(g.padR),
    ),
    "pooling_forward_desc_init",
  );
  return desc;
}

function forwardPrimitive(ctx: DnnlContext, g: PoolGeometry, training: boolean): Primitive {
  const prop = training ? DNNL.prop.forwardTraining : DNNL.prop.forwardInference;
  return ctx.primitive(`maxpool_fwd ${g.key} training=${training}`, () => ({
    opDesc: forwardDesc(ctx, g, prop),
    args: [
      { arg: DNNL.arg.src, query: DNNL.query.srcMd },
      { arg: DNNL.arg.dst, query: DNNL.query.dstMd },
      ...(training ? [{ arg: DNNL.arg.workspace, query: DNNL.query.workspaceMd }] : []),
    ],
  }));
}

function backwardPrimitive(ctx: DnnlContext, g: PoolGeometry): Primitive {
  return ctx.primitive(`maxpool_bwd ${g.key}`, () => {
    const desc = ctx.opDesc();
    ctx.check(
      ctx.lib.dnnl_pooling_backward_desc_init(
        desc,
        DNNL.alg.poolingMax,
        ctx.memoryDesc(g.src, DNNL.tag.nhwc),
        ctx.memoryDesc(g.dst, DNNL.tag.nhwc),
        ctx.dims(g.strides),
        ctx.dims(g.kernel),
        ctx.dims(g.padL),
        ctx.dims(g.padR),
      ),
      "pooling_backward_desc_init",
    );
    return {
      opDesc: desc,
      hint: ctx.primitiveDesc(forwardDesc(ctx, g, DNNL.prop.forwardTraining)),
      args: [
        { arg: DNNL.arg.diffDst, query: DNNL.query.diffDstMd },
        { arg: DNNL.arg.workspace, query: DNNL.query.workspaceMd },
        { arg: DNNL.arg.diffSrc, query: DNNL.query.diffSrcMd },
      ],
    };
  });
}

function poolInfo(shape: number[], attrs: MaxPoolAttrs | MaxPoolGradAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

const usable = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === "float32" && t.shape.every((d) => d > 0));

export function maxPoolKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<MaxPoolAttrs>((inputs, wasm, attrs) => {
    const { x } = inputs;
    const slow = () => fallBack("MaxPool", fallback, wasm, inputs, attrs);
    if (!usable(x)) return slow();
    const info = poolInfo(x.shape, attrs);
    if (info.outShape.some((d) => d === 0)) return slow();
    try {
      const g = geometry(info);
      const prim = forwardPrimitive(ctx, g, false);
      const out = wasm.makeOutput(info.outShape, "float32");
      const base = heapBase(wasm);
      prim.run([at(base, wasm, x), at(base, wasm, out)]);
      if (g.emptyWindows) markEmptyWindows(wasm.typedArrayFromHeap(out) as Float32Array, g);
      return out;
    } catch (err) {
      if (err instanceof DnnlError) return slow();
      throw err;
    }
  });
}

export function maxPoolGradKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<MaxPoolGradAttrs>((inputs, wasm, attrs) => {
    const { dy, input } = inputs;
    const slow = () => fallBack("MaxPoolGrad", fallback, wasm, inputs, attrs);
    if (!usable(dy, input)) return slow();
    const info = poolInfo(input.shape, attrs);
    let forward: Primitive;
    let backward: Primitive;
    const g = geometry(info);
    if (g.emptyWindows) return slow();
    try {
      forward = forwardPrimitive(ctx, g, true);
      backward = backwardPrimitive(ctx, g);
    } catch (err) {
      if (err instanceof DnnlError) return slow();
      throw err;
    }
    // Temporaries: the recomputed output and the workspace (bytes rounded up to whole floats).
    const output = wasm.makeOutput(info.outShape, "float32");
    const workspace = wasm.makeOutput([Math.ceil(forward.bytes[2] / 4)], "float32");
    const dx = wasm.makeOutput(input.shape, "float32");
    const base = heapBase(wasm);
    try {
      forward.run([at(base, wasm, input), at(base, wasm, output), at(base, wasm, workspace)]);
      backward.run([at(base, wasm, dy), at(base, wasm, workspace), at(base, wasm, dx)]);
    } finally {
      wasm.disposeData(output.dataId);
      wasm.disposeData(workspace.dataId);
    }
    return dx;
  });
}
