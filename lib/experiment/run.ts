/**
 * The one run path. Data flows one way: config → data → split → original model (cached) → method →
 * model → metrics → record. The CLI, the notebooks, the search and the ablations all call
 * `runExperiment` (a list of runs over paradigms × seeds) and get `RunRecord`s back.
 *
 * - Every run appends its record to `<out>/records.jsonl` as soon as it finishes.
 * - Resume: a run whose record is already in `<out>` (same configuration, seed and metrics) is skipped
 *   and its record read back, unless `rerun` is set; a task whose runs are all finished never trains or
 *   loads its original model.
 * - Statuses: a method whose loss turns NaN or explodes is recorded as "diverged"; a user error specific
 *   to one run (KitError, e.g. a method that does not apply to text data) as "failed"; the other runs go
 *   on. Anything else is a bug and stops the run with its stack.
 * - Reference runs (Retrain) of a task run first, so metrics that need them (Avg. Gap) can read them.
 * - Ensembles: when a metric declares `needs.ensembles` (the verification metrics), the task's ensembles
 *   (lib/experiment/ensembles.ts: N Retrain models, N unlearned models per method, all cached) are made
 *   when a run first needs them, outside its timings, and handed to its end state's metrics.
 * - Worst-case forget sets (split.forgetRanking "memorization"): the random task's D_f is replaced by the
 *   most memorised examples (ensembles.ts `prepareWorstCaseTask`).
 */
import { backendInfo, initBackend, numericsIdentity } from "../backend.ts";
import { datasetSpec, loadDataset } from "../data/registry.ts";
import { dataFingerprint } from "../data/fingerprint.ts";
import type { Paradigm } from "../data/splits.ts";
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
import type { OptionLayers, RunRecord, RunTags } from "../record.ts";
import { appendRecord, compactRecords, environment, makeFolder, readRecordsWithSkips, RECORD_SCHEMA, writeFileAtomic } from "../record.ts";
import { deriveSeed, Rng } from "../rng.ts";
import { canonicalJson, sha256Hex } from "../hash.ts";
import type { SgdOptions } from "../train.ts";
import { methodSpec } from "../unlearn/registry.ts";
import type { MethodSpec, UnlearnContext } from "../unlearn/types.ts";
import type { ExperimentConfig, RunRequest } from "./config.ts";
import { checkAgainstData, runSelection } from "./config.ts";
import { resolveMethodOptions } from "./options.ts";
import { prepareWorstCaseTask, TaskEnsembles } from "./ensembles.ts";
import type { PreparedTask } from "./task.ts";
import { makeTask, prepareTask, SealedTestError, sealTest } from "./task.ts";
import { numericsFingerprint } from "./fingerprint.ts";
import { sweepCache } from "./model_cache.ts";

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

/** Identifies a record among repeats: configuration, seed and snapshot epoch. */
export function recordKey(r: Pick<RunRecord, "configHash" | "seed" | "tags">): string {
  return `${r.configHash}|${r.seed}|${r.tags.epoch ?? "end"}`;
}

function runIdOf(dataset: string, paradigm: string, method: string, variant: string | null, seed: number, tags: RunTags): string {
  return [
    ...(tags.ablation ? [tags.ablation] : []),
    dataset,
    paradigm,
    `${method}${variant ? `[${variant}]` : ""}`,
    ...(tags.point !== undefined ? [`point${tags.point}`] : []),
    `seed${seed}`,
    ...(tags.epoch !== undefined ? [`epoch${tags.epoch}`] : []),
  ].join("/");
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
  }))).slice(0, 16);
  return { spec, variant, options, layers, tags, perEpoch: run.perEpoch ?? false, configHash };
}

/** A task's index lists as the split file holds them. */
function splitText(task: PreparedTask["task"]): string {
  return JSON.stringify({
    dataset: task.dataset,
    options: task.options,
    forgotten: task.forgotten,
    note: "indices into the standard train/test splits; retain = train \\ forget",
    trainIdx: Array.from(task.trainIdx),
    forgetIdx: Array.from(task.forgetIdx),
    valIdx: Array.from(task.valIdx),
    testIdx: Array.from(task.testIdx),
  });
}

/** Whether `file` exists and its sha256 is `sha256`. */
async function fileHasHash(file: string, sha256: string): Promise<boolean> {
  try {
    return await sha256Hex(await Deno.readFile(file)) === sha256;
  } catch {
    return false;
  }
}

