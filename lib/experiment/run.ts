/**
 * The one run path. Data flows one way: config → data → split → original model (cached) → method →
 * model → metrics → record. The CLI, the notebooks, the search and the ablations all call
 * `runExperiment` (a list of runs over paradigms × seeds) and get `RunRecord`s back.
 *
 * - Every run appends its record to `<out>/records.jsonl` as soon as it finishes.
 * - Resume: a run whose record is already in `<out>` (same configuration, seed and metrics) is skipped
 *   and its record read back, unless `rerun` is set; a task whose runs are all finished never trains or
 *   loads its original model (lib/experiment/resume.ts reads the records and split files back).
 * - Statuses: a method whose loss turns NaN or explodes is recorded as "diverged"; a user error specific
 *   to one run (KitError, e.g. a method that does not apply to text data) as "failed"; the other runs go
 *   on. Anything else is a bug and stops the run with its stack.
 * - Reference runs (Retrain) of a task run first, so metrics that need them (Avg. Gap) can read them.
 * - Ensembles: when a metric declares `needs.ensembles` (the verification metrics), the task's ensembles
 *   (lib/experiment/ensembles.ts: N Retrain models, N unlearned models per method, all cached) are made
 *   when a run first needs them, outside its timings, and handed to its end state's metrics.
 * - End states: with `keepEndStates` each run's end state is kept in the cache folder; a run whose end state is
 *   kept (asked now for a metric its record lacks) is measured on it instead of trained again
 *   (lib/experiment/end_state.ts).
 * - Worst-case forget sets (split.forgetRanking "memorization"): the random task's D_f is replaced by the
 *   most memorised examples (ensembles.ts `prepareWorstCaseTask`).
 *
 * Read top to bottom, one short function a step: `runExperiment` → `openExperiment` → per paradigm × seed
 * `runTask` (`resolveRuns`, `resumeAndAdopt`, `computeRuns` → `runOrCopy` → `runOne`, `recordRuns`) →
 * `closeExperiment`.
 */
import { backendInfo, initBackend, numericsIdentity } from "../backend.ts";
import { datasetSpec, loadDataset } from "../data/registry.ts";
import { dataFingerprint } from "../data/fingerprint.ts";
import type { ForgetTask, Paradigm } from "../data/splits.ts";
import { splitSummary } from "../data/splits.ts";
import type { DataBundle } from "../data/types.ts";
import { DivergedError, KitError } from "../errors.ts";
import type { EvaluateExtras } from "../metrics/registry.ts";
import { ensembleSizes, evaluate, expandMetrics, needsReference } from "../metrics/registry.ts";
import type { EnsembleSet } from "../metrics/types.ts";
import { cloneNet, disposeNet, weightBytes } from "../models/registry.ts";
import type { ModelConfig, Net } from "../models/types.ts";
import type { ProgressSink } from "../progress.ts";
import { autoProgress, silentProgress } from "../progress.ts";
import type { Environment, OptionLayers, RunRecord, RunTags } from "../record.ts";
import { appendRecord, compactRecords, environment, makeFolder, RECORD_SCHEMA } from "../record.ts";
import { deriveSeed, Rng } from "../rng.ts";
import { canonicalJson, sha256Hex } from "../hash.ts";
import type { SgdOptions } from "../train.ts";
import { methodSpec } from "../unlearn/registry.ts";
import type { MethodSpec, UnlearnContext, UnlearnOutcome } from "../unlearn/types.ts";
import type { ExperimentConfig } from "./config.ts";
import type { RunRequest } from "./fields.ts";
import { checkAgainstData, runSelection } from "./config.ts";
import { resolveMethodOptions } from "./options.ts";
import { prepareWorstCaseTask, TaskEnsembles } from "./ensembles.ts";
import type { PreparedTask } from "./task.ts";
import { makeTask, prepareTask, SealedTestError, sealTest } from "./task.ts";
import type { Finished } from "./resume.ts";
import { adopt, checkSplits, finishedRecords, isFinished, recordKey, referenceTwin, splitText, writeSplit } from "./resume.ts";
import { numericsFingerprint } from "./fingerprint.ts";
import { protocolStamp } from "./protocol_ref.ts";
import { sweepCache } from "./model_cache.ts";
import type { EndState, EndStateKey } from "./end_state.ts";
import { keepEndState, keptEndState } from "./end_state.ts";

