/**
 * The membership-inference attacker's classifier: a C-SVC with an RBF kernel from libsvm, through the
 * npm package `libsvm-js` 0.2.1 (libsvm compiled to WebAssembly by emscripten; BSD-3-Clause). The
 * paper's attacker is scikit-learn's `SVC(C=3, gamma="auto", kernel="rbf")` (docs/paper.md §6), which is libsvm
 * too; tests/metrics/svm_golden_test.ts checks predictions against scikit-learn on committed data
 * (scripts/golden_svm.py).
 *
 * Loading under Deno: the package's emscripten glue decides "browser or Node" by `typeof self`, which
 * Deno defines, and then reaches for `window`. We hide `self` (and `WebAssembly.instantiateStreaming`,
 * which would try to fetch() a file path and print a warning) for the synchronous evaluation of the
 * module, so it takes its Node path and reads `libsvm.wasm` beside itself with `fs`. Both globals are
 * restored before the import returns.
 *
 * libsvm's defaults match scikit-learn's except the kernel cache: tolerance 1e-3, shrinking on; we set
 * the cache to scikit-learn's 200 MB. No feature scaling happens here (the reference code scales
 * nothing: probabilities and entropies are fed as they are).
 */

/** The part of libsvm-js's SVM class used here. */
interface LibsvmModel {
  train(samples: ArrayLike<number>[], labels: ArrayLike<number>): void;
  predictOne(sample: ArrayLike<number>): number;
  getLabels(): number[];
  free(): void;
}

interface LibsvmClass {
  new (options: Record<string, unknown>): LibsvmModel;
  SVM_TYPES: Record<string, string>;
  KERNEL_TYPES: Record<string, string>;
}

let loading: Promise<LibsvmClass> | undefined;

/** Loads libsvm-js's WebAssembly build once (about 50 ms). */
export function loadLibsvm(): Promise<LibsvmClass> {
  loading ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    const wa = WebAssembly as unknown as Record<string, unknown>;
    const selfDesc = Object.getOwnPropertyDescriptor(g, "self");
    const streamDesc = Object.getOwnPropertyDescriptor(wa, "instantiateStreaming");
    let mod: { default: Promise<LibsvmClass> };
    try {
      delete g.self;
      delete wa.instantiateStreaming;
      mod = await import("libsvm-js/wasm.js");
    } finally {
      if (selfDesc) Object.defineProperty(g, "self", selfDesc);
      if (streamDesc) Object.defineProperty(wa, "instantiateStreaming", streamDesc);
    }
    return await mod.default;
  })();
  return loading;
}

export interface SvcOptions {
  /** Penalty C (the paper's attacker: 3). */
  C: number;
  /** RBF width: k(x, x') = exp(−gamma·|x − x'|²). 0 means 1 / n_features (scikit-learn's "auto"). */
  gamma: number;
  /** Stopping tolerance of the SMO solver (libsvm and scikit-learn: 1e-3). */
  tolerance: number;
  /** Kernel cache in MB (scikit-learn: 200). */
  cacheSizeMb: number;
  shrinking: boolean;
}

export const ATTACKER_SVC: SvcOptions = { C: 3, gamma: 0, tolerance: 1e-3, cacheSizeMb: 200, shrinking: true };

/** A fitted binary SVC; call `dispose` (its memory lives in the WebAssembly heap, not the JS heap). */
export interface FittedSvc {
  /** Predicted labels (the labels given to `fitSvc`). */
  predict(x: ArrayLike<number>[]): Int32Array;
  /** Number of training rows and features. */
  readonly n: number;
  readonly dim: number;
  readonly gamma: number;
  dispose(): void;
}

/**
 * Fits an RBF C-SVC on rows `x` with integer labels `y`. A single-class `y` gets a constant predictor,
 * as libsvm would give (scikit-learn refuses such input).
 */
export async function fitSvc(x: ArrayLike<number>[], y: ArrayLike<number>, options: Partial<SvcOptions> = {}): Promise<FittedSvc> {
  const opts = { ...ATTACKER_SVC, ...options };
  if (x.length !== y.length) throw new Error(`fitSvc: ${x.length} rows but ${y.length} labels`);
  if (x.length === 0) throw new Error("fitSvc: no training rows");
  const dim = x[0].length;
  if (dim === 0) throw new Error("fitSvc: rows have no features");
  for (let i = 0; i < x.length; i++) {
    if (x[i].length !== dim) throw new Error(`fitSvc: row ${i} has ${x[i].length} features, expected ${dim}`);
  }
  const gamma = opts.gamma > 0 ? opts.gamma : 1 / dim;
  const distinct = new Set(Array.from(y));
  if (distinct.size === 1) {
    const only = y[0];
    return { n: x.length, dim, gamma, predict: (rows) => new Int32Array(rows.length).fill(only), dispose: () => {} };
  }
  const SVM = await loadLibsvm();
  const model = new SVM({
    type: SVM.SVM_TYPES.C_SVC,
    kernel: SVM.KERNEL_TYPES.RBF,
    cost: opts.C,
    gamma,
    tolerance: opts.tolerance,
    cacheSize: opts.cacheSizeMb,
    shrinking: opts.shrinking,
    quiet: true,
  });
  model.train(x, y);
  let disposed = false;
  return {
    n: x.length,
    dim,
    gamma,
    predict(rows) {
      if (disposed) throw new Error("FittedSvc.predict after dispose");
      const out = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        if (rows[i].length !== dim) throw new Error(`predict: row ${i} has ${rows[i].length} features, expected ${dim}`);
        out[i] = model.predictOne(rows[i]);
      }
      return out;
    },
    dispose() {
      if (!disposed) model.free();
      disposed = true;
    },
  };
}

