/**
 * Sum and Mean over leading axes (every bias and batch-norm reduction: NHWC reduced over N, H, W;
 * also full reductions) as one sgemm: with x viewed as an R×C matrix, the result is the 1×R row of
 * ones times x. The sgemm is multi-threaded and vectorised, where a loop over the heap is neither
 * (~15× faster on the CNN's first bias gradient: fullSum in results/bench/decisions.json). Sums accumulate in float32
 * blocks, inside the tests' 1e-4 relative bound. Other reductions, and integer ones, go to the
 * fallback (the kit's wasm Sum, wasm's Mean).
 */
import { type KernelFunc, type MeanAttrs, type SumAttrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import type { Sgemm } from "./gemm.ts";
import { at, fallBack, heapBase, wasmKernel } from "./heap.ts";

/** A row of ones at least `n` long, kept and grown (its ArrayBuffer never moves). */
let ones = new Float32Array(0);
function onesOf(n: number): Float32Array {
  if (ones.length < n) ones = new Float32Array(Math.max(n, 2 * ones.length)).fill(1);
  return ones;
}

/** R and C when `axes` are the leading axes of `shape` (all of them gives C = 1), else undefined. */
function leadingSplit(shape: number[], axisAttr: number | number[]): { rows: number; cols: number; kept: number[] } | undefined {
  const axes = util.parseAxisParam(axisAttr, shape).sort((a, b) => a - b);
  if (axes.length === 0 || !axes.every((axis, i) => axis === i)) return undefined;
  return {
    rows: util.sizeFromShape(shape.slice(0, axes.length)),
    cols: util.sizeFromShape(shape.slice(axes.length)),
    kept: shape.slice(axes.length),
  };
}

function reduceKernel(sgemm: Sgemm, fallback: KernelFunc, mean: boolean): KernelFunc {
  return wasmKernel<SumAttrs | MeanAttrs>((inputs, wasm, attrs) => {
    const { x } = inputs;
    const split = x.dtype === "float32" ? leadingSplit(x.shape, attrs.axis) : undefined;
    // A full reduction (one column) is a dot product, which sgemm does ~3× slower than the wasm
    // kernel's loop (fullSum in results/bench/decisions.json); those stay on wasm.
    if (split === undefined || split.rows === 0 || split.cols < 2) return fallBack(mean ? "Mean" : "Sum", fallback, wasm, inputs, attrs);
    const { rows, cols, kept } = split;
    const outShape = attrs.keepDims ? [...x.shape.slice(0, x.shape.length - kept.length).map(() => 1), ...kept] : kept;
    const out: TensorInfo = wasm.makeOutput(outShape, "float32");
    const row = onesOf(rows);
    const base = heapBase(wasm);
    // 1×R · R×C: A = ones (lda R), B = x (ldb C), C = out (ldc C).
    sgemm(false, false, 1, cols, rows, Deno.UnsafePointer.of(row), rows, at(base, wasm, x), cols, 0, at(base, wasm, out), cols);
    if (mean) {
      const values = wasm.typedArrayFromHeap(out) as Float32Array;
      for (let i = 0; i < values.length; i++) values[i] /= rows;
    }
    return out;
  });
}

export function sumKernel(sgemm: Sgemm, fallback: KernelFunc): KernelFunc {
  return reduceKernel(sgemm, fallback, false);
}

export function meanKernel(sgemm: Sgemm, fallback: KernelFunc): KernelFunc {
  return reduceKernel(sgemm, fallback, true);
}
