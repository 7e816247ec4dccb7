/**
 * Single-precision row-major GEMM, C = op(A)·op(B) + beta·C, from one of two libraries: OpenBLAS's
 * cblas_sgemm or oneDNN's dnnl_sgemm (its own JIT kernels). Which one the native kernels use is
 * measured once at start on the shapes of a dense layer's step, per machine: OpenBLAS 0.3.21 runs
 * AVX2 kernels on CPUs it does not know (or where OPENBLAS_CORETYPE says so), oneDNN runs AVX-512
 * where the CPU has it; with its AVX-512 kernels OpenBLAS was as fast as oneDNN on this machine's CPU
 * (openblasCore in results/bench/decisions.json).
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

export function openblasSgemm(blas: OpenBlas): Sgemm {
  return (transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) =>
    blas.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
}

const CHAR_N = "N".charCodeAt(0);
const CHAR_T = "T".charCodeAt(0);

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

export interface GemmChoice {
  library: GemmLibrary;
  /** Threads the chosen sgemm runs on (the backend's count, or 1). */
  threads: number;
  sgemm: Sgemm;
  /** Median ms of the calibration products (a dense layer's forward and both backward products), per candidate. */
  calibrationMs: Record<string, number>;
  /** Threads chosen per product shape so far (see perShapeThreads). */
  shapeThreads: Map<string, number>;
}

/** Sets a library's thread count for the calls that follow. */
export type ThreadSetters = Record<GemmLibrary, (n: number) => void>;

/**
 * Times each library at the backend's thread count and at one thread on the three products of one
 * training step of a 784→256 dense layer at batch 256 (forward, input gradient, weight gradient) and
 * keeps the fastest (~50 ms). One thread is a candidate because with another process on the machine
 * a second thread can cost more than it brings (docs/speed.md). The choice holds for the process.
 */
export function chooseSgemm(blas: OpenBlas, dnnl: Dnnl, threads: number, setThreads: ThreadSetters): GemmChoice {
  const libraries: Record<GemmLibrary, Sgemm> = { openblas: openblasSgemm(blas), onednn: onednnSgemm(dnnl) };
  const counts = threads > 1 ? [threads, 1] : [1];
  const candidates = (Object.keys(libraries) as GemmLibrary[]).flatMap((library) =>
    counts.map((n) => {
      const inner = libraries[library];
      // One thread: set it around each call, and the backend's count back after.
      const sgemm: Sgemm = n === threads ? inner : (...args) => {
        setThreads[library](1);
        try {
          inner(...args);
        } finally {
          setThreads[library](threads);
        }
      };
      return { name: `${library}/${n}t`, library, threads: n, sgemm };
    })
  );
  const [batch, inputs, units] = [256, 784, 256];
  const x = new Float32Array(batch * inputs).fill(0.5);
  const w = new Float32Array(inputs * units).fill(0.25);
  const y = new Float32Array(batch * units).fill(1);
  const dx = new Float32Array(batch * inputs);
  const dw = new Float32Array(inputs * units);
  const p = (v: Float32Array) => Deno.UnsafePointer.of(v);
  const step = (g: Sgemm) => {
    g(false, false, batch, units, inputs, p(x), inputs, p(w), units, 0, p(y), units);
    g(false, true, batch, inputs, units, p(y), units, p(w), units, 0, p(dx), inputs);
    g(true, false, inputs, units, batch, p(x), inputs, p(y), units, 0, p(dw), units);
  };
  const calibrationMs: Record<string, number> = {};
  for (const c of candidates) {
    step(c.sgemm); // first calls: thread start-up, JIT
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const start = performance.now();
      step(c.sgemm);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    calibrationMs[c.name] = Math.round(times[3] * 1000) / 1000;
  }
  const best = candidates.reduce((a, b) => (calibrationMs[b.name] < calibrationMs[a.name] ? b : a));
  const { sgemm, choices } = perShapeThreads(libraries[best.library], threads, setThreads[best.library]);
  return { library: best.library, threads: best.threads, sgemm, calibrationMs, shapeThreads: choices };
}

/** Products below this many multiply-adds run on one thread: waking a second would cost about what it saves. */
const SMALL_PRODUCT = 1 << 20;

/**
 * The library's sgemm with a thread count per product shape: one thread below SMALL_PRODUCT; above,
 * on first use both counts are timed twice on a scratch output (beta 0, so the caller's output is
 * untouched until the real call) and the faster kept. A step's products differ widely (a 784→256
 * layer's weight gradient against a 1×256 bias reduction): in the bench the MLP's step was faster on
 * one thread than on two while the calibration's 784-wide products were faster on two
 * (results/bench/train_step.json, docs/speed.md).
 */
function perShapeThreads(inner: Sgemm, threads: number, setThreads: (n: number) => void): { sgemm: Sgemm; choices: Map<string, number> } {
  const choices = new Map<string, number>();
  if (threads === 1) return { sgemm: inner, choices };
  const oneThread: Sgemm = (...args) => {
    setThreads(1);
    try {
      inner(...args);
    } finally {
      setThreads(threads);
    }
  };
  const sgemm: Sgemm = (transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) => {
    const key = `${transA ? "T" : "N"}${transB ? "T" : "N"} ${m}x${n}x${k}`;
    let count = choices.get(key);
    if (count === undefined) {
      count = 1;
      if (m * n * k >= SMALL_PRODUCT) {
        const scratch = new Float32Array(m * ldc);
        const out = Deno.UnsafePointer.of(scratch);
        const time = (g: Sgemm) => {
          let best = Infinity;
          for (let i = 0; i < 3; i++) {
            const start = performance.now();
            g(transA, transB, m, n, k, a, lda, b, ldb, 0, out, ldc);
            // The first run warms caches and threads; the best of the other two counts.
            if (i > 0) best = Math.min(best, performance.now() - start);
          }
          return best;
        };
        count = time(inner) < time(oneThread) ? threads : 1;
      }
      choices.set(key, count);
    }
    (count === 1 ? oneThread : inner)(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
  };
  return { sgemm, choices };
}
