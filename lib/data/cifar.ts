/**
 * CIFAR-10 and CIFAR-100 (Krizhevsky 2009), "binary version" files, 32×32 colour images.
 *
 * CIFAR-10 (cifar-10-batches-bin/): data_batch_1..5.bin and test_batch.bin, each record 1 label byte
 * then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, rows top to bottom); batches.meta.txt names
 * the 10 classes. CIFAR-100 (cifar-100-binary/): train.bin and test.bin, each record a coarse label
 * byte, a fine label byte, then 3072 pixel bytes; fine_label_names.txt and coarse_label_names.txt.
 * Pixels become HWC floats in [0, 1]. The files have no header: each must hold exactly the standard
 * number of records (`CIFAR_STANDARD_RECORDS`) unless the caller asks for `counts: "any"`. CIFAR-100's fine → coarse map (20 super-classes of 5 classes
 * each, Table 3's group forgetting) is fixed by the data set; the loader derives it from the records and
 * checks every record against the published map.
 */
import { KitError } from "../errors.ts";
import { checkImages, checkSplit, type SplitRole } from "./checks.ts";
import { checkAllocation, defaultDir, DISK, type FileSource, lines, type LoadOptions, readText } from "./files.ts";
import type { DataBundle, Dataset } from "./types.ts";

const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

export const CIFAR10_INSTALL = "extract cifar-10-binary.tar.gz so that data/raw/cifar-10-batches-bin/ holds data_batch_1..5.bin, " +
  "test_batch.bin and batches.meta.txt, or set CIFAR10_DIR";
export const CIFAR100_INSTALL = "extract cifar-100-binary.tar.gz so that data/raw/cifar-100-binary/ holds train.bin, test.bin, " +
  "fine_label_names.txt and coarse_label_names.txt, or set CIFAR100_DIR";

/** Coarse (super-class) label of each fine label, fine labels in the files' alphabetical order. */
export const CIFAR100_COARSE_OF_FINE = [
  4,
  1,
  14,
  8,
  0,
  6,
  7,
  7,
  18,
  3,
  3,
  14,
  9,
  18,
  7,
  11,
  3,
  9,
  7,
  11,
  6,
  11,
  5,
  10,
  7,
  6,
  13,
  15,
  3,
  15,
  0,
  11,
  1,
  10,
  12,
  14,
  16,
  9,
  11,
  5,
  5,
  19,
  8,
  8,
  15,
  13,
  14,
  17,
  18,
  10,
  16,
  4,
  17,
  4,
  2,
  0,
  17,
  4,
  18,
  17,
  10,
  3,
  2,
  12,
  12,
  16,
  12,
  1,
  9,
  19,
  2,
  10,
  0,
  1,
  16,
  12,
  9,
  13,
  15,
  13,
  16,
  19,
  2,
  4,
  6,
  19,
  5,
  5,
  8,
  19,
  18,
  1,
  2,
  15,
  6,
  0,
  17,
  8,
  14,
  13,
];

export const CIFAR100_COARSE_NAMES = [
  "aquatic_mammals",
  "fish",
  "flowers",
  "food_containers",
  "fruit_and_vegetables",
  "household_electrical_devices",
  "household_furniture",
  "insects",
  "large_carnivores",
  "large_man-made_outdoor_things",
  "large_natural_outdoor_scenes",
  "large_omnivores_and_herbivores",
  "medium_mammals",
  "non-insect_invertebrates",
  "people",
  "reptiles",
  "small_mammals",
  "trees",
  "vehicles_1",
  "vehicles_2",
];

interface Records {
  /** labels[k][i]: label byte k of record i. */
  labels: Uint8Array[];
  /** HWC floats in [0, 1]. */
  x: Float32Array;
}

/**
 * How many records the standard files hold. The binary files have no header, so a file cut exactly at a
 * record boundary is only visible in its count: by default any other count is refused.
 */
export const CIFAR_STANDARD_RECORDS = { batch: 10000, cifar100Train: 50000, cifar100Test: 10000 };

export interface CifarOptions extends LoadOptions {
  /**
   * "standard" (default): every file must hold the standard number of records (10,000 a CIFAR-10 batch,
   * 50,000 / 10,000 in CIFAR-100's train.bin / test.bin). "any": other counts are accepted with a
   * warning (tests, deliberately reduced copies).
   */
  counts: "standard" | "any";
}

