/**
 * oneDNN 2.6 primitives through Deno's FFI: one CPU engine and stream, primitives cached by their
 * full configuration, executed on memory the caller owns (the wasm heap), with no copies.
 *
 * oneDNN's C API takes descriptors by pointer, so pure FFI suffices: a descriptor is a byte buffer
 * of at least the struct's size that oneDNN fills and reads; the kit never reads its fields. Struct
 * sizes and enum values below are those of Debian's libdnnl-dev 2.6.3 headers (`dnnl_types.h`),
 * printed by a C program compiled against them (see docs/speed.md); buffers are allocated with a
 * margin so that a 2.x build with slightly larger structs still fits.
 */
import type { Dnnl } from "./libs.ts";

/** sizeof(dnnl_memory_desc_t) = 696 in 2.6.3; allocated with a margin. */
const MEMORY_DESC_BYTES = 1024;
/** sizeof(dnnl_convolution_desc_t) = 5976, sizeof(dnnl_pooling_desc_t) = 3192 in 2.6.3. */
const OP_DESC_BYTES = 8192;
/** DNNL_MAX_NDIMS: every dims argument is an int64 array of this length. */
const MAX_NDIMS = 12;

/** Enum values of dnnl_types.h (2.6.3). */
export const DNNL = {
  f32: 3,
  tag: { any: 1, a: 2, nhwc: 20, hwio: 30 },
  prop: { forwardTraining: 64, forwardInference: 96 },
  alg: { convolutionDirect: 1, poolingMax: 511, eltwiseRelu: 31 },
  arg: {
    src: 1,
    dst: 17,
    weights: 33,
    bias: 41,
    workspace: 64,
    scratchpad: 80,
    diffSrc: 129,
    diffDst: 145,
    diffWeights: 161,
  },
  query: {
    implInfoStr: 8,
    srcMd: 129,
    diffSrcMd: 130,
    weightsMd: 131,
    diffWeightsMd: 132,
    dstMd: 133,
    diffDstMd: 134,
    workspaceMd: 135,
    scratchpadMd: 136,
  },
  scratchpadModeUser: 1,
  engineCpu: 1,
  streamDefaultFlags: 1,
} as const;

/** dnnl_status_t names, for error messages. */
const STATUS: Record<number, string> = {
  1: "out_of_memory",
  2: "invalid_arguments",
  3: "unimplemented",
  4: "iterator_ends",
  5: "runtime_error",
  6: "not_required",
};

export class DnnlError extends Error {
  constructor(what: string, readonly status: number) {
    super(`oneDNN ${what}: ${STATUS[status] ?? `status ${status}`}`);
  }
}

/** A primitive ready to run: its memory objects take new data pointers on every call. */
export interface Primitive {
  /** oneDNN's name for the implementation it chose, e.g. "jit:avx512_core" or "x64:gemm:jit". */
  impl: string;
  /** Bytes of each argument's buffer, in `run` order (oneDNN's size for its memory descriptor). */
  bytes: number[];
  run(pointers: Deno.PointerValue[]): void;
  /** Sets the data pointers without running (then `exec` runs it from a task list). */
  bind(pointers: Deno.PointerValue[]): void;
  /** The primitive, its exec-argument array and their count, as addresses (parallel.c's task kind 3). */
  exec: ExecStep;
}

/** One dnnl_primitive_execute call by address: primitive, its dnnl_exec_arg_t array, the array's length. */
export interface ExecStep {
  primitive: bigint;
  args: bigint;
  count: number;
}

/** A primitive that owns oneDNN objects: destroyed when it leaves the cache. */
export interface Owned {
  destroy(): void;
}

/** A memory argument of a primitive: which DNNL_ARG and which primitive-descriptor query gives its layout. */
export interface ArgSpec {
  arg: number;
  query: number;
  /** Which descriptor of that kind (the bias is weights descriptor 1); default 0. */
  index?: number;
  /** The layout itself, where the caller knows it (then `query` is not used). */
  md?: Uint8Array;
}