/**
 * Writes a task's index lists, named by their content hash; returns (file, sha256). A file already there
 * is checked against the hash on every use and rewritten (atomically) when it is not that content, as a
 * full disk or a kill during an earlier write leaves it.
 */
async function writeSplit(out: string, text: string): Promise<{ indexFile: string; indexSha256: string }> {
  const indexSha256 = await sha256Hex(text);
  const indexFile = `splits/${indexSha256.slice(0, 16)}.json`;
  const file = `${out}/${indexFile}`;
  if (!await fileHasHash(file, indexSha256)) {
    const exists = await Deno.stat(file).then(() => true, () => false);
    if (exists) console.error(`warning: ${file}: not the split its name and records say (sha256 differs, e.g. cut short); rewritten`);
    await makeFolder(`${out}/splits`);
    await writeFileAtomic(file, text);
  }
  return { indexFile, indexSha256 };
}

/**
 * The split files of records read back, checked against their sha256; a wrong one (cut short) is rebuilt
 * from the task when the task gives that content (every split but the worst-case forget sets), else named.
 */
async function checkSplits(out: string, records: RunRecord[], task: PreparedTask["task"]): Promise<void> {
  let text: string | undefined;
  for (const { indexFile, indexSha256 } of new Map(records.map((r) => [r.split.indexFile, r.split])).values()) {
    const file = `${out}/${indexFile}`;
    if (await fileHasHash(file, indexSha256)) continue;
    text ??= splitText(task);
    if (await sha256Hex(text) === indexSha256) {
      await writeSplit(out, text);
    } else {
      console.error(`warning: ${file}: missing or not the split its records say (sha256 differs), and this task does not rebuild it`);
    }
  }
}

/** A record's fields shared by every outcome of one run. */
type RecordBase = Omit<
  RunRecord,
  "status" | "error" | "metrics" | "weightsSha256" | "details" | "rteSeconds" | "evalSeconds" | "stop" | "notes" | "history"
>;

/**
 * Runs one method on one prepared task and evaluates it: the end state, and with `perEpoch` also the
 * original (epoch 0) and every epoch's snapshot. Returns the records, end state last.
 */
export async function runOne(
  prepared: PreparedTask,
  run: ResolvedRun,
  base: Omit<RecordBase, "tags" | "runId">,
  cfg: Pick<ExperimentConfig, "metrics" | "training">,
  progress: ProgressSink,
  reference: EvaluateExtras["reference"],
  ensembles?: () => Promise<EnsembleSet>,
): Promise<RunRecord[]> {
  const { task } = prepared;
  const seed = task.options.seed;
  const metricsOf = async (net: Net, details?: Record<string, unknown>, ensembleSet?: EnsembleSet) => {
    const started = performance.now();
    const metrics = await evaluate(net, task, cfg.metrics, deriveSeed(seed, "metrics"), {
      details,
      training: cfg.training,
      reference,
      ensembles: ensembleSet,
    });
    return { metrics, evalSeconds: (performance.now() - started) / 1000 };
  };
  const recordOf = (tags: RunTags, rest: Omit<RunRecord, keyof RecordBase>): RunRecord => ({
    ...base,
    runId: runIdOf(base.dataset, base.paradigm, base.method, base.variant, seed, tags),
    tags,
    ...rest,
  });
  const ctx = methodContext(prepared, run.spec.name, cfg.training, progress);
  // Per-epoch snapshots: copies taken inside the loop, evaluated after it (evaluation is async).
  const snapshots: { row: Record<string, number>; net: Net; seconds: number }[] = [];
  let snapshotSeconds = 0;
  const started = performance.now();
  if (run.perEpoch) {
    ctx.onEpoch = (row, net) => {
      const t = performance.now();
      snapshots.push({ row, net: cloneNet(net), seconds: (t - started) / 1000 - snapshotSeconds });
      snapshotSeconds += (performance.now() - t) / 1000;
    };
  }
  const out: RunRecord[] = [];
  try {
    const outcome = await run.spec.runWith(ctx, run.options);
    const rteSeconds = (performance.now() - started) / 1000 - snapshotSeconds;
    if (run.perEpoch && !run.tags.reference) {
      const original = await metricsOf(prepared.original);
      out.push(recordOf({ ...run.tags, epoch: 0 }, { status: "ok", ...original, rteSeconds: 0, history: [] }));
      for (const s of snapshots) {
        out.push(
          recordOf({ ...run.tags, epoch: s.row.epoch }, {
            status: "ok",
            ...await metricsOf(s.net),
            rteSeconds: s.seconds,
            history: [s.row],
          }),
        );
      }
    }
    const details: Record<string, unknown> = {};
    // The end state's ensembles (made or read back here, outside RTE and evaluation time).
    const end = await metricsOf(outcome.net, details, await ensembles?.());
    out.push(recordOf(run.tags, {
      status: "ok",
      ...end,
      weightsSha256: await sha256Hex(weightBytes(outcome.net)),
      details,
      rteSeconds,
      stop: outcome.stop,
      notes: outcome.notes,
      history: outcome.history,
    }));
    if (outcome.net !== ctx.start) disposeNet(ctx.start);
    disposeNet(outcome.net);
  } catch (e) {
    if (!(e instanceof DivergedError || e instanceof KitError) || e instanceof SealedTestError) throw e;
    try {
      disposeNet(ctx.start);
    } catch { /* the method disposed it */ }
    out.push(recordOf(run.tags, {
      status: e instanceof DivergedError ? "diverged" : "failed",
      error: e.message,
      metrics: {},
      rteSeconds: (performance.now() - started) / 1000,
      evalSeconds: 0,
      history: [],
    }));
  } finally {
    for (const s of snapshots) disposeNet(s.net);
  }
  return out;
}