/** A run request made concrete for one task: the method, its options with their layers, its identity. */
export interface ResolvedRun {
  spec: MethodSpec;
  variant: string | null;
  options: Record<string, unknown>;
  layers: OptionLayers;
  tags: RunTags;
  perEpoch: boolean;
  configHash: string;
}

export interface RunHooks {
  /**
   * Each record as it is written (or read back, with `resumed` true and `from` the folder it was read
   * from: the out folder itself, or a `reuse` folder whose record was adopted).
   */
  onRecord?: (record: RunRecord, resumed: boolean, from?: string) => void;
}

/** What every task of one experiment shares: the data, what was asked, what is already on disk, where records go. */
export interface Experiment {
  cfg: ExperimentConfig;
  hooks: RunHooks;
  progress: ProgressSink;
  bundle: DataBundle;
  superClasses: ReturnType<typeof datasetSpec>["superClasses"];
  /** The data actually read: a different file of the same shape never reuses a cached original or a record. */
  dataChecksum: string;
  metricNames: string[];
  wantsReference: boolean;
  ensembleNeeds: ReturnType<typeof ensembleSizes>;
  /** Records already in `out` and the `reuse` folders, by key (empty with `rerun`). */
  finished: Map<string, Finished>;
  /** The requests, reference runs first. */
  runs: RunRequest[];
  recordsFile: string;
  env: Environment;
  /** Records each reuse folder gave, and runs computed, for the closing warning. */
  contributed: Map<string, number>;
  computed: number;
}

/**
 * Which tasks (paradigm × seed) a process runs: the i-th task in order (seeds, then paradigms) when
 * i mod count = index. Processes side by side each take a share; a task's records never depend on which
 * share ran it, nor on what ran beside it (a task reads only its own original, Retrain and ensembles).
 */
export interface TaskShare {
  index: number;
  count: number;
}

/**
 * Runs every request on every paradigm × seed of this process's share of the tasks (all by default;
 * skipping finished runs unless `cfg.rerun`), appending one record per run to `${cfg.out}/records.jsonl`.
 * Returns the records of this configuration, read back or new.
 */
export async function runExperiment(
  cfg: ExperimentConfig,
  hooks: RunHooks = {},
  share: TaskShare = { index: 0, count: 1 },
): Promise<RunRecord[]> {
  const x = await openExperiment(cfg, hooks);
  const records: RunRecord[] = [];
  let task = 0;
  for (const seed of cfg.seeds) {
    for (const paradigm of cfg.paradigms) {
      if (task++ % share.count === share.index) records.push(...await runTask(x, paradigm, seed, records));
    }
  }
  await closeExperiment(x);
  return records;
}

/** The start: the backend, the data (checked against the config), the records already finished, the out folder. */
export async function openExperiment(cfg: ExperimentConfig, hooks: RunHooks = {}): Promise<Experiment> {
  await initBackend({ backend: cfg.backend });
  const progress = cfg.progress ? autoProgress : silentProgress;
  const { bundle, superClasses } = await loadData(cfg);
  checkAgainstData(cfg, bundle, superClasses);
  for (const w of bundle.warnings ?? []) console.error(`warning: ${w}`);
  const dataChecksum = await dataFingerprint(bundle);
  const metricNames = expandMetrics(cfg.metrics);
  const wantsReference = needsReference(cfg.metrics);
  const ensembleNeeds = ensembleSizes(cfg.metrics);
  const finished = cfg.rerun ? new Map<string, Finished>() : await finishedRecords(cfg.out, cfg.reuse);
  await sweepCache(cfg.cacheDir);
  await makeFolder(cfg.out);
  const recordsFile = `${cfg.out}/records.jsonl`;
  const env = environment(backendInfo());
  const runs = referenceFirst(cfg.runs);
  return {
    cfg,
    hooks,
    progress,
    bundle,
    superClasses,
    dataChecksum,
    metricNames,
    wantsReference,
    ensembleNeeds,
    finished,
    runs,
    recordsFile,
    env,
    contributed: new Map(),
    computed: 0,
  };
}

