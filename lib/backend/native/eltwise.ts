/**
 * Large element-wise kernels through oneDNN (multi-threaded, the CPU's full vector width) instead of
 * wasm's single thread: Add, Sub, Multiply, RealDiv (binary primitive, with broadcasting of the second
 * operand), Relu (eltwise primitive) and FusedBatchNorm's normalisation with given statistics (batch
 * normalization primitive). ResNet-18's step runs ~450 of these, mostly batch-norm arithmetic over
 * whole activations (docs/speed.md). Below MIN_ELEMENTS, for non-float32 tensors, and for shapes
 * oneDNN cannot take (the first operand broadcast in Sub / RealDiv, rank above 6) the wasm kernel runs.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { backend_util, type FusedBatchNormAttrs, type KernelFunc, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { DNNL, type DnnlContext, DnnlError, type Primitive } from "./dnnl.ts";
import { at, fallBack, heapBase, type Inputs, wasmKernel } from "./heap.ts";

/**
 * Binary ops and Relu on outputs smaller than this stay on wasm: they are memory-bound, and wasm's
 * SIMD loop keeps up with oneDNN up to half a million elements and more (measurements in
 * results/bench/decisions.json, docs/speed.md).
 */
export const MIN_ELEMENTS = 1 << 20;

/** wasm's FusedBatchNorm is a scalar loop: native from 64K elements. */
export const MIN_BATCHNORM_ELEMENTS = 1 << 16;

/**
 * Threads for batch-norm primitives (undefined = the backend's count). oneDNN's batch-norm kernels
 * synchronise their threads with spinning barriers several times per call; with another process on
 * the second core the spinning thread keeps the core its partner needs, and a ResNet-18 step was
 * slower with every thread than with one (batchNormThreads in results/bench/decisions.json). Being
 * memory-bound, they lose little on one thread when the machine is quiet. Binary and eltwise
 * primitives (one parallel region, no inner barrier) keep every thread.
 */
let batchNorm: number | undefined = 1;

export function batchNormThreads(): number | undefined {
  return batchNorm;
}

/** For measurements: the thread count of batch-norm primitives (undefined = all); returns the previous. */
export function setBatchNormThreads(threads: number | undefined): number | undefined {
  const previous = batchNorm;
  batchNorm = threads;
  return previous;
}

/** dnnl_types.h: plain row-major tags by rank (a, ab, abc, abcd, abcde, abcdef). */
const PLAIN_TAG: Record<number, number> = { 1: 2, 2: 3, 3: 4, 4: 5, 5: 7, 6: 8 };

const BINARY_ALG = { Add: 131056, Multiply: 131057, Sub: 131061, RealDiv: 131060 } as const;
type BinaryName = keyof typeof BINARY_ALG;
const COMMUTATIVE = new Set<BinaryName>(["Add", "Multiply"]);

/** DNNL_ARG_SRC_1, and the batch-normalization arguments (dnnl_types.h). */
const ARG_SRC_1 = 2;
const ARG_MEAN = 49;
const ARG_VARIANCE = 50;
const ARG_SCALE = 51;
const ARG_SHIFT = 52;
/** dnnl_normalization_flags_t: use_global_stats, use_scale, use_shift. */
const USE_GLOBAL_STATS = 1;
const USE_SCALE = 8;
const USE_SHIFT = 16;

/** `shape` right-aligned to `rank` with leading 1s. */
const padTo = (shape: number[], rank: number) => [...new Array(rank - shape.length).fill(1), ...shape];

function orFallback(native: () => TensorInfo, slow: () => TensorInfo): TensorInfo {
  try {
    return native();
  } catch (err) {
    if (err instanceof DnnlError) return slow();
    throw err;
  }
}

