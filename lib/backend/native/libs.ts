/**
 * Loads the native libraries behind the `native` backend through Deno's FFI (`Deno.dlopen`, no C shim):
 * Debian's OpenBLAS (`libopenblas0-pthread`: cblas_sgemm) and oneDNN (`libdnnl2` 2.6: dnnl_sgemm,
 * convolution, pooling, element-wise and batch-norm primitives), and sets both libraries' thread
 * counts. See docs/speed.md for the design.
 *
 * Everything here either succeeds or says why not ({ ok: false, why }), so that the backend resolver
 * can fall back to wasm + kit kernels and record the reason. The libraries stay loaded for the life
 * of the process (kernels hold their symbols).
 */
import { envValue, threadCount } from "../../env.ts";

/**
 * cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); A, B and C are
 * raw pointers (into the wasm heap).
 */
const OPENBLAS_SYMBOLS = {
  cblas_sgemm: {
    parameters: ["i32", "i32", "i32", "i32", "i32", "i32", "f32", "pointer", "i32", "pointer", "i32", "f32", "pointer", "i32"],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  openblas_get_config: { parameters: [], result: "pointer" },
  openblas_get_corename: { parameters: [], result: "pointer" },
} as const;

/**
 * The oneDNN 2.6 C API calls the kit uses. Descriptors (memory, convolution, pooling) are opaque
 * byte buffers the library fills: the kit never reads their fields, it only passes their addresses
 * (their sizes are in dnnl.ts). Handles (engine, stream, primitive descriptor, primitive, memory)
 * are returned through an 8-byte out buffer.
 */
const DNNL_SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  /** Row-major sgemm: transa, transb as 'N'/'T', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc (dim_t = int64). */
  dnnl_sgemm: {
    parameters: ["u8", "u8", "i64", "i64", "i64", "f32", "pointer", "i64", "pointer", "i64", "f32", "pointer", "i64"],
    result: "i32",
  },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_memory_desc_init_by_tag: { parameters: ["buffer", "i32", "buffer", "i32", "i32"], result: "i32" },
  dnnl_convolution_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_pooling_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_pooling_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_binary_desc_init: { parameters: ["buffer", "i32", "buffer", "buffer", "buffer"], result: "i32" },
  dnnl_eltwise_forward_desc_init: { parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"], result: "i32" },
  dnnl_eltwise_backward_desc_init: { parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"], result: "i32" },
  dnnl_batch_normalization_forward_desc_init: { parameters: ["buffer", "i32", "buffer", "f32", "u32"], result: "i32" },
  dnnl_batch_normalization_backward_desc_init: { parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"], result: "i32" },
  dnnl_reorder_primitive_desc_create: { parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_desc_equal: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_primitive_attr_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_primitive_attr_set_scratchpad_mode: { parameters: ["pointer", "i32"], result: "i32" },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_post_ops_append_eltwise: { parameters: ["pointer", "f32", "i32", "f32", "f32"], result: "i32" },
  dnnl_primitive_desc_create: { parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  /** The same function with its exec arguments given by address (conv.ts's batch halves, run from a task list). */
  dnnl_primitive_execute_at: { name: "dnnl_primitive_execute", parameters: ["pointer", "pointer", "i32", "pointer"], result: "i32" },
  dnnl_get_effective_cpu_isa: { parameters: [], result: "i32" },
} as const;

/** The OpenMP runtime oneDNN is built on (Debian's libdnnl2 uses GNU OpenMP). */
const GOMP_SYMBOLS = {
  omp_set_num_threads: { parameters: ["i32"], result: "void" },
  omp_get_max_threads: { parameters: [], result: "i32" },
} as const;

export type OpenBlas = Deno.DynamicLibrary<typeof OPENBLAS_SYMBOLS>["symbols"];
export type Gomp = Deno.DynamicLibrary<typeof GOMP_SYMBOLS>["symbols"];
export type Dnnl = Deno.DynamicLibrary<typeof DNNL_SYMBOLS>["symbols"];

export interface NativeLibs {
  blas: OpenBlas;
  dnnl: Dnnl;
  gomp: Gomp;
  /** Threads each library runs with (the machine's cores, or UNLEARN_THREADS). */
  threads: number;
  /** Where that count came from. */
  threadsFrom: string;
  openblas: { path: string; config: string; core: string; threads: number; coreForced?: string };
  onednn: { path: string; version: string; cpuRuntime: string; threads: number; isa: string };
}

export type LoadResult = { ok: true; libs: NativeLibs } | { ok: false; why: string };

/** Debian's multiarch folder for this machine, e.g. x86_64-linux-gnu. */
function multiarch(): string {
  return `${Deno.build.arch}-linux-gnu`;
}

/**
 * Candidate paths, most specific first. The pthread build's own folder comes before the soname
 * because `libopenblas.so.0` is an alternatives link that may point at the OpenMP or serial build.
 */
function openblasPaths(): string[] {
  return [
    `/usr/lib/${multiarch()}/openblas-pthread/libopenblas.so.0`,
    "libopenblas.so.0",
  ];
}

function dnnlPaths(): string[] {
  return ["libdnnl.so.2", `/usr/lib/${multiarch()}/libdnnl.so.2`];
}

function open<S extends Deno.ForeignLibraryInterface>(
  paths: string[],
  symbols: S,
): { lib: Deno.DynamicLibrary<S>; path: string } | { why: string } {
  const failures: string[] = [];
  for (const path of paths) {
    try {
      return { lib: Deno.dlopen(path, symbols), path };
    } catch (err) {
      failures.push(`${path}: ${firstLine(err)}`);
    }
  }
  return { why: failures.join("; ") };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/**
 * Thread count: UNLEARN_THREADS (lib/env.ts; a value that is not a positive integer is an error, so
 * that a typo does not silently run on another count), else the machine's logical cores.
 */
export function threadSetting(): { threads: number; from: string } {
  return { threads: threadCount(), from: envValue("UNLEARN_THREADS") === undefined ? "navigator.hardwareConcurrency" : "UNLEARN_THREADS" };
}

/** Sets a variable for the native libraries (they read it when they load) unless the environment sets it. */
function setEnvDefault(key: string, value: string): boolean {
  if (envValue(key) !== undefined) return false;
  try {
    Deno.env.set(key, value);
    return true;
  } catch {
    return false; // no --allow-env: the library's default applies
  }
}

/**
 * OpenBLAS 0.3.21 (Debian 12) does not know AMD CPUs with AVX-512 (Zen 4 and later) and runs its
 * AVX2 "Haswell" kernels there; its AVX-512 "SkylakeX" kernels run sgemm ~1.9× faster on such a CPU
 * (openblasCore in results/bench/decisions.json). So on an AMD CPU whose flags include every AVX-512 subset SkylakeX uses, the kit
 * sets OPENBLAS_CORETYPE=SkylakeX before loading, unless the environment sets it. Returns the value set.
 */
function forceAvx512Core(): string | undefined {
  let cpuinfo: string;
  try {
    cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return undefined;
  }
  const vendor = cpuinfo.match(/^vendor_id\s*:\s*(\S+)/m)?.[1];
  const flags = new Set(cpuinfo.match(/^flags\s*:\s*(.*)$/m)?.[1].split(/\s+/) ?? []);
  const needed = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"];
  if (vendor !== "AuthenticAMD" || !needed.every((f) => flags.has(f))) return undefined;
  return setEnvDefault("OPENBLAS_CORETYPE", "SkylakeX") ? "SkylakeX" : undefined;
}

let loaded: LoadResult | undefined;

/**
 * Opens OpenBLAS, oneDNN and GNU OpenMP once and sets their thread counts; later calls return the
 * same result. Needs --allow-ffi (and reads UNLEARN_THREADS with --allow-env).
 */
export function loadNativeLibs(): LoadResult {
  loaded ??= load();
  return loaded;
}

function load(): LoadResult {
  if (typeof Deno.dlopen !== "function") return { ok: false, why: "Deno.dlopen is not available" };
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return { ok: false, why: "FFI is not permitted (run with --allow-ffi or -A)" };
    }
  } catch (err) {
    return { ok: false, why: `FFI permission query failed: ${firstLine(err)}` };
  }
  let setting: { threads: number; from: string };
  try {
    setting = threadSetting();
  } catch (err) {
    return { ok: false, why: firstLine(err) };
  }
  // OpenMP workers that spin after each oneDNN call would take the core OpenBLAS's threads and the
  // JS thread need next; a passive wait policy puts them to sleep at once (waitPolicy in
  // results/bench/decisions.json).
  // Must be set before libgomp loads; a value the user set wins.
  setEnvDefault("OMP_WAIT_POLICY", "PASSIVE");
  const coreForced = forceAvx512Core();

  const blas = open(openblasPaths(), OPENBLAS_SYMBOLS);
  if ("why" in blas) return { ok: false, why: `OpenBLAS not loadable (apt-get install libopenblas0-pthread): ${blas.why}` };
  const dnnl = open(dnnlPaths(), DNNL_SYMBOLS);
  if ("why" in dnnl) return { ok: false, why: `oneDNN not loadable (apt-get install libdnnl2): ${dnnl.why}` };
  const gomp = open(["libgomp.so.1"], GOMP_SYMBOLS);
  if ("why" in gomp) return { ok: false, why: `GNU OpenMP (oneDNN's thread runtime) not loadable: ${gomp.why}` };

  const { threads } = setting;
  // OpenBLAS serves the matrix products, always on one thread (./gemm.ts); oneDNN's primitives get
  // the backend's count, used only where it gives the same bits as one thread (./conv.ts).
  blas.lib.symbols.openblas_set_num_threads(1);
  gomp.lib.symbols.omp_set_num_threads(threads);

  const version = readDnnlVersion(dnnl.lib.symbols);
  if (version.major !== 2) {
    return { ok: false, why: `oneDNN ${version.text} found; the kit's FFI layouts are those of oneDNN 2.x` };
  }
  const cString = (p: Deno.PointerValue) => (p === null ? "" : Deno.UnsafePointerView.getCString(p));
  return {
    ok: true,
    libs: {
      blas: blas.lib.symbols,
      dnnl: dnnl.lib.symbols,
      gomp: gomp.lib.symbols,
      threads,
      threadsFrom: setting.from,
      openblas: {
        path: blas.path,
        config: cString(blas.lib.symbols.openblas_get_config()).trim(),
        core: cString(blas.lib.symbols.openblas_get_corename()),
        threads: blas.lib.symbols.openblas_get_num_threads(),
        ...(coreForced ? { coreForced } : {}),
      },
      onednn: {
        path: dnnl.path,
        version: version.text,
        cpuRuntime: version.cpuRuntime,
        threads: gomp.lib.symbols.omp_get_max_threads(),
        isa: dnnlIsa(dnnl.lib.symbols),
      },
    },
  };
}

/** dnnl_version_t: int major, minor, patch (offsets 0, 4, 8); const char *hash (16); unsigned cpu_runtime (24). */
function readDnnlVersion(dnnl: Dnnl): { major: number; text: string; cpuRuntime: string } {
  const p = dnnl.dnnl_version();
  if (p === null) return { major: 0, text: "unknown", cpuRuntime: "unknown" };
  const view = new Deno.UnsafePointerView(p);
  const [major, minor, patch] = [view.getInt32(0), view.getInt32(4), view.getInt32(8)];
  const hashPtr = view.getPointer(16);
  const hash = hashPtr === null ? "" : Deno.UnsafePointerView.getCString(hashPtr);
  // dnnl_types.h: DNNL_RUNTIME_SEQ 1, OMP 2, TBB 4, THREADPOOL 8.
  const runtimes: Record<number, string> = { 1: "sequential", 2: "OpenMP", 4: "TBB", 8: "threadpool" };
  const runtime = view.getUint32(24);
  return {
    major,
    text: `${major}.${minor}.${patch}${hash && hash !== "N/A" ? ` (${hash})` : ""}`,
    cpuRuntime: runtimes[runtime] ?? `runtime ${runtime}`,
  };
}

/** dnnl_cpu_isa_t values of oneDNN 2.6 (dnnl_types.h), by the instruction set they name. */
const DNNL_ISA: Record<number, string> = {
  0x0: "all",
  0x1: "sse41",
  0x3: "avx",
  0x7: "avx2",
  0x407: "avx2_vnni",
  0xf: "avx512_mic",
  0x1f: "avx512_mic_4ops",
  0x27: "avx512_core",
  0x67: "avx512_core_vnni",
  0xe7: "avx512_core_bf16",
  0x3e7: "avx512_core_amx",
};

/**
 * The instruction set oneDNN's kernels use on this CPU (dnnl_get_effective_cpu_isa): its JIT
 * kernels, and so their bits, differ between e.g. AVX2 and AVX-512 (8- or 16-channel blocks).
 */
function dnnlIsa(dnnl: Dnnl): string {
  const isa = dnnl.dnnl_get_effective_cpu_isa();
  return DNNL_ISA[isa] ?? `isa 0x${isa.toString(16)}`;
}
