/**
 * A fingerprint of the data a run actually loaded, for cache keys: two bundles with equal fingerprints
 * hold the same samples, labels, identities and shapes, whatever folder they came from.
 *
 * Definition (so it can be recomputed elsewhere): per split (train, then test), SHA-256 of the bytes of
 * `x`, of `y` and, if present, of `identity`, as the typed arrays hold them (little-endian on every
 * platform the kit runs on). The fingerprint is "sha256:" + SHA-256 of the JSON of
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

async function sha256(view: ArrayBufferView): Promise<string> {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength) as Uint8Array<ArrayBuffer>;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The digests of one split. */
export async function splitFingerprint(ds: Dataset): Promise<SplitFingerprint> {
  const [x, y, identity] = await Promise.all([sha256(ds.x), sha256(ds.y), ds.identity ? sha256(ds.identity) : null]);
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
