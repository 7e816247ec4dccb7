/**
 * Tile where the output is whole copies of x one after another: every repeated axis lies where x's
 * leading dims are 1 (tfjs's batch-norm gradient tiles a [1,1,1,C] tensor to [N,H,W,C] this way).
 * Filled by doubling copies on the heap, where stock wasm Tile computes an index per element (it was
 * the largest kernel of a ResNet-18 step before this). Also where each element repeats in place (x's last
 * dim 1, only the last axis repeated: layer normalisation broadcasts its [b, l, 1] statistics so; 449 ms
 * of a 1,074 ms ViT step in the stock kernel). Copies only: the stock kernel's bits. Any other tiling goes
 * to the fallback.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { KernelFunc, TensorInfo, TileAttrs } from "@tensorflow/tfjs-core";
import { util } from "@tensorflow/tfjs-core";
import { fallBack, wasmKernel } from "./heap.ts";

/** True when tiling x by reps only stacks copies of x's whole data. */
function wholeCopies(shape: number[], reps: number[]): boolean {
  const last = reps.findLastIndex((r) => r > 1);
  return shape.slice(0, last + 1).every((d) => d === 1);
}

/** True when tiling x by reps repeats each element in place: only the last axis repeats, and x's last dim is 1. */
function repeatedElements(shape: number[], reps: number[]): boolean {
  return shape.at(-1) === 1 && reps.slice(0, -1).every((r) => r === 1);
}

export function tileKernel(fallback: KernelFunc): KernelFunc {
  return wasmKernel<TileAttrs>((inputs, wasm, attrs) => {
    const { x } = inputs;
    const { reps } = attrs;
    if (x.dtype === "string" || reps.length !== x.shape.length) return fallBack("Tile", fallback, wasm, inputs, attrs);
    if (repeatedElements(x.shape, reps)) return elementRuns(wasm, x, reps.at(-1)!);
    if (!wholeCopies(x.shape, reps)) return fallBack("Tile", fallback, wasm, inputs, attrs);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = wasm.makeOutput(outShape, x.dtype);
    const size = util.sizeFromShape(x.shape);
    if (size === 0 || util.sizeFromShape(outShape) === 0) return out;
    // Views after makeOutput: the allocation may have grown the heap.
    const values = wasm.typedArrayFromHeap(out);
    values.set(wasm.typedArrayFromHeap(x));
    for (let filled = size; filled < values.length; filled *= 2) {
      values.copyWithin(filled, 0, Math.min(filled, values.length - filled));
    }
    return out;
  });
}

/** Each element of x (last dim 1) repeated `times` times in place: a [b, l, 1] mean broadcast to [b, l, d]. */
function elementRuns(wasm: BackendWasm, x: TensorInfo, times: number): TensorInfo {
  const out = wasm.makeOutput([...x.shape.slice(0, -1), times], x.dtype);
  // Views after makeOutput: the allocation may have grown the heap.
  const from = wasm.typedArrayFromHeap(x);
  const to = wasm.typedArrayFromHeap(out);
  for (let i = 0; i < from.length; i++) to.fill(from[i], i * times, (i + 1) * times);
  return out;
}
