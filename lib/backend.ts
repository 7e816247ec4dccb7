/**
 * The one place that chooses the TensorFlow.js backend (in the spirit of transformers.js `env.js`).
 *
 * "auto" tries, in order:
 * 1. tensorflow: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA), only when a CUDA GPU is
 *    present (nvidia-smi works or /proc/driver/nvidia exists) and the optional package imports.
 *    The GPU is checked first so a machine without one never loads libtensorflow.
 * 2. webgpu, only with a real adapter: a fallback (software) adapter is slower than wasm.
 * 3. native: wasm with the kit's training kernels, whose matrix products and convolutions run in
 *    Debian's OpenBLAS and oneDNN through Deno's FFI (./backend/native/, docs/speed.md); skipped,
 *    with the reason recorded, where a library is missing or FFI is not permitted.
 * 4. wasm with the kit's training kernels (./backend/wasm_kernels.ts).
 * 5. cpu (pure JS; a CNN step takes minutes).
 * CPU-only `@tensorflow/tfjs-node` is never chosen by "auto": it cannot install here (its install
 * script downloads libtensorflow), so it was never measured against wasm + kit kernels, and "auto"
 * should not depend on which optional package happens to be present. Ask for "tensorflow" to use it.
 *
 * `UNLEARN_BACKEND` forces a choice, and the `backend` option wins over it. A forced backend that
 * cannot start is an error, never a silent fallback. Optional packages are imported dynamically
 * inside try/catch, so the kit runs where they are absent.
 */
import * as tf from "@tensorflow/tfjs";
import { NATIVE_BACKEND, type NativeInfo, prepareNativeBackend } from "./backend/native/backend.ts";
import { registerWasmTrainingKernels } from "./backend/wasm_kernels.ts";
import { registerWebgpuKernels } from "./backend/webgpu_kernels.ts";
import { envValue, withEnv } from "./env.ts";

export type BackendName = "tensorflow" | "webgpu" | "native" | "wasm" | "cpu";

/** Valid backend names, in the order "auto" tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "webgpu", "native", "wasm", "cpu"];

export interface BackendInfo {
  name: BackendName;
  /** What was asked for: "auto" or a backend name. */
  requested: string;
  /** Why this backend: who forced it, or what "auto" skipped and why. */
  reason: string;
  tfjsVersion: string;
  denoVersion: string;
  v8Version: string;
  typescriptVersion: string;
  /** Kit kernels registered on wasm (wasm and native; empty for other backends). */
  wasmKernels: string[];
  /** wasm and native: whether the SIMD binary runs. */
  simd?: boolean;
  /** native only: the kernels in native code, the libraries (paths, versions) and their threads. */
  native?: NativeInfo;
  /** webgpu / tensorflow: the GPU used. */
  gpuAdapter?: string;
}

export interface InitOptions {
  /** Wins over the UNLEARN_BACKEND environment variable; both default to "auto". */
  backend?: BackendName | "auto";
}

/** A backend that started, or why it could not. */
type Attempt = { ok: true; gpuAdapter?: string; native?: NativeInfo } | { ok: false; why: string };

let chosen: Promise<BackendInfo> | undefined;
let info: BackendInfo | undefined;

/**
 * Chooses and starts the backend once; later calls return the same info. A later call that forces a
 * different backend throws rather than switching under code that already holds tensors.
 */
export function initBackend(opts: InitOptions = {}): Promise<BackendInfo> {
  let request: { name: BackendName | "auto"; source: string };
  try {
    request = readRequest(opts);
  } catch (err) {
    return Promise.reject(err);
  }
  chosen ??= choose(request.name, request.source).then((result) => (info = result));
  return chosen.then((result) => {
    if (request.name !== "auto" && request.name !== result.name) {
      throw new Error(
        `backend already initialised as "${result.name}"; cannot switch to "${request.name}"`,
      );
    }
    return result;
  }).catch((err) => {
    if (info === undefined) chosen = undefined; // a failed start may be retried
    throw err;
  });
}

/** The chosen backend, for run records. Throws before initBackend has finished. */
export function backendInfo(): BackendInfo {
  if (info === undefined) throw new Error("backendInfo(): call `await initBackend()` first");
  return info;
}