export const DEFAULT_CIFAR: CifarOptions = { counts: "standard" };

/** Parses one binary batch; `labelBytes` is 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
export function parseCifarBin(
  bytes: Uint8Array,
  file: string,
  labelBytes: 1 | 2,
  maxLabel: number[],
  maxBytes?: number,
): Records {
  const recordSize = labelBytes + IMAGE_BYTES;
  if (bytes.length === 0) throw new KitError(`empty file, expected ${recordSize}-byte records`, file);
  if (bytes.length % recordSize !== 0) {
    throw new KitError(
      `truncated or wrong format: ${bytes.length} bytes is not a whole number of ${recordSize}-byte records ` +
        `(${labelBytes} label byte${labelBytes > 1 ? "s" : ""} + 3072 pixels)`,
      file,
    );
  }
  const n = bytes.length / recordSize;
  checkAllocation(n * IMAGE_BYTES, 4, file, `${n} images as float32`, maxBytes);
  const labels = Array.from({ length: labelBytes }, () => new Uint8Array(n));
  const x = new Float32Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const rec = i * recordSize;
    for (let k = 0; k < labelBytes; k++) {
      const v = bytes[rec + k];
      if (v >= maxLabel[k]) {
        throw new KitError(`bad format: record ${i} has label ${v}, outside [0, ${maxLabel[k]})`, file);
      }
      labels[k][i] = v;
    }
    // CHW planes → HWC: pixel p of channel c sits at c * 1024 + p.
    const img = rec + labelBytes;
    const out = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      for (let c = 0; c < 3; c++) x[out + 3 * p + c] = bytes[img + c * PIXELS + p] / 255;
    }
  }
  return { labels, x };
}

/** Refuses (or, with counts "any", warns about) a record count other than the standard one. */
function checkCount(n: number, standard: number, file: string, o: CifarOptions, warnings: string[]): void {
  if (n === standard) return;
  const what = `${n} records, the standard file holds ${standard}`;
  if (o.counts === "standard") {
    throw new KitError(`${what} (cut at a record boundary, or not the standard file; docs/datasets.md)`, file);
  }
  warnings.push(`${file}: ${what}`);
}

/** Reads, parses and checks one file: count, then its images (blank, all blank). */
async function readRecords(
  file: string,
  install: string,
  labelBytes: 1 | 2,
  maxLabel: number[],
  standard: number,
  o: CifarOptions,
  warnings: string[],
): Promise<Records> {
  const bytes = await (o.files ?? DISK).read(file, install);
  const recordSize = labelBytes + IMAGE_BYTES;
  // The count is checked before decoding (a malformed size is parseCifarBin's to report).
  if (bytes.length > 0 && bytes.length % recordSize === 0) checkCount(bytes.length / recordSize, standard, file, o, warnings);
  const r = parseCifarBin(bytes, file, labelBytes, maxLabel, o.maxBytes);
  warnings.push(...checkImages(r.x, r.labels[0].length, IMAGE_BYTES, file));
  return r;
}

async function readNames(files: FileSource, file: string, expected: number, install: string): Promise<string[]> {
  const names = lines(await readText(files, file, install));
  if (names.length !== expected) {
    throw new KitError(`count mismatch: ${names.length} class names, expected ${expected}`, file);
  }
  return names;
}

function concat(parts: Records[]): Records {
  const n = parts.reduce((s, p) => s + p.labels[0].length, 0);
  const x = new Float32Array(n * IMAGE_BYTES);
  const labels = parts[0].labels.map(() => new Uint8Array(n));
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * IMAGE_BYTES);
    p.labels.forEach((l, k) => labels[k].set(l, at));
    at += p.labels[0].length;
  }
  return { labels, x };
}

function dataset(name: string, r: Records, k: number, classNames: string[], file: string, role: SplitRole, warnings: string[]) {
  const ds: Dataset = {
    name,
    x: r.x,
    y: Int32Array.from(r.labels[k]),
    sampleShape: [32, 32, 3],
    numClasses: classNames.length,
    classNames,
  };
  // Pixels were checked file by file (so a blank file is named); here sizes and classes.
  warnings.push(...checkSplit(ds, file, role, { images: false }));
  return ds;
}

