/**
 * Single-precision row-major GEMM, C = op(A)·op(B) + beta·C, for every matrix product and reduction of
 * the native backend: OpenBLAS's cblas_sgemm on one thread per call, over a FIXED partition of the
 * output into blocks that depends on the product's shape alone.
 *
 * Why (docs/speed.md, "Same bits on any load and thread count" and "Products on every thread, same
 * bits"): OpenBLAS and oneDNN each sum a product in another order on another thread count, so their
 * own threading would make one configuration give different numbers on a loaded and on a quiet
 * machine. Here each block of the output is one single-threaded sgemm call whose arguments depend on
 * the shape only (`gemmBlocks`); the blocks run concurrently on the backend's threads through
 * ./parallel.ts, or one after another where the helper is absent or there is one thread. Each output
 * element is computed by the same call either way, so the thread count changes speed, never a bit.
 * The inner dimension k is never split (that would change the order of summation).
 *
 * What remains that can change bits is which kernels OpenBLAS runs on this CPU (its core name, e.g.
 * Haswell or SkylakeX) and the partition rule: both are part of the backend's numerics identity
 * (lib/backend.ts), which enters every configuration hash and cache key.
 */
import type { Dnnl, OpenBlas } from "./libs.ts";
import { TASK_SLOTS, type TaskRunner } from "./parallel.ts";

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

/**
 * The partition of a product into blocks (a pure function of m, n, k): a product of fewer than
 * 2·MIN_BLOCK_MACS multiply-adds is one block; a larger one is split along the longer side of the
 * output (rows when m ≥ n, else columns) into at most MAX_BLOCKS blocks of at least MIN_BLOCK_MACS
 * each, every block but the last a multiple of BLOCK_ALIGN rows or columns (OpenBLAS's kernels work in
 * 16-wide panels). Measured on a 2-core AMD EPYC (bench/gemm_partition.ts; docs/speed.md).
 */
export interface PartitionRule {
  minBlockMacs: number;
  maxBlocks: number;
  blockAlign: number;
}
export const GEMM_PARTITION: Readonly<PartitionRule> = { minBlockMacs: 2 ** 21, maxBlocks: 2, blockAlign: 16 };

/** The rule in words, for the numerics identity (a change of rule is a change of bits). */
export const GEMM_PARTITION_RULE = `output blocks along the longer side, ≥ ${GEMM_PARTITION.minBlockMacs} multiply-adds each, ` +
  `≤ ${GEMM_PARTITION.maxBlocks}, aligned to ${GEMM_PARTITION.blockAlign}; k never split; one OpenBLAS call per block`;

export interface GemmBlocks {
  /** "rows": blocks of op(A)'s rows (C's rows); "cols": blocks of op(B)'s columns (C's columns). */
  axis: "rows" | "cols";
  /** Block i covers [starts[i], starts[i + 1]) of that side; starts.length = blocks + 1. */
  starts: number[];
}

export function gemmBlocks(m: number, n: number, k: number, rule: PartitionRule = GEMM_PARTITION): GemmBlocks {
  const axis = m >= n ? "rows" : "cols";
  const side = axis === "rows" ? m : n;
  const byWork = Math.floor((m * n * k) / rule.minBlockMacs);
  const byAlign = Math.floor(side / rule.blockAlign);
  const blocks = Math.max(1, Math.min(rule.maxBlocks, byWork, byAlign));
  const size = Math.ceil(side / blocks / rule.blockAlign) * rule.blockAlign;
  const starts = [0];
  while (starts.at(-1)! + size < side) starts.push(starts.at(-1)! + size);
  starts.push(side);
  return { axis, starts };
}

const f32Bits = new Int32Array(1);
const f32View = new Float32Array(f32Bits.buffer);

/** An address as a task slot. */
function slot(p: Deno.PointerValue, byteOffset: number): bigint {
  return BigInt(Deno.UnsafePointer.value(p)) + BigInt(byteOffset);
}

/**
 * Writes the sgemm task for one block into `tasks` at `offset` (parallel.c's slot layout: transA,
 * transB, m, n, k, a, lda, b, ldb, beta bits, c, ldc). Rows of op(A) are rows of A, or its columns
 * when transposed; columns of op(B) likewise.
 */
function blockTask(
  tasks: BigInt64Array,
  offset: number,
  call: Parameters<Sgemm>,
  axis: GemmBlocks["axis"],
  start: number,
  end: number,
) {
  const [transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc] = call;
  const F32 = 4;
  const rows = axis === "rows";
  f32View[0] = beta;
  tasks.set([
    BigInt(transA ? TRANS : NO_TRANS),
    BigInt(transB ? TRANS : NO_TRANS),
    BigInt(rows ? end - start : m),
    BigInt(rows ? n : end - start),
    BigInt(k),
    slot(a, rows ? (transA ? start : start * lda) * F32 : 0),
    BigInt(lda),
    slot(b, rows ? 0 : (transB ? start * ldb : start) * F32),
    BigInt(ldb),
    BigInt(f32Bits[0]),
    slot(c, (rows ? start * ldc : start) * F32),
    BigInt(ldc),
  ], offset);
}

/** Runs one sgemm task of `tasks` at `offset` on the calling thread (the runner's sequential path). */
export function sgemmTask(blas: OpenBlas): (tasks: BigInt64Array, offset: number) => void {
  const ptr = (v: bigint) => Deno.UnsafePointer.create(v);
  return (tasks, o) => {
    f32Bits[0] = Number(tasks[o + 9]);
    const n = (i: number) => Number(tasks[o + i]);
    blas.cblas_sgemm(
      ROW_MAJOR,
      n(0),
      n(1),
      n(2),
      n(3),
      n(4),
      1,
      ptr(tasks[o + 5]),
      n(6),
      ptr(tasks[o + 7]),
      n(8),
      f32View[0],
      ptr(tasks[o + 10]),
      n(11),
    );
  };
}

/**
 * OpenBLAS's sgemm over the fixed partition: a one-block product is one call on the JS thread; a
 * larger one is handed to `runner` as its blocks.
 */
export function partitionedSgemm(blas: OpenBlas, runner: TaskRunner, rule: PartitionRule = GEMM_PARTITION): Sgemm {
  const one = openblasSgemm(blas);
  const tasks = new BigInt64Array(TASK_SLOTS * rule.maxBlocks);
  return (...call) => {
    const [, , m, n, k] = call;
    const { axis, starts } = gemmBlocks(m, n, k, rule);
    if (starts.length === 2) return one(...call);
    for (let i = 0; i + 1 < starts.length; i++) blockTask(tasks, i * TASK_SLOTS, call, axis, starts[i], starts[i + 1]);
    runner.run("sgemm", tasks, starts.length - 1);
  };
}

/** The product every native kernel uses, and what it is (for run records). */
export interface GemmChoice {
  library: GemmLibrary;
  /** Threads each call runs on: always 1 (see the file's comment); blocks may run side by side. */
  threads: 1;
  /** The partition rule (GEMM_PARTITION_RULE) and what runs the blocks. */
  partition: string;
  sgemm: Sgemm;
}

/** The one sgemm of the native kernels: OpenBLAS (set to one thread at load, ./libs.ts) over the fixed partition. */
export function fixedSgemm(blas: OpenBlas, runner: TaskRunner): GemmChoice {
  return { library: "openblas", threads: 1, partition: GEMM_PARTITION_RULE, sgemm: partitionedSgemm(blas, runner) };
}