/** The data set's bundle and super-classes for a config (tests pass their own bundle). */
export async function loadData(
  cfg: ExperimentConfig,
): Promise<{ bundle: DataBundle; superClasses: ReturnType<typeof datasetSpec>["superClasses"] }> {
  if (cfg.bundle) return { bundle: cfg.bundle, superClasses: undefined };
  return { bundle: await loadDataset(cfg.dataset, cfg.dataDir), superClasses: datasetSpec(cfg.dataset).superClasses };
}

/** A finished record and the folder it was found in. */
interface Finished {
  record: RunRecord;
  folder: string;
}

/**
 * Records already in `<out>/records.jsonl` and in the `reuse` folders, by key (the latest of repeats wins;
 * `out`'s own records win over the others). Lines a folder could not give (not JSON, another schema, a
 * field missing or of the wrong type, edited since written) are named on stderr: every line in `out`,
 * a count and the first few in a `reuse` folder (which may hold other kinds of records).
 */
async function finishedRecords(out: string, reuse: string[]): Promise<Map<string, Finished>> {
  const byKey = new Map<string, Finished>();
  for (const folder of [...reuse.filter((f) => f !== out), out]) {
    try {
      await Deno.stat(`${folder}/records.jsonl`);
    } catch {
      continue;
    }
    const { records, skipped, edited } = await readRecordsWithSkips([`${folder}/records.jsonl`]);
    // A record edited after it was written is not a measurement this run can stand on: it is run again.
    for (const e of edited) console.error(`warning: ${e.file}:${e.line}: ${e.record.runId}: ${e.why}; not reused, run again`);
    const editedRecords = new Set(edited.map((e) => e.record));
    const shown = folder === out ? skipped : skipped.slice(0, 3);
    for (const s of shown) console.error(`warning: ${s.file}:${s.line}: skipped (${s.why})`);
    if (shown.length < skipped.length) {
      console.error(
        `warning: ${folder}/records.jsonl: ${
          skipped.length - shown.length
        } more line(s) skipped (deno task table ${folder} --no-write lists them)`,
      );
    }
    if (folder !== out && records.length === 0 && skipped.length > 0) {
      console.error(
        `warning: --reuse ${folder}: none of its ${skipped.length} line(s) is a usable ${RECORD_SCHEMA} record: nothing reused from it`,
      );
    }
    for (const record of records) if (!editedRecords.has(record)) byKey.set(recordKey(record), { record, folder });
  }
  return byKey;
}

/**
 * A record found in another folder, copied (with its split file, checked against its sha256) into
 * `out`, so each folder is whole.
 */