/** The requests with reference runs (Retrain) first, so the others can be measured against them. */
export function referenceFirst(runs: RunRequest[]): RunRequest[] {
  return [...runs].sort((a, b) =>
    Number(methodSpec(b.method).family === "reference") - Number(methodSpec(a.method).family === "reference")
  );
}

/** The data set's bundle and super-classes for a config (tests pass their own bundle). */
export async function loadData(
  cfg: ExperimentConfig,
): Promise<{ bundle: DataBundle; superClasses: ReturnType<typeof datasetSpec>["superClasses"] }> {
  if (cfg.bundle) return { bundle: cfg.bundle, superClasses: undefined };
  return { bundle: await loadDataset(cfg.dataset, cfg.dataDir), superClasses: datasetSpec(cfg.dataset).superClasses };
}

/**
 * One paradigm × seed: resolve its runs, read back the finished ones, compute the others. Returns the task's
 * records in order. `earlier` holds the records of the tasks before it.
 */
export async function runTask(x: Experiment, paradigm: Paradigm, seed: number, earlier: RunRecord[]): Promise<RunRecord[]> {
  const { model, task } = makeTask(x.bundle, x.superClasses, x.cfg, paradigm, seed);
  const resolved = await resolveRuns(x, paradigm, model);
  const todo = resolved.filter((run) => !isFinished(run, seed, x.finished, x.metricNames));
  const records = await resumeAndAdopt(x, resolved.filter((run) => !todo.includes(run)), seed);
  await checkSplits(x.cfg.out, records, task);
  if (todo.length > 0) {
    x.computed += todo.length;
    await computeRuns(x, { paradigm, seed, model, resolved, records, earlier }, todo);
  }
  return records;
}

/**
 * Resolve runs: every request made concrete for one paradigm. A method asked for under several selections its
 * setting does not all have resolves to the same configuration more than once: it runs once.
 */
export async function resolveRuns(x: Experiment, paradigm: Paradigm, model: ModelConfig): Promise<ResolvedRun[]> {
  const all = await Promise.all(x.runs.map((r) => resolveRun(x.cfg, r, paradigm, model, x.dataChecksum)));
  return all.filter((run, i) => all.findIndex((o) => o.configHash === run.configHash) === i);
}

/** Resolves a request for one paradigm: options in layers, variant label, configuration hash. */
export async function resolveRun(
  cfg: ExperimentConfig,
  run: RunRequest,
  paradigm: Paradigm,
  model: ModelConfig,
  dataChecksum: string,
): Promise<ResolvedRun> {
  const spec = methodSpec(run.method);
  const selection = runSelection(run, cfg.selection);
  const { options, layers } = resolveMethodOptions(
    run.method,
    { dataset: cfg.dataset, model: cfg.model, paradigm },
    selection,
    run.options,
    `${run.method}`,
  );
  const variant = run.variant !== undefined ? run.variant : layers.selection ? layers.selection.name : null;
  const tags = run.tags ?? {};
  const protocol = cfg.protocol ? await protocolStamp(cfg.protocol) : null;
  const configHash = (await sha256Hex(canonicalJson({
    dataset: cfg.dataset,
    dataChecksum,
    backend: numericsIdentity(),
    numerics: await numericsFingerprint("run"),
    model,
    split: { ...cfg.split, paradigm },
    training: cfg.training,
    method: spec.name,
    variant,
    options,
    tags,
    // Only under a protocol: the hashes of runs made under none stay as they were.
    ...(protocol ? { protocol: { sha256: protocol.sha256, version: protocol.version } } : {}),
  }))).slice(0, 16);
  return { spec, variant, options, layers, tags, perEpoch: run.perEpoch ?? false, configHash };
}

/**
 * Resume and adopt: the stored records of finished runs (each run's epochs in order), each copied into `out`
 * when it was found in a reuse folder, and handed to `hooks.onRecord` as resumed.
 */
