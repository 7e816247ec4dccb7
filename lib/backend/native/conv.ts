/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter through oneDNN's convolution
 * primitives (forward, backward data, backward weights), reading and writing the wasm heap.
 *
 * tfjs's layouts are activations NHWC (oneDNN tag `nhwc` over logical dims N, C, H, W) and filters
 * [KH, KW, Ci, Co] (tag `hwio` over O, I, H, W). Each convolution direction runs either on those
 * layouts directly ("plain") or in oneDNN's preferred blocked layouts with reorders in and out
 * ("blocked"), on one thread or on every thread; on first use only the variants that give the same
 * bits as the canonical one run (see `plan`, docs/speed.md). Padding is
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
import {
  type ArgSpec,
  CHAIN_STATUS_SLOT,
  DNNL,
  type DnnlContext,
  DnnlError,
  type ExecStep,
  type Owned,
  type Primitive,
  writeChain,
} from "./dnnl.ts";
import { at, fallBack, heapBase, type Inputs, wasmKernel } from "./heap.ts";
import { TASK_SLOTS, type TaskRunner } from "./parallel.ts";

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
 * "blocked": oneDNN chooses its layouts (channel blocks of 8 on AVX2, 16 on AVX-512: its direct JIT
 * kernels) and reorders copy tensors in and out through scratch buffers.
 */
export type ConvLayout = "plain" | "blocked";

/**
 * The layouts tried, the canonical one first. The canonical variant of a convolution is the first
 * layout oneDNN accepts for it, on one thread: its bits are the convolution's bits, on any machine
 * load and thread count. "blocked" is canonical because its kernels gave the same bits on one and on
 * two threads in all three directions for most of the CNN's and ResNet-18's layers, so the second
 * core can serve them; "plain" differs from "blocked" in its bits, and its weight gradient differs
 * between thread counts.
 */
let layouts: ConvLayout[] = ["blocked", "plain"];

/** Restricts the layouts tried, canonical first (tests run each alone); returns the previous setting. */
export function setConvLayouts(next: ConvLayout[]): ConvLayout[] {
  const previous = layouts;
  layouts = next;
  return previous;
}

/** What the first use of each convolution found, by cache key (bench, docs and run records read this). */
export interface ConvChoice {
  /** The variant that runs, e.g. "blocked/2t"; always bit-identical to `canonical`. */
  chosen: string;
  canonical: string;
  impl: string;
  /** ms of each bit-identical variant (best of two runs; empty unless the pick was timed among several). */
  ms: Record<string, number>;
  /** Variants discarded because their output differed from the canonical one's in at least one bit. */
  differed: string[];
}

export const convChoices = new Map<string, ConvChoice>();

/**
 * How a first use picks among the bit-identical variants: "timed" (the fastest, the default),
 * "canonical" (always the canonical one) or "other" (the last identical one, usually on every thread).
 * Tests force each (UNLEARN_NATIVE_PICK, lib/env.ts) to show that the pick never changes a bit.
 */
export type VariantPick = "timed" | "canonical" | "other";

let pick: VariantPick = "timed";

/** Sets how first uses pick a variant (see VariantPick); returns the previous setting. */
export function setVariantPick(next: VariantPick): VariantPick {
  const previous = pick;
  pick = next;
  return previous;
}

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

