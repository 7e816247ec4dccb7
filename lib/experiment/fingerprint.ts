/**
 * The numerics fingerprint: a hash of the code that decides a model's or a run's numbers. It enters the
 * keys of the model cache (lib/experiment/model_cache.ts) and every configuration hash, so a changed kernel,
 * loop or method never reuses an old original, ensemble member or record.
 *
 * Each scope adds to the one before it, so every file is named once: an original model's code; an ensemble
 * member's adds the methods and how members are made; a run's adds the run path and the metrics.
 * Left out on purpose: this file and lib/hash.ts (they name the code and hash it, and compute no number;
 * a change to how the fingerprint is formed changes every key anyway), and what only reads and writes records
 * and split files (lib/record.ts, lib/experiment/resume.ts: which runs are finished, not what they measure).
 */
import { sha256Hex } from "../hash.ts";

/** Files and folders (their .ts files) under lib/. */
interface CodeSet {
  files: string[];
  dirs: string[];
}

/** An original model: the kernels, the backend choice, the models, the training loop, the splits, the random streams, the task and its verified cache. */
const ORIGINAL: CodeSet = {
  files: [
    "backend.ts",
    "train.ts",
    "smoothing.ts",
    "rng.ts",
    "data/splits.ts",
    "data/augment.ts",
    "experiment/task.ts",
    "experiment/model_cache.ts",
  ],
  dirs: ["backend", "backend/native", "models"],
};
/** An ensemble member adds the methods and lib/experiment/ensembles.ts. */
const ENSEMBLE: CodeSet = {
  files: [...ORIGINAL.files, "experiment/ensembles.ts"],
  dirs: [...ORIGINAL.dirs, "unlearn", "unlearn/loops"],
};
/** A run adds the run path (with the kept end states a run may be measured on) and the metrics. */
const RUN: CodeSet = {
  files: [...ENSEMBLE.files, "experiment/run.ts", "experiment/end_state.ts"],
  dirs: [...ENSEMBLE.dirs, "metrics", "metrics/verify"],
};

export const NUMERICS_SCOPES = { original: ORIGINAL, ensemble: ENSEMBLE, run: RUN } as const;
export type NumericsScope = keyof typeof NUMERICS_SCOPES;

const numericsCache = new Map<string, Promise<string>>();

/** Source text without comments and blank space, so a reworded comment does not count as a change. */
function codeOnly(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/[^\n]*/g, "$1").replace(/\s+/g, " ");
}

/** The .ts files of a scope, relative to lib/, sorted: its files and those in its folders (an absent folder gives none). */
export async function numericsFiles(scope: NumericsScope): Promise<string[]> {
  const lib = new URL("../", import.meta.url);
  const { files: own, dirs } = NUMERICS_SCOPES[scope];
  const files = [...own];
  for (const dir of dirs) {
    try {
      for await (const e of Deno.readDir(new URL(`${dir}/`, lib))) {
        if (e.isFile && e.name.endsWith(".ts")) files.push(`${dir}/${e.name}`);
      }
    } catch { /* absent: the rest still counts */ }
  }
  return files.sort();
}

/**
 * The fingerprint of a scope's code, 16 hex digits. Comments do not count. Where the sources cannot be read
 * (a bundled kit), the unreadable files count as such.
 */
export function numericsFingerprint(scope: NumericsScope = "original"): Promise<string> {
  let cached = numericsCache.get(scope);
  if (!cached) {
    cached = (async () => {
      const lib = new URL("../", import.meta.url);
      const parts: string[] = [];
      for (const f of await numericsFiles(scope)) {
        try {
          parts.push(`${f}:${await sha256Hex(codeOnly(await Deno.readTextFile(new URL(f, lib))))}`);
        } catch {
          parts.push(`${f}:unreadable`);
        }
      }
      return (await sha256Hex(parts.join("\n"))).slice(0, 16);
    })();
    numericsCache.set(scope, cached);
  }
  return cached;
}