/**
 * What, besides the configuration, seed and the kit's code, decides a run's bits on the chosen
 * backend: its name and the kernels it runs on this CPU. Native: OpenBLAS's core (its sgemm kernels),
 * the fixed partition of products into blocks (lib/backend/native/gemm.ts) and oneDNN's instruction set
 * (its JIT kernels), with both libraries' versions; wasm: whether its
 * SIMD binary runs; GPU backends: the adapter. Not the thread count, nor anything timed at start-up:
 * the native kernels give the same bits on any (docs/speed.md). It enters every configuration hash
 * and the cache keys of original models and ensemble members.
 */
export function numericsIdentity(): Record<string, string | boolean> {
  const { name, simd, native, gpuAdapter } = backendInfo();
  if (native) {
    return {
      name,
      openblas: native.openblas.config.replace(/\s*MAX_THREADS=\d+/, ""),
      openblasCore: native.openblas.core,
      gemmPartition: native.gemm.partition,
      onednn: native.onednn.version,
      onednnIsa: native.onednn.isa,
    };
  }
  return { name, ...(simd !== undefined ? { simd } : {}), ...(gpuAdapter ? { gpuAdapter } : {}) };
}

function readRequest(opts: InitOptions): { name: BackendName | "auto"; source: string } {
  const fromEnv = envValue("UNLEARN_BACKEND");
  const [raw, source] = opts.backend !== undefined
    ? [opts.backend as string, "the backend option"]
    : fromEnv
    ? [fromEnv, "UNLEARN_BACKEND"]
    : ["auto", "default"];
  const name = raw.trim().toLowerCase();
  if (name !== "auto" && !(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `unknown backend "${raw}" (from ${source}); valid: auto, ${BACKEND_NAMES.join(", ")}`,
    );
  }
  return { name: name as BackendName | "auto", source };
}

