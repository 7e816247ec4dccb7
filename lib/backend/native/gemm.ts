/**
 * Single-precision row-major GEMM, C = op(A)·op(B) + beta·C, for every matrix product and reduction of
 * the native backend: OpenBLAS's cblas_sgemm on one thread, always.
 *
 * Why one library and one thread (docs/speed.md, "Same bits on any load and thread count"): both
 * libraries sum a product in another order on another thread count — OpenBLAS 0.3.21 and oneDNN 2.6
 * gave different bits on 1 and 2 threads for every shape a training step uses (measured on a
 * 2-core AMD EPYC) — so a thread count, or a library, chosen by timing at start-up made one
 * configuration give different numbers on a loaded and on a quiet machine. One thread per product
 * keeps each output element summed in one fixed order. It costs little: in the bench the MLP's step,
 * the one dominated by products, was already fastest on one thread (results/bench/train_step.json).
 * The second core still serves the convolutions (./conv.ts), whose multi-thread variants are used
 * only where they give the same bits as one thread.
 *
 * What remains that can change bits is which kernels OpenBLAS runs on this CPU (its core name, e.g.
 * Haswell or SkylakeX): it is part of the backend's numerics identity (lib/backend.ts), which enters
 * every configuration hash and cache key.
 */
import type { Dnnl, OpenBlas } from "./libs.ts";

export type GemmLibrary = "openblas" | "onednn";

export type Sgemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Deno.PointerValue,
  lda: number,
  b: Deno.PointerValue,
  ldb: number,
  beta: number,
  c: Deno.PointerValue,
  ldc: number,
) => void;

/** cblas.h enum values. */
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/** OpenBLAS's sgemm as called: on whatever thread count OpenBLAS is set to (the kit sets 1, ./libs.ts). */
export function openblasSgemm(blas: OpenBlas): Sgemm {
  return (transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) =>
    blas.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
}

const CHAR_N = "N".charCodeAt(0);
const CHAR_T = "T".charCodeAt(0);

/** oneDNN's sgemm (for the bench's comparisons of the two libraries; the kernels do not use it). */
export function onednnSgemm(dnnl: Dnnl): Sgemm {
  return (transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) => {
    const big = BigInt;
    const status = dnnl.dnnl_sgemm(
      transA ? CHAR_T : CHAR_N,
      transB ? CHAR_T : CHAR_N,
      big(m),
      big(n),
      big(k),
      1,
      a,
      big(lda),
      b,
      big(ldb),
      beta,
      c,
      big(ldc),
    );
    if (status !== 0) throw new Error(`oneDNN sgemm: status ${status} (m ${m}, n ${n}, k ${k})`);
  };
}

/** The product every native kernel uses, and what it is (for run records). */
export interface GemmChoice {
  library: GemmLibrary;
  /** Always 1: see the file's comment. */
  threads: 1;
  sgemm: Sgemm;
}

/** The one sgemm of the native kernels: OpenBLAS, whose thread count ./libs.ts sets to 1 at load. */
export function fixedSgemm(blas: OpenBlas): GemmChoice {
  return { library: "openblas", threads: 1, sgemm: openblasSgemm(blas) };
}
