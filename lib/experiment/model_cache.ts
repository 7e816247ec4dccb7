/**
 * The verified model cache: a model and files beside it, kept under `<cacheDir>/<folder>/<key>/`, where key
 * is the sha256 of everything that determines the model (its `keyText`). The original models
 * (lib/experiment/task.ts, folder "originals"), the members of the verification ensembles
 * (lib/experiment/ensembles.ts, folder "ensembles") and the end states of runs (lib/experiment/end_state.ts,
 * folder "end-states") are kept here.
 *
 * Each entry has a manifest (`original.json`) with the sha256 of its files and the train accuracy on a small
 * seeded sample; both are verified on load, and an entry that fails is logged, removed and rebuilt.
 * An entry is written into a temporary folder and renamed into place, so concurrent writers of one key
 * cannot corrupt or crash each other: the first rename wins and the others load it. Temporary folders of
 * processes that no longer run are swept.
 */
import type { ForgetTask } from "../data/splits.ts";
import { KitError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import { disposeNet, loadNet, saveNet } from "../models/registry.ts";
import type { Net } from "../models/types.ts";
import { fileError, writeFileAtomic } from "../record.ts";
import { deriveSeed, Rng } from "../rng.ts";
import { evaluateAccuracy } from "../train.ts";

interface CacheManifest {
  schema: "unlearn-kit/original@2";
  key: string;
  keyText: string;
  /** sha256 of each saved file: the model's, then any outputs saved with it. */
  files: Record<string, string>;
  /** Train accuracy on `checkSize` training samples drawn from the seed: recomputed on load. */
  check: { size: number; accuracy: number };
  /** Numbers measured when the entry was made (originals: trainAcc, testAcc, trainSeconds). */
  [stat: string]: unknown;
}

const MODEL_FILES = ["model.json", "weights.bin", "net.json"];
const CHECK_SIZE = 256;

function checkSample(task: ForgetTask, seed: number): Int32Array {
  const rng = new Rng(deriveSeed(seed, "cache-check"));
  return rng.sample(task.trainIdx, Math.min(CHECK_SIZE, task.trainIdx.length));
}

async function fileHashes(dir: string, names: readonly string[] = MODEL_FILES): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of names) out[f] = await sha256Hex(await Deno.readFile(`${dir}/${f}`));
  return out;
}

/**
 * Loads and verifies a cache entry (every file against its manifest hash, then the model's train accuracy on
 * its check sample); returns null (after saying why) when it is absent or fails a check.
 */