const outPointer = () => new BigUint64Array(1);
const asPointer = (out: BigUint64Array) => Deno.UnsafePointer.create(out[0]);

/** Entries kept at most; the least recently used is destroyed beyond this (shapes vary with the last batch). */
const CACHE_LIMIT = 256;

/** Alignment of scratch buffers (a cache line; AVX-512 loads are 64 bytes). */
const SCRATCH_ALIGN = 64;

export class DnnlContext {
  readonly engine: Deno.PointerValue;
  readonly stream: Deno.PointerValue;
  /** A second stream, for the second of two primitives run at once on two threads (conv.ts's batch halves). */
  readonly secondStream: Deno.PointerValue;
  private readonly cache = new Map<string, Owned>();
  /** Configurations oneDNN refused, with its reason: not retried. */
  private readonly refused = new Map<string, DnnlError>();
  /** Scratch buffers by slot (JS-owned; an ArrayBuffer's memory never moves). */
  private readonly scratchBuffers: { buffer: ArrayBuffer; pointer: Deno.PointerValue; bytes: number }[] = [];

  /**
   * `setThreads(n)` sets the OpenMP thread count oneDNN uses from then on (omp_set_num_threads);
   * `threads` is the backend's count, restored after a primitive that runs with fewer.
   */
  constructor(readonly lib: Dnnl, readonly threads = 1, private readonly setThreads: (n: number) => void = () => {}) {
    const engine = outPointer();
    this.check(lib.dnnl_engine_create(engine, DNNL.engineCpu, 0n), "engine_create");
    this.engine = asPointer(engine);
    const stream = outPointer();
    this.check(lib.dnnl_stream_create(stream, this.engine, DNNL.streamDefaultFlags), "stream_create");
    this.stream = asPointer(stream);
    this.check(lib.dnnl_stream_create(stream, this.engine, DNNL.streamDefaultFlags), "stream_create");
    this.secondStream = asPointer(stream);
  }

  check(status: number, what: string) {
    if (status !== 0) throw new DnnlError(what, status);
  }

  /** A dims argument (int64[12]). */
  dims(values: readonly number[]): BigInt64Array {
    const out = new BigInt64Array(MAX_NDIMS);
    values.forEach((v, i) => (out[i] = BigInt(v)));
    return out;
  }

  /** A f32 memory descriptor of logical dims in oneDNN's order with a physical layout tag. */
  memoryDesc(dims: readonly number[], tag: number): Uint8Array {
    const md = new Uint8Array(MEMORY_DESC_BYTES);
    this.check(this.lib.dnnl_memory_desc_init_by_tag(md, dims.length, this.dims(dims), DNNL.f32, tag), "memory_desc_init");
    return md;
  }

  opDesc(): Uint8Array {
    return new Uint8Array(OP_DESC_BYTES);
  }