function binaryPrimitive(ctx: DnnlContext, op: BinaryName, full: number[], other: number[]): Primitive {
  return ctx.primitive(`binary ${op} ${full} ${other}`, () => {
    const tag = PLAIN_TAG[full.length];
    const desc = ctx.opDesc();
    ctx.check(
      ctx.lib.dnnl_binary_desc_init(desc, BINARY_ALG[op], ctx.memoryDesc(full, tag), ctx.memoryDesc(other, tag), ctx.memoryDesc(full, tag)),
      "binary_desc_init",
    );
    return {
      opDesc: desc,
      args: [
        { arg: DNNL.arg.src, query: DNNL.query.srcMd },
        { arg: ARG_SRC_1, query: DNNL.query.srcMd, index: 1 },
        { arg: DNNL.arg.dst, query: DNNL.query.dstMd },
      ],
    };
  });
}

/** Whether `shape` is `full` with its last axis 1 (one value per row of `full`), and `full`'s rows are longer than 1. */
function rowRepeats(shape: number[], full: number[]): boolean {
  return full.at(-1)! > 1 && shape.at(-1) === 1 && util.arraysEqual(shape.slice(0, -1), full.slice(0, -1));
}

/** The float32 result of each operation: float64 arithmetic on two float32 values, rounded by the Float32Array store. */
const ARITHMETIC: Record<BinaryName, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Multiply: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
};

/**
 * a op b where one operand holds one value per row (its last axis 1): the softmax gradient's
 * [b, heads, l, 1] × [b, heads, l, l] in the text encoder's attention. oneDNN has no fast kernel for a broadcast along
 * the last axis (its reference kernel took ~1 s for 8.4M values) and neither has wasm. Same bits: IEEE float32 +, −,
 * × and ÷ are correctly rounded, and so is the float64 result of two float32 values rounded to float32 (float64 has
 * more than twice float32's precision).
 */
function rowBroadcast(wasm: BackendWasm, op: BinaryName, a: TensorInfo, b: TensorInfo, outShape: number[], repeated: "a" | "b") {
  const out = wasm.makeOutput(outShape, "float32");
  // Views after makeOutput: the allocation may have grown the heap.
  const [x, y, o] = [a, b, out].map((t) => wasm.typedArrayFromHeap(t) as Float32Array);
  const f = ARITHMETIC[op];
  const width = outShape.at(-1)!;
  for (let row = 0, k = 0; row < o.length / width; row++) {
    if (repeated === "b") {
      const v = y[row];
      for (let j = 0; j < width; j++, k++) o[k] = f(x[k], v);
    } else {
      const v = x[row];
      for (let j = 0; j < width; j++, k++) o[k] = f(v, y[k]);
    }
  }
  return out;
}

export function binaryKernel(ctx: DnnlContext, op: BinaryName, fallback: KernelFunc): KernelFunc {
  return wasmKernel<Record<string, never>>((inputs, wasm, attrs) => {
    const { a, b } = inputs;
    const slow = () => fallBack(op, fallback, wasm, inputs, attrs);
    if (a.dtype !== "float32" || b.dtype !== "float32") return slow();
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const rank = outShape.length;
    if (util.sizeFromShape(outShape) < MIN_ELEMENTS || rank > 6 || rank === 0) return slow();
    const sa = padTo(a.shape, rank);
    const sb = padTo(b.shape, rank);
    const aFull = util.arraysEqual(sa, outShape);
    const bFull = util.arraysEqual(sb, outShape);
    const repeated = aFull && rowRepeats(sb, outShape) ? "b" : bFull && rowRepeats(sa, outShape) ? "a" : null;
    if (repeated) return rowBroadcast(wasm, op, a, b, outShape, repeated);
    // oneDNN broadcasts only its second source: with a broadcast, swap when the op commutes.
    let first = a;
    let second = b;
    let secondShape = sb;
    if (!aFull) {
      if (!bFull || !COMMUTATIVE.has(op)) return slow();
      [first, second, secondShape] = [b, a, sa];
    }
    return orFallback(() => {
      const prim = binaryPrimitive(ctx, op, outShape, secondShape);
      const out = wasm.makeOutput(outShape, "float32");
      const base = heapBase(wasm);
      prim.run([at(base, wasm, first), at(base, wasm, second), at(base, wasm, out)]);
      return out;
    }, slow);
  });
}

