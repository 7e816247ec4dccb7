/**
 * ImageNet-1k (ILSVRC 2012) in the folder-per-class layout most tools use: train/<wnid>/*.JPEG and
 * val/<wnid>/*.JPEG (the validation images sorted into class folders). Classes are the train folder
 * names in sorted order (the usual index order); val must use the same folders. JPEG and PNG files are
 * decoded, centre-cropped and area-resized to `size`. `limitPerClass` and `maxClasses` make subsets a
 * CPU can train on.
 */
import { checkImageOptions, decodeImage, resizeToSquare } from "./image.ts";
import { KitError } from "../errors.ts";
import { checkSplit } from "./checks.ts";
import { checkAllocation, defaultDir, DISK, type FileSource, type LoadOptions } from "./files.ts";
import type { DataBundle, Dataset } from "./types.ts";

export const IMAGENET_INSTALL = "put the class folders in data/raw/imagenet/train/<wnid>/*.JPEG and data/raw/imagenet/val/<wnid>/*.JPEG " +
  "(validation images sorted into class folders), or set IMAGENET_DIR";

export interface ImageNetOptions {
  /** Side of the square images, in pixels. */
  size: number;
  /** At most this many images a class from each split (sorted file order); 0 = all. */
  limitPerClass: number;
  /** Only the first this many classes (sorted wnids); 0 = all. */
  maxClasses: number;
}

export const DEFAULT_IMAGENET: ImageNetOptions = { size: 64, limitPerClass: 0, maxClasses: 0 };

const IMAGE_FILE = /\.(jpe?g|png)$/i;

async function loadSplit(
  files: FileSource,
  dir: string,
  classes: string[],
  o: ImageNetOptions & LoadOptions,
  part: "train" | "val",
  warnings: string[],
): Promise<Dataset> {
  const list: { file: string; label: number }[] = [];
  for (const [label, wnid] of classes.entries()) {
    let names = (await files.list(`${dir}/${wnid}`, "files", IMAGENET_INSTALL)).filter((f) => IMAGE_FILE.test(f));
    if (names.length === 0) throw new KitError(`no JPEG or PNG images in the class folder`, `${dir}/${wnid}`);
    if (o.limitPerClass > 0) names = names.slice(0, o.limitPerClass);
    for (const f of names) list.push({ file: `${dir}/${wnid}/${f}`, label });
  }
  const sampleSize = o.size * o.size * 3;
  checkAllocation(list.length * sampleSize, 4, dir, `${list.length} images of ${o.size}×${o.size} as float32`, o.maxBytes);
  const x = new Float32Array(list.length * sampleSize);
  const y = new Int32Array(list.length);
  for (const [i, { file, label }] of list.entries()) {
    x.set(resizeToSquare(decodeImage(await files.read(file), file), o.size), i * sampleSize);
    y[i] = label;
  }
  const ds: Dataset = {
    name: `imagenet/${part}`,
    x,
    y,
    sampleShape: [o.size, o.size, 3],
    numClasses: classes.length,
    classNames: classes,
  };
  warnings.push(...checkSplit(ds, dir, part === "train" ? "train" : "test"));
  return ds;
}

/** Loads train and val (as test) from `dir` (default `$IMAGENET_DIR` or data/raw/imagenet). */
export async function loadImageNet(dir?: string, options: Partial<ImageNetOptions> & LoadOptions = {}): Promise<DataBundle> {
  const o = { ...DEFAULT_IMAGENET, ...options };
  const files = o.files ?? DISK;
  const root = dir ?? defaultDir("IMAGENET_DIR", "imagenet");
  checkImageOptions(o, { limitPerClass: o.limitPerClass, maxClasses: o.maxClasses }, "imagenet options");
  let classes = await files.list(`${root}/train`, "dirs", IMAGENET_INSTALL);
  if (classes.length === 0) throw new KitError(`no class folders (${IMAGENET_INSTALL})`, `${root}/train`);
  const valClasses = await files.list(`${root}/val`, "dirs", IMAGENET_INSTALL);
  const missing = classes.filter((c) => !valClasses.includes(c));
  const extra = valClasses.filter((c) => !classes.includes(c));
  if (missing.length || extra.length) {
    throw new KitError(
      `count mismatch: class folders differ from train/ (` +
        `${missing.length} missing, e.g. ${missing[0] ?? "-"}; ${extra.length} extra, e.g. ${extra[0] ?? "-"})`,
      `${root}/val`,
    );
  }
  if (o.maxClasses > 0) classes = classes.slice(0, o.maxClasses);
  if (classes.length < 2) throw new KitError(`a single class folder (${classes[0]}): a classifier needs at least two`, `${root}/train`);
  const warnings: string[] = [];
  const train = await loadSplit(files, `${root}/train`, classes, o, "train", warnings);
  const test = await loadSplit(files, `${root}/val`, classes, o, "val", warnings);
  return {
    name: "imagenet",
    train,
    test,
    source: {
      files: [`${root}/train/`, `${root}/val/`],
      note: `${classes.length} classes, ${o.size}×${o.size}` +
        (o.limitPerClass ? `, first ${o.limitPerClass} images a class` : ""),
    },
    warnings,
  };
}
