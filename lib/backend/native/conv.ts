/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter through oneDNN's convolution
 * primitives (forward, backward data, backward weights), reading and writing the wasm heap.
 *
 * tfjs's layouts are activations NHWC (oneDNN tag `nhwc` over logical dims N, C, H, W) and filters
 * [KH, KW, Ci, Co] (tag `hwio` over O, I, H, W). Each convolution direction runs either on those
 * layouts directly ("plain") or in oneDNN's preferred blocked layouts with reorders in and out
 * ("blocked"); the faster of the two is measured per shape on first use (docs/speed.md). Padding is
 * tfjs's (possibly asymmetric: "same" with an odd total puts the extra row at the bottom), given to
 * oneDNN as padding_l = (top, left) and padding_r = what makes oneDNN's output size equal tfjs's.
 * Dilation d is oneDNN's d − 1. FusedConv2D fuses a per-channel bias and relu (a post-op); other
 * activations and biases, NCHW, non-float32 and any configuration oneDNN refuses go to the fallback
 * (the kit's or stock wasm kernel).
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
import { type ArgSpec, DNNL, type DnnlContext, DnnlError, type Owned, type Primitive } from "./dnnl.ts";
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

type Direction = "forward" | "backwardData" | "backwardWeights";

/**
 * "plain": oneDNN computes on tfjs's layouts directly (for NHWC it picks its GEMM-based kernels).
 * "blocked": oneDNN chooses its layouts (channel blocks of 16 for AVX-512, its direct JIT kernels) and
 * reorders copy tensors in and out through scratch buffers. Which is faster depends on the shape:
 * measured per convolution and direction on first use (see `plan`).
 */
export type ConvLayout = "plain" | "blocked";

let layouts: ConvLayout[] = ["plain", "blocked"];

/** Restricts the layouts tried (tests run each alone); returns the previous setting. */
export function setConvLayouts(next: ConvLayout[]): ConvLayout[] {
  const previous = layouts;
  layouts = next;
  return previous;
}

/**
 * Thread counts tried for each layout: "all" (the backend's) and 1. oneDNN's convolution kernels
 * split work across threads with barriers between phases (the weight gradient reduces per-thread
 * partial sums); where another process holds the second core a spinning barrier waits for a thread
 * that cannot run, and one thread can be faster. Which is measured per shape, with the layouts.
 */
let threadOptions: ("all" | 1)[] = ["all", 1];

/** Restricts the thread counts tried (measurements); returns the previous setting. */
export function setConvThreadOptions(next: ("all" | 1)[]): ("all" | 1)[] {
  const previous = threadOptions;
  threadOptions = next;
  return previous;
}

/** What the first use of each convolution measured and chose, by cache key (bench and docs read this). */
export const convChoices = new Map<string, { chosen: string; impl: string; ms: Record<string, number> }>();

/** The descriptor of one convolution direction with the given layout tags for src, weights, dst. */
function convDesc(ctx: DnnlContext, g: Geometry, dir: Direction, tags: number[], bias: boolean): Uint8Array {
  const desc = ctx.opDesc();
  const [src, weights, dst] = [ctx.memoryDesc(g.src, tags[0]), ctx.memoryDesc(g.weights, tags[1]), ctx.memoryDesc(g.dst, tags[2])];
  const shape = [ctx.dims(g.strides), ctx.dims(g.dilates), ctx.dims(g.padL), ctx.dims(g.padR)] as const;
  const { lib } = ctx;
  const alg = DNNL.alg.convolutionDirect;
  if (dir === "forward") {
    const biasMd = bias ? ctx.memoryDesc([g.dst[1]], DNNL.tag.a) : null;
    ctx.check(
      lib.dnnl_dilated_convolution_forward_desc_init(desc, DNNL.prop.forwardTraining, alg, src, weights, biasMd, dst, ...shape),
      "convolution_forward_desc_init",
    );
  } else if (dir === "backwardData") {
    ctx.check(
      lib.dnnl_dilated_convolution_backward_data_desc_init(desc, alg, src, weights, dst, ...shape),
      "convolution_backward_data_desc_init",
    );
  } else {
    ctx.check(
      lib.dnnl_dilated_convolution_backward_weights_desc_init(desc, alg, src, weights, null, dst, ...shape),
      "convolution_backward_weights_desc_init",
    );
  }
  return desc;
}

/** One argument of a direction: its DNNL_ARG, the query of its layout, tfjs's layout of it, input or output. */
interface PlanArg extends ArgSpec {
  user: Uint8Array;
  input: boolean;
}

function planArgs(ctx: DnnlContext, g: Geometry, dir: Direction, bias: boolean): PlanArg[] {
  const q = DNNL.query;
  const a = DNNL.arg;
  const src = ctx.memoryDesc(g.src, DNNL.tag.nhwc);
  const weights = ctx.memoryDesc(g.weights, DNNL.tag.hwio);
  const dst = ctx.memoryDesc(g.dst, DNNL.tag.nhwc);
  if (dir === "forward") {
    return [
      { arg: a.src, query: q.srcMd, user: src, input: true },
      { arg: a.weights, query: q.weightsMd, user: weights, input: true },
      // The bias's layout is the second weights descriptor (index 1).
      ...(bias ? [{ arg: a.bias, query: q.weightsMd, index: 1, user: ctx.memoryDesc([g.dst[1]], DNNL.tag.a), input: true }] : []),
      { arg: a.dst, query: q.dstMd, user: dst, input: false },
    ];
  }
  if (dir === "backwardData") {
    return [
      { arg: a.diffDst, query: q.diffDstMd, user: dst, input: true },
      { arg: a.weights, query: q.weightsMd, user: weights, input: true },
      { arg: a.diffSrc, query: q.diffSrcMd, user: src, input: false },
    ];
  }
  return [
    { arg: a.src, query: q.srcMd, user: src, input: true },
    { arg: a.diffDst, query: q.diffDstMd, user: dst, input: true },
    { arg: a.diffWeights, query: q.diffWeightsMd, user: weights, input: false },
  ];
}

interface Plan extends Owned {
  impl: string;
  reorders: number;
  /** Runs on tfjs-layout pointers, in planArgs order. */
  run(pointers: Deno.PointerValue[]): void;
}

/** A convolution direction in one layout, with the reorders between tfjs's layouts and oneDNN's. */
function makePlan(
  ctx: DnnlContext,
  g: Geometry,
  dir: Direction,
  layout: ConvLayout,
  bias: boolean,
  relu: boolean,
  threads: number | undefined,
): Plan {
  return ctx.withThreads(threads, () => makePlanNow(ctx, g, dir, layout, bias, relu, threads));
}

function makePlanNow(
  ctx: DnnlContext,
  g: Geometry,
  dir: Direction,
  layout: ConvLayout,
  bias: boolean,
  relu: boolean,
  threads: number | undefined,
): Plan {
  const tags = layout === "plain" ? [DNNL.tag.nhwc, DNNL.tag.hwio, DNNL.tag.nhwc] : [DNNL.tag.any, DNNL.tag.any, DNNL.tag.any];
  const args = planArgs(ctx, g, dir, bias);
  const owned: Owned[] = [];
  let hint: Deno.PointerValue = null;
  let pd: Deno.PointerValue = null;
  try {
    // Backward primitives need the forward one they belong to as a hint.
    if (dir !== "forward") hint = ctx.primitiveDesc(convDesc(ctx, g, "forward", tags, false));
    pd = ctx.primitiveDesc(convDesc(ctx, g, dir, tags, bias && dir === "forward"), hint, relu);
    const compute = ctx.runner(pd, args, threads);
    owned.push(compute);
    const reorders: { index: number; input: boolean; reorder: Primitive }[] = [];
    args.forEach((spec, index) => {
      const chosen = ctx.queryMd(pd, spec.query, spec.index);
      const user = Deno.UnsafePointer.of(spec.user);
      if (ctx.sameLayout(chosen, user)) return;
      const reorder = spec.input ? ctx.reorder(user, chosen) : ctx.reorder(chosen, user);
      owned.push(reorder);
      reorders.push({ index, input: spec.input, reorder });
    });
    const bytes = compute.bytes;
    return {
      impl: compute.impl,
      reorders: reorders.length,
      run(pointers) {
        const inner = pointers.slice();
        // Scratch slot = argument position: kernels run one at a time, so plans share slots.
        for (const r of reorders) inner[r.index] = ctx.scratch(r.index, bytes[r.index]);
        ctx.withThreads(threads, () => {
          for (const r of reorders) if (r.input) r.reorder.run([pointers[r.index], inner[r.index]]);
          compute.run(inner);
          for (const r of reorders) if (!r.input) r.reorder.run([inner[r.index], pointers[r.index]]);
        });
      },
      destroy: () => owned.forEach((o) => o.destroy()),
    };
  } catch (err) {
    owned.forEach((o) => o.destroy());
    throw err;
  } finally {
    if (pd !== null) ctx.lib.dnnl_primitive_desc_destroy(pd);
    if (hint !== null) ctx.lib.dnnl_primitive_desc_destroy(hint);
  }
}

/**
 * The plan for a convolution direction: on first use, every allowed layout × thread count is built and
 * timed on the call's own data (one warm-up run, then the best of two), the fastest kept and the
 * others destroyed. A layout oneDNN refuses is skipped; if it refuses all, the DnnlError propagates
 * (and is remembered).
 */
function plan(
  ctx: DnnlContext,
  g: Geometry,
  dir: Direction,
  bias: boolean,
  relu: boolean,
  pointers: Deno.PointerValue[],
): Plan {
  const counts = ctx.threads > 1 ? threadOptions : ["all" as const];
  const key = `conv ${dir} ${g.key} bias=${bias} relu=${relu} layouts=${layouts.join("+")} threads=${counts.join("+")}`;
  return ctx.cached(key, () => {
    const built: { name: string; plan: Plan }[] = [];
    let refusal: unknown;
    for (const layout of layouts) {
      for (const count of counts) {
        try {
          const plan = makePlan(ctx, g, dir, layout, bias, relu, count === "all" ? undefined : count);
          built.push({ name: `${layout}/${count === "all" ? ctx.threads : count}t`, plan });
        } catch (err) {
          if (!(err instanceof DnnlError)) throw err;
          refusal ??= err;
        }
      }
    }
    if (built.length === 0) throw refusal;
    const ms: Record<string, number> = {};
    let best = built[0];
    if (built.length > 1) {
      for (const b of built) {
        b.plan.run(pointers);
        let fastest = Infinity;
        for (let i = 0; i < 2; i++) {
          const start = performance.now();
          b.plan.run(pointers);
          fastest = Math.min(fastest, performance.now() - start);
        }
        ms[b.name] = Math.round(fastest * 1000) / 1000;
      }
      best = built.reduce((a, b) => (ms[b.name] < ms[a.name] ? b : a));
      for (const b of built) if (b !== best) b.plan.destroy();
    }
    convChoices.set(key, { chosen: best.name, impl: best.plan.impl, ms });
    return best.plan;
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
      const out = wasm.makeOutput(info.outShape, "float32");
      const ptrs = pointers(wasm, [x, filter, out]);
      try {
        plan(ctx, geometry(info), "forward", false, false, ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(out.dataId);
        throw err;
      }
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
      const out = wasm.makeOutput(info.outShape, "float32");
      const ptrs = pointers(wasm, withBias ? [x, filter, bias!, out] : [x, filter, out]);
      try {
        plan(ctx, geometry(info), "forward", withBias, activation === "relu", ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(out.dataId);
        throw err;
      }
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
      const dx = wasm.makeOutput(inputShape, "float32");
      const ptrs = pointers(wasm, [dy, filter, dx]);
      try {
        plan(ctx, geometry(info), "backwardData", false, false, ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(dx.dataId);
        throw err;
      }
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
      const dw = wasm.makeOutput(filterShape, "float32");
      const ptrs = pointers(wasm, [x, dy, dw]);
      try {
        plan(ctx, geometry(info), "backwardWeights", false, false, ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(dw.dataId);
        throw err;
      }
      return dw;
    }, slow);
  });
}
