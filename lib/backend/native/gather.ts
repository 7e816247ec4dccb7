/**
 * GatherV2 on the native backend: rows of a table by index (an embedding lookup) as whole-row copies in the wasm
 * heap, instead of the stock wasm kernel, which computes every output element's source through strides.
 *
 * Measured on the bag-of-embeddings text model (bench/profile_run.ts, one identity-forgetting run on the Debian
 * corpus, the machine loaded): the stock GatherV2 took 418 of 605 s of the run, 156 ms a call. A copy is exact, so
 * the output is the same bits as the stock kernel's for every input this kernel takes; the rest (another axis,
 * batch dimensions, other dtypes) goes to the stock kernel. Out-of-range indices are refused with the stock
 * kernel's message.
 */
import { type GatherV2Attrs, type KernelFunc, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { fallBack, heapBytes, heapOffset, wasmKernel } from "./heap.ts";

/** The dtypes copied as 4-byte words (their values are never reinterpreted). */
const WORD_DTYPES = new Set(["float32", "int32"]);

/** Whether this kernel computes the call itself: rows of axis 0, no batch dimensions, 4-byte words, int32 indices. */
function handles(x: TensorInfo, indices: TensorInfo, attrs: GatherV2Attrs): boolean {
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
  return axis === 0 && (attrs.batchDims ?? 0) === 0 && x.shape.length >= 1 && WORD_DTYPES.has(x.dtype) &&
    indices.dtype === "int32";
}

export function gatherV2Kernel(fallback: KernelFunc): KernelFunc {
  return wasmKernel<GatherV2Attrs>(({ x, indices }, wasm, attrs) => {
    if (!handles(x, indices, attrs)) return fallBack("GatherV2", fallback, wasm, { x, indices }, attrs);
    const rows = x.shape[0];
    const rowSize = util.sizeFromShape(x.shape.slice(1));
    const count = util.sizeFromShape(indices.shape);
    const out = wasm.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    if (count === 0 || rowSize === 0) return out;
    // After makeOutput: the heap may have grown.
    const words = new Int32Array(heapBytes(wasm).buffer);
    const from = heapOffset(wasm, x) / 4;
    const to = heapOffset(wasm, out) / 4;
    const at = heapOffset(wasm, indices) / 4;
    for (let i = 0; i < count; i++) {
      const row = words[at + i];
      if (!(row >= 0 && row < rows)) {
        wasm.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
      }
      words.copyWithin(to + i * rowSize, from + row * rowSize, from + (row + 1) * rowSize);
    }
    return out;
  });
}
