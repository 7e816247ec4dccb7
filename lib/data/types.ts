/**
 * The data interfaces every loader returns and every split, model and metric reads.
 *
 * A `Dataset` is a whole split of a data set (train or test) held in flat typed arrays: sample `i`
 * occupies `x[i * sampleSize .. (i + 1) * sampleSize)`, row-major in `sampleShape` (HWC for images,
 * token ids for text). Subsets are index lists into it, never copies.
 */

export interface Dataset {
  /** e.g. "fashion-mnist/train". */
  name: string;
  /** Float features (images scaled to [0, 1]) or int32 token ids, `n * sampleSize` values. */
  x: Float32Array | Int32Array;
  /** Labels in [0, numClasses). */
  y: Int32Array;
  /** Shape of one sample, e.g. [28, 28, 1] or [seqLen]. */
  sampleShape: number[];
  numClasses: number;
  classNames: string[];
  /**
   * Optional per-sample identity (CelebA person, package maintainer): the unit of identity
   * forgetting. -1 where unknown.
   */
  identity?: Int32Array;
  /** Optional names for identity ids (index = id). */
  identityNames?: string[];
}

/** A data set's train and test splits, as its standard files define them. */
export interface DataBundle {
  name: string;
  train: Dataset;
  test: Dataset;
  /** Where the files were read from, and anything needed to say what was loaded. */
  source: { files: string[]; note?: string };
  /**
   * Degenerate but usable data the loader found (blank images, classes without samples, a non-standard
   * record count it was told to accept), each "<file>: <what>". Runs should print them and keep them in
   * the record; docs/datasets.md lists what is a warning and what is refused.
   */
  warnings?: string[];
}

export function sampleSize(ds: Pick<Dataset, "sampleShape">): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}

export function numSamples(ds: Dataset): number {
  return ds.y.length;
}

/** Indices of samples whose label is in `classes`. */
export function indicesOfClasses(y: Int32Array, classes: Iterable<number>, within?: Int32Array): Int32Array {
  const keep = new Set(classes);
  const pool = within ?? Int32Array.from({ length: y.length }, (_, i) => i);
  return pool.filter((i) => keep.has(y[i]));
}
