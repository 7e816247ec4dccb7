/**
 * What every loader checks on the data it decoded, after the format-level checks: the policy of
 * docs/datasets.md ("Refused and flagged data"). Errors are KitErrors naming the file; warnings are
 * returned as text (`<file>: <what>`) and end up in `DataBundle.warnings`.
 *
 * Errors: an empty split, a sample of size 0, x and y of different lengths, a label outside
 * [0, numClasses), a training split with a single class, image values that are not finite or outside
 * [0, 1], every image of a file blank (one value throughout, e.g. all zeros), negative token ids or ids
 * past the vocabulary, every text empty. Warnings: some blank images, some empty texts, classes with no
 * samples in a split, a test split with a single class.
 */
import { KitError } from "../errors.ts";
import type { Dataset } from "./types.ts";
import { sampleSize } from "./types.ts";

export type SplitRole = "train" | "test";

/** At most `max` items, then "…" and how many more. */
function some(items: (number | string)[], max = 8): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")}, … (${items.length} in all)`;
}

/** x and y agree in size, classes are named, identities (if any) one per sample, and nothing is empty. */
export function checkStructure(ds: Dataset, file: string): void {
  const n = ds.y.length;
  const size = sampleSize(ds);
  if (!(size > 0) || !ds.sampleShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new KitError(`${ds.name}: a sample is ${ds.sampleShape.join("×")}, which holds no values`, file);
  }
  if (n === 0) throw new KitError(`empty: ${ds.name} has no samples`, file);
  if (ds.x.length !== n * size) {
    throw new KitError(`${ds.name}: x holds ${ds.x.length} values, expected ${n} samples × ${size} = ${n * size}`, file);
  }
  if (ds.classNames.length !== ds.numClasses) {
    throw new KitError(`${ds.name}: ${ds.classNames.length} class names for ${ds.numClasses} classes`, file);
  }
  if (ds.identity && ds.identity.length !== n) {
    throw new KitError(`${ds.name}: identity has ${ds.identity.length} entries for ${n} samples`, file);
  }
}

/** Labels in range; classes missing from the split are warned about, a one-class train split refused. */
export function checkLabels(ds: Dataset, file: string, role: SplitRole): string[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.y.length; i++) {
    const c = ds.y[i];
    if (!(c >= 0 && c < ds.numClasses)) {
      throw new KitError(`${ds.name}: label ${c} of sample ${i} is outside [0, ${ds.numClasses})`, file);
    }
    counts[c]++;
  }
  const present = counts.filter((k) => k > 0).length;
  const warnings: string[] = [];
  if (present < 2) {
    const only = counts.findIndex((k) => k > 0);
    const what = `every sample of ${ds.name} has label ${only} (${ds.classNames[only]})`;
    if (role === "train") throw new KitError(`a single class: ${what}; a classifier needs at least two`, file);
    warnings.push(`${file}: a single class: ${what}; test accuracy will say little`);
  } else if (present < ds.numClasses) {
    const missing = counts.flatMap((k, c) => (k === 0 ? [c] : []));
    warnings.push(`${file}: ${ds.name} has no samples of ${missing.length} of ${ds.numClasses} classes (${some(missing)})`);
  }
  return warnings;
}

/**
 * Image values (HWC floats) must be finite and in [0, 1]. A blank image (one value throughout) is
 * warned about; a file of nothing but blank images is refused.
 */
export function checkImages(x: Float32Array, n: number, size: number, file: string, what = "images"): string[] {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= 0 && v <= 1)) {
      const at = Math.floor(i / size);
      throw new KitError(`value ${v} in image ${at} of ${what} is ${Number.isFinite(v) ? "outside [0, 1]" : "not finite"}`, file);
    }
  }
  const blank: number[] = [];
  for (let s = 0; s < n; s++) {
    const base = s * size;
    const first = x[base];
    let j = 1;
    while (j < size && x[base + j] === first) j++;
    if (j === size) blank.push(s);
  }
  if (n > 0 && blank.length === n) {
    const values = new Set(blank.map((s) => x[s * size]));
    const desc = values.size === 1 ? `every value is ${Math.round([...values][0] * 255)}/255` : "each one a single colour";
    throw new KitError(`all ${n} ${what} are blank (${desc}): the file holds no image data`, file);
  }
  return blank.length > 0 ? [`${file}: ${blank.length} of ${n} ${what} are blank (a single value throughout): ${some(blank)}`] : [];
}

/** Token ids in [0, vocabSize); documents holding nothing but [CLS] and [PAD] are empty. */
export function checkTokens(ds: Dataset, file: string, vocabSize: number, pad: number, cls: number): string[] {
  const x = ds.x;
  const len = sampleSize(ds);
  const empty: number[] = [];
  for (let s = 0; s < ds.y.length; s++) {
    let words = 0;
    for (let j = s * len; j < (s + 1) * len; j++) {
      const id = x[j];
      if (!(id >= 0 && id < vocabSize && Number.isInteger(id))) {
        throw new KitError(`${ds.name}: token id ${id} of sample ${s} is outside [0, ${vocabSize})`, file);
      }
      if (id !== pad && id !== cls) words++;
    }
    if (words === 0) empty.push(s);
  }
  if (empty.length === ds.y.length) throw new KitError(`${ds.name}: all ${empty.length} texts are empty (no words)`, file);
  return empty.length > 0 ? [`${file}: ${empty.length} of ${ds.y.length} texts of ${ds.name} hold no words: ${some(empty)}`] : [];
}

/**
 * Every check that applies to a split: structure, labels and (for float images, unless the caller has
 * already checked them file by file) the pixel values. Returns the warnings.
 */
export function checkSplit(ds: Dataset, file: string, role: SplitRole, options: { images?: boolean } = {}): string[] {
  checkStructure(ds, file);
  const warnings = checkLabels(ds, file, role);
  if (ds.x instanceof Float32Array && options.images !== false) {
    warnings.push(...checkImages(ds.x, ds.y.length, sampleSize(ds), file, `${ds.name} images`));
  }
  return warnings;
}
