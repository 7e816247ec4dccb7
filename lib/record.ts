/**
 * Run records: one JSON object per method × paradigm × seed, appended to `records.jsonl`, holding
 * everything needed to rebuild a table without recomputation: what ran, with which options, seed,
 * split, backend and versions, and what it measured. Appending never rewrites earlier lines, so a
 * crash or a bad flag later never loses a result already written.
 */
import type { BackendInfo } from "./backend.ts";
import type { SplitOptions } from "./data/splits.ts";
import type { ModelConfig } from "./models/types.ts";
import type { SgdOptions } from "./train.ts";

export const RECORD_SCHEMA = "unlearn-kit/run@1";

export type RunStatus = "ok" | "diverged" | "failed";

export interface RunRecord {
  schema: typeof RECORD_SCHEMA;
  /** Experiment name (the results folder). */
  experiment: string;
  /** `${dataset}/${paradigm}/${method}/seed${seed}`. */
  runId: string;
  method: string;
  methodOptions: Record<string, unknown>;
  /** The searched defaults the options started from (results/search/tuned.json), or null. */
  tuned: { source: string; objective: string } | null;
  dataset: string;
  paradigm: string;
  seed: number;
  model: ModelConfig;
  split: {
    options: SplitOptions;
    forgotten: { description: string; class?: number; subclass?: number; identities?: number[] };
    sizes: { train: number; forget: number; retain: number; val: number; test: number };
    /** File (relative to the record) holding every index list; retain = train \ forget. */
    indexFile: string;
    indexSha256: string;
  };
  original: {
    key: string;
    training: SgdOptions;
    trainAcc: number;
    valAcc: number;
    testAcc: number;
    trainSeconds: number;
    cached: boolean;
  };
  status: RunStatus;
  error?: string;
  /** Metric values keyed by column (UA, RA, TA, VA, MIA…), percent. Empty unless status is "ok". */
  metrics: Record<string, number>;
  /** Extra per-metric detail (e.g. every MIA feature's score). */
  details?: Record<string, unknown>;
  /** Wall time of the unlearning itself, precompute included, evaluation excluded. */
  rteSeconds: number;
  /** Wall time of evaluation. */
  evalSeconds: number;
  stop?: { reason: string; step: number };
  notes?: Record<string, number | string>;
  history: Record<string, number>[];
  environment: {
    backend: BackendInfo;
    machine: { os: string; arch: string; cores: number; cpuModel: string };
    kit: { gitCommit: string; dirty: boolean };
  };
  startedAt: string;
}

export async function appendRecord(file: string, record: RunRecord): Promise<void> {
  await Deno.writeTextFile(file, JSON.stringify(record) + "\n", { append: true, create: true });
}

/** Reads records from .jsonl files or folders holding records.jsonl; errors name the file and line. */
export async function readRecords(paths: string[]): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const path of paths) {
    let file = path;
    try {
      if ((await Deno.stat(path)).isDirectory) file = `${path}/records.jsonl`;
    } catch {
      throw new Error(`${path}: no such file or folder`);
    }
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      throw new Error(`${file}: cannot read (${(e as Error).message})`);
    }
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      let rec: RunRecord;
      try {
        rec = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
      }
      if (rec.schema !== RECORD_SCHEMA) {
        throw new Error(`${file}:${i + 1}: field "schema" is ${JSON.stringify(rec.schema)}, expected "${RECORD_SCHEMA}"`);
      }
      out.push(rec);
    });
  }
  return out;
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

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