async function resumeAndAdopt(x: Experiment, done: ResolvedRun[], seed: number): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const run of done) {
    const mine = [...x.finished.values()].filter((f) => f.record.configHash === run.configHash && f.record.seed === seed);
    mine.sort((a, b) => (a.record.tags.epoch ?? Infinity) - (b.record.tags.epoch ?? Infinity));
    for (const f of mine) {
      await adopt(f, x.cfg.out);
      records.push(f.record);
      x.contributed.set(f.folder, (x.contributed.get(f.folder) ?? 0) + 1);
      x.hooks.onRecord?.(f.record, true, f.folder);
    }
  }
  return records;
}

/** A task whose runs are being computed: the runs resolved for it and its records so far (this task's, the earlier tasks'). */
interface TaskRuns {
  paradigm: Paradigm;
  seed: number;
  model: ModelConfig;
  resolved: ResolvedRun[];
  records: RunRecord[];
  earlier: RunRecord[];
}

/** The same, with its original model, the task the methods see (sealed with `sealTest`), its split, its ensembles. */
interface LiveTask extends TaskRuns {
  prepared: PreparedTask;
  task: PreparedTask["task"];
  split: RunRecord["split"];
  ensembles?: TaskEnsembles;
}

/** The runs not finished: the task's original model, split file and ensembles, then each run, recorded as it ends. */
async function computeRuns(x: Experiment, t: TaskRuns, todo: ResolvedRun[]): Promise<void> {
  const prepared = await prepareOriginal(x, t.paradigm, t.seed);
  const task = x.cfg.sealTest ? sealTest(prepared.task) : prepared.task;
  const split = await splitOf(x.cfg.out, prepared.task);
  const ensembles = await taskEnsembles(x, t, prepared);
  const live: LiveTask = { ...t, prepared, task, split, ensembles };
  try {
    for (const run of todo) await recordRuns(x, live, await runOrCopy(x, live, run));
  } finally {
    await ensembles?.dispose();
    disposeNet(prepared.original);
  }
}

/** The task with its original model (worst-case forget sets for the memorisation ranking); a diverged original is a user error. */
async function prepareOriginal(x: Experiment, paradigm: Paradigm, seed: number): Promise<PreparedTask> {
  const { cfg, bundle, superClasses, progress, dataChecksum } = x;
  try {
    return cfg.split.forgetRanking === "memorization" && paradigm === "random"
      ? await prepareWorstCaseTask(bundle, superClasses, cfg, seed, progress, dataChecksum)
      : await prepareTask(bundle, superClasses, cfg, paradigm, seed, progress, dataChecksum);
  } catch (e) {
    if (!(e instanceof DivergedError)) throw e;
    throw new KitError(
      `the original model of ${paradigm} seed ${seed} diverged while training (${e.message}); lower training.learningRate (--lr)`,
      "training",
    );
  }
}

/** A record's split: the summary, the options, and the file of the index lists named by its hash (written if needed). */
async function splitOf(out: string, task: PreparedTask["task"]): Promise<RunRecord["split"]> {
  return { ...splitSummary(task), options: task.options, ...await writeSplit(out, splitText(task)) };
}

/** The task's ensembles, when a metric compares them; Retrain's is made with the Retrain run's options. */
async function taskEnsembles(x: Experiment, t: TaskRuns, prepared: PreparedTask): Promise<TaskEnsembles | undefined> {
  if (!x.ensembleNeeds) return undefined;
  const referenceRun = t.resolved.find((r) => r.spec.family === "reference");
  return new TaskEnsembles({
    prepared,
    training: x.cfg.training,
    cacheDir: x.cfg.cacheDir,
    dataChecksum: x.dataChecksum,
    progress: x.progress,
    sizes: x.ensembleNeeds,
    reference: referenceRun ?? await resolveRun(x.cfg, { method: "retrain" }, t.paradigm, t.model, x.dataChecksum),
  });
}

/**
 * Run one: a run's records, measured against the task's reference run. The same method with the same options
 * under another label (selections R and C that chose the same point) is the same computation: its records are
 * copied under this label, not recomputed. A run whose end state is kept in the cache (lib/experiment/end_state.ts)
 * is measured on it; with `keepEndStates` a run computed here keeps its own.
 */
