/**
 * Raw pointers into tfjs's wasm heap, for native code to read and write tensors in place.
 *
 * The heap is one WebAssembly.Memory; growing it may move or detach its ArrayBuffer, so a pointer
 * is made from the current buffer right before each native call and never kept across an
 * allocation (makeOutput may grow the heap).
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(wasm: BackendWasm, t: TensorInfo): number {
  return wasm.dataIdMap.get(t.dataId)!.memoryOffset;
}

/** The whole wasm heap now (valid until the next allocation). */
export function heapBytes(wasm: BackendWasm): Uint8Array {
  // Emscripten keeps HEAPU8 on the module current across growth (tfjs's typedArrayFromHeap reads it too).
  return (wasm.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** The address of heap byte 0 now (valid until the next allocation). */
export function heapBase(wasm: BackendWasm): Deno.PointerObject {
  const base = Deno.UnsafePointer.of(heapBytes(wasm));
  if (base === null) throw new Error("native: the wasm heap has no address");
  return base;
}

/** The address of a tensor's first element, relative to a base from heapBase (same allocation epoch). */
export function at(base: Deno.PointerObject, wasm: BackendWasm, t: TensorInfo, byteOffset = 0): Deno.PointerObject {
  return Deno.UnsafePointer.offset(base, heapOffset(wasm, t) + byteOffset) as Deno.PointerObject;
}

/** Kernel inputs by name; tfjs's ops always pass the ones a kernel reads. */
export type Inputs = Record<string, TensorInfo>;

/** A KernelFunc with the wasm backend, defined inputs and typed attributes. */
export function wasmKernel<A>(
  body: (inputs: Inputs, backend: BackendWasm, attrs: A) => TensorInfo,
): KernelFunc {
  return ({ inputs, backend, attrs }) => body(inputs as Inputs, backend as BackendWasm, attrs as unknown as A);
}

/** Runs a kernel function with the given inputs and attributes on the wasm backend. */
export function runKernel(kernel: KernelFunc, backend: BackendWasm, inputs: Inputs, attrs: object = {}): TensorInfo {
  return kernel({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** How often each native kernel handed a call to its fallback, by kernel name (tests read this). */
const fallbacks = new Map<string, number>();

export function fallbackCounts(): ReadonlyMap<string, number> {
  return fallbacks;
}

/** Runs the fallback kernel of native kernel `name` (counted). */
export function fallBack(name: string, kernel: KernelFunc, backend: BackendWasm, inputs: Inputs, attrs: object = {}): TensorInfo {
  fallbacks.set(name, (fallbacks.get(name) ?? 0) + 1);
  return runKernel(kernel, backend, inputs, attrs);
}
