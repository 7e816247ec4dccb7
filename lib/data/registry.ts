/**
 * Every data set the kit can load, by name. A new data set is one loader file and one entry here.
 */
import { FASHION_MNIST_CLASSES, loadFashionMnist } from "./fashion_mnist.ts";
import type { DataBundle } from "./types.ts";

export interface DatasetSpec {
  name: string;
  description: string;
  kind: "image" | "text";
  /** Reads the standard files; `dir` overrides the default location. */
  load(dir?: string): Promise<DataBundle>;
  /** Super-classes for group forgetting: `ofClass[c]` is the super-class of fine class `c`. */
  superClasses?: { names: string[]; ofClass: number[] };
  /** Where the files go and how to get them, for error messages and the README. */
  install: string;
}

/** Fashion-MNIST's three super-classes (issue 2): tops, footwear, other. */
const FASHION_SUPER = {
  names: ["tops", "footwear", "other"],
  ofClass: FASHION_MNIST_CLASSES.map((c) =>
    ["T-shirt/top", "Pullover", "Coat", "Shirt"].includes(c)
      ? 0
      : ["Sandal", "Sneaker", "Ankle boot"].includes(c)
      ? 1
      : 2
  ),
};

export const DATASETS: Record<string, DatasetSpec> = {
  "fashion-mnist": {
    name: "fashion-mnist",
    description: "Fashion-MNIST, 28×28 grey, 10 classes (gzip IDX files)",
    kind: "image",
    load: loadFashionMnist,
    superClasses: FASHION_SUPER,
    install:
      "apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist), or set FASHION_MNIST_DIR",
  },
};

export function datasetSpec(name: string): DatasetSpec {
  const spec = DATASETS[name];
  if (!spec) {
    throw new Error(`unknown dataset "${name}": valid values are ${Object.keys(DATASETS).join(", ")}`);
  }
  return spec;
}

const cache = new Map<string, Promise<DataBundle>>();

/** Loads a data set once per process (notebooks and multi-paradigm runs reuse it). */
export function loadDataset(name: string, dir?: string): Promise<DataBundle> {
  const key = `${name}@${dir ?? ""}`;
  let bundle = cache.get(key);
  if (!bundle) {
    bundle = datasetSpec(name).load(dir);
    bundle.catch(() => cache.delete(key));
    cache.set(key, bundle);
  }
  return bundle;
}