/** Loads CIFAR-10 from `dir` (default `$CIFAR10_DIR` or data/raw/cifar-10-batches-bin). */
export async function loadCifar10(dir?: string, options: Partial<CifarOptions> = {}): Promise<DataBundle> {
  const o = { ...DEFAULT_CIFAR, ...options };
  const root = dir ?? defaultDir("CIFAR10_DIR", "cifar-10-batches-bin");
  const trainFiles = [1, 2, 3, 4, 5].map((i) => `${root}/data_batch_${i}.bin`);
  const testFile = `${root}/test_batch.bin`;
  const classNames = await readNames(o.files ?? DISK, `${root}/batches.meta.txt`, 10, CIFAR10_INSTALL);
  const warnings: string[] = [];
  const read = (f: string) => readRecords(f, CIFAR10_INSTALL, 1, [10], CIFAR_STANDARD_RECORDS.batch, o, warnings);
  const parts = [];
  for (const f of trainFiles) parts.push(await read(f)); // in order: the first bad file is the one named
  const train = concat(parts);
  const test = await read(testFile);
  return {
    name: "cifar10",
    train: dataset("cifar10/train", train, 0, classNames, `${root}/data_batch_1..5.bin`, "train", warnings),
    test: dataset("cifar10/test", test, 0, classNames, testFile, "test", warnings),
    source: { files: [...trainFiles, testFile, `${root}/batches.meta.txt`] },
    warnings,
  };
}

/**
 * Checks that every record's coarse label is the published super-class of its fine label. A file
 * whose two label bytes were swapped or shifted fails here instead of silently training on noise.
 */
export function checkCoarseOfFine(coarse: Uint8Array, fine: Uint8Array, file: string): void {
  for (let i = 0; i < fine.length; i++) {
    const want = CIFAR100_COARSE_OF_FINE[fine[i]];
    if (coarse[i] !== want) {
      throw new KitError(
        `inconsistent labels: record ${i} has fine label ${fine[i]} with coarse label ${coarse[i]}, ` +
          `but fine label ${fine[i]} belongs to super-class ${want}`,
        file,
      );
    }
  }
}

/**
 * Loads CIFAR-100 from `dir` (default `$CIFAR100_DIR` or data/raw/cifar-100-binary) with the 100 fine
 * labels as classes; the registry's superClasses give the 20 coarse ones.
 */
export async function loadCifar100(dir?: string, options: Partial<CifarOptions> = {}): Promise<DataBundle> {
  const o = { ...DEFAULT_CIFAR, ...options };
  const files = o.files ?? DISK;
  const root = dir ?? defaultDir("CIFAR100_DIR", "cifar-100-binary");
  const fineNames = await readNames(files, `${root}/fine_label_names.txt`, 100, CIFAR100_INSTALL);
  const coarseFile = `${root}/coarse_label_names.txt`;
  const coarseNames = await readNames(files, coarseFile, 20, CIFAR100_INSTALL);
  const wrong = coarseNames.findIndex((c, i) => c !== CIFAR100_COARSE_NAMES[i]);
  if (wrong >= 0) {
    throw new KitError(`line ${wrong + 1} is "${coarseNames[wrong]}", expected "${CIFAR100_COARSE_NAMES[wrong]}"`, coarseFile);
  }
  const warnings: string[] = [];
  const load = async (f: string, standard: number) => {
    const r = await readRecords(f, CIFAR100_INSTALL, 2, [20, 100], standard, o, warnings);
    checkCoarseOfFine(r.labels[0], r.labels[1], f);
    return r;
  };
  // One after the other, so that with two bad files the error always names the first (train.bin).
  const trainFile = `${root}/train.bin`;
  const testFile = `${root}/test.bin`;
  const train = await load(trainFile, CIFAR_STANDARD_RECORDS.cifar100Train);
  const test = await load(testFile, CIFAR_STANDARD_RECORDS.cifar100Test);
  return {
    name: "cifar100",
    train: dataset("cifar100/train", train, 1, fineNames, trainFile, "train", warnings),
    test: dataset("cifar100/test", test, 1, fineNames, testFile, "test", warnings),
    source: {
      files: ["train.bin", "test.bin", "fine_label_names.txt", "coarse_label_names.txt"].map((f) => `${root}/${f}`),
    },
    warnings,
  };
}

/** CIFAR-100's 20 super-classes in the registry's form. */
export const CIFAR100_SUPER = { names: CIFAR100_COARSE_NAMES, ofClass: CIFAR100_COARSE_OF_FINE };
