/**
 * A fixed-partition parallel runner for native kernels: a list of independent tasks, fixed by the
 * caller from shapes alone (never from the thread count or the load), each writing only its own part
 * of an output, run either concurrently on a pool of threads by a small C helper (./parallel.c, built by
 * scripts/build_native.sh) or one after another on the JS thread. Each task makes the same library
 * call with the same arguments either way, so the result has the same bits on any thread count, with
 * or without the helper (docs/speed.md, "Products on every thread, same bits").
 *
 * A task is a record of TASK_SLOTS 64-bit integers (pointers as addresses); its kind names the C
 * function that runs it and the TS function that runs it sequentially. Kind "sgemm" is ./gemm.ts's;
 * kinds "sgd" and "sumsq" are ./sgd.ts's; a kernel that needs another kind adds it to both sides (`KINDS` here,
 * `kinds` in parallel.c).
 */
import { parallelHelperPath } from "../../env.ts";

/** Slots per task (parallel.c's KIT_TASK_SLOTS). */
export const TASK_SLOTS = 16;

/** parallel.c's KIT_PARALLEL_VERSION: a helper built from another version of the source is not used. */
const HELPER_VERSION = 5;

/** Task kinds, by their index in parallel.c's `kinds`. */
const KINDS = { sgemm: 0, sgd: 1, sumsq: 2 } as const;
export type TaskKind = keyof typeof KINDS;

const HELPER_SYMBOLS = {
  kit_parallel_version: { parameters: [], result: "i32" },
  kit_parallel_init: { parameters: ["buffer"], result: "i32" },
  kit_parallel_run: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
} as const;
type Helper = Deno.DynamicLibrary<typeof HELPER_SYMBOLS>["symbols"];

/** Runs one task from `tasks` at slot `offset` on the calling thread. */
export type SequentialTask = (tasks: BigInt64Array, offset: number) => void;

/** What runs the tasks, for run records (it never changes a number). */
export interface RunnerInfo {
  /**
   * "helper": the C helper, on up to `threads` threads, the JS thread's included (it alone when 1);
   * "sequential": one after another in the kit's own TS (FFI calls and loops) on the JS thread.
   */
  runner: "helper" | "sequential";
  threads: number;
  /** Why the helper is not used, where it is not. */
  why?: string;
}

export interface TaskRunner {
  readonly info: RunnerInfo;
  /**
   * Runs tasks 0..count-1 of `tasks` (count × TASK_SLOTS slots) on at most `maxThreads` threads (the
   * runner's count by default) and returns when all are done.
   */
  run(kind: TaskKind, tasks: BigInt64Array, count: number, maxThreads?: number): void;
}

function openHelper(path: string, openblasPath: string): { helper: Helper } | { why: string } {
  let lib: Deno.DynamicLibrary<typeof HELPER_SYMBOLS>;
  try {
    lib = Deno.dlopen(path, HELPER_SYMBOLS);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    return { why: `helper ${path} not loadable (scripts/build_native.sh builds it): ${first}` };
  }
  const version = lib.symbols.kit_parallel_version();
  if (version !== HELPER_VERSION) return { why: `helper ${path} is version ${version}, the kit needs ${HELPER_VERSION}: rebuild it` };
  const status = lib.symbols.kit_parallel_init(new TextEncoder().encode(`${openblasPath}\0`));
  if (status !== 0) return { why: `helper ${path}: cblas_sgemm not found in ${openblasPath} (status ${status})` };
  return { helper: lib.symbols };
}

/**
 * The runner of the native backend: the C helper on `threads` threads where it loads (and
 * UNLEARN_PARALLEL_HELPER is not "off"), else one task after another in TS. `sequential` runs one task
 * of each kind in TS.
 */
export function makeRunner(
  threads: number,
  openblasPath: string,
  sequential: Record<TaskKind, SequentialTask>,
  helperPath: string | null = parallelHelperPath(),
): TaskRunner {
  const runSequentially = (kind: TaskKind, tasks: BigInt64Array, count: number) => {
    for (let i = 0; i < count; i++) sequential[kind](tasks, i * TASK_SLOTS);
  };
  const opened = helperPath === null ? { why: "UNLEARN_PARALLEL_HELPER is off" } : openHelper(helperPath, openblasPath);
  if ("why" in opened) return { info: { runner: "sequential", threads: 1, why: opened.why }, run: runSequentially };
  const { helper } = opened;
  return {
    info: { runner: "helper", threads },
    run(kind, tasks, count, maxThreads = threads) {
      const status = helper.kit_parallel_run(KINDS[kind], tasks, count, Math.min(threads, count, maxThreads));
      if (status !== 0) throw new Error(`native parallel runner: status ${status} for ${count} ${kind} tasks`);
    },
  };
}
