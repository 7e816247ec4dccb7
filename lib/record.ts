/**
 * Run records: one JSON object per run (a method with its options on one task and seed), appended to a
 * `records.jsonl`, holding everything needed to rebuild a table without recomputation: what ran, with
 * which options and where each came from, seed, split, backend and versions, and what it measured.
 * Search points, ablation variants and per-epoch snapshots are records too, told apart by `variant` and
 * `tags`. Appending never rewrites earlier lines, so a crash or a bad flag later never loses a result.
 *
 * Crash safety: each record is one `write` of one line followed by a flush to disk. A line left torn by
 * a crash or a full disk (the file does not end in a newline) is moved to `records.jsonl.torn` with a
 * warning before the next append, so later records are never glued onto it. Readers skip lines they
 * cannot parse and report them instead of failing the whole folder.
 */
import type { BackendInfo } from "./backend.ts";
import type { SplitOptions } from "./data/splits.ts";
import { machine } from "./env.ts";
import { FileError, KitError } from "./errors.ts";
import { sha256Hex } from "./hash.ts";
import type { ModelConfig } from "./models/types.ts";
import type { SgdOptions } from "./train.ts";

export const RECORD_SCHEMA = "unlearn-kit/run@2";

export type RunStatus = "ok" | "diverged" | "failed";

/** Where a run's method options came from, in the order they were applied. */
export interface OptionLayers {
  /** The method's defaults, from its file. */
  defaults: Record<string, unknown>;
  /** The search's selection applied on top (file, entry, selection name, the options it set), or null. */
  selection: { file: string; entry: string; name: string; source: string; options: Record<string, unknown> } | null;
  /** What the caller set last (flags, a notebook's config, an ablation variant, a search point). */
  overrides: Record<string, unknown>;
}

/** What groups runs beyond method and variant: ablations, search points, per-epoch snapshots. */
export interface RunTags {
  /** The ablation (table8, fig3, table14, adaptive) the run belongs to. */
  ablation?: string;
  /** The search (its name) and the point index within the method's points. */
  search?: string;
  point?: number;
  /** Label columns of an ablation table, e.g. { Backbone: "GA", NLS: "✓" }. */
  labels?: Record<string, string>;
  /** The unlearning epoch a snapshot measures (0 = the original model); absent for the method's end state. */
  epoch?: number;
  /** A reference run (Retrain) that other runs' gaps are measured against. */
  reference?: boolean;
}

export interface Environment {
  backend: BackendInfo;
  machine: { os: string; arch: string; cores: number; cpuModel: string };
  kit: { gitCommit: string; dirty: boolean };
}

/** The pre-registered protocol a run was made under (lib/experiment/protocol_ref.ts, docs/protocol.md). */
export interface ProtocolStamp {
  /** The protocol file as named to the run. */
  file: string;
  version: number;
  /** sha256 of the file's bytes, 64 hex digits. */
  sha256: string;
}

export interface RunRecord {
  schema: typeof RECORD_SCHEMA;
  /** Experiment name (usually the results folder's). */
  experiment: string;
  /** `${dataset}/${paradigm}/${method}[${variant}]/seed${seed}`, plus `/epoch${e}` for snapshots. */
  runId: string;
  method: string;
  /** Which variant of the method: a selection name ("R", "C"), an ablation variant id, or null (defaults). */
  variant: string | null;
  tags: RunTags;
  /** The options the method ran with (every option of its schema). */
  methodOptions: Record<string, unknown>;
  optionLayers: OptionLayers;
  /**
   * Hash of everything that defines the configuration except the seed (data set and its content, model,
   * split options, training recipe, method, variant and options): runs with equal hashes are repeats of
   * one configuration over seeds, and only those are averaged together.
   */
  configHash: string;
  dataset: string;
  /** Checksum of the data set's contents as read (empty where not computed). */
  dataChecksum: string;
  /** Fingerprint of the code that decides a run's numbers (kernels, models, training, methods, metrics). */
  numerics: string;
  paradigm: string;
  seed: number;
  model: ModelConfig;
  split: {
    options: SplitOptions;
    forgotten: { description: string; class?: number; subclass?: number; identities?: number[] };
    sizes: { train: number; forget: number; retain: number; val: number; test: number };
    /** File (relative to the records file) holding every index list; named by its content hash. */
    indexFile: string;
    indexSha256: string;
  };
  original: {
    key: string;
    training: SgdOptions;
    trainAcc: number;
    /** On this task's validation split. */
    valAcc: number;
    testAcc: number;
    trainSeconds: number;
    cached: boolean;
  };
  status: RunStatus;
  error?: string;
  /** The metrics asked for (with what they need), e.g. ["UA", "RA", "TA", "MIA", "AvgGap"]. */
  metricNames: string[];
  /** Metric values keyed by column (UA, RA, TA, VA, MIA, MIA_entropy…), percent. Empty unless status is "ok". */
  metrics: Record<string, number>;
  /** sha256 of the end state's weights (float32 bytes in the model's order): equal bits, equal checksum. */
  weightsSha256?: string;
  /** Extra per-metric detail (e.g. every MIA feature's score). */
  details?: Record<string, unknown>;
  /** Wall time of the unlearning itself, precompute included, evaluation excluded, seconds. */
  rteSeconds: number;
  /** Wall time of evaluation, seconds. */
  evalSeconds: number;
  stop?: { reason: string; step: number };
  notes?: Record<string, number | string>;
  /** The protocol the run was made under (also part of `configHash`); absent for runs made under none. */
  protocol?: ProtocolStamp;
  history: Record<string, number>[];
  environment: Environment;
  startedAt: string;
  /**
   * sha256 of the record's JSON without this field, as written (`appendRecord`): a record edited since is
   * detected on reading. Older records have none. Readers check it and return records without it.
   */
  checksum?: string;
}

