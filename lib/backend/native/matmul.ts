/**
 * BatchMatMul and _FusedMatMul through an sgemm (OpenBLAS or oneDNN, ./gemm.ts), reading and writing
 * the wasm heap in place. Transposes are sgemm flags (nothing is materialised). Batches follow tfjs's cpu kernel:
 * matrix i of the output multiplies matrix i mod batchA of a by matrix i mod batchB of b; when b is
 * a single matrix and a is not transposed, a's batches are stacked into one tall product.
 * _FusedMatMul: a bias of one row is copied into the output first (sgemm then adds with beta = 1);
 * relu is applied in place; other biases and activations go to the wasm kernels.
 * Non-float32 operands go to the fallback (the kit's wasm kernel).
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  type _FusedMatMulAttrs,
  type BatchMatMulAttrs,
  broadcast_util,
  type KernelFunc,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import type { Sgemm } from "./gemm.ts";
import { at, fallBack, heapBase, type Inputs, runKernel, wasmKernel } from "./heap.ts";

const F32 = 4;

interface Product {
  m: number;
  n: number;
  k: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

function productShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kB) throw new Error(`native MatMul: inner sizes ${k} and ${kB} differ (shapes ${a.shape}, ${b.shape})`);
  const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return {
    m,
    n,
    k,
    batchA: util.sizeFromShape(a.shape.slice(0, -2)),
    batchB: util.sizeFromShape(b.shape.slice(0, -2)),
    outShape: [...outer, m, n],
  };
}

/**
 * out = a·b (op(a)·op(b) with the transposes) into an output made here; with `beta` = 1 the output's
 * current contents are added (the caller filled it).
 */
function sgemmInto(
  sgemm: Sgemm,
  wasm: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  out: TensorInfo,
  p: Product,
  transposeA: boolean,
  transposeB: boolean,
  beta: number,
) {
  const { m, n, k, batchA, batchB } = p;
  const batch = util.sizeFromShape(out.shape) / (m * n);
  if (m === 0 || n === 0 || batch === 0) return;
  const base = heapBase(wasm);
  if (k === 0) {
    if (beta === 0) wasm.typedArrayFromHeap(out).fill(0);
    return;
  }
  const lda = transposeA ? m : k;
  const ldb = transposeB ? k : n;
  if (batchB === 1 && !transposeA && batchA === batch) {
    // One tall product: a's batches are consecutive row blocks of one (batch·m)×k matrix.
    sgemm(transposeA, transposeB, batch * m, n, k, at(base, wasm, a), lda, at(base, wasm, b), ldb, beta, at(base, wasm, out), n);
    return;
  }
  for (let i = 0; i < batch; i++) {
    sgemm(
      transposeA,
      transposeB,
      m,
      n,
      k,
      at(base, wasm, a, (i % batchA) * m * k * F32),
      lda,
      at(base, wasm, b, (i % batchB) * k * n * F32),
      ldb,
      beta,
      at(base, wasm, out, i * m * n * F32),
      n,
    );
  }
}

const isFloat = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === "float32");

export function batchMatMulKernel(sgemm: Sgemm, fallback: KernelFunc): KernelFunc {
  return wasmKernel<BatchMatMulAttrs>((inputs, wasm, attrs) => {
    const { a, b } = inputs;
    if (!isFloat(a, b)) return fallBack("BatchMatMul", fallback, wasm, inputs, attrs);
    const p = productShape(a, b, attrs.transposeA, attrs.transposeB);
    const out = wasm.makeOutput(p.outShape, "float32");
    sgemmInto(sgemm, wasm, a, b, out, p, attrs.transposeA, attrs.transposeB, 0);
    return out;
  });
}

/** Fills `out` ([..., n], contiguous) with copies of the n-vector `bias`, by doubling copies. */
function fillRows(out: Float32Array, bias: Float32Array) {
  const n = bias.length;
  if (out.length === 0) return;
  out.set(bias);
  for (let filled = n; filled < out.length; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  }
}

function reluInPlace(v: Float32Array) {
  // `< 0` leaves NaN as NaN, as tfjs's relu does.
  for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0;
}

/** The wasm kernels for the activations not applied in place. */
const activationKernels: Record<string, string> = {
  relu6: "Relu6",
  elu: "Elu",
  sigmoid: "Sigmoid",
  leakyrelu: "LeakyRelu",
  prelu: "Prelu",
};

export function fusedMatMulKernel(
  sgemm: Sgemm,
  fallback: KernelFunc,
  wasmKernelFor: (name: string) => KernelFunc,
): KernelFunc {
  return wasmKernel<_FusedMatMulAttrs>((inputs, wasm, attrs) => {
    const { a, b, bias, preluActivationWeights } = inputs as Inputs & { bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { activation, transposeA, transposeB } = attrs;
    if (!isFloat(a, b) || (bias && !isFloat(bias))) return fallBack("_FusedMatMul", fallback, wasm, inputs, attrs);
    if (activation !== "linear" && activation !== "relu" && activationKernels[activation] === undefined) {
      return fallBack("_FusedMatMul", fallback, wasm, inputs, attrs);
    }
    const p = productShape(a, b, transposeA, transposeB);
    let out = wasm.makeOutput(p.outShape, "float32");
    const rowBias = bias !== undefined && util.sizeFromShape(bias.shape) === p.n && bias.shape.at(-1) === p.n;
    if (rowBias) fillRows(wasm.typedArrayFromHeap(out) as Float32Array, wasm.typedArrayFromHeap(bias!) as Float32Array);
    sgemmInto(sgemm, wasm, a, b, out, p, transposeA, transposeB, rowBias ? 1 : 0);
    if (bias !== undefined && !rowBias) out = replace(wasm, out, runKernel(wasmKernelFor("Add"), wasm, { a: out, b: bias }));
    if (activation === "relu") {
      reluInPlace(wasm.typedArrayFromHeap(out) as Float32Array);
    } else if (activation !== "linear") {
      const name = activationKernels[activation];
      const x = { x: out };
      const result = name === "LeakyRelu"
        ? runKernel(wasmKernelFor(name), wasm, x, { alpha: attrs.leakyreluAlpha })
        : name === "Prelu"
        ? runKernel(wasmKernelFor(name), wasm, { x: out, alpha: preluActivationWeights! })
        : runKernel(wasmKernelFor(name), wasm, x);
      out = replace(wasm, out, result);
    }
    return out;
  });
}

/** Frees `old` (an intermediate made here) and returns its replacement. */
function replace(wasm: BackendWasm, old: TensorInfo, result: TensorInfo): TensorInfo {
  wasm.disposeData(old.dataId);
  return result;
}
