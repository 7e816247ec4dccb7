/**
 * Fashion-MNIST (Xiao et al. 2017): 70k 28×28 grey images of 10 clothing classes, 6000 training and
 * 1000 test images a class. Read from the standard gzip IDX files; Debian's `dataset-fashion-mnist`
 * installs them in /usr/share/datasets/fashion-mnist.
 */
import { join } from "node:path";
import { readIdx } from "./idx.ts";
import type { DataBundle, Dataset } from "./types.ts";
import { validateDataset } from "./types.ts";

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

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

async function loadSplit(dir: string, prefix: "train" | "t10k"): Promise<Dataset> {
  const imageFile = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const labelFile = join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  const images = await readIdx(imageFile);
  const labels = await readIdx(labelFile);
  if (images.dims.length !== 3) {
    throw new Error(`${imageFile}: expected 3 dimensions (n, rows, cols), found ${images.dims.length}`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`${labelFile}: expected 1 dimension (n), found ${labels.dims.length}`);
  }
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    throw new Error(`${labelFile}: count mismatch: ${labels.dims[0]} labels for ${n} images in ${imageFile}`);
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const y = Int32Array.from(labels.data);
  const ds: Dataset = {
    name: `fashion-mnist/${prefix === "train" ? "train" : "test"}`,
    x,
    y,
    sampleShape: [rows, cols, 1],
    numClasses: 10,
    classNames: FASHION_MNIST_CLASSES,
  };
  try {
    validateDataset(ds);
  } catch (e) {
    throw new Error(`${labelFile}: ${(e as Error).message}`);
  }
  return ds;
}

/** Loads both splits from `dir` (default: `$FASHION_MNIST_DIR` or Debian's location). */
export async function loadFashionMnist(dir?: string): Promise<DataBundle> {
  const root = dir ?? Deno.env.get("FASHION_MNIST_DIR") ?? FASHION_MNIST_DIR;
  const [train, test] = await Promise.all([loadSplit(root, "train"), loadSplit(root, "t10k")]);
  return {
    name: "fashion-mnist",
    train,
    test,
    source: {
      files: ["train", "t10k"].flatMap((p) => [`${p}-images-idx3-ubyte.gz`, `${p}-labels-idx1-ubyte.gz`])
        .map((f) => join(root, f)),
    },
  };
}