  /** Number of entries cached (for leak tests). */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The cached entry for `key`, or one made by `create`. A DnnlError from `create` (oneDNN refused
   * the configuration) is remembered and thrown again on every later call with the same key.
   */
  cached<T extends Owned>(key: string, create: () => T): T {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit as T;
    }
    const refusal = this.refused.get(key);
    if (refusal !== undefined) throw refusal;
    let made: T;
    try {
      made = create();
    } catch (err) {
      if (err instanceof DnnlError) this.refused.set(key, err);
      throw err;
    }
    this.cache.set(key, made);
    if (this.cache.size > CACHE_LIMIT) {
      const [oldestKey, oldest] = this.cache.entries().next().value!;
      this.cache.delete(oldestKey);
      oldest.destroy();
    }
    return made;
  }

  /**
   * The cached primitive for `key`, or one built from `create`'s recipe (an op descriptor, the
   * forward hint for backward primitives, post-ops, and its memory arguments).
   */
  primitive(key: string, create: () => PrimitiveRecipe): Primitive {
    return this.cached(key, () => {
      const recipe = create();
      return this.withThreads(recipe.threads, () => {
        let pd: Deno.PointerValue = null;
        try {
          pd = this.primitiveDesc(recipe.opDesc, recipe.hint ?? null, recipe.reluPostOp);
          return this.runner(pd, recipe.args, recipe.threads);
        } finally {
          if (pd !== null) this.lib.dnnl_primitive_desc_destroy(pd);
          if (recipe.hint) this.lib.dnnl_primitive_desc_destroy(recipe.hint);
        }
      });
    });
  }

  /**
   * Runs `body` with oneDNN on `threads` threads (fewer than the backend's), restoring the count after.
   * oneDNN sizes a primitive's work split when it is created and reads the count again when it runs,
   * so both happen inside.
   */
  withThreads<T>(threads: number | undefined, body: () => T): T {
    if (threads === undefined || threads >= this.threads) return body();
    this.setThreads(threads);
    try {
      return body();
    } finally {
      this.setThreads(this.threads);
    }
  }

  /** A primitive descriptor (caller destroys it), e.g. the forward hint of a backward primitive. */
  primitiveDesc(opDesc: Uint8Array, hint: Deno.PointerValue = null, reluPostOp = false, userScratchpad = false): Deno.PointerValue {
    const { lib } = this;
    let attr: Deno.PointerValue = null;
    let postOps: Deno.PointerValue = null;
    try {
      if (reluPostOp || userScratchpad) {
        const a = outPointer();
        this.check(lib.dnnl_primitive_attr_create(a), "primitive_attr_create");
        attr = asPointer(a);
      }
      if (userScratchpad) {
        this.check(lib.dnnl_primitive_attr_set_scratchpad_mode(attr, DNNL.scratchpadModeUser), "primitive_attr_set_scratchpad_mode");
      }
      if (reluPostOp) {
        const p = outPointer();
        this.check(lib.dnnl_post_ops_create(p), "post_ops_create");
        postOps = asPointer(p);
        this.check(lib.dnnl_post_ops_append_eltwise(postOps, 1, DNNL.alg.eltwiseRelu, 0, 0), "post_ops_append_eltwise");
        this.check(lib.dnnl_primitive_attr_set_post_ops(attr, postOps), "primitive_attr_set_post_ops");
      }
      const pd = outPointer();
      this.check(lib.dnnl_primitive_desc_create(pd, opDesc, attr, this.engine, hint), "primitive_desc_create");
      return asPointer(pd);
    } finally {
      if (postOps !== null) lib.dnnl_post_ops_destroy(postOps);
      if (attr !== null) lib.dnnl_primitive_attr_destroy(attr);
    }
  }

  /** The memory descriptor a primitive descriptor chose for one of its arguments (owned by the pd). */
  queryMd(pd: Deno.PointerValue, query: number, index = 0): Deno.PointerObject {
    const md = this.lib.dnnl_primitive_desc_query_md(pd, query, index);
    if (md === null) throw new DnnlError(`query_md(${query}, ${index})`, 2);
    return md;
  }

  /** Whether two memory descriptors describe the same layout. */
  sameLayout(a: Deno.PointerValue, b: Deno.PointerValue): boolean {
    return this.lib.dnnl_memory_desc_equal(a, b) === 1;
  }

  /** The primitive of a primitive descriptor (which the caller still destroys), with one memory object per argument. */
  runner(pd: Deno.PointerValue, args: ArgSpec[], threads?: number): Primitive & Owned {
    const { lib } = this;
    const memories: Deno.PointerValue[] = [];
    let prim: Deno.PointerValue = null;
    const destroy = () => {
      for (const m of memories) lib.dnnl_memory_destroy(m);
      if (prim !== null) lib.dnnl_primitive_destroy(prim);
    };
    try {
      const implOut = outPointer();
      this.check(lib.dnnl_primitive_desc_query(pd, DNNL.query.implInfoStr, 0, implOut), "query impl_info_str");
      const implPtr = asPointer(implOut);
      const impl = implPtr === null ? "unknown" : Deno.UnsafePointerView.getCString(implPtr);
      // dnnl_exec_arg_t is { int arg; dnnl_memory_t memory; }: 16 bytes with padding.
      // Its own ArrayBuffer: never in V8's heap (small typed arrays can be, and move), so `exec` may keep its address.
      const execArgs = new BigUint64Array(new ArrayBuffer(args.length * 16));
      const bytes: number[] = [];
      args.forEach(({ arg, query, index, md: given }, i) => {
        const md = given ? Deno.UnsafePointer.of(given) : this.queryMd(pd, query, index);
        bytes.push(Number(lib.dnnl_memory_desc_get_size(md)));
        const out = outPointer();
        // No buffer yet (DNNL_MEMORY_NONE): every run sets the caller's pointers.
        this.check(lib.dnnl_memory_create(out, md, this.engine, null), "memory_create");
        memories.push(asPointer(out));
        execArgs[2 * i] = BigInt(arg);
        execArgs[2 * i + 1] = out[0];
      });
      const primOut = outPointer();
      this.check(lib.dnnl_primitive_create(primOut, pd), "primitive_create");
      prim = asPointer(primOut);
      const argBytes = new Uint8Array(execArgs.buffer);
      const { stream } = this;
      const bind = (pointers: Deno.PointerValue[]) => {
        for (let i = 0; i < args.length; i++) {
          this.check(lib.dnnl_memory_set_data_handle(memories[i], pointers[i]), "memory_set_data_handle");
        }
      };
      const address = (p: Deno.PointerValue) => BigInt(Deno.UnsafePointer.value(p));
      return {
        impl,
        bytes,
        bind,
        exec: { primitive: address(prim), args: address(Deno.UnsafePointer.of(argBytes)), count: args.length },
        run: (pointers) => {
          bind(pointers);
          this.withThreads(threads, () => this.check(lib.dnnl_primitive_execute(prim, stream, args.length, argBytes), "primitive_execute"));
        },
        destroy,
      };
    } catch (err) {
      destroy();
      throw err;
    }
  }

  /**
   * Bytes of the scratchpad a primitive descriptor made in user scratchpad mode needs (0: none). In
   * that mode the caller passes it as DNNL_ARG_SCRATCHPAD: oneDNN's own (library) scratchpad belongs
   * to the thread that created the primitive, so a primitive another thread runs must have its own.
   */
  scratchpadBytes(pd: Deno.PointerValue): number {
    const md = this.lib.dnnl_primitive_desc_query_md(pd, DNNL.query.scratchpadMd, 0);
    return md === null ? 0 : Number(this.lib.dnnl_memory_desc_get_size(md));
  }

  /**
   * A reorder from one layout to another (run with [from, to] pointers). Made in user scratchpad mode;
   * one that would need a scratchpad is refused (a DnnlError: f32 layout reorders need none).
   */
  reorder(from: Deno.PointerValue, to: Deno.PointerValue): Primitive & Owned {
    const pdOut = outPointer();
    const attrOut = outPointer();
    this.check(this.lib.dnnl_primitive_attr_create(attrOut), "primitive_attr_create");
    const attr = asPointer(attrOut);
    try {
      this.check(this.lib.dnnl_primitive_attr_set_scratchpad_mode(attr, DNNL.scratchpadModeUser), "primitive_attr_set_scratchpad_mode");
      this.check(
        this.lib.dnnl_reorder_primitive_desc_create(pdOut, from, this.engine, to, this.engine, attr),
        "reorder_primitive_desc_create",
      );
    } finally {
      this.lib.dnnl_primitive_attr_destroy(attr);
    }
    const pd = asPointer(pdOut);
    try {
      if (this.scratchpadBytes(pd) > 0) throw new DnnlError("reorder needing a scratchpad", 3);
      return this.runner(pd, [{ arg: DNNL.arg.src, query: DNNL.query.srcMd }, { arg: DNNL.arg.dst, query: DNNL.query.dstMd }]);
    } finally {
      this.lib.dnnl_primitive_desc_destroy(pd);
    }
  }

  /**
   * Scratch buffer `slot`, at least `bytes` long, 64-byte aligned: where reorders put a tensor in the
   * layout a primitive prefers. Kernels run one at a time, so a few slots serve every primitive; a
   * slot grows to the largest request and stays (the old buffer goes to the garbage collector).
   */
  scratch(slot: number, bytes: number): Deno.PointerValue {
    const have = this.scratchBuffers[slot];
    if (have !== undefined && have.bytes >= bytes) return have.pointer;
    const size = Math.max(bytes, have ? 2 * have.bytes : 0);
    const buffer = new ArrayBuffer(size + SCRATCH_ALIGN);
    const base = Deno.UnsafePointer.of(new Uint8Array(buffer))!;
    const skip = (SCRATCH_ALIGN - Number(Deno.UnsafePointer.value(base) % BigInt(SCRATCH_ALIGN))) % SCRATCH_ALIGN;
    this.scratchBuffers[slot] = { buffer, pointer: Deno.UnsafePointer.offset(base, skip), bytes: size };
    return this.scratchBuffers[slot].pointer;
  }

  /** Bytes held in scratch buffers (for leak tests). */
  get scratchBytes(): number {
    return this.scratchBuffers.reduce((a, s) => a + (s?.bytes ?? 0), 0);
  }

  /** Destroys every cached primitive. */
  clear() {
    for (const p of this.cache.values()) p.destroy();
    this.cache.clear();
    this.refused.clear();
  }
}