/** Fits on (x, y), predicts `queries` (each a list of rows), and frees the model. */
export async function svcFitPredict(
  x: ArrayLike<number>[],
  y: ArrayLike<number>,
  queries: ArrayLike<number>[][],
  options: Partial<SvcOptions> = {},
): Promise<Int32Array[]> {
  const svc = await fitSvc(x, y, options);
  try {
    return queries.map((q) => svc.predict(q));
  } finally {
    svc.dispose();
  }
}

/** One independent fit-and-predict: training rows and labels, and the row lists to predict. */
export interface SvcJob {
  x: ArrayLike<number>[];
  y: ArrayLike<number>;
  queries: ArrayLike<number>[][];
}

function flatten(rows: ArrayLike<number>[], dim: number): Float64Array {
  const out = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => out.set(r, i * dim));
  return out;
}

/**
 * Cores no other process is using: the machine's cores minus the 1-minute load average, counting this
 * process (busy on one core while it waits) as one. All cores where /proc/loadavg is unreadable.
 */
function idleCores(cores: number): number {
  try {
    const load = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
    return Number.isFinite(load) ? Math.max(1, Math.floor(cores - Math.max(0, load - 1) + 0.5)) : cores;
  } catch {
    return cores;
  }
}

/**
 * The fewest training rows of a fit that workers run (below it every fit runs here): with 5 fits of one
 * feature, 1,000 rows took 199 ms here and 256 ms on two workers, 2,000 rows 707 against 537 ms
 * (a quiet 2-core AMD EPYC, `deno run`, 2026-12-07).
 */
export const WORKER_MIN_ROWS = 2000;

/**
 * svcFitPredict for several independent jobs (MIA fits one SVC per feature), run in parallel on a
 * pool of workers, one per idle core up to the number of jobs, each with its own libsvm instance,
 * then terminated. Results equal the sequential ones (libsvm is deterministic). With fewer than two
 * idle cores (other jobs hold them: there workers only add their start-up cost, miaSvm in
 * results/bench/decisions.json), with one job, or where workers cannot start, the jobs run here one
 * after another. See docs/speed.md ("The rest of the path").
 */
export async function svcFitPredictAll(
  jobs: SvcJob[],
  options: Partial<SvcOptions> = {},
  /** Workers to use; default: the idle cores, none for fits below WORKER_MIN_ROWS. 1 runs the jobs here. */
  workerCount?: number,
): Promise<Int32Array[][]> {
  const cores = workerCount ?? idleCores(Math.max(1, navigator.hardwareConcurrency || 1));
  const sequential = async () => {
    const out: Int32Array[][] = [];
    for (const j of jobs) out.push(await svcFitPredict(j.x, j.y, j.queries, options));
    return out;
  };
  // Workers pay for themselves only on large fits: starting one (a module graph and libsvm's wasm) costs
  // more than a small fit, and more still inside a Jupyter kernel (notebook 04's quick-mode knob loop ran
  // its runs' evaluations 1.4 s each with workers against ~0.3-0.8 s one after another).
  const small = workerCount === undefined && jobs.every((j) => j.x.length < WORKER_MIN_ROWS);
  if (jobs.length < 2 || cores < 2 || small) return await sequential();
  let workers: Worker[];
  try {
    workers = Array.from(
      { length: Math.min(cores, jobs.length) },
      () => new Worker(new URL("./svm_worker.ts", import.meta.url).href, { type: "module" }),
    );
  } catch {
    return await sequential();
  }
  const results: Int32Array[][] = new Array(jobs.length);
  let next = 0;
  try {
    await Promise.all(workers.map(async (worker) => {
      while (next < jobs.length) {
        const id = next++;
        const job = jobs[id];
        const dim = job.x.length > 0 ? job.x[0].length : 0;
        const reply = await new Promise<{ predictions?: Int32Array[]; error?: string }>((resolve, reject) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => {
            e.preventDefault();
            reject(new Error(`SVM worker: ${e.message}`));
          };
          worker.postMessage({
            id,
            x: flatten(job.x, dim),
            dim,
            y: Int32Array.from(job.y),
            queries: job.queries.map((q) => flatten(q, dim)),
            options,
          });
        });
        if (reply.error !== undefined) throw new Error(reply.error);
        results[id] = reply.predictions!;
      }
    }));
  } finally {
    for (const w of workers) w.terminate();
  }
  return results;
}
