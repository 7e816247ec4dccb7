/**
 * Every data set the kit can load, by name. A new data set is one loader file and one entry here.
 */
import { FASHION_MNIST_CLASSES, loadFashionMnist } from "./fashion_mnist.ts";
import { CELEBA_INSTALL, loadCelebA } from "./celeba.ts";
import { CIFAR100_INSTALL, CIFAR100_SUPER, CIFAR10_INSTALL, loadCifar10, loadCifar100 } from "./cifar.ts";
import { DEBIAN_CORPUS_DIR, loadDebianCorpus } from "./debian_corpus.ts";
import { IMAGENET_INSTALL, loadImageNet } from "./imagenet.ts";
import { loadNewsgroups, NEWSGROUPS_INSTALL } from "./newsgroups.ts";
import { loadSvhn, SVHN_INSTALL } from "./svhn.ts";
import { makeSynthetic } from "./synthetic.ts";
import type { DataBundle } from "./types.ts";
import { KitError } from "../errors.ts";

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
    ["T-shirt/top", "Pullover", "Coat", "Shirt"].includes(c) ? 0 : ["Sandal", "Sneaker", "Ankle boot"].includes(c) ? 1 : 2
  ),
};

export const DATASETS: Record<string, DatasetSpec> = {
  synthetic: {
    name: "synthetic",
    description: "seeded Gaussian prototypes, 6×6×1, 4 classes, 5 identities a class (no files; tests and demos)",
    kind: "image",
    load: () => Promise.resolve(makeSynthetic()),
    superClasses: { names: ["even", "odd"], ofClass: [0, 1, 0, 1] },
    install: "built in",
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    description: "Fashion-MNIST, 28×28 grey, 10 classes (gzip IDX files)",
    kind: "image",
    load: loadFashionMnist,
    superClasses: FASHION_SUPER,
    install: "apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist), or set FASHION_MNIST_DIR",
  },
  cifar10: {
    name: "cifar10",
    description: "CIFAR-10, 32×32 colour, 10 classes (binary version)",
    kind: "image",
    load: (dir) => loadCifar10(dir),
    install: CIFAR10_INSTALL,
  },
  cifar100: {
    name: "cifar100",
    description: "CIFAR-100, 32×32 colour, 100 classes in 20 super-classes (binary version)",
    kind: "image",
    load: (dir) => loadCifar100(dir),
    superClasses: CIFAR100_SUPER,
    install: CIFAR100_INSTALL,
  },
  svhn: {
    name: "svhn",
    description: "SVHN cropped digits, 32×32 colour, 10 classes (MATLAB .mat files)",
    kind: "image",
    load: (dir) => loadSvhn(dir),
    install: SVHN_INSTALL,
  },
  celeba: {
    name: "celeba",
    description: "CelebA aligned faces, Smiling vs not, person identities, 64×64",
    kind: "image",
    load: (dir) => loadCelebA(dir),
    install: CELEBA_INSTALL,
  },
  imagenet: {
    name: "imagenet",
    description: "ImageNet-1k, folder per class, resized to 64×64",
    kind: "image",
    load: (dir) => loadImageNet(dir),
    install: IMAGENET_INSTALL,
  },
  "20newsgroups": {
    name: "20newsgroups",
    description: "20 Newsgroups (bydate), 20 classes, word tokens (seqLen 256), sender identities",
    kind: "text",
    load: (dir) => loadNewsgroups(dir),
    install: NEWSGROUPS_INSTALL,
  },
  "debian-corpus": {
    name: "debian-corpus",
    description: "Debian package descriptions → Section, 19 classes, maintainer identities (committed corpus)",
    kind: "text",
    load: (dir) => loadDebianCorpus(dir),
    install: `committed in ${DEBIAN_CORPUS_DIR}; rebuild with deno run -A scripts/build_debian_corpus.ts`,
  },
};

export function datasetSpec(name: string): DatasetSpec {
  const spec = DATASETS[name];
  if (!spec) {
    throw new KitError(`unknown dataset "${name}": valid values are ${Object.keys(DATASETS).join(", ")}`);
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