async function choose(requested: BackendName | "auto", source: string): Promise<BackendInfo> {
  // tfjs's production mode only silences its console warnings, among them the cpu backend's banner ("looks
  // like you are running TensorFlow.js in Node.js…") that every run on cpu printed, which read like a failure.
  tf.enableProdMode();
  const { name, reason, gpuAdapter, native } = await pick(requested, source);
  const wasm = name === "wasm" || name === "native";
  return {
    name,
    requested,
    reason,
    tfjsVersion: tf.version.tfjs,
    denoVersion: Deno.version.deno,
    v8Version: Deno.version.v8,
    typescriptVersion: Deno.version.typescript,
    wasmKernels: wasm ? registerWasmTrainingKernels() : [],
    ...(wasm ? { simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") as boolean } : {}),
    ...(gpuAdapter ? { gpuAdapter } : {}),
    ...(native ? { native } : {}),
  };
}

async function pick(
  requested: BackendName | "auto",
  source: string,
): Promise<{ name: BackendName; reason: string; gpuAdapter?: string; native?: NativeInfo }> {
  if (requested !== "auto") {
    const attempt = await start(requested, true);
    if (!attempt.ok) {
      throw new Error(`backend "${requested}" (forced by ${source}) failed: ${attempt.why}`);
    }
    return { name: requested, reason: `forced by ${source}`, gpuAdapter: attempt.gpuAdapter, native: attempt.native };
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    const attempt = await start(name, false);
    if (attempt.ok) {
      const reason = skipped.length ? `auto; skipped ${skipped.join("; ")}` : "auto: first choice";
      return { name, reason, gpuAdapter: attempt.gpuAdapter, native: attempt.native };
    }
    skipped.push(`${name}: ${attempt.why}`);
  }
  throw new Error(`no backend started (${skipped.join("; ")})`);
}

function start(name: BackendName, forced: boolean): Promise<Attempt> {
  switch (name) {
    case "tensorflow":
      return startTensorflow(forced);
    case "webgpu":
      return startWebgpu(forced);
    case "native":
      return startNative();
    case "wasm":
      // The kit's kernels are registered in choose(); registering before or after the backend
      // initialises works alike.
      return activate("wasm");
    case "cpu":
      return activate("cpu");
  }
}

/** wasm + kit kernels with OpenBLAS/oneDNN kernels over them, or why not (a missing library, no FFI). */
async function startNative(): Promise<Attempt> {
  const prepared = await prepareNativeBackend();
  if (!prepared.ok) return prepared;
  const attempt = await activate(NATIVE_BACKEND);
  return attempt.ok ? { ok: true, native: prepared.info } : attempt;
}

async function activate(name: string, gpuAdapter?: string): Promise<Attempt> {
  try {
    if (await tf.setBackend(name)) return { ok: true, gpuAdapter };
    return { ok: false, why: `tf.setBackend("${name}") failed` };
  } catch (err) {
    return { ok: false, why: `tf.setBackend("${name}"): ${message(err)}` };
  }
}

/**
 * tfjs-node-gpu with a CUDA GPU; when forced, tfjs-node-gpu without one or CPU-only tfjs-node also
 * do. Both register the "tensorflow" backend on the kit's single tfjs (package.json overrides).
 */
async function startTensorflow(forced: boolean): Promise<Attempt> {
  const gpu = await probes.cudaGpu();
  if (gpu === undefined && !forced) return { ok: false, why: "no CUDA GPU" };
  const packages = forced ? ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] : [
    "@tensorflow/tfjs-node-gpu",
  ];
  const failures: string[] = [];
  for (const pkg of packages) {
    try {
      // A non-literal specifier, so that `deno check` does not require the optional package.
      await probes.importPackage(pkg);
      return activate("tensorflow", pkg.endsWith("-gpu") ? gpu : undefined);
    } catch (err) {
      failures.push(`${pkg} not importable (${firstLine(err)})`);
    }
  }
  return { ok: false, why: failures.join("; ") };
}

/** The first GPU's name when a CUDA driver is present, else undefined. */
async function cudaGpu(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("nvidia-smi", {
      args: ["--query-gpu=name", "--format=csv,noheader"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const name = new TextDecoder().decode(out.stdout).split("\n")[0].trim();
    if (out.success && name) return name;
  } catch { /* no nvidia-smi, or no --allow-run */ }
  try {
    await Deno.stat("/proc/driver/nvidia");
    return "NVIDIA GPU (/proc/driver/nvidia)";
  } catch {
    return undefined;
  }
}

/**
 * libwayland, under Deno's WebGPU adapter request, prints "error: XDG_RUNTIME_DIR is invalid or not set"
 * on every request when the variable is unset; any value silences it. It is set for the probe only.
 */
async function startWebgpu(forced: boolean): Promise<Attempt> {
  return await withEnv("XDG_RUNTIME_DIR", "/nonexistent-xdg-runtime-dir", () => probeWebgpu(forced));
}

async function probeWebgpu(forced: boolean): Promise<Attempt> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (gpu === undefined) return { ok: false, why: "navigator.gpu is missing" };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return { ok: false, why: `requestAdapter: ${message(err)}` };
  }
  if (adapter === null) return { ok: false, why: "no WebGPU adapter" };
  const { vendor, description } = adapter.info;
  const label = description || vendor || "unknown adapter";
  const fallback = (adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  if (fallback && !forced) return { ok: false, why: `only a fallback adapter (${label})` };
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    return { ok: false, why: `@tensorflow/tfjs-backend-webgpu: ${firstLine(err)}` };
  }
  const attempt = await activate("webgpu", fallback ? `${label} (fallback)` : label);
  // Stock dataSync() throws under Deno, and AddN of 8+ tensors fails: see ./backend/webgpu_kernels.ts.
  if (attempt.ok) registerWebgpuKernels();
  return attempt;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(err: unknown): string {
  return message(err).split("\n")[0];
}

// ---------------------------------------------------------------------------------------------
// Test seam (tests/backend/tfjs_node_gpu_test.ts): how "tensorflow" finds a CUDA GPU and its package.

export interface BackendProbes {
  /** The first CUDA GPU's name, or undefined. */
  cudaGpu(): Promise<string | undefined>;
  /** Imports an optional package (it registers its backend with tfjs), or throws. */
  importPackage(name: string): Promise<unknown>;
}

const realProbes: BackendProbes = { cudaGpu, importPackage: (name) => import(name) };
let probes: BackendProbes = realProbes;

/**
 * Tests only: replaces the probes (none given: the real ones) and forgets the chosen backend, so the
 * next initBackend decides again. tfjs itself may switch backends; the kit's code never does this.
 */
export function setBackendProbesForTest(replacement?: Partial<BackendProbes>): void {
  probes = { ...realProbes, ...replacement };
  chosen = undefined;
  info = undefined;
}