export function reluKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<Record<string, never>>((inputs, wasm, attrs) => {
    const { x } = inputs;
    const size = util.sizeFromShape(x.shape);
    const slow = () => fallBack("Relu", fallback, wasm, inputs, attrs);
    if (x.dtype !== "float32" || size < MIN_ELEMENTS) return slow();
    return orFallback(() => {
      // Flattened: element-wise, so one 1-D primitive per size.
      const prim = ctx.primitive(`relu ${size}`, () => {
        const desc = ctx.opDesc();
        ctx.check(
          ctx.lib.dnnl_eltwise_forward_desc_init(
            desc,
            DNNL.prop.forwardInference,
            DNNL.alg.eltwiseRelu,
            ctx.memoryDesc([size], PLAIN_TAG[1]),
            0,
            0,
          ),
          "eltwise_forward_desc_init",
        );
        return {
          opDesc: desc,
          args: [{ arg: DNNL.arg.src, query: DNNL.query.srcMd }, { arg: DNNL.arg.dst, query: DNNL.query.dstMd }],
        };
      });
      const out = wasm.makeOutput(x.shape, "float32");
      const base = heapBase(wasm);
      prim.run([at(base, wasm, x), at(base, wasm, out)]);
      return out;
    }, slow);
  });
}

/**
 * y = scale·(x − mean)/√(variance + ε) + offset per channel (the last axis), with the statistics
 * given: oneDNN's batch normalization with global statistics. Statistics, scale and offset must be
 * one value per channel; anything else goes to wasm.
 */
export function fusedBatchNormKernel(ctx: DnnlContext, fallback: KernelFunc): KernelFunc {
  return wasmKernel<FusedBatchNormAttrs>((inputs, wasm, attrs) => {
    const { x, mean, variance, scale, offset } = inputs as Inputs & { scale?: TensorInfo; offset?: TensorInfo };
    const slow = () => fallBack("FusedBatchNorm", fallback, wasm, inputs, attrs);
    const c = x.shape.at(-1) ?? 0;
    const perChannel = (t?: TensorInfo) =>
      t === undefined || (t.dtype === "float32" && util.sizeFromShape(t.shape) === c && t.shape.at(-1) === c);
    if (
      x.dtype !== "float32" || x.shape.length !== 4 || util.sizeFromShape(x.shape) < MIN_BATCHNORM_ELEMENTS ||
      ![mean, variance, scale, offset].every(perChannel)
    ) return slow();
    const [n, h, w] = x.shape;
    const flags = USE_GLOBAL_STATS | (scale ? USE_SCALE : 0) | (offset ? USE_SHIFT : 0);
    return orFallback(() => {
      const prim = ctx.primitive(`batchnorm ${x.shape} eps=${attrs.varianceEpsilon} flags=${flags} threads=${batchNormThreads()}`, () => {
        const desc = ctx.opDesc();
        ctx.check(
          ctx.lib.dnnl_batch_normalization_forward_desc_init(
            desc,
            DNNL.prop.forwardInference,
            ctx.memoryDesc([n, c, h, w], DNNL.tag.nhwc),
            attrs.varianceEpsilon,
            flags,
          ),
          "batch_normalization_forward_desc_init",
        );
        // Statistics, scale and shift: one f32 value per channel, given explicitly.
        const perChannelArg = (arg: number) => ({ arg, query: 0, md: ctx.memoryDesc([c], PLAIN_TAG[1]) });
        return {
          opDesc: desc,
          threads: batchNormThreads(),
          args: [
            { arg: DNNL.arg.src, query: DNNL.query.srcMd },
            perChannelArg(ARG_MEAN),
            perChannelArg(ARG_VARIANCE),
            ...(scale ? [perChannelArg(ARG_SCALE)] : []),
            ...(offset ? [perChannelArg(ARG_SHIFT)] : []),
            { arg: DNNL.arg.dst, query: DNNL.query.dstMd },
          ],
        };
      });
      const out = wasm.makeOutput(x.shape, "float32");
      const base = heapBase(wasm);
      const tensors = [x, mean, variance, ...(scale ? [scale] : []), ...(offset ? [offset] : []), out];
      prim.run(tensors.map((t) => at(base, wasm, t)));
      return out;
    }, slow);
  });
}
