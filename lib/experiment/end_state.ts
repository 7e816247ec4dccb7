/**
 * A run's end state: the model a method left and what its record states besides the metrics (history, stop,
 * notes, RTE), kept in the verified model cache (lib/experiment/model_cache.ts, folder "end-states") when
 * the experiment field `keepEndStates` (`--keep-end-states`, $UNLEARN_KEEP_END_STATES) asks for it.
 *
 * A record holds metrics, not the model: without this, a run asked later for a metric its record lacks (notebook
 * 09's LiRA and Streisand, notebook 11's verification metrics on the main job's runs) trains again. With its end
 * state kept, the run path (lib/experiment/run.ts `runOrCopy`, `measureKept`) loads it and measures only the metrics
 * the stored record lacks (all of them where no record of this model is at hand). The record equals what a fresh
 * run gives: same model bytes (weightsSha256), the same metric bits (a metric draws from its own fork of the
 * metrics stream, so its number does not depend on which others were measured), the history, stop and notes as
 * kept; its rteSeconds is the one measured when the run was made.
 *
 * Keyed like the originals: the run's configuration hash (it covers the data checksum, the numerics identity and
 * fingerprint, model, split, training, method and options), the seed, the original model's key, the split
 * file's sha256, CACHE_VERSION and the backend's numerics identity. Each file is checked against its sha256 and
 * the model against its train accuracy on a seeded sample on every load; a cut or corrupt entry is named on
 * stderr, removed and the run computed again. Runs with per-epoch snapshots are not kept (their snapshots would
 * be needed too). Size: the model's float32 weights plus a few KiB (docs/speed.md, "End states").
 */
import { numericsIdentity } from "../backend.ts";
import type { ForgetTask } from "../data/splits.ts";
import { canonicalJson } from "../hash.ts";
import { disposeNet } from "../models/registry.ts";
import type { UnlearnOutcome } from "../unlearn/types.ts";
import { loadEntry, saveEntry } from "./model_cache.ts";
import { CACHE_VERSION } from "./task.ts";

export const END_STATE_FOLDER = "end-states";
const OUTCOME_FILE = "outcome.json";

/** What names a run's end state. */
export interface EndStateKey {
  configHash: string;
  seed: number;
  /** The original model's cache key and the split file's sha256 (both also decided by the configuration). */
  originalKey: string;
  indexSha256: string;
}

/** A kept end state: the method's outcome and the RTE measured when it was made. */
export interface EndState {
  outcome: UnlearnOutcome;
  rteSeconds: number;
}

function entrySpec(key: EndStateKey, task: ForgetTask) {
  const keyText = canonicalJson({ v: CACHE_VERSION, kind: "end-state", ...key, backend: numericsIdentity() });
  return { folder: END_STATE_FOLDER, keyText, task, checkSeed: key.seed };
}

/** Keeps a run's end state (the net stays the caller's); returns whether it is in the cache. */
export async function keepEndState(
  cacheDir: string,
  key: EndStateKey,
  task: ForgetTask,
  outcome: UnlearnOutcome,
  rteSeconds: number,
): Promise<boolean> {
  const { history, stop, notes } = outcome;
  const text = JSON.stringify({ history, ...(stop ? { stop } : {}), ...(notes ? { notes } : {}) });
  const files = { [OUTCOME_FILE]: new TextEncoder().encode(text) };
  return await saveEntry(cacheDir, entrySpec(key, task), { net: outcome.net, stats: { rteSeconds }, files });
}

/** The run's kept end state, verified, or null when none is kept (or it was refused: said on stderr, removed). */
export async function keptEndState(cacheDir: string, key: EndStateKey, task: ForgetTask): Promise<EndState | null> {
  const hit = await loadEntry(cacheDir, entrySpec(key, task), "end state");
  if (!hit) return null;
  const bytes = hit.files[OUTCOME_FILE];
  const rteSeconds = hit.stats.rteSeconds;
  if (!bytes || typeof rteSeconds !== "number") {
    disposeNet(hit.net);
    console.error(`warning: cached end state ${hit.key} lacks its outcome; the run is computed again`);
    return null;
  }
  const kept: Omit<UnlearnOutcome, "net"> = JSON.parse(new TextDecoder().decode(bytes));
  return { outcome: { ...kept, net: hit.net }, rteSeconds };
}
