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
import { KitError } from "./errors.ts";
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
  history: Record<string, number>[];
  environment: Environment;
  startedAt: string;
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

export async function sha256Hex(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** JSON with object keys sorted at every level, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

// ---------------------------------------------------------------------------------------------
// Writing

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
}

export function appendRecord(file: string, record: RunRecord): Promise<void> {
  return appendJsonLine(file, record);
}

/**
 * Writes `text` to `file` atomically: a unique temporary name in the same folder, then a rename, so a
 * reader never sees half a file and two writers never collide on the temporary name.
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (typeof text === "string") await Deno.writeTextFile(tmp, text);
    else await Deno.writeFile(tmp, text);
    await Deno.rename(tmp, file);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
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

/** Lines of a .jsonl file parsed, with the lines that are not JSON reported instead of thrown. */
export async function readJsonLines<T>(file: string): Promise<{ values: { value: T; line: number }[]; skipped: SkippedLine[] }> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new KitError(`cannot read (${(e as Error).message})`, file);
  }
  const values: { value: T; line: number }[] = [];
  const skipped: SkippedLine[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      values.push({ value: JSON.parse(line), line: i + 1 });
    } catch (e) {
      skipped.push({ file, line: i + 1, why: `not JSON (${(e as Error).message})` });
    }
  });
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

/**
 * Reads records from .jsonl files or folders holding records.jsonl. Lines that are not JSON or not a
 * run record of this schema are skipped and listed in `skipped`.
 */
export async function readRecordsWithSkips(paths: string[]): Promise<{ records: RunRecord[]; skipped: SkippedLine[] }> {
  const records: RunRecord[] = [];
  const skipped: SkippedLine[] = [];
  for (const path of paths) {
    const file = await recordsFileOf(path);
    const read = await readJsonLines<RunRecord>(file);
    skipped.push(...read.skipped);
    for (const { value, line } of read.values) {
      if (value?.schema !== RECORD_SCHEMA) {
        skipped.push({ file, line, why: `field "schema" is ${JSON.stringify(value?.schema)}, expected "${RECORD_SCHEMA}"` });
      } else {
        records.push(value);
      }
    }
  }
  return { records, skipped };
}

/** `readRecordsWithSkips`, warning on stderr about every skipped line. */
export async function readRecords(paths: string[]): Promise<RunRecord[]> {
  const { records, skipped } = await readRecordsWithSkips(paths);
  for (const s of skipped) console.error(`warning: ${s.file}:${s.line}: skipped (${s.why})`);
  return records;
}