async function runOrCopy(x: Experiment, live: LiveTask, run: ResolvedRun): Promise<RunRecord[]> {
  const referenceRecord = referenceFor([...live.records, ...live.earlier], live.split.indexSha256, live.prepared.info.key);
  if (x.wantsReference && !referenceRecord && run.spec.family !== "reference") {
    console.error(`warning: no Retrain run for ${live.paradigm} seed ${live.seed}: metrics measured against it are left empty`);
  }
  const base = await runBase(x, live, run);
  // A reference run is measured against itself (its Avg. Gap is 0 by definition).
  const reference = run.spec.family === "reference" ? "self" : referenceRecord?.metrics;
  const twin = twinOf(live.records, run, x.metricNames);
  if (twin) return copiesOf(live.records, twin, base, run.tags, live.seed);
  // The same Retrain finished under another label (the main job's, for an ablation's row): copied, not retrained.
  const finishedTwin = run.spec.family === "reference" ? referenceTwin(Array.from(x.finished.values()), base) : undefined;
  if (finishedTwin) {
    x.contributed.set(finishedTwin.folder, (x.contributed.get(finishedTwin.folder) ?? 0) + 1);
    // Its protocol stamp, if any, is the other experiment's: the copy carries this run's (base) or none.
    const { protocol: _other, ...twin } = finishedTwin.record;
    return copiesOf([twin], twin, base, run.tags, live.seed);
  }
  const { ensembles } = live;
  const ensemblesOf = ensembles && (() => ensembles.forRun(run.spec, run.options));
  const prepared = { ...live.prepared, task: live.task };
  // A run whose end state is kept (made earlier, e.g. by the main job) is measured on it, not trained again.
  const endState = endStateOf(live, run);
  const kept = endState && !x.cfg.rerun ? await keptEndState(x.cfg.cacheDir, endState, live.prepared.task) : null;
  if (kept) {
    const stored = x.finished.get(recordKey({ configHash: run.configHash, seed: live.seed, tags: run.tags }))?.record;
    return [await measureKept(prepared, run, base, x.cfg, { ...kept, stored }, reference, ensemblesOf)];
  }
  const keep = endState && x.cfg.keepEndStates
    ? (outcome: UnlearnOutcome, rteSeconds: number) => keepEndState(x.cfg.cacheDir, endState, live.prepared.task, outcome, rteSeconds)
    : undefined;
  return await runOne(prepared, run, base, x.cfg, x.progress, reference, ensemblesOf, keep);
}

/** What names a run's kept end state; undefined for runs with per-epoch snapshots (not kept: docs/speed.md). */
function endStateOf(live: LiveTask, run: ResolvedRun): EndStateKey | undefined {
  if (run.perEpoch && !run.tags.reference) return undefined;
  return { configHash: run.configHash, seed: live.seed, originalKey: live.prepared.info.key, indexSha256: live.split.indexSha256 };
}

/**
 * The end state's record measured on a kept end state. Where the run's stored record holds this model (same
 * weightsSha256) and only metrics asked for now, only the metrics it lacks are measured and the rest taken from it:
 * a metric's number does not depend on which others were measured (each draws from its own fork of the metrics
 * stream, lib/metrics/mia.ts), so the record is a fresh run's. Its evalSeconds adds the stored evaluation's.
 */
async function measureKept(
  prepared: PreparedTask,
  run: ResolvedRun,
  base: RunBase,
  cfg: Pick<ExperimentConfig, "metrics" | "training">,
  kept: EndState & { stored?: RunRecord },
  reference: EvaluateExtras["reference"],
  ensembles?: () => Promise<EnsembleSet>,
): Promise<RunRecord> {
  const { net, history, stop, notes } = kept.outcome;
  try {
    const weightsSha256 = await sha256Hex(weightBytes(net));
    const wanted = expandMetrics(cfg.metrics);
    const stored = kept.stored;
    const known = stored?.status === "ok" && stored.weightsSha256 === weightsSha256 &&
        stored.metricNames.every((m) => wanted.includes(m))
      ? stored
      : undefined;
    const missing = wanted.filter((m) => !known?.metricNames.includes(m));
    const details: Record<string, unknown> = { ...known?.details };
    const measure = evaluator(prepared.task, { ...cfg, metrics: missing }, reference);
    const end = await measure(net, details, ensembleSizes(missing) ? await ensembles?.() : undefined);
    return recorder(base, prepared.task.options.seed)(run.tags, {
      status: "ok",
      metrics: { ...known?.metrics, ...end.metrics },
      evalSeconds: end.evalSeconds + (known?.evalSeconds ?? 0),
      weightsSha256,
      details,
      rteSeconds: kept.rteSeconds,
      stop,
      notes,
      history,
    });
  } finally {
    disposeNet(net);
  }
}

