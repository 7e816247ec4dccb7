/**
 * A fingerprint of the data a run actually loaded, for cache keys: two bundles with equal fingerprints
 * hold the same samples, labels, identities and shapes, whatever folder they came from.
 *
 * Definition (so it can be recomputed elsewhere): per split (train, then test), a digest of the bytes
 * of `x`, of `y` and, if present, of `identity`, as the typed arrays hold them (little-endian on every
 * platform the kit runs on). The digest of an array is SHA-256 over the concatenated SHA-256s of its
 * 32 MiB chunks (so the chunks are hashed in parallel; one chunk for arrays up to 32 MiB). The fingerprint is "sha256:" + SHA-256 of the JSON of
 * `{ version, name, splits: [{ name, xType, sampleShape, n, numClasses, x, y, identity }] }` with the
 * hex digests in place of the arrays. Class names are not part of it: they change no number a model
 * computes. Computed once per bundle (memoised) with WebCrypto.
 */
import type { DataBundle, Dataset } from "./types.ts";

const VERSION = 1;

export interface SplitFingerprint {
  name: string;
  xType: "float32" | "int32";
  sampleShape: number[];
  n: number;
  numClasses: number;
  x: string;
  y: string;
  identity: string | null;
}

const CHUNK = 32 * 2 ** 20;

function hex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** SHA-256 of the chunk digests (WebCrypto hashes the chunks on worker threads, in parallel). */
async function arrayDigest(view: ArrayBufferView): Promise<string> {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const chunks = Array.from({ length: Math.max(1, Math.ceil(bytes.length / CHUNK)) }, (_, k) => bytes.subarray(k * CHUNK, (k + 1) * CHUNK));
  const digests = await Promise.all(chunks.map((c) => crypto.subtle.digest("SHA-256", c as Uint8Array<ArrayBuffer>)));
  const joined = new Uint8Array(32 * digests.length);
  digests.forEach((d, k) => joined.set(new Uint8Array(d), 32 * k));
  return await sha256(joined);
}

/** The digests of one split. */
export async function splitFingerprint(ds: Dataset): Promise<SplitFingerprint> {
  const [x, y, identity] = await Promise.all([arrayDigest(ds.x), arrayDigest(ds.y), ds.identity ? arrayDigest(ds.identity) : null]);
  return {
    name: ds.name,
    xType: ds.x instanceof Float32Array ? "float32" : "int32",
    sampleShape: ds.sampleShape,
    n: ds.y.length,
    numClasses: ds.numClasses,
    x,
    y,
    identity,
  };
}

const memo = new WeakMap<DataBundle, Promise<string>>();

/** "sha256:<64 hex digits>" over both splits (see the module comment); computed once per bundle. */
export function dataFingerprint(bundle: DataBundle): Promise<string> {
  let fp = memo.get(bundle);
  if (!fp) {
    fp = (async () => {
      const splits = await Promise.all([splitFingerprint(bundle.train), splitFingerprint(bundle.test)]);
      const manifest = JSON.stringify({ version: VERSION, name: bundle.name, splits });
      return `sha256:${await sha256(new TextEncoder().encode(manifest))}`;
    })();
    memo.set(bundle, fp);
  }
  return fp;
}
