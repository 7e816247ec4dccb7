/**
 * CelebA (Liu et al. 2015), aligned-and-cropped images: the paper's identity-forgetting task (docs/paper.md §6)
 * is a "Smiling" classifier that forgets every image of 1% of the people.
 *
 * Files (the official release): img_align_celeba/*.jpg (178×218), list_attr_celeba.txt (image count,
 * the 40 attribute names, then one line per image of ±1 values), identity_CelebA.txt ("image person"),
 * list_eval_partition.txt ("image 0|1|2": train, validation, test). Train = partition 0, test =
 * partition 2; the official validation partition is not used (splits.ts holds out its own validation
 * set from train). Images are centre-cropped to a square and area-resized to `size`.
 */
import { checkImageOptions, decodeImage, resizeToSquare } from "./image.ts";
import { KitError } from "../errors.ts";
import { checkImages, checkSplit } from "./checks.ts";
import { checkAllocation, defaultDir, DISK, lines, type LoadOptions, readText } from "./files.ts";
import type { DataBundle, Dataset } from "./types.ts";

export const CELEBA_INSTALL = "put img_align_celeba/ (the aligned JPEGs), list_attr_celeba.txt, identity_CelebA.txt and " +
  "list_eval_partition.txt in data/raw/celeba/, or set CELEBA_DIR";

export interface CelebAOptions {
  /** Side of the square images fed to the model, in pixels. */
  size: number;
  /** At most this many images from each of train and test (file order); 0 = all. */
  limit: number;
  /** The binary attribute used as the label. */
  attribute: string;
}

export const DEFAULT_CELEBA: CelebAOptions = { size: 64, limit: 0, attribute: "Smiling" };

/** "image value" lines → map; an image listed twice is an error. */
function pairs(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  lines(text).forEach((l, i) => {
    const parts = l.split(/\s+/);
    if (parts.length !== 2) throw new KitError(`bad format: line ${i + 1} is not "<image> <value>"`, file);
    if (out.has(parts[0])) throw new KitError(`bad format: line ${i + 1} lists ${parts[0]} a second time`, file);
    out.set(parts[0], parts[1]);
  });
  return out;
}

/** Parses list_attr_celeba.txt into image → ±1 value of `attribute`, in file order. */
export function parseAttributes(text: string, file: string, attribute: string): Map<string, number> {
  const ls = lines(text);
  const declared = Number(ls[0]);
  if (ls.length < 2 || !Number.isInteger(declared)) {
    throw new KitError(`bad format: expected an image count, then the attribute names`, file);
  }
  const names = ls[1].split(/\s+/);
  const col = names.indexOf(attribute);
  if (col < 0) throw new KitError(`bad format: no attribute "${attribute}" among ${names.length} names`, file);
  const rows = ls.slice(2);
  if (rows.length !== declared) {
    throw new KitError(`count mismatch: header declares ${declared} images, ${rows.length} lines follow`, file);
  }
  const out = new Map<string, number>();
  rows.forEach((row, i) => {
    const parts = row.split(/\s+/);
    const v = Number(parts[col + 1]);
    if (parts.length !== names.length + 1 || (v !== 1 && v !== -1)) {
      throw new KitError(`bad format: line ${i + 3} does not hold ${names.length} values of ±1`, file);
    }
    if (out.has(parts[0])) throw new KitError(`bad format: line ${i + 3} lists ${parts[0]} a second time`, file);
    out.set(parts[0], v);
  });
  return out;
}

/** CelebA's partitions: 0 train, 1 validation (unused), 2 test. */
const PARTITIONS = new Set(["0", "1", "2"]);

/** Loads train (partition 0) and test (partition 2) from `dir` (default `$CELEBA_DIR` or data/raw/celeba). */
export async function loadCelebA(dir?: string, options: Partial<CelebAOptions> & LoadOptions = {}): Promise<DataBundle> {
  const o = { ...DEFAULT_CELEBA, ...options };
  const files = o.files ?? DISK;
  const root = dir ?? defaultDir("CELEBA_DIR", "celeba");
  checkImageOptions(o, { limit: o.limit }, "celeba options");
  const attrFile = `${root}/list_attr_celeba.txt`;
  const idFile = `${root}/identity_CelebA.txt`;
  const partFile = `${root}/list_eval_partition.txt`;
  const imageDir = `${root}/img_align_celeba/`;
  const attrs = parseAttributes(await readText(files, attrFile, CELEBA_INSTALL), attrFile, o.attribute);
  const ids = pairs(await readText(files, idFile, CELEBA_INSTALL), idFile);
  const parts = pairs(await readText(files, partFile, CELEBA_INSTALL), partFile);
  for (const [file, m] of [[idFile, ids], [partFile, parts]] as const) {
    if (m.size !== attrs.size) {
      throw new KitError(`count mismatch: ${m.size} images listed, ${attrFile} lists ${attrs.size}`, file);
    }
  }
  const person = new Map<string, number>();
  for (const img of attrs.keys()) {
    const id = ids.get(img);
    const partition = parts.get(img);
    if (id === undefined) throw new KitError(`bad format: no person id for ${img} (listed in ${attrFile})`, idFile);
    if (partition === undefined) throw new KitError(`bad format: no partition for ${img} (listed in ${attrFile})`, partFile);
    if (!PARTITIONS.has(partition)) throw new KitError(`bad format: partition "${partition}" of ${img} is not 0, 1 or 2`, partFile);
    const n = Number(id);
    // Identities are int32 in the kit, with -1 for "unknown": a person id must be a whole number ≥ 0.
    if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 31) || !/^\d+$/.test(id)) {
      throw new KitError(`bad format: person id "${id}" of ${img} is not a whole number ≥ 0`, idFile);
    }
    person.set(img, n);
  }
  const warnings: string[] = [];
  const split = async (partition: string, part: "train" | "test"): Promise<Dataset> => {
    let images = [...attrs.keys()].filter((img) => parts.get(img) === partition);
    if (o.limit > 0) images = images.slice(0, o.limit);
    if (images.length === 0) throw new KitError(`empty: no image is in partition ${partition} (${part})`, partFile);
    const sampleSize = o.size * o.size * 3;
    checkAllocation(images.length * sampleSize, 4, imageDir, `${images.length} images of ${o.size}×${o.size} as float32`, o.maxBytes);
    const x = new Float32Array(images.length * sampleSize);
    const y = new Int32Array(images.length);
    const identity = new Int32Array(images.length);
    for (const [i, img] of images.entries()) {
      const file = `${imageDir}${img}`;
      x.set(resizeToSquare(decodeImage(await files.read(file, CELEBA_INSTALL), file), o.size), i * sampleSize);
      y[i] = attrs.get(img) === 1 ? 1 : 0;
      identity[i] = person.get(img)!;
    }
    const ds: Dataset = {
      name: `celeba/${part}`,
      x,
      y,
      sampleShape: [o.size, o.size, 3],
      numClasses: 2,
      classNames: [`not ${o.attribute}`, o.attribute],
      identity,
    };
    warnings.push(...checkImages(x, images.length, sampleSize, imageDir, `${part} images`));
    warnings.push(...checkSplit(ds, attrFile, part, { images: false }));
    return ds;
  };
  const train = await split("0", "train");
  const test = await split("2", "test");
  return {
    name: "celeba",
    train,
    test,
    source: {
      files: [attrFile, idFile, partFile, imageDir],
      note: `label ${o.attribute}, ${o.size}×${o.size}${o.limit ? `, first ${o.limit} images a split` : ""}`,
    },
    warnings,
  };
}