/** The task's reference record: Retrain's end state on the same split file and original model, if it ran. */
export function referenceFor(records: RunRecord[], indexSha256: string, originalKey: string): RunRecord | undefined {
  return records.find((r) =>
    r.status === "ok" && r.tags.epoch === undefined && methodSpec(r.method).family === "reference" &&
    r.split.indexSha256 === indexSha256 && r.original.key === originalKey
  );
}

/** The latest of a task's records that is the same computation as `run` (method, options, tags but labels, metrics). */
export function twinOf(
  records: RunRecord[],
  run: { spec: { name: string }; options: Record<string, unknown>; tags: RunTags },
  metricNames: string[],
): RunRecord | undefined {
  return [...records].reverse().find((r) =>
    r.method === run.spec.name && canonicalJson(r.methodOptions) === canonicalJson(run.options) &&
    canonicalJson({ ...r.tags, labels: undefined }) === canonicalJson({ ...run.tags, labels: undefined }) &&
    r.metricNames.join() === metricNames.join()
  );
}

/** The twin's records (every epoch) under this run's label and tags, each noting the run it is the same as. */
export function copiesOf(records: RunRecord[], twin: RunRecord, base: RunBase, tags: RunTags, seed: number): RunRecord[] {
  return records.filter((r) => r.configHash === twin.configHash).map((r) => ({
    ...r,
    ...base,
    runId: runIdOf(base, seed, r.tags),
    tags: { ...tags, ...(r.tags.epoch !== undefined ? { epoch: r.tags.epoch } : {}) },
    notes: { ...r.notes, sameRunAs: r.runId },
  }));
}

/** A record's fields shared by every outcome of one run. */
type RecordBase = Omit<
  RunRecord,
  "status" | "error" | "metrics" | "weightsSha256" | "details" | "rteSeconds" | "evalSeconds" | "stop" | "notes" | "history"
>;

/** A run's fields before its tags: what every record of the run shares. */
export type RunBase = Omit<RecordBase, "tags" | "runId">;

/** The fields every record of a run shares (its start time is now). */
async function runBase(x: Experiment, live: LiveTask, run: ResolvedRun): Promise<RunBase> {
  return {
    schema: RECORD_SCHEMA,
    experiment: x.cfg.name,
    method: run.spec.name,
    variant: run.variant,
    methodOptions: run.options,
    optionLayers: run.layers,
    configHash: run.configHash,
    dataset: x.cfg.dataset,
    dataChecksum: x.dataChecksum,
    numerics: await numericsFingerprint("run"),
    paradigm: live.paradigm,
    seed: live.seed,
    model: live.prepared.original.config,
    split: live.split,
    original: { ...live.prepared.info, training: x.cfg.training },
    metricNames: x.metricNames,
    environment: x.env,
    startedAt: new Date().toISOString(),
    ...(x.cfg.protocol ? { protocol: await protocolStamp(x.cfg.protocol) } : {}),
  };
}

/**
 * Runs one method on one prepared task and evaluates it: the end state, and with `perEpoch` also the
 * original (epoch 0) and every epoch's snapshot. Returns the records, end state last.
 */
