/**
 * ImageNet-1k (ILSVRC 2012) in the folder-per-class layout most tools use: train/<wnid>/*.JPEG and
 * val/<wnid>/*.JPEG (the validation images sorted into class folders). Classes are the train folder
 * names in sorted order (the usual index order); val must use the same folders. JPEG and PNG files are
 * decoded, centre-cropped and area-resized to `size`. `limitPerClass` and `maxClasses` make subsets a
 * CPU can train on.
 */
import { decodeImage, resizeToSquare } from "./image.ts";
import { defaultDir, listDir, readBytes } from "./files.ts";
import type { DataBundle, Dataset } from "./types.ts";
import { validateDataset } from "./types.ts";

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

async function loadSplit(dir: string, classes: string[], o: ImageNetOptions, name: string): Promise<Dataset> {
  const files: { file: string; label: number }[] = [];
  classes.forEach((wnid, label) => {
    let names = listDir(`${dir}/${wnid}`, "files", IMAGENET_INSTALL).filter((f) => IMAGE_FILE.test(f));
    if (names.length === 0) throw new Error(`${dir}/${wnid}: no JPEG or PNG images in the class folder`);
    if (o.limitPerClass > 0) names = names.slice(0, o.limitPerClass);
    for (const f of names) files.push({ file: `${dir}/${wnid}/${f}`, label });
  });
  const sampleSize = o.size * o.size * 3;
  const x = new Float32Array(files.length * sampleSize);
  const y = new Int32Array(files.length);
  for (const [i, { file, label }] of files.entries()) {
    x.set(resizeToSquare(decodeImage(await readBytes(file), file), o.size), i * sampleSize);
    y[i] = label;
  }
  const ds: Dataset = {
    name,
    x,
    y,
    sampleShape: [o.size, o.size, 3],
    numClasses: classes.length,
    classNames: classes,
  };
  validateDataset(ds);
  return ds;
}

/** Loads train and val (as test) from `dir` (default `$IMAGENET_DIR` or data/raw/imagenet). */
export async function loadImageNet(dir?: string, options: Partial<ImageNetOptions> = {}): Promise<DataBundle> {
  const o = { ...DEFAULT_IMAGENET, ...options };
  const root = dir ?? defaultDir("IMAGENET_DIR", "imagenet");
  let classes = listDir(`${root}/train`, "dirs", IMAGENET_INSTALL);
  if (classes.length === 0) throw new Error(`${root}/train: no class folders (${IMAGENET_INSTALL})`);
  const valClasses = listDir(`${root}/val`, "dirs", IMAGENET_INSTALL);
  const missing = classes.filter((c) => !valClasses.includes(c));
  const extra = valClasses.filter((c) => !classes.includes(c));
  if (missing.length || extra.length) {
    throw new Error(
      `${root}/val: count mismatch: class folders differ from train/ (` +
        `${missing.length} missing, e.g. ${missing[0] ?? "-"}; ${extra.length} extra, e.g. ${extra[0] ?? "-"})`,
    );
  }
  if (o.maxClasses > 0) classes = classes.slice(0, o.maxClasses);
  const train = await loadSplit(`${root}/train`, classes, o, "imagenet/train");
  const test = await loadSplit(`${root}/val`, classes, o, "imagenet/val");
  return {
    name: "imagenet",
    train,
    test,
    source: {
      files: [`${root}/train/`, `${root}/val/`],
      note: `${classes.length} classes, ${o.size}×${o.size}` +
        (o.limitPerClass ? `, first ${o.limitPerClass} images a class` : ""),
    },
  };
}