export interface PrimitiveRecipe {
  opDesc: Uint8Array;
  /** Forward primitive descriptor for a backward primitive; destroyed after use. */
  hint?: Deno.PointerValue;
  reluPostOp?: boolean;
  /** Memory arguments the caller passes pointers for, in `run` order. */
  args: ArgSpec[];
  /** Fewer threads than the backend's for this primitive (see singleThreaded in ./eltwise.ts). */
  threads?: number;
}

/** Slots of a "dnnl" task (parallel.c's run_dnnl): count, stream, then 3 per step; the status in the last. */
export const CHAIN_MAX_STEPS = 4;
export const CHAIN_STATUS_SLOT = 15;

/** Writes a chain of steps on `stream` as the task at slot `offset` of `tasks`. */
export function writeChain(tasks: BigInt64Array, offset: number, stream: Deno.PointerValue, steps: ExecStep[]): void {
  if (steps.length > CHAIN_MAX_STEPS) throw new Error(`a dnnl task holds at most ${CHAIN_MAX_STEPS} steps, got ${steps.length}`);
  tasks[offset] = BigInt(steps.length);
  tasks[offset + 1] = BigInt(Deno.UnsafePointer.value(stream));
  steps.forEach((step, i) => {
    tasks[offset + 2 + 3 * i] = step.primitive;
    tasks[offset + 3 + 3 * i] = step.args;
    tasks[offset + 4 + 3 * i] = BigInt(step.count);
  });
  tasks[offset + CHAIN_STATUS_SLOT] = 0n;
}

/**
 * The "dnnl" task on the JS thread (the runner's sequential path): the same dnnl_primitive_execute calls
 * in the same order as parallel.c's run_dnnl. The caller has set OpenMP to one thread.
 */
export function dnnlChainTask(lib: Dnnl): (tasks: BigInt64Array, offset: number) => void {
  const pointer = (slot: bigint) => Deno.UnsafePointer.create(slot);
  return (tasks, offset) => {
    tasks[offset + CHAIN_STATUS_SLOT] = 0n;
    const stream = pointer(tasks[offset + 1]);
    for (let i = 0; i < Number(tasks[offset]); i++) {
      const at = offset + 2 + 3 * i;
      const status = lib.dnnl_primitive_execute_at(pointer(tasks[at]), stream, Number(tasks[at + 2]), pointer(tasks[at + 1]));
      if (status !== 0) {
        tasks[offset + CHAIN_STATUS_SLOT] = BigInt(status);
        return;
      }
    }
  };
}
