/**
 * Tile where the output is whole copies of x one after another: every repeated axis lies where x's
 * leading dims are 1 (tfjs's batch-norm gradient tiles a [1,1,1,C] tensor to [N,H,W,C] this way).
 * Filled by doubling copies on the heap, where stock wasm Tile computes an index per element (it was
 * the largest kernel of a ResNet-18 step before this). Any other tiling goes to the fallback.
 */
import type { KernelFunc, TileAttrs } from "@tensorflow/tfjs-core";
import { util } from "@tensorflow/tfjs-core";
import { fallBack, wasmKernel } from "./heap.ts";

/** True when tiling x by reps only stacks copies of x's whole data. */
function wholeCopies(shape: number[], reps: number[]): boolean {
  const last = reps.findLastIndex((r) => r > 1);
  return shape.slice(0, last + 1).every((d) => d === 1);
}

export function tileKernel(fallback: KernelFunc): KernelFunc {
  return wasmKernel<TileAttrs>((inputs, wasm, attrs) => {
    const { x } = inputs;
    const { reps } = attrs;
    if (x.dtype === "string" || reps.length !== x.shape.length || !wholeCopies(x.shape, reps)) {
      return fallBack("Tile", fallback, wasm, inputs, attrs);
    }
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