let gitCache: { gitCommit: string; dirty: boolean } | undefined;

/** The kit's git commit, so a record says which code produced it. */
export function kitVersion(): { gitCommit: string; dirty: boolean } {
  if (!gitCache) {
    const run = (args: string[]) => {
      try {
        const out = new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).outputSync();
        return out.success ? new TextDecoder().decode(out.stdout).trim() : "";
      } catch {
        return "";
      }
    };
    gitCache = { gitCommit: run(["rev-parse", "HEAD"]) || "unknown", dirty: run(["status", "--porcelain", "lib"]) !== "" };
  }
  return gitCache;
}

/** The one environment block every record carries. */
export function environment(backend: BackendInfo): Environment {
  return { backend, machine: machine(), kit: kitVersion() };
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * An I/O error of the machine, not of the kit (a full disk, a quota, a read-only or forbidden folder), as a
 * KitError naming the file and saying that what was written before is kept; any other error unchanged.
 */
export function fileError(e: unknown, file: string): unknown {
  if (e instanceof KitError) return e;
  const msg = (e as Error)?.message ?? String(e);
  const full = /os error (28|122)\b|No space left|quota/i.test(msg);
  const denied = e instanceof Deno.errors.PermissionDenied || /os error (13|30)\b|Read-only file system/i.test(msg);
  if (!full && !denied) return e;
  return new FileError(
    `cannot write (${msg.replace(/:\s*(write|open|rename|mkdir|copy)\S*\s+'.*$/s, "")})${
      full ? ": the disk is full; free space and run the same command again (what was written before is kept)" : ""
    }`,
    file,
  );
}

/**
 * Moves a torn last line (no final newline) of `file` to `${file}.torn` and truncates it back to its last
 * complete line. Returns the fragment's length (0 when the file was whole or absent).
 */
export async function setAsideTornLine(file: string): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch {
    return 0;
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return 0;
  const lastNewline = bytes.lastIndexOf(0x0a);
  const fragment = bytes.subarray(lastNewline + 1);
  await Deno.writeFile(`${file}.torn`, new Uint8Array([...fragment, 0x0a]), { append: true });
  await Deno.truncate(file, lastNewline + 1);
  console.error(`warning: ${file}: its last line was torn (${fragment.length} bytes, a crash or a full disk); moved to ${file}.torn`);
  return fragment.length;
}

/** Appends one JSON line to `file` in one write and flushes it to disk. */
export async function appendJsonLine(file: string, value: unknown): Promise<void> {
  try {
    await setAsideTornLine(file);
    const line = new TextEncoder().encode(JSON.stringify(value) + "\n");
    const f = await Deno.open(file, { append: true, create: true });
    try {
      let written = 0;
      while (written < line.length) written += await f.write(line.subarray(written));
      await f.syncData();
    } finally {
      f.close();
    }
  } catch (e) {
    throw fileError(e, file);
  }
}

/** A record as it is written and read back (NaN → null, no undefined fields), without its checksum. */
function normalised(record: RunRecord): RunRecord {
  const { checksum: _c, ...rest } = JSON.parse(JSON.stringify(record)) as RunRecord;
  return rest as RunRecord;
}

/** The checksum of a normalised record (`RunRecord.checksum`). */
async function recordChecksum(record: RunRecord): Promise<string> {
  return (await sha256Hex(JSON.stringify(record))).slice(0, 32);
}

/** Appends one record with its content checksum. */
export async function appendRecord(file: string, record: RunRecord): Promise<void> {
  const clean = normalised(record);
  await appendJsonLine(file, { ...clean, checksum: await recordChecksum(clean) });
}

/**
 * Writes `text` to `file` atomically: a unique temporary name in the same folder, then a rename, so a
 * reader never sees half a file and two writers never collide on the temporary name. On failure the
 * temporary file is removed, the old `file` is left as it was, and a full disk is a KitError naming `file`.
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (typeof text === "string") await Deno.writeTextFile(tmp, text);
    else await Deno.writeFile(tmp, text);
    await Deno.rename(tmp, file);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw fileError(e, file);
  }
}

/** `Deno.mkdir(dir, { recursive: true })`, a full disk or a forbidden folder named as a KitError. */
export async function makeFolder(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw fileError(e, dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A line a reader could not use. */
export interface SkippedLine {
  file: string;
  line: number;
  why: string;
}

/**
 * Each line of a .jsonl file, read as a stream (a file of any size, not one string: V8 refuses strings
 * over 512 MiB), with its 1-based number. A UTF-8 byte-order mark at the start (some editors write one) is
 * dropped; a "\r" before the newline too.
 */
export async function* textLines(file: string): AsyncGenerator<{ text: string; line: number }> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(file);
  } catch (e) {
    throw new KitError(`cannot read (${(e as Error).message})`, file);
  }
  try {
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const buf = new Uint8Array(1 << 20);
    let rest = "";
    let line = 0;
    const clean = (t: string) => (line === 1 && t.charCodeAt(0) === 0xfeff ? t.slice(1) : t).replace(/\r$/, "");
    for (;;) {
      const n = await f.read(buf);
      if (n === null) break;
      rest += decoder.decode(buf.subarray(0, n), { stream: true });
      let start = 0;
      for (let i = rest.indexOf("\n"); i >= 0; i = rest.indexOf("\n", start)) {
        line++;
        yield { text: clean(rest.slice(start, i)), line };
        start = i + 1;
      }
      rest = rest.slice(start);
    }
    rest += decoder.decode();
    if (rest !== "") {
      line++;
      yield { text: clean(rest), line };
    }
  } finally {
    f.close();
  }
}

/** Lines of a .jsonl file parsed, with the lines that are not JSON reported instead of thrown. */
export async function readJsonLines<T>(file: string): Promise<{ values: { value: T; line: number }[]; skipped: SkippedLine[] }> {
  const values: { value: T; line: number }[] = [];
  const skipped: SkippedLine[] = [];
  for await (const { text, line } of textLines(file)) {
    if (text.trim() === "") continue;
    try {
      values.push({ value: JSON.parse(text), line });
    } catch (e) {
      skipped.push({ file, line, why: `not JSON (${(e as Error).message})` });
    }
  }
  return { values, skipped };
}

/** The records.jsonl a path names: the file itself, or `${folder}/records.jsonl`. */
export async function recordsFileOf(path: string): Promise<string> {
  try {
    return (await Deno.stat(path)).isDirectory ? `${path}/records.jsonl` : path;
  } catch {
    throw new KitError("no such file or folder", path);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Why a parsed line is not a run record a reader can use (null when it is): every field a reader uses is
 * checked for presence and type, so a half-written or hand-edited record is skipped by name, never a
 * TypeError later.
 */
export function recordProblem(value: unknown): string | null {
  if (!isObject(value)) return `not a JSON object (${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value})`;
  if (value.schema !== RECORD_SCHEMA) return `field "schema" is ${JSON.stringify(value.schema)}, expected "${RECORD_SCHEMA}"`;
  const problems: string[] = [];
  const need = (field: string, ok: boolean, what: string) => {
    if (!ok) problems.push(`"${field}" ${value[field.split(".")[0]] === undefined ? "is missing" : "is not " + what}`);
  };
  for (const f of ["runId", "method", "configHash", "dataset", "paradigm"]) need(f, typeof value[f] === "string", "a string");
  need("variant", value.variant === null || typeof value.variant === "string", "a string or null");
  need("seed", Number.isInteger(value.seed), "a whole number");
  need("tags", isObject(value.tags), "an object");
  if (isObject(value.tags) && value.tags.epoch !== undefined) need("tags.epoch", Number.isInteger(value.tags.epoch), "a whole number");
  need("status", ["ok", "diverged", "failed"].includes(value.status as string), "ok, diverged or failed");
  need("metricNames", Array.isArray(value.metricNames) && value.metricNames.every((m) => typeof m === "string"), "a list of names");
  need("metrics", isObject(value.metrics), "an object");
  need("methodOptions", isObject(value.methodOptions), "an object");
  need("model", isObject(value.model) && typeof value.model.arch === "string", "a model with its arch");
  const split = value.split;
  need(
    "split",
    isObject(split) && isObject(split.options) && typeof split.indexFile === "string" && typeof split.indexSha256 === "string",
    "a split with options, indexFile and indexSha256",
  );
  need("original", isObject(value.original), "an object");
  need("rteSeconds", value.rteSeconds === null || typeof value.rteSeconds === "number", "a number");
  return problems.length ? `not a usable record: ${problems.join(", ")}` : null;
}

/** What `readRecordsWithSkips` found: the records, the lines it skipped, the records edited since written. */
export interface ReadRecords {
  records: RunRecord[];
  skipped: SkippedLine[];
  /** Records whose checksum does not match their content (kept in `records`, named here). */
  edited: (SkippedLine & { record: RunRecord })[];
}

/**
 * Reads records from .jsonl files or folders holding records.jsonl. Lines that are not JSON or not a
 * usable run record of this schema (`recordProblem`) are skipped and listed in `skipped`; records whose
 * checksum says they were edited after they were written are kept and listed in `edited`.
 */
export async function readRecordsWithSkips(paths: string[]): Promise<ReadRecords> {
  const records: RunRecord[] = [];
  const skipped: SkippedLine[] = [];
  const edited: ReadRecords["edited"] = [];
  for (const path of paths) {
    const file = await recordsFileOf(path);
    const read = await readJsonLines<RunRecord>(file);
    skipped.push(...read.skipped);
    for (const { value, line } of read.values) {
      const why = recordProblem(value);
      if (why) {
        skipped.push({ file, line, why });
        continue;
      }
      const { checksum, ...record } = value;
      if (checksum !== undefined && checksum !== await recordChecksum(record as RunRecord)) {
        edited.push({ file, line, why: "edited after it was written (its checksum differs)", record: record as RunRecord });
      }
      records.push(record as RunRecord);
    }
  }
  return { records, skipped, edited };
}

/** `readRecordsWithSkips`, warning on stderr about every skipped line and every edited record. */
export async function readRecords(paths: string[]): Promise<RunRecord[]> {
  const { records, skipped, edited } = await readRecordsWithSkips(paths);
  for (const s of skipped) console.error(`warning: ${s.file}:${s.line}: skipped (${s.why})`);
  for (const s of edited) console.error(`warning: ${s.file}:${s.line}: ${s.record.runId}: ${s.why}; used as it is`);
  return records;
}

/**
 * Moves superseded records out of a records file: of repeats of one run (`keyOf`: configuration, seed,
 * snapshot), the last line stays and the earlier ones are appended to `${file}.superseded` (nothing is
 * lost), so `--rerun` does not grow the file without bound. Lines that are not usable records stay where
 * they are. The file is rewritten atomically, and only when nothing was appended to it meanwhile (a
 * concurrent writer's record is never dropped). Returns how many records were moved.
 */
export async function compactRecords(file: string, keyOf: (r: RunRecord) => string): Promise<number> {
  const size = async () => (await Deno.stat(file)).size;
  const before = await size();
  const last = new Map<string, number>();
  const keys: (string | null)[] = [];
  for await (const { text, line } of textLines(file)) {
    let key: string | null = null;
    try {
      const v = JSON.parse(text);
      if (recordProblem(v) === null) key = keyOf(v);
    } catch { /* not a record: stays */ }
    keys[line] = key;
    if (key !== null) last.set(key, line);
  }
  const moved = keys.filter((k, line) => k !== null && last.get(k) !== line).length;
  if (moved === 0) return 0;
  // Streamed out line by line (the file may be larger than one string can be).
  const tmp = `${file}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const encoder = new TextEncoder();
  try {
    const superseded = await Deno.open(`${file}.superseded`, { append: true, create: true });
    const kept = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for await (const { text, line } of textLines(file)) {
        if (text.trim() === "") continue;
        const key = keys[line];
        const target = key !== null && key !== undefined && last.get(key) !== line ? superseded : kept;
        const bytes = encoder.encode(text + "\n");
        for (let written = 0; written < bytes.length;) written += await target.write(bytes.subarray(written));
      }
      await superseded.syncData();
      await kept.syncData();
    } finally {
      superseded.close();
      kept.close();
    }
    // Appended to meanwhile: leave the file as it is (the superseded copies are duplicates; compact another time).
    if (await size() !== before) {
      await Deno.remove(tmp);
      return 0;
    }
    await Deno.rename(tmp, file);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw fileError(e, file);
  }
  return moved;
}
