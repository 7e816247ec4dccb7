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
import { decodeImage, resizeToSquare } from "./image.ts";
import { defaultDir, lines, readBytes, readText } from "./files.ts";
import type { DataBundle, Dataset } from "./types.ts";
import { validateDataset } from "./types.ts";

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

/** "image value" lines → map. */
function pairs(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  lines(text).forEach((l, i) => {
    const parts = l.split(/\s+/);
    if (parts.length !== 2) throw new Error(`${file}: bad format: line ${i + 1} is not "<image> <value>"`);
    out.set(parts[0], parts[1]);
  });
  return out;
}

/** Parses list_attr_celeba.txt into image → ±1 value of `attribute`, in file order. */
export function parseAttributes(text: string, file: string, attribute: string): Map<string, number> {
  const ls = lines(text);
  const declared = Number(ls[0]);
  if (ls.length < 2 || !Number.isInteger(declared)) {
    throw new Error(`${file}: bad format: expected an image count, then the attribute names`);
  }
  const names = ls[1].split(/\s+/);
  const col = names.indexOf(attribute);
  if (col < 0) throw new Error(`${file}: bad format: no attribute "${attribute}" among ${names.length} names`);
  const rows = ls.slice(2);
  if (rows.length !== declared) {
    throw new Error(`${file}: count mismatch: header declares ${declared} images, ${rows.length} lines follow`);
  }
  const out = new Map<string, number>();
  rows.forEach((row, i) => {
    const parts = row.split(/\s+/);
    const v = Number(parts[col + 1]);
    if (parts.length !== names.length + 1 || (v !== 1 && v !== -1)) {
      throw new Error(`${file}: bad format: line ${i + 3} does not hold ${names.length} values of ±1`);
    }
    out.set(parts[0], v);
  });
  return out;
}

/** Loads train (partition 0) and test (partition 2) from `dir` (default `$CELEBA_DIR` or data/raw/celeba). */
export async function loadCelebA(dir?: string, options: Partial<CelebAOptions> = {}): Promise<DataBundle> {
  const o = { ...DEFAULT_CELEBA, ...options };
  const root = dir ?? defaultDir("CELEBA_DIR", "celeba");
  const attrFile = `${root}/list_attr_celeba.txt`;
  const idFile = `${root}/identity_CelebA.txt`;
  const partFile = `${root}/list_eval_partition.txt`;
  const attrs = parseAttributes(await readText(attrFile, CELEBA_INSTALL), attrFile, o.attribute);
  const ids = pairs(await readText(idFile, CELEBA_INSTALL), idFile);
  const parts = pairs(await readText(partFile, CELEBA_INSTALL), partFile);
  for (const [file, m] of [[idFile, ids], [partFile, parts]] as const) {
    if (m.size !== attrs.size) {
      throw new Error(`${file}: count mismatch: ${m.size} images listed, ${attrFile} lists ${attrs.size}`);
    }
  }
  const split = async (partition: string, name: string): Promise<Dataset> => {
    let images = [...attrs.keys()].filter((img) => parts.get(img) === partition);
    if (o.limit > 0) images = images.slice(0, o.limit);
    const sampleSize = o.size * o.size * 3;
    const x = new Float32Array(images.length * sampleSize);
    const y = new Int32Array(images.length);
    const identity = new Int32Array(images.length);
    for (const [i, img] of images.entries()) {
      const person = Number(ids.get(img));
      if (!Number.isInteger(person)) throw new Error(`${idFile}: bad format: no person id for ${img}`);
      const file = `${root}/img_align_celeba/${img}`;
      x.set(resizeToSquare(decodeImage(await readBytes(file, CELEBA_INSTALL), file), o.size), i * sampleSize);
      y[i] = attrs.get(img) === 1 ? 1 : 0;
      identity[i] = person;
    }
    const ds: Dataset = {
      name,
      x,
      y,
      sampleShape: [o.size, o.size, 3],
      numClasses: 2,
      classNames: [`not ${o.attribute}`, o.attribute],
      identity,
    };
    validateDataset(ds);
    return ds;
  };
  const train = await split("0", "celeba/train");
  const test = await split("2", "celeba/test");
  return {
    name: "celeba",
    train,
    test,
    source: {
      files: [attrFile, idFile, partFile, `${root}/img_align_celeba/`],
      note: `label ${o.attribute}, ${o.size}×${o.size}${o.limit ? `, first ${o.limit} images a split` : ""}`,
    },
  };
}