async function loadCached(
  dir: string,
  key: string,
  task: ForgetTask,
  seed: number,
  what = "original",
): Promise<{ net: Net; manifest: CacheManifest; files: Record<string, Uint8Array> } | null> {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}/original.json`));
  } catch {
    return null; // not cached
  }
  const reject = async (why: string) => {
    console.error(`warning: cached ${what} ${dir} ${why}; it is removed and trained again`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return null;
  };
  if (manifest.schema !== "unlearn-kit/original@2" || manifest.key !== key) return reject("has another format or key");
  const names = Object.keys(manifest.files ?? {});
  if (!MODEL_FILES.every((f) => names.includes(f))) return reject("lists no model files");
  const files: Record<string, Uint8Array> = {};
  const changed: string[] = [];
  try {
    for (const f of names) {
      const bytes = await Deno.readFile(`${dir}/${f}`);
      if (await sha256Hex(bytes) !== manifest.files[f]) changed.push(f);
      if (!MODEL_FILES.includes(f)) files[f] = bytes;
    }
  } catch (e) {
    return reject(`is incomplete (${(e as Error).message})`);
  }
  if (changed.length) return reject(`does not match its manifest (${changed.join(", ")} changed)`);
  let net: Net;
  try {
    net = await loadNet(dir);
  } catch (e) {
    return reject(`cannot be loaded (${(e as Error).message})`);
  }
  const accuracy = evaluateAccuracy(net, task.train, checkSample(task, seed));
  if (accuracy !== manifest.check.accuracy) {
    disposeNet(net);
    return reject(`gives train accuracy ${accuracy} on its check sample, not the saved ${manifest.check.accuracy}`);
  }
  return { net, manifest, files };
}

/** A model from the verified cache, with what was saved beside it. */
export interface CachedNet {
  net: Net;
  key: string;
  /** The numbers measured when the entry was made (they survive a cache hit, e.g. the training time). */
  stats: Record<string, number>;
  /** The files saved beside the model (an ensemble member's outputs), verified against the manifest. */
  files: Record<string, Uint8Array>;
  cached: boolean;
}

export interface CacheEntrySpec {
  /** Folder under the cache folder: "originals", "ensembles". */
  folder: string;
  /** Everything that determines the model, as canonical JSON; its sha256 names the entry. */
  keyText: string;
  /** The task and seed whose check sample (CHECK_SIZE training rows) verifies the model on load. */
  task: ForgetTask;
  checkSeed: number;
  /** Makes the model when it is not cached: the net, numbers to keep, files to save beside it. */
  make(): Promise<{ net: Net; stats: Record<string, number>; files?: Record<string, Uint8Array> }>;
}

/** Whether process `pid` is alive (Linux /proc); true where that cannot be told. */
function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return true;
    try {
      Deno.statSync("/proc/self");
      return false;
    } catch {
      return true; // no /proc: cannot tell
    }
  }
}

/**
 * Removes the temporary folders (`<key>.tmp-<pid>-<id>`) that processes which no longer run left in a
 * cache folder (a kill or a full disk during a save), so they do not hold the space for ever.
 */
export async function sweepTemporaries(folder: string): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch {
    return;
  }
  for (const e of entries) {
    const pid = Number(e.name.match(/\.tmp-(\d+)-[0-9a-f]+$/)?.[1]);
    if (!pid || pid === Deno.pid || alive(pid)) continue;
    await Deno.remove(`${folder}/${e.name}`, { recursive: true }).catch(() => {});
  }
}

/** `sweepTemporaries` in every folder of a cache (at the start of a run). */
export async function sweepCache(cacheDir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(cacheDir)) if (e.isDirectory) await sweepTemporaries(`${cacheDir}/${e.name}`);
  } catch { /* no cache yet */ }
}

/** Where a cache entry lives: `<cacheDir>/<folder>/<key>`, key the first 16 hex digits of sha256(keyText). */
async function entryDir(cacheDir: string, folder: string, keyText: string): Promise<{ key: string; dir: string }> {
  const key = (await sha256Hex(keyText)).slice(0, 16);
  return { key, dir: `${cacheDir}/${folder}/${key}` };
}

/** A cache entry loaded and verified (files against the manifest, the check sample's accuracy), or null when absent or refused. */
export async function loadEntry(
  cacheDir: string,
  spec: Omit<CacheEntrySpec, "make">,
  what = "model",
): Promise<CachedNet | null> {
  const { key, dir } = await entryDir(cacheDir, spec.folder, spec.keyText);
  const hit = await loadCached(dir, key, spec.task, spec.checkSeed, what);
  if (!hit) return null;
  const { schema: _s, key: _k, keyText: _t, files: _f, check: _c, ...stats } = hit.manifest;
  return { net: hit.net, key, stats: stats as Record<string, number>, files: hit.files, cached: true };
}

/**
 * Saves a model and its files as a cache entry (temporary folder, manifest, then an atomic rename: another
 * process's entry of the same key, renamed first, is kept). Returns whether the entry is in place; a full disk
 * or a forbidden folder costs the entry (said on stderr), not the run.
 */
export async function saveEntry(
  cacheDir: string,
  spec: Omit<CacheEntrySpec, "make">,
  made: { net: Net; stats: Record<string, number>; files?: Record<string, Uint8Array> },
): Promise<boolean> {
  const { key, dir } = await entryDir(cacheDir, spec.folder, spec.keyText);
  const { net, stats, files = {} } = made;
  const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(`${cacheDir}/${spec.folder}`, { recursive: true });
    await sweepTemporaries(`${cacheDir}/${spec.folder}`);
    await saveNet(net, tmp);
    for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(`${tmp}/${name}`, bytes);
    const manifest: CacheManifest = {
      schema: "unlearn-kit/original@2",
      key,
      keyText: spec.keyText,
      ...stats,
      files: await fileHashes(tmp, [...MODEL_FILES, ...Object.keys(files)]),
      check: { size: CHECK_SIZE, accuracy: evaluateAccuracy(net, spec.task.train, checkSample(spec.task, spec.checkSeed)) },
    };
    await writeFileAtomic(`${tmp}/original.json`, JSON.stringify(manifest, null, 2) + "\n");
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    const named = fileError(e, tmp);
    if (!(named instanceof KitError)) throw named;
    console.error(`warning: the model was not cached (${named.message}); the run goes on without it`);
    return false;
  }
  try {
    await Deno.rename(tmp, dir);
  } catch {
    // Another process saved this key first (the rename target exists): keep theirs.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return true;
}

/**
 * The model of a cache entry: loaded and verified when present, else made, saved (temporary folder, then
 * an atomic rename) and returned. What the original models and the ensembles' members share.
 */
export async function cachedNet(cacheDir: string, spec: CacheEntrySpec): Promise<CachedNet> {
  const hit = await loadEntry(cacheDir, spec, spec.folder === "originals" ? "original" : "model");
  if (hit) return hit;
  const made = await spec.make();
  const { key } = await entryDir(cacheDir, spec.folder, spec.keyText);
  await saveEntry(cacheDir, spec, made);
  return { net: made.net, key, stats: made.stats, files: made.files ?? {}, cached: false };
}