/** A one-thread plan that can also be run from a task list: its executions in order, data pointers set. */
interface ChainPlan extends Plan {
  /** Binds every primitive to `pointers` (reorder scratch in slots `slotBase` + argument position). */
  steps(pointers: Deno.PointerValue[], slotBase: number): ExecStep[];
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
): ChainPlan {
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
): ChainPlan {
  const tags = layout === "plain" ? [DNNL.tag.nhwc, DNNL.tag.hwio, DNNL.tag.nhwc] : [DNNL.tag.any, DNNL.tag.any, DNNL.tag.any];
  const args = planArgs(ctx, g, dir, bias);
  const owned: Owned[] = [];
  let hint: Deno.PointerValue = null;
  let pd: Deno.PointerValue = null;
  try {
    // Backward primitives need the forward one they belong to as a hint.
    if (dir !== "forward") hint = ctx.primitiveDesc(convDesc(ctx, g, "forward", tags, false));
    // User scratchpad mode: a plan may run on a pool thread (batch halves), so it brings its own scratchpad.
    pd = ctx.primitiveDesc(convDesc(ctx, g, dir, tags, bias && dir === "forward"), hint, relu, true);
    const pad = ctx.scratchpadBytes(pd) > 0;
    const compute = ctx.runner(pd, pad ? [...args, { arg: DNNL.arg.scratchpad, query: DNNL.query.scratchpadMd }] : args, threads);
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
    // Scratch slot = slotBase + argument position (the scratchpad's is the last): kernels run one at a
    // time, so plans share slots; the two batch halves, run at once, use different bases.
    const withScratch = (pointers: Deno.PointerValue[], slotBase: number) => {
      const inner = pointers.slice();
      for (const r of reorders) inner[r.index] = ctx.scratch(slotBase + r.index, bytes[r.index]);
      if (pad) inner.push(ctx.scratch(slotBase + args.length, bytes[args.length]));
      return inner;
    };
    return {
      impl: compute.impl,
      reorders: reorders.length,
      steps(pointers, slotBase) {
        const inner = withScratch(pointers, slotBase);
        for (const r of reorders) r.reorder.bind(r.input ? [pointers[r.index], inner[r.index]] : [inner[r.index], pointers[r.index]]);
        compute.bind(inner);
        const ins = reorders.filter((r) => r.input).map((r) => r.reorder.exec);
        const outs = reorders.filter((r) => !r.input).map((r) => r.reorder.exec);
        return [...ins, compute.exec, ...outs];
      },
      run(pointers) {
        const inner = withScratch(pointers, 0);
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

/** Bytes of the output a direction writes (tfjs's layout, f32): its last argument. */
function outputBytes(g: Geometry, dir: Direction): number {
  const dims = dir === "forward" ? g.dst : dir === "backwardData" ? g.src : g.weights;
  return 4 * dims.reduce((a, b) => a * b, 1);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The batch halves of a convolution: samples [0, n0) and [n0, n) with n0 = ⌈n/2⌉, a rule of the shape
 * alone. Forward and backward data compute each sample's output from that sample alone, so the halves
 * can give the whole batch's bits; whether they do is checked on first use like any variant.
 */
function batchHalves(n: number): [number, number] {
  const first = Math.ceil(n / 2);
  return [first, n - first];
}

function withBatch(g: Geometry, n: number): Geometry {
  const { key: _key, ...rest } = g;
  const h = { ...rest, src: [n, ...g.src.slice(1)], dst: [n, ...g.dst.slice(1)] };
  return { ...h, key: JSON.stringify(h) };
}

/** Arguments cut along the batch (position → bytes per sample): activations in and out, not weights or bias. */
function batchArgs(g: Geometry, dir: "forward" | "backwardData", count: number): Map<number, number> {
  const perSample = (dims: number[]) => 4 * dims.slice(1).reduce((a, b) => a * b, 1);
  const [first, last] = dir === "forward" ? [g.src, g.dst] : [g.dst, g.src];
  return new Map([[0, perSample(first)], [count - 1, perSample(last)]]);
}

/** Scratch slots per plan (argument positions, then the scratchpad); the second half's use the next ones. */
const SLOTS_PER_PLAN = 5;

/**
 * The canonical layout's one-thread kernel on each batch half, the two halves run at once by the
 * parallel runner (task kind "dnnl": on two threads where the helper runs, else one after another), each
 * on its own stream, primitives and scratch.
 */
function makeHalves(
  ctx: DnnlContext,
  runner: TaskRunner,
  g: Geometry,
  dir: "forward" | "backwardData",
  bias: boolean,
  relu: boolean,
): Plan {
  const sizes = batchHalves(g.src[0]);
  const parts: ChainPlan[] = [];
  try {
    for (const n of sizes) parts.push(makePlan(ctx, withBatch(g, n), dir, layouts[0], bias, relu, 1));
  } catch (err) {
    parts.forEach((p) => p.destroy());
    throw err;
  }
  const tasks = new BigInt64Array(2 * TASK_SLOTS);
  const firstSample = [0, sizes[0]];
  return {
    impl: `${parts[0].impl} (batch halves)`,
    reorders: parts[0].reorders,
    run(pointers) {
      const split = batchArgs(g, dir, pointers.length);
      const chains = parts.map((part, h) => {
        const own = pointers.map((p, i) => split.has(i) ? Deno.UnsafePointer.offset(p!, firstSample[h] * split.get(i)!) : p);
        return part.steps(own, h * SLOTS_PER_PLAN);
      });
      runHalves(ctx, runner, tasks, chains);
    },
    destroy: () => parts.forEach((p) => p.destroy()),
  };
}

/**
 * The partition of a weight gradient, part of the backend's numerics identity (lib/backend.ts): a batch
 * of n ≥ 2 is cut into the halves of `batchHalves`, each half's gradient is the canonical layout's
 * one-thread kernel, and the two are added in float32, half 0 + half 1. It is the canonical weight
 * gradient on any thread count (a whole-batch kernel sums in another order and is not tried); the
 * halves run at once through the parallel runner where it has two threads.
 */
export const CONV_WEIGHTS_PARTITION = "batch halves [0,ceil(n/2)) and [ceil(n/2),n) for n>=2, each one-thread, summed h0+h1 in f32";

/** The first layout oneDNN accepts, on one thread, for each batch half; their plans, or the refusal. */
function halfPlans(
  ctx: DnnlContext,
  g: Geometry,
  dir: Direction,
  bias: boolean,
  relu: boolean,
): { layout: ConvLayout; parts: ChainPlan[] } {
  let refusal: unknown;
  for (const layout of layouts) {
    const parts: ChainPlan[] = [];
    try {
      for (const n of batchHalves(g.src[0])) parts.push(makePlan(ctx, withBatch(g, n), dir, layout, bias, relu, 1));
      return { layout, parts };
    } catch (err) {
      parts.forEach((p) => p.destroy());
      if (!(err instanceof DnnlError)) throw err;
      refusal ??= err;
    }
  }
  throw refusal;
}

/** Runs two half plans' chains through the runner (each on its own stream), OpenMP on one thread; throws on a failed step. */
function runHalves(ctx: DnnlContext, runner: TaskRunner, tasks: BigInt64Array, chains: ExecStep[][]): void {
  const streams = [ctx.stream, ctx.secondStream];
  chains.forEach((steps, h) => writeChain(tasks, h * TASK_SLOTS, streams[h], steps));
  ctx.withThreads(1, () => runner.run("dnnl", tasks, 2));
  for (let h = 0; h < 2; h++) {
    const status = tasks[h * TASK_SLOTS + CHAIN_STATUS_SLOT];
    if (status !== 0n) throw new DnnlError(`primitive_execute (batch half ${h})`, Number(status));
  }
}

/**
 * The canonical weight gradient (CONV_WEIGHTS_PARTITION): half 0's gradient written to the output, half
 * 1's to a scratch buffer, then output[i] = output[i] + scratch[i] in float32 (a sum of two float32
 * values rounded once from double is the float32 sum).
 */
function makeWeightHalves(ctx: DnnlContext, runner: TaskRunner, g: Geometry): { name: string; plan: Plan } {
  const { layout, parts } = halfPlans(ctx, g, "backwardWeights", false, false);
  const [n0] = batchHalves(g.src[0]);
  const perSample = (dims: number[]) => 4 * dims.slice(1).reduce((a, b) => a * b, 1);
  const [srcStep, dstStep] = [n0 * perSample(g.src), n0 * perSample(g.dst)];
  const bytes = outputBytes(g, "backwardWeights");
  const tasks = new BigInt64Array(2 * TASK_SLOTS);
  const plan: Plan = {
    impl: `${parts[0].impl} (batch halves, summed)`,
    reorders: parts[0].reorders,
    run([x, dy, dw]) {
      const partial = ctx.scratch(2 * SLOTS_PER_PLAN, bytes);
      const second = [Deno.UnsafePointer.offset(x!, srcStep), Deno.UnsafePointer.offset(dy!, dstStep), partial];
      runHalves(ctx, runner, tasks, [parts[0].steps([x, dy, dw], 0), parts[1].steps(second, SLOTS_PER_PLAN)]);
      const out = new Float32Array(Deno.UnsafePointerView.getArrayBuffer(dw!, bytes));
      const add = new Float32Array(Deno.UnsafePointerView.getArrayBuffer(partial!, bytes));
      for (let i = 0; i < out.length; i++) out[i] = out[i] + add[i];
    },
    destroy: () => parts.forEach((p) => p.destroy()),
  };
  return { name: `${layout}/halves`, plan };
}

/**
 * Every variant oneDNN accepts, canonical first: layouts in order × (one thread, then every thread),
 * then (forward and backward data, on more than one thread) the canonical layout's batch halves.
 */
function buildVariants(
  ctx: DnnlContext,
  runner: TaskRunner,
  g: Geometry,
  dir: Direction,
  bias: boolean,
  relu: boolean,
): { name: string; plan: Plan }[] {
  if (dir === "backwardWeights" && g.src[0] >= 2) return [makeWeightHalves(ctx, runner, g)];
  const counts: (number | undefined)[] = ctx.threads > 1 ? [1, undefined] : [undefined];
  const built: { name: string; plan: Plan }[] = [];
  let refusal: unknown;
  for (const layout of layouts) {
    for (const count of counts) {
      try {
        const plan = makePlan(ctx, g, dir, layout, bias, relu, count);
        built.push({ name: `${layout}/${count ?? ctx.threads}t`, plan });
      } catch (err) {
        if (!(err instanceof DnnlError)) throw err;
        refusal ??= err;
      }
    }
  }
  if (built.length === 0) throw refusal;
  if (dir !== "backwardWeights" && ctx.threads > 1 && g.src[0] >= 2) {
    try {
      built.push({ name: `${layouts[0]}/halves`, plan: makeHalves(ctx, runner, g, dir, bias, relu) });
    } catch (err) {
      if (!(err instanceof DnnlError)) throw err;
    }
  }
  return built;
}

/**
 * The plan for a convolution direction. On first use every variant is built and run on the call's own
 * data; a variant whose output differs from the canonical variant's in any bit is discarded, and among
 * the rest one is picked (the fastest, unless a test forces the pick). The output is left holding the
 * canonical bits. A layout oneDNN refuses is skipped; if it refuses all, the DnnlError propagates (and
 * is remembered).
 */
function plan(
  ctx: DnnlContext,
  runner: TaskRunner,
  g: Geometry,
  dir: Direction,
  bias: boolean,
  relu: boolean,
  pointers: Deno.PointerValue[],
): Plan {
  const key = `conv ${dir} ${g.key} bias=${bias} relu=${relu} layouts=${layouts.join("+")} pick=${pick}`;
  return ctx.cached(key, () => {
    const variants = buildVariants(ctx, runner, g, dir, bias, relu);
    const [canonical, ...others] = variants;
    const out = pointers[pointers.length - 1]!;
    const bytes = outputBytes(g, dir);
    const output = () => new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(out, bytes));
    canonical.plan.run(pointers);
    const expected = output().slice();
    const identical = [canonical];
    const differed: string[] = [];
    for (const variant of others) {
      variant.plan.run(pointers);
      if (sameBytes(output(), expected)) identical.push(variant);
      else differed.push(variant.name);
    }
    const ms: Record<string, number> = {};
    let best = pick === "other" ? identical[identical.length - 1] : canonical;
    if (pick === "timed" && identical.length > 1) {
      for (const variant of identical) {
        let fastest = Infinity;
        for (let i = 0; i < 2; i++) {
          const start = performance.now();
          variant.plan.run(pointers);
          fastest = Math.min(fastest, performance.now() - start);
        }
        ms[variant.name] = Math.round(fastest * 1000) / 1000;
      }
      best = identical.reduce((a, b) => (ms[b.name] < ms[a.name] ? b : a));
    }
    for (const variant of variants) if (variant !== best) variant.plan.destroy();
    // Whichever variant ran last, the caller gets the canonical bits.
    output().set(expected);
    convChoices.set(key, { chosen: best.name, canonical: canonical.name, impl: best.plan.impl, ms, differed });
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

export function conv2DKernel(ctx: DnnlContext, runner: TaskRunner, fallback: KernelFunc): KernelFunc {
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
        plan(ctx, runner, geometry(info), "forward", false, false, ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(out.dataId);
        throw err;
      }
      return out;
    }, slow);
  });
}

export function fusedConv2DKernel(ctx: DnnlContext, runner: TaskRunner, fallback: KernelFunc): KernelFunc {
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
        plan(ctx, runner, geometry(info), "forward", withBias, activation === "relu", ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(out.dataId);
        throw err;
      }
      return out;
    }, slow);
  });
}

export function conv2DBackpropInputKernel(ctx: DnnlContext, runner: TaskRunner, fallback: KernelFunc): KernelFunc {
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
        plan(ctx, runner, geometry(info), "backwardData", false, false, ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(dx.dataId);
        throw err;
      }
      return dx;
    }, slow);
  });
}

export function conv2DBackpropFilterKernel(ctx: DnnlContext, runner: TaskRunner, fallback: KernelFunc): KernelFunc {
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
        plan(ctx, runner, geometry(info), "backwardWeights", false, false, ptrs).run(ptrs);
      } catch (err) {
        wasm.disposeData(dw.dataId);
        throw err;
      }
      return dw;
    }, slow);
  });
}
