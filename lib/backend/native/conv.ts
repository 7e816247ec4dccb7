/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter through oneDNN's convolution
 * primitives (forward, backward data, backward weights), on the wasm heap in place.
 *
 * Layouts are tfjs's own, so no reorders: activations NHWC (oneDNN tag `nhwc` over logical dims
 * N, C, H, W), filters [KH, KW, Ci, Co] (tag `hwio` over O, I, H, W). Padding is tfjs's (possibly
 * asymmetric: "same" with an even total puts the extra row at the bottom), given to oneDNN as
 * padding_l = (top, left) and padding_r = what makes oneDNN's output size equal tfjs's. Dilation d
 * is oneDNN's d - 1. FusedConv2D fuses a per-channel bias and relu (a post-op); other activations
 * and biases run as wasm kernels afterwards. A configuration oneDNN refuses, NCHW, and non-float32
 * go to the fallback (the kit's wasm kernel); see docs/speed.md.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  backend_util,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type FusedConv2DAttrs,
  type KernelFunc,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { DNNL, type DnnlContext, DnnlError, type Primitive } from "./dnnl.ts";
import { at, fallBack, heapBase, type Inputs, wasmKernel } from "./heap.ts";

type Shape4 = [number, number, number, number];

/** oneDNN's view of one convolution: dims in its order, and a cache key naming all of it. */
interface Geometry {
  src: number[];
  weights: number[];
  dst: number[];
  strides: number[];
  dilates: number[];
  padL: number[];
  padR: number[];
  key: string;
}

function geometry(info: backend_util.Conv2DInfo): Geometry {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw, effectiveFilterHeight: eh, effectiveFilterWidth: ew } = info;
  const { top, left } = info.padInfo;
  // oneDNN requires oh = (h - eh + top + bottom) / sh + 1 (floor); tfjs's output size decides.
  const bottom = (oh - 1) * sh + eh - h - top;
  const right = (ow - 1) * sw + ew - w - left;
  const g: Omit<Geometry, "key"> = {
    src: [n, ci, h, w],
    weights: [co, ci, kh, kw],
    dst: [n, co, oh, ow],
    strides: [sh, sw],
    dilates: [dh - 1, dw - 1],
    padL: [top, left],
    padR: [bottom, right],
  };
  return { ...g, key: JSON.stringify(g) };
}

function forwardDesc(ctx: DnnlContext, g: Geometry, bias: boolean, prop: number): Uint8Array {
  const desc = ctx.opDesc();
  const biasMd = bias ? ctx.memoryDesc([g.dst[1]], DNNL.tag.a) : null;
  ctx.check(
    ctx.lib.dnnl_dilated_convolution_forward_desc_init(
      desc,
      prop,
      DNNL.alg.convolutionDirect,
      ctx.memoryDesc(g.src, DNNL.tag.nhwc),
      ctx.memoryDesc(g.weights, DNNL.tag.hwio),
      biasMd,
      ctx.memoryDesc(g.dst, DNNL.tag.nhwc),
      ctx.dims(g.strides),
      ctx.dims(g.dilates),
      ctx.dims(g.padL),
      ctx.dims(g.padR),
    ),
    "convolution_forward_desc_init",
  );
  return desc;
}

function forwardPrimitive(ctx: DnnlContext, g: Geometry, bias: boolean, relu: boolean): Primitive {
  return ctx.primitive(`conv_fwd ${g.key} bias=${bias} relu=${relu}`, () => ({
    // forward_training and forward_inference choose the same kernels for convolution; training
    // keeps one primitive per shape for both uses.
    opDesc: forwardDesc(ctx, g, bias, DNNL.prop.forwardTraining),
    reluPostOp: relu,
    args: [
      { arg: DNNL.arg.src, query: DNNL.query.srcMd },
      { arg: DNNL.arg.weights, query: DNNL.query.weightsMd },
      // The bias's layout is the second weights descriptor (index 1).
      ...(bias ? [{ arg: DNNL.arg.bias, query: DNNL.query.weightsMd, index: 1 }] : []),
      { arg: DNNL.arg.dst, query: DNNL.query.dstMd },
    ],
  }));
}

function backwardDataPrimitive(ctx: DnnlContext, g: Geometry): Primitive {
  return ctx.primitive(`conv_bwd_data ${g.key}`, () => {
    const desc = ctx.opDesc();
    ctx.check(
      ctx.lib.dnnl_dilated_convolution_backward_data_desc_init(
        desc,
        DNNL.alg.convolutionDirect,
        ctx.memoryDesc(g.src, DNNL.tag.nhwc),
        ctx.memoryDesc(g.weights, DNNL.tag.hwio),
        ctx.memoryDesc(g.dst, DNNL.tag.nhwc),
        ctx.dims(g.strides),
        ctx.dims(g.dilates),
        ctx.dims(g.padL),
        ctx.dims(g.padR),
      ),
      "convolution_backward_data_desc_init",
    );
    return {
      opDesc: desc,
      hint: ctx.primitiveDesc(forwardDesc(ctx, g, false, DNNL.prop.forwardTraining)),
      args: [
        { arg: DNNL.arg.diffDst, query: DNNL.query.diffDstMd },
        { arg: DNNL.arg.weights, query: DNNL.query.weightsMd },
        { arg: DNNL.arg.diffSrc, query: DNNL.query.diffSrcMd },
      ],
    };
  });
}