async function adopt(f: Finished, out: string): Promise<void> {
  if (f.folder === out) return;
  const { indexFile, indexSha256 } = f.record.split;
  if (!await fileHasHash(`${out}/${indexFile}`, indexSha256)) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await Deno.readFile(`${f.folder}/${indexFile}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (bytes && await sha256Hex(bytes) === indexSha256) {
      await makeFolder(`${out}/splits`);
      await writeFileAtomic(`${out}/${indexFile}`, bytes);
    } else {
      console.error(
        `warning: ${f.folder}/${indexFile}: ${bytes ? "not the split its records say (sha256 differs)" : "missing"}; not copied`,
      );
    }
  }
  await appendRecord(`${out}/records.jsonl`, f.record);
}

/** Whether a stored record answers a request: same key, and every metric asked for was measured. */
function covers(f: Finished | undefined, metricNames: string[]): boolean {
  if (!f) return false;
  const r = f.record;
  return r.status !== "ok" || metricNames.every((m) => r.metricNames.includes(m));
}

/**
 * Runs every request on every paradigm × seed (skipping finished runs unless `cfg.rerun`), appending one
 * record per run to `${cfg.out}/records.jsonl`. Returns the records of this configuration, read back or new.
 */
export async function runExperiment(cfg: ExperimentConfig, hooks: RunHooks = {}): Promise<RunRecord[]> {
  await initBackend({ backend: cfg.backend });
  const progress = cfg.progress ? autoProgress : silentProgress;
  const { bundle, superClasses } = await loadData(cfg);
  checkAgainstData(cfg, bundle, superClasses);
  for (const w of bundle.warnings ?? []) console.error(`warning: ${w}`);
  // The data actually read: a different file of the same shape never reuses a cached original or a record.
  const dataChecksum = await dataFingerprint(bundle);
  const metricNames = expandMetrics(cfg.metrics);
  const wantsReference = needsReference(cfg.metrics);
  const ensembleNeeds = ensembleSizes(cfg.metrics);
  const finished = cfg.rerun ? new Map<string, Finished>() : await finishedRecords(cfg.out, cfg.reuse);
  await sweepCache(cfg.cacheDir);
  await makeFolder(cfg.out);
  const recordsFile = `${cfg.out}/records.jsonl`;
  const env = environment(backendInfo());
  const records: RunRecord[] = [];
  const contributed = new Map<string, number>();
  let computed = 0;
  // Reference runs first, so the others can be measured against them.
  const runs = [...cfg.runs].sort((a, b) =>
    Number(methodSpec(b.method).family === "reference") - Number(methodSpec(a.method).family === "reference")
  );

  for (const seed of cfg.seeds) {
    for (const paradigm of cfg.paradigms) {
      const { model, task: plainTask } = makeTask(bundle, superClasses, cfg, paradigm, seed);
      // A method asked for under several selections its setting does not all have resolves to the same
      // configuration more than once: it runs once.
      const resolved = (await Promise.all(runs.map((r) => resolveRun(cfg, r, paradigm, model, dataChecksum))))
        .filter((run, i, all) => all.findIndex((o) => o.configHash === run.configHash) === i);
      const expectedKeys = (run: ResolvedRun) => {
        const end = recordKey({ configHash: run.configHash, seed, tags: run.tags });
        return run.perEpoch && !run.tags.reference
          ? [recordKey({ configHash: run.configHash, seed, tags: { ...run.tags, epoch: 0 } }), end]
          : [end];
      };
      const todo = resolved.filter((run) => !expectedKeys(run).every((k) => covers(finished.get(k), metricNames)));
      const done = resolved.filter((run) => !todo.includes(run));
      const taskRecords: RunRecord[] = [];
      for (const run of done) {
        const mine = [...finished.values()].filter((f) => f.record.configHash === run.configHash && f.record.seed === seed);
        mine.sort((a, b) => (a.record.tags.epoch ?? Infinity) - (b.record.tags.epoch ?? Infinity));
        for (const f of mine) {
          await adopt(f, cfg.out);
          taskRecords.push(f.record);
          contributed.set(f.folder, (contributed.get(f.folder) ?? 0) + 1);
          hooks.onRecord?.(f.record, true, f.folder);
        }
      }
      await checkSplits(cfg.out, taskRecords, plainTask);
      if (todo.length > 0) {
        computed += todo.length;
        let prepared: PreparedTask;
        try {
          prepared = cfg.split.forgetRanking === "memorization" && paradigm === "random"
            ? await prepareWorstCaseTask(bundle, superClasses, cfg, seed, progress, dataChecksum)
            : await prepareTask(bundle, superClasses, cfg, paradigm, seed, progress, dataChecksum);
        } catch (e) {
          if (!(e instanceof DivergedError)) throw e;
          throw new KitError(
            `the original model of ${paradigm} seed ${seed} diverged while training (${e.message}); lower training.learningRate (--lr)`,
            "training",
          );
        }
        const task = cfg.sealTest ? sealTest(prepared.task) : prepared.task;
        const split = {
          ...splitSummary(prepared.task),
          options: prepared.task.options,
          ...await writeSplit(cfg.out, splitText(prepared.task)),
        };
        // The task's ensembles, when a metric compares them; Retrain's is made with the Retrain run's options.
        const referenceRun = resolved.find((r) => r.spec.family === "reference");
        const ensembles = ensembleNeeds
          ? new TaskEnsembles({
            prepared,
            training: cfg.training,
            cacheDir: cfg.cacheDir,
            dataChecksum,
            progress,
            sizes: ensembleNeeds,
            reference: referenceRun ?? await resolveRun(cfg, { method: "retrain" }, paradigm, model, dataChecksum),
          })
          : undefined;
        try {
          for (const run of todo) {
            const referenceRecord = [...taskRecords, ...records].find((r) =>
              r.status === "ok" && r.tags.epoch === undefined && methodSpec(r.method).family === "reference" &&
              r.split.indexSha256 === split.indexSha256 && r.original.key === prepared.info.key
            );
            if (wantsReference && !referenceRecord && run.spec.family !== "reference") {
              console.error(`warning: no Retrain run for ${paradigm} seed ${seed}: metrics measured against it are left empty`);
            }
            const base = {
              schema: RECORD_SCHEMA,
              experiment: cfg.name,
              method: run.spec.name,
              variant: run.variant,
              methodOptions: run.options,
              optionLayers: run.layers,
              configHash: run.configHash,
              dataset: cfg.dataset,
              dataChecksum,
              numerics: await numericsFingerprint("run"),
              paradigm,
              seed,
              model: prepared.original.config,
              split,
              original: { ...prepared.info, training: cfg.training },
              metricNames,
              environment: env,
              startedAt: new Date().toISOString(),
            } as const;
            // A reference run is measured against itself (its Avg. Gap is 0 by definition).
            const reference = run.spec.family === "reference" ? "self" : referenceRecord?.metrics;
            // The same method with the same options under another label (selections R and C that chose the
            // same point) is the same computation: its records are copied under this label, not recomputed.
            const twin = [...taskRecords].reverse().find((r) =>
              r.method === run.spec.name && canonicalJson(r.methodOptions) === canonicalJson(run.options) &&
              canonicalJson({ ...r.tags, labels: undefined }) === canonicalJson({ ...run.tags, labels: undefined }) &&
              r.metricNames.join() === metricNames.join()
            );
            const produced = twin
              ? taskRecords.filter((r) => r.configHash === twin.configHash).map((r) => ({
                ...r,
                ...base,
                runId: runIdOf(base.dataset, paradigm, base.method, base.variant, seed, r.tags),
                tags: { ...run.tags, ...(r.tags.epoch !== undefined ? { epoch: r.tags.epoch } : {}) },
                notes: { ...r.notes, sameRunAs: r.runId },
              }))
              : await runOne(
                { ...prepared, task },
                run,
                base,
                cfg,
                progress,
                reference,
                ensembles && (() => ensembles.forRun(run.spec, run.options)),
              );
            for (const made of produced) {
              await appendRecord(recordsFile, made);
              // What was written, as a later resume reads it back (NaN → null, no undefined fields): a
              // computed run and a resumed one return the same record.
              const r = JSON.parse(JSON.stringify(made)) as RunRecord;
              taskRecords.push(r);
              hooks.onRecord?.(r, false);
            }
          }
        } finally {
          await ensembles?.dispose();
          disposeNet(prepared.original);
        }
      }
      records.push(...taskRecords);
    }
  }
  if (cfg.rerun) {
    const moved = await compactRecords(recordsFile, recordKey);
    if (moved) console.error(`${recordsFile}: ${moved} superseded record(s) of rerun runs moved to records.jsonl.superseded`);
  }
  const others = cfg.reuse.filter((f) => f !== cfg.out);
  // Said only where runs were computed that a reuse folder might have given.
  if (!cfg.rerun && computed > 0 && others.length && !others.some((f) => contributed.has(f))) {
    console.error(
      `warning: --reuse: no finished run of this configuration in ${others.slice(0, 3).join(", ")}${
        others.length > 3 ? ` or ${others.length - 3} more folder(s)` : ""
      }; nothing reused`,
    );
  }
  return records;
}
