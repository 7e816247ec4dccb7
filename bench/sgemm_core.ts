/**
 * One 256×784×256 single-precision product (a dense layer's forward at batch 256) on one thread, by
 * OpenBLAS under whatever OPENBLAS_CORETYPE the environment gives and by oneDNN; run by
 * bench/decisions.ts once per core type. Prints {"core", "openblasMs", "onednnMs"} (medians of 50).
 */
import { onednnSgemm, openblasSgemm, type Sgemm } from "../lib/backend/native/gemm.ts";
import { loadNativeLibs } from "../lib/backend/native/libs.ts";

const loaded = loadNativeLibs();
if (!loaded.ok) throw new Error(loaded.why);
const { libs } = loaded;
libs.blas.openblas_set_num_threads(1);
libs.gomp.omp_set_num_threads(1);
const [m, k, n] = [256, 784, 256];
const a = new Float32Array(m * k).fill(0.5);
const b = new Float32Array(k * n).fill(0.25);
const c = new Float32Array(m * n);
const p = (v: Float32Array) => Deno.UnsafePointer.of(v);
function median(g: Sgemm): number {
  const t: number[] = [];
  for (let i = 0; i < 60; i++) {
    const start = performance.now();
    g(false, false, m, n, k, p(a), k, p(b), n, 0, p(c), n);
    if (i >= 10) t.push(performance.now() - start);
  }
  t.sort((x, y) => x - y);
  return Math.round(t[25] * 1000) / 1000;
}
console.log(
  JSON.stringify({ core: libs.openblas.core, openblasMs: median(openblasSgemm(libs.blas)), onednnMs: median(onednnSgemm(libs.dnnl)) }),
);
