/**
 * What a run finds already on disk: the records of finished runs in the out folder and the `reuse` folders
 * (read back, checked, adopted into the out folder with their split files), and the split files themselves,
 * named by their content hash and checked against it on every use. Nothing here computes a number: it decides
 * which runs are finished and keeps each folder whole (lib/experiment/run.ts `resumeAndAdopt` calls it).
 */
import type { ForgetTask } from "../data/splits.ts";
import { canonicalJson, sha256Hex } from "../hash.ts";
import type { RunRecord, RunTags } from "../record.ts";
import { appendRecord, makeFolder, readRecordsWithSkips, RECORD_SCHEMA, writeFileAtomic } from "../record.ts";

/** What identifies a resolved run's records (lib/experiment/run.ts `ResolvedRun`). */
export interface RunIdentity {
  configHash: string;
  tags: RunTags;
  perEpoch: boolean;
}

/** Identifies a record among repeats: configuration, seed and snapshot epoch. */
export function recordKey(r: Pick<RunRecord, "configHash" | "seed" | "tags">): string {
  return `${r.configHash}|${r.seed}|${r.tags.epoch ?? "end"}`;
}

/** A finished record and the folder it was found in. */
export interface Finished {
  record: RunRecord;
  folder: string;
}

/**
 * Records already in `<out>/records.jsonl` and in the `reuse` folders, by key (the latest of repeats wins;
 * `out`'s own records win over the others). Lines a folder could not give (not JSON, another schema, a
 * field missing or of the wrong type, edited since written) are named on stderr: every line in `out`,
 * a count and the first few in a `reuse` folder (which may hold other kinds of records).
 */
export async function finishedRecords(out: string, reuse: string[]): Promise<Map<string, Finished>> {
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

/** What decides a reference run's numbers, as its record states it (its label and tags decide nothing). */
export type ReferenceIdentity = Pick<
  RunRecord,
  "method" | "methodOptions" | "dataset" | "dataChecksum" | "numerics" | "model" | "split" | "original" | "metricNames" | "seed"
>;

/**
 * A finished reference run (Retrain) of the same computation as `want` under another label or tags, e.g.
 * the main job's Retrain for an ablation's Retrain row: same data (checksum), numerics fingerprint, model,
 * split file, original model (its key covers the training recipe and the backend's numerics identity),
 * method and options, seed and metrics. A reference run reads nothing but its task and its options, so its
 * record's numbers are this run's; the caller copies them under this run's label (`copiesOf`), instead of
 * training the same model again. Only end states that finished ok qualify; the latest wins. Returns it with
 * the folder it was found in.
 */
export function referenceTwin(finished: Iterable<Finished>, want: ReferenceIdentity): Finished | undefined {
  const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
  let twin: Finished | undefined;
  for (const f of finished) {
    const r = f.record;
    if (r.status !== "ok" || r.tags.epoch !== undefined || r.method !== want.method || r.seed !== want.seed) continue;
    if (r.split.indexSha256 !== want.split.indexSha256 || r.original.key !== want.original.key) continue;
    if (r.dataset !== want.dataset || r.dataChecksum !== want.dataChecksum || r.numerics !== want.numerics) continue;
    if (!same(r.methodOptions, want.methodOptions) || !same(r.model, want.model) || r.metricNames.join() !== want.metricNames.join()) {
      continue;
    }
    if (!twin || r.startedAt > twin.record.startedAt) twin = f;
  }
  return twin;
}

/**
 * A record found in another folder, copied (with its split file, checked against its sha256) into
 * `out`, so each folder is whole.
 */
export async function adopt(f: Finished, out: string): Promise<void> {
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

/** The keys of the records a run leaves: its end state, and with per-epoch snapshots epoch 0 (the original) too. */
export function expectedKeys(run: RunIdentity, seed: number): string[] {
  const end = recordKey({ configHash: run.configHash, seed, tags: run.tags });
  return run.perEpoch && !run.tags.reference
    ? [recordKey({ configHash: run.configHash, seed, tags: { ...run.tags, epoch: 0 } }), end]
    : [end];
}

/** Whether every record a run leaves is stored and measured every metric asked for. */
export function isFinished(
  run: RunIdentity,
  seed: number,
  finished: Map<string, Finished>,
  metricNames: string[],
): boolean {
  return expectedKeys(run, seed).every((k) => covers(finished.get(k), metricNames));
}

/** A task's index lists as the split file holds them. */
export function splitText(task: ForgetTask): string {
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
export async function writeSplit(out: string, text: string): Promise<{ indexFile: string; indexSha256: string }> {
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
export async function checkSplits(out: string, records: RunRecord[], task: ForgetTask): Promise<void> {
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