export async function runOne(
  prepared: PreparedTask,
  run: ResolvedRun,
  base: RunBase,
  cfg: Pick<ExperimentConfig, "metrics" | "training">,
  progress: ProgressSink,
  reference: EvaluateExtras["reference"],
  ensembles?: () => Promise<EnsembleSet>,
  keep?: (outcome: UnlearnOutcome, rteSeconds: number) => Promise<unknown>,
): Promise<RunRecord[]> {
  const measure = evaluator(prepared.task, cfg, reference);
  const recordOf = recorder(base, prepared.task.options.seed);
  const ctx = methodContext(prepared, run.spec.name, cfg.training, progress);
  const clock = methodClock(ctx, run.perEpoch);
  const out: RunRecord[] = [];
  try {
    const outcome = await run.spec.runWith(ctx, run.options);
    const rteSeconds = clock.rteSeconds();
    if (run.perEpoch && !run.tags.reference) await pushEpochRecords(out, prepared.original, clock.snapshots, run.tags, measure, recordOf);
    await keep?.(outcome, rteSeconds);
    out.push(await endRecord(outcome, run.tags, rteSeconds, measure, recordOf, ensembles));
    if (outcome.net !== ctx.start) disposeNet(ctx.start);
    disposeNet(outcome.net);
  } catch (e) {
    if (!(e instanceof DivergedError || e instanceof KitError) || e instanceof SealedTestError) throw e;
    try {
      disposeNet(ctx.start);
    } catch { /* the method disposed it */ }
    out.push(recordOf(run.tags, failure(e, clock.elapsed())));
  } finally {
    for (const s of clock.snapshots) disposeNet(s.net);
  }
  return out;
}

/** The context a method runs in: a fresh copy of the original and a random stream of (seed, method). */
export function methodContext(
  prepared: PreparedTask,
  method: string,
  originalTraining: SgdOptions,
  progress: ProgressSink,
): UnlearnContext {
  const seed = prepared.task.options.seed;
  return {
    task: prepared.task,
    original: prepared.original,
    start: cloneNet(prepared.original),
    originalTraining,
    originalValAcc: prepared.info.valAcc,
    seed,
    rng: new Rng(deriveSeed(seed, `method/${method}`)),
    progress,
  };
}

/** What one record of a run measured: status, metrics, timings, history. */
type Outcome = Omit<RunRecord, keyof RecordBase>;

/** Measures a net on the task's metrics (with the end state's details, reference and ensembles), timing the evaluation. */
function evaluator(task: ForgetTask, cfg: Pick<ExperimentConfig, "metrics" | "training">, reference: EvaluateExtras["reference"]) {
  const seed = task.options.seed;
  return async (net: Net, details?: Record<string, unknown>, ensembleSet?: EnsembleSet) => {
    const started = performance.now();
    const metrics = await evaluate(net, task, cfg.metrics, deriveSeed(seed, "metrics"), {
      details,
      training: cfg.training,
      reference,
      ensembles: ensembleSet,
    });
    return { metrics, evalSeconds: (performance.now() - started) / 1000 };
  };
}

type Measure = ReturnType<typeof evaluator>;

/** Makes a run's record under `tags`: the shared fields, its runId, what it measured. */
function recorder(base: RunBase, seed: number) {
  return (tags: RunTags, outcome: Outcome): RunRecord => ({
    ...base,
    runId: runIdOf(base, seed, tags),
    tags,
    ...outcome,
  });
}

type Recorder = ReturnType<typeof recorder>;

/**
 * `fashion-mnist/classwise/class3/ft[R]/seed13`: where the forgotten class or sub-class cycles with the seed
 * (split option forgetTarget "cycle", the v2 design's blocks), the id names it after the paradigm.
 */
function runIdOf(base: RunBase, seed: number, tags: RunTags): string {
  const { forgotten, options } = base.split;
  const target = options.forgetTarget !== "cycle"
    ? []
    : forgotten.class !== undefined
    ? [`class${forgotten.class}`]
    : forgotten.subclass !== undefined
    ? [`subclass${forgotten.subclass}`]
    : [];
  return [
    ...(tags.ablation ? [tags.ablation] : []),
    base.dataset,
    base.paradigm,
    ...target,
    `${base.method}${base.variant ? `[${base.variant}]` : ""}`,
    ...(tags.point !== undefined ? [`point${tags.point}`] : []),
    `seed${seed}`,
    ...(tags.epoch !== undefined ? [`epoch${tags.epoch}`] : []),
  ].join("/");
}

