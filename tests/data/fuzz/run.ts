/**
 * Runs fuzz inputs of one target in this thread and sorts each outcome: accepted (valid data),
 * refused (a KitError naming a path of the data set), or a bug (any other exception, a KitError that
 * names no file, or accepted data that breaks the Dataset invariants).
 */
import { KitError } from "../../../lib/errors.ts";
import { memoryFiles } from "../../../lib/data/files.ts";
import { dataFingerprint } from "../../../lib/data/fingerprint.ts";
import type { TextBundle } from "../../../lib/data/tokenizer.ts";
import type { DataBundle } from "../../../lib/data/types.ts";
import { deriveSeed, Rng } from "../../../lib/rng.ts";
import { type Files, type Target, target } from "./targets.ts";

export type Outcome = "accepted" | "refused" | "bug";

export interface InputResult {
  i: number;
  kind: string;
  mutated: string;
  outcome: Outcome;
  ms: number;
  /** The error's name and message (refused, bug), or what is wrong with accepted data (bug). */
  detail?: string;
  namesMutatedFile?: boolean;
}

/** What is wrong with data a loader accepted (empty: nothing). */
export function invalidities(b: DataBundle, root: string): string[] {
  const bad: string[] = [];
  const vocab = (b as TextBundle).tokenizer?.vocabSize;
  for (const ds of [b.train, b.test]) {
    const n = ds.y.length;
    const size = ds.sampleShape.reduce((a, c) => a * c, 1);
    if (n === 0) bad.push(`${ds.name}: no samples`);
    if (!(size > 0)) bad.push(`${ds.name}: sample shape ${ds.sampleShape}`);
    if (ds.x.length !== n * size) bad.push(`${ds.name}: x has ${ds.x.length} values for ${n}×${size}`);
    if (ds.classNames.length !== ds.numClasses) bad.push(`${ds.name}: class names`);
    if (ds.identity && ds.identity.length !== n) bad.push(`${ds.name}: identity length`);
    if (ds.identity?.some((id) => id < -1)) bad.push(`${ds.name}: identity below -1`);
    const labels = new Set<number>();
    for (const c of ds.y) {
      if (!(Number.isInteger(c) && c >= 0 && c < ds.numClasses)) {
        bad.push(`${ds.name}: label ${c}`);
        break;
      }
      labels.add(c);
    }
    if (ds === b.train && labels.size < 2) bad.push(`${ds.name}: ${labels.size} classes`);
    if (ds.x instanceof Float32Array) {
      if (!ds.x.every((v) => v >= 0 && v <= 1)) bad.push(`${ds.name}: pixel outside [0, 1]`);
    } else if (vocab === undefined || !ds.x.every((id) => id >= 0 && id < vocab)) bad.push(`${ds.name}: token id outside the vocabulary`);
  }
  for (const w of b.warnings ?? []) if (typeof w !== "string" || !w.includes(root)) bad.push(`warning names no file: ${w}`);
  return bad;
}

/**
 * Mutations made to bytes a checksum covers (gzip's CRC-32, zlib's Adler-32, the corpus's sha256): if
 * such an input is accepted, its data must be exactly the valid data set's (the change was in a field
 * that carries no data, such as gzip's timestamp). Different data would be corruption passed silently.
 */
export const CHECKSUMMED = /^(gzip|gzip-resigned|zlib|sha256)\//;

const bases = new Map<string, Promise<{ files: Files; fingerprint: Map<string, string> }>>();

async function baseOf(t: Target) {
  let base = bases.get(t.name);
  if (!base) bases.set(t.name, base = t.base().then((files) => ({ files, fingerprint: new Map() })));
  return await base;
}

/** The fingerprint of the valid data set this input's loader call reads (CIFAR: 10 or 100). */
async function baseFingerprint(t: Target, input: { files: Files; mutated: string; kind: string }): Promise<string> {
  const base = await baseOf(t);
  const key = input.mutated.split("/").slice(0, 3).join("/");
  let fp = base.fingerprint.get(key);
  if (!fp) base.fingerprint.set(key, fp = await dataFingerprint(await t.load(memoryFiles(base.files), input)));
  return fp;
}

/** Input `i` of `target` under `seed`: the same (seed, i) always gives the same files. */
export async function fuzzOne(t: Target, seed: number, i: number): Promise<InputResult> {
  const base = await baseOf(t);
  const input = await t.mutate(base.files, new Rng(deriveSeed(seed, `${t.name}/${i}`)));
  const start = performance.now();
  let result: Omit<InputResult, "ms">;
  try {
    const bundle = await t.load(memoryFiles(input.files), input);
    const bad = invalidities(bundle, t.root);
    if (CHECKSUMMED.test(input.kind) && (await dataFingerprint(bundle)) !== (await baseFingerprint(t, input))) {
      bad.push("a change under a checksum was accepted and gave different data");
    }
    result = bad.length === 0
      ? { i, kind: input.kind, mutated: input.mutated, outcome: "accepted" }
      : { i, kind: input.kind, mutated: input.mutated, outcome: "bug", detail: `accepted invalid data: ${bad.join("; ")}` };
  } catch (e) {
    const err = e as Error;
    const named = e instanceof KitError && err.message.includes(t.root);
    result = {
      i,
      kind: input.kind,
      mutated: input.mutated,
      outcome: named ? "refused" : "bug",
      detail: named ? err.message : `${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ""}`,
      namesMutatedFile: named ? err.message.includes(input.mutated) : undefined,
    };
  }
  return { ...result, ms: performance.now() - start };
}

export { target };