function backwardWeightsPrimitive(ctx: DnnlContext, g: Geometry): Primitive {
  return ctx.primitive(`conv_bwd_weights ${g.key}`, () => {
    const desc = ctx.opDesc();
    ctx.check(
      ctx.lib.dnnl_dilated_convolution_backward_weights_desc_init(
        desc,
        DNNL.alg.convolutionDirect,
        ctx.memoryDesc(g.src, DNNL.tag.nhwc),
        ctx.memoryDesc(g.weights, DNNL.tag.hwio),
        null,
        ctx.memoryDesc(g.dst, DNNL.tag.nhwc),
        ctx.dims(g.strides),
        ctx.dims(g.dilates),
        ctx.dims(g.padL),
        ctx.dims(g.padR),
      ),
      "convolution_backward_weights_desc_init",
    );
    return {
      opDesc: desc,
      hint: ctx.primitiveDesc(forwardDesc(ctx, g, false, DNNL.prop.forwardTraining)),
      args: [
        { arg: DNNL.arg.src, query: DNNL.query.srcMd },
        { arg: DNNL.arg.diffDst, query: DNNL.query.diffDstMd },
        { arg: DNNL.arg.diffWeights, query: DNNL.query.diffWeightsMd },
      ],
    };
  });
}

/**
 * Runs `native`; when oneDNN refuses the configuration (a DnnlError, remembered per configuration)
 * runs the fallback kernel instead. Other errors are bugs and propagate.
 */
function orFallback(native: () => TensorInfo, fallback: () => TensorInfo): TensorInfo {
  try {
    return native();
  } catch (err) {
    if (err instanceof DnnlError) return fallback();
    throw err;
  }
}

const isFloat = (...ts: (TensorInfo | undefined)[]) => ts.every((t) => t === undefined || t.dtype === "float32");
const empty = (shape: number[]) => util.sizeFromShape(shape) === 0;

function pointers(wasm: BackendWasm, tensors: TensorInfo[]): Deno.PointerValue[] {
  const base = heapBase(wasm);
  return tensors.map((t) => at(base, wasm, t));
}

export function conv2DKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<Conv2DAttrs>((inputs, wasm, attrs) => {
    const { x, filter } = inputs;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
    const slow = () => fallBack("Conv2D", fallback, wasm, inputs, attrs);
    if (dataFormat === "NCHW" || !isFloat(x, filter)) return slow();
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
    if (empty(info.outShape) || empty(x.shape)) return slow();
    return orFallback(() => {
      const prim = forwardPrimitive(ctx, geometry(info), false, false);
      const out = wasm.makeOutput(info.outShape, "float32");
      prim.run(pointers(wasm, [x, filter, out]));
      return out;
    }, slow);
  });
}

export function fusedConv2DKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<FusedConv2DAttrs>((inputs, wasm, attrs) => {
    const { x, filter, bias } = inputs as Inputs & { bias?: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs;
    const slow = () => fallBack("FusedConv2D", fallback, wasm, inputs, attrs);
    // Only what oneDNN fuses here: a bias of one value per output channel, and linear or relu.
    if (dataFormat === "NCHW" || !isFloat(x, filter, bias) || (activation !== "linear" && activation !== "relu")) return slow();
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
    const co = info.outChannels;
    if (bias !== undefined && (util.sizeFromShape(bias.shape) !== co || bias.shape.at(-1) !== co)) return slow();
    if (empty(info.outShape) || empty(x.shape)) return slow();
    return orFallback(() => {
      const withBias = bias !== undefined;
      const prim = forwardPrimitive(ctx, geometry(info), withBias, activation === "relu");
      const out = wasm.makeOutput(info.outShape, "float32");
      prim.run(pointers(wasm, withBias ? [x, filter, bias!, out] : [x, filter, out]));
      return out;
    }, slow);
  });
}

export function conv2DBackpropInputKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<Conv2DBackpropInputAttrs>((inputs, wasm, attrs) => {
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const slow = () => fallBack("Conv2DBackpropInput", fallback, wasm, inputs, attrs);
    if (dataFormat === "NCHW" || !isFloat(dy, filter)) return slow();
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
    if (empty(inputShape) || empty(dy.shape)) return slow();
    return orFallback(() => {
      const prim = backwardDataPrimitive(ctx, geometry(info));
      const dx = wasm.makeOutput(inputShape, "float32");
      prim.run(pointers(wasm, [dy, filter, dx]));
      return dx;
    }, slow);
  });
}

export function conv2DBackpropFilterKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<Conv2DBackpropFilterAttrs>((inputs, wasm, attrs) => {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const slow = () => fallBack("Conv2DBackpropFilter", fallback, wasm, inputs, attrs);
    if (dataFormat === "NCHW" || !isFloat(x, dy)) return slow();
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
    if (empty(x.shape) || empty(dy.shape)) return slow();
    return orFallback(() => {
      const prim = backwardWeightsPrimitive(ctx, geometry(info));
      const dw = wasm.makeOutput(filterShape, "float32");
      prim.run(pointers(wasm, [x, dy, dw]));
      return dw;
    }, slow);
  });
}