/** A copy of the net after one epoch, its history row, and the method's seconds up to it. */
interface Snapshot {
  row: Record<string, number>;
  net: Net;
  seconds: number;
}

/**
 * The method's clock, started now, and with `perEpoch` its per-epoch snapshots: copies taken inside the
 * method's loop, evaluated after it (evaluation is async); copying them counts in no RTE.
 */
function methodClock(ctx: UnlearnContext, perEpoch: boolean) {
  const snapshots: Snapshot[] = [];
  let snapshotSeconds = 0;
  const started = performance.now();
  if (perEpoch) {
    ctx.onEpoch = (row, net) => {
      const t = performance.now();
      snapshots.push({ row, net: cloneNet(net), seconds: (t - started) / 1000 - snapshotSeconds });
      snapshotSeconds += (performance.now() - t) / 1000;
    };
  }
  const elapsed = () => (performance.now() - started) / 1000;
  return { snapshots, elapsed, rteSeconds: () => elapsed() - snapshotSeconds };
}

/** Appends to `out` the per-epoch records: the original as epoch 0, then each snapshot with its history row. */
async function pushEpochRecords(
  out: RunRecord[],
  original: Net,
  snapshots: Snapshot[],
  tags: RunTags,
  measure: Measure,
  recordOf: Recorder,
) {
  const first = await measure(original);
  out.push(recordOf({ ...tags, epoch: 0 }, { status: "ok", ...first, rteSeconds: 0, history: [] }));
  for (const s of snapshots) {
    out.push(recordOf({ ...tags, epoch: s.row.epoch }, { status: "ok", ...await measure(s.net), rteSeconds: s.seconds, history: [s.row] }));
  }
}

/** The end state's record; its ensembles are made or read back here, outside RTE and evaluation time. */
async function endRecord(
  outcome: UnlearnOutcome,
  tags: RunTags,
  rteSeconds: number,
  measure: Measure,
  recordOf: Recorder,
  ensembles?: () => Promise<EnsembleSet>,
): Promise<RunRecord> {
  const details: Record<string, unknown> = {};
  const end = await measure(outcome.net, details, await ensembles?.());
  return recordOf(tags, {
    status: "ok",
    ...end,
    weightsSha256: await sha256Hex(weightBytes(outcome.net)),
    details,
    rteSeconds,
    stop: outcome.stop,
    notes: outcome.notes,
    history: outcome.history,
  });
}

/** What a run that diverged (DivergedError) or failed on a user error (KitError) records. */
function failure(e: DivergedError | KitError, seconds: number): Outcome {
  return {
    status: e instanceof DivergedError ? "diverged" : "failed",
    error: e.message,
    metrics: {},
    rteSeconds: seconds,
    evalSeconds: 0,
    history: [],
  };
}

/**
 * Record: each record appended to records.jsonl, then kept as a later resume reads it back (NaN → null, no
 * undefined fields), so a computed run and a resumed one return the same record.
 */
async function recordRuns(x: Experiment, live: LiveTask, produced: RunRecord[]): Promise<void> {
  for (const made of produced) {
    await appendRecord(x.recordsFile, made);
    const r = JSON.parse(JSON.stringify(made)) as RunRecord;
    live.records.push(r);
    x.hooks.onRecord?.(r, false);
  }
}

/** The end: with `rerun`, superseded records moved aside; a warning where the reuse folders gave nothing. */
async function closeExperiment(x: Experiment): Promise<void> {
  const { cfg } = x;
  if (cfg.rerun) {
    const moved = await compactRecords(x.recordsFile, recordKey);
    if (moved) console.error(`${x.recordsFile}: ${moved} superseded record(s) of rerun runs moved to records.jsonl.superseded`);
  }
  const others = cfg.reuse.filter((f) => f !== cfg.out);
  // Said only where runs were computed that a reuse folder might have given.
  if (!cfg.rerun && x.computed > 0 && others.length && !others.some((f) => x.contributed.has(f))) {
    console.error(
      `warning: --reuse: no finished run of this configuration in ${others.slice(0, 3).join(", ")}${
        others.length > 3 ? ` or ${others.length - 3} more folder(s)` : ""
      }; nothing reused`,
    );
  }
}
