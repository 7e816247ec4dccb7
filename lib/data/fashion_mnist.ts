/**
 * Fashion-MNIST (Xiao et al. 2017): 70k 28×28 grey images of 10 clothing classes, 6000 training and
 * 1000 test images a class. Read from the standard gzip IDX files; Debian's `dataset-fashion-mnist`
 * installs them in /usr/share/datasets/fashion-mnist.
 *
 * IDX headers declare their counts, so a cut file is refused by ./idx.ts; a file that is well formed but
 * not the standard 60,000 / 10,000 images of 28×28 is loaded with a warning (docs/datasets.md).
 */
import { dataDir } from "../env.ts";
import { KitError } from "../errors.ts";
import { checkImages, checkSplit } from "./checks.ts";
import { checkAllocation, DISK, type LoadOptions } from "./files.ts";
import { parseIdx } from "./idx.ts";
import type { DataBundle, Dataset } from "./types.ts";

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
export const FASHION_MNIST_INSTALL =
  "apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist), or set FASHION_MNIST_DIR";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

const STANDARD = { train: 60000, t10k: 10000, side: 28 };

/**
 * One split from the bytes of its image and label files (gzip'd or plain IDX). Returns the split and
 * its warnings.
 */
export function fashionSplit(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
  imageFile: string,
  labelFile: string,
  part: "train" | "test",
  maxBytes?: number,
): { ds: Dataset; warnings: string[] } {
  const images = parseIdx(imageBytes, imageFile, maxBytes);
  const labels = parseIdx(labelBytes, labelFile, maxBytes);
  if (images.dims.length !== 3) {
    throw new KitError(`expected 3 dimensions (n, rows, cols), found ${images.dims.length}`, imageFile);
  }
  if (labels.dims.length !== 1) throw new KitError(`expected 1 dimension (n), found ${labels.dims.length}`, labelFile);
  const [n, rows, cols] = images.dims;
  if (n === 0) throw new KitError(`empty: the header declares 0 images`, imageFile);
  if (rows === 0 || cols === 0) throw new KitError(`the header declares ${rows}×${cols} images, which hold no pixels`, imageFile);
  if (labels.dims[0] !== n) {
    throw new KitError(`count mismatch: ${labels.dims[0]} labels for ${n} images in ${imageFile}`, labelFile);
  }
  checkAllocation(images.data.length, 4, imageFile, `${n} images of ${rows}×${cols} as float32`, maxBytes);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const ds: Dataset = {
    name: `fashion-mnist/${part}`,
    x,
    y: Int32Array.from(labels.data),
    sampleShape: [rows, cols, 1],
    numClasses: 10,
    classNames: FASHION_MNIST_CLASSES,
  };
  const warnings = [...checkImages(x, n, rows * cols, imageFile), ...checkSplit(ds, labelFile, part, { images: false })];
  const standard = part === "train" ? STANDARD.train : STANDARD.t10k;
  if (n !== standard || rows !== STANDARD.side || cols !== STANDARD.side) {
    warnings.push(
      `${imageFile}: ${n} images of ${rows}×${cols}; the standard file holds ${standard} of ${STANDARD.side}×${STANDARD.side}`,
    );
  }
  return { ds, warnings };
}

/** Loads both splits from `dir` (default: `$FASHION_MNIST_DIR` or Debian's location). */
export async function loadFashionMnist(dir?: string, options: LoadOptions = {}): Promise<DataBundle> {
  const root = dir ?? dataDir("FASHION_MNIST_DIR", FASHION_MNIST_DIR);
  const files = options.files ?? DISK;
  const load = async (prefix: "train" | "t10k") => {
    const imageFile = `${root}/${prefix}-images-idx3-ubyte.gz`;
    const labelFile = `${root}/${prefix}-labels-idx1-ubyte.gz`;
    const [imageBytes, labelBytes] = [
      await files.read(imageFile, FASHION_MNIST_INSTALL),
      await files.read(labelFile, FASHION_MNIST_INSTALL),
    ];
    return fashionSplit(imageBytes, labelBytes, imageFile, labelFile, prefix === "train" ? "train" : "test", options.maxBytes);
  };
  // One after the other, so that with two bad files the error always names the training file.
  const train = await load("train");
  const test = await load("t10k");
  return {
    name: "fashion-mnist",
    train: train.ds,
    test: test.ds,
    source: {
      files: ["train", "t10k"].flatMap((p) => [`${p}-images-idx3-ubyte.gz`, `${p}-labels-idx1-ubyte.gz`])
        .map((f) => `${root}/${f}`),
    },
    warnings: [...train.warnings, ...test.warnings],
  };
}
