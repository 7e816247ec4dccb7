/**
 * Every data set the kit can load, by name. A new data set is one loader file and one entry here.
 */
import { KitError } from "../errors.ts";
import { FASHION_MNIST_CLASSES, FASHION_MNIST_INSTALL, loadFashionMnist } from "./fashion_mnist.ts";
import { CELEBA_INSTALL, loadCelebA } from "./celeba.ts";
import { CIFAR100_INSTALL, CIFAR100_SUPER, CIFAR10_INSTALL, loadCifar10, loadCifar100 } from "./cifar.ts";
import { DEBIAN_CORPUS_DIR, loadDebianCorpus } from "./debian_corpus.ts";
import { IMAGENET_INSTALL, loadImageNet } from "./imagenet.ts";
import { loadNewsgroups, NEWSGROUPS_INSTALL } from "./newsgroups.ts";
import { loadSvhn, SVHN_INSTALL } from "./svhn.ts";
import { makeSynthetic } from "./synthetic.ts";
import type { Paradigm, SplitOptions } from "./splits.ts";
import { DEFAULT_SPLIT, PARADIGMS } from "./splits.ts";
import type { DataBundle } from "./types.ts";

export interface DatasetSpec {
  name: string;
  description: string;
  kind: "image" | "text";
  /** Reads the standard files; `dir` overrides the default location. */
  load(dir?: string): Promise<DataBundle>;
  /** Super-classes for group forgetting: `ofClass[c]` is the super-class of fine class `c`. */
  superClasses?: { names: string[]; ofClass: number[] };
  /** Samples carry a person/author identity (`Dataset.identity`), which the identity paradigm forgets. */
  identities?: boolean;
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
    identities: true,
    install: "built in",
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    description: "Fashion-MNIST, 28×28 grey, 10 classes (gzip IDX files)",
    kind: "image",
    load: loadFashionMnist,
    superClasses: FASHION_SUPER,
    install: FASHION_MNIST_INSTALL,
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
    identities: true,
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
    identities: true,
    install: NEWSGROUPS_INSTALL,
  },
  "debian-corpus": {
    name: "debian-corpus",
    description: "Debian package descriptions → Section, 19 classes, maintainer identities (committed corpus)",
    kind: "text",
    load: (dir) => loadDebianCorpus(dir),
    identities: true,
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

/**
 * Refuses a paradigm the data set cannot support, before anything is loaded: group forgetting needs
 * super-classes, identity forgetting needs per-sample identities.
 */
export function checkParadigmSupport(datasetName: string, paradigm: Paradigm): void {
  const spec = datasetSpec(datasetName);
  if (!PARADIGMS.includes(paradigm)) {
    throw new KitError(`unknown paradigm "${paradigm}": valid values are ${PARADIGMS.join(", ")}`, "--paradigm");
  }
  if (paradigm === "group" && !spec.superClasses) {
    const have = Object.values(DATASETS).filter((d) => d.superClasses).map((d) => d.name);
    throw new KitError(
      `${datasetName} has no super-classes, which the group paradigm needs (data sets that do: ${have.join(", ")})`,
      "--paradigm",
    );
  }
  if (paradigm === "identity" && !spec.identities) {
    const have = Object.values(DATASETS).filter((d) => d.identities).map((d) => d.name);
    throw new KitError(
      `${datasetName} has no per-sample identities, which the identity paradigm needs (data sets that do: ${have.join(", ")})`,
      "--paradigm",
    );
  }
}

/** What a run asks of the data: a paradigm and the split options that depend on the data. */
export type DataRequest = Pick<SplitOptions, "paradigm"> & Partial<Omit<SplitOptions, "paradigm" | "seed">>;

/**
 * Every problem a run would hit on this loaded data set, as KitErrors (none: an empty list), so that a
 * run can list them together with its other problems before the first epoch: the paradigm's support,
 * the forgotten class or sub-class in range and present in the training split, enough identities, and
 * a random forget set that is not empty.
 */
export function datasetProblems(datasetName: string, bundle: DataBundle, request: DataRequest): KitError[] {
  const problems: KitError[] = [];
  const o = { ...DEFAULT_SPLIT, ...request };
  try {
    checkParadigmSupport(datasetName, o.paradigm);
  } catch (e) {
    if (e instanceof KitError) return [e];
    throw e;
  }
  const train = bundle.train;
  const k = train.numClasses;
  const counts = new Array<number>(k).fill(0);
  for (const c of train.y) counts[c]++;
  const classFlag = (flag: string, c: number, what: string) => {
    if (!(Number.isInteger(c) && c >= -1 && c < k)) {
      problems.push(new KitError(`${what} ${c} is not -1 (drawn from the seed) or in [0, ${k}) for ${datasetName}`, flag));
    } else if (c >= 0 && counts[c] === 0) {
      problems.push(new KitError(`${what} ${c} (${train.classNames[c]}) has no training samples in ${datasetName}`, flag));
    }
  };
  if (o.paradigm === "classwise") classFlag("--forget-class", o.forgetClass, "class");
  if (o.paradigm === "group") {
    const sup = datasetSpec(datasetName).superClasses!;
    if (sup.ofClass.length !== k) {
      problems.push(new KitError(`super-class map covers ${sup.ofClass.length} classes, ${datasetName} has ${k}`, "--paradigm"));
    }
    classFlag("--forget-subclass", o.forgetSubclass, "sub-class");
  }
  if (o.paradigm === "identity") {
    const ids = new Set(train.identity ? [...train.identity].filter((id) => id >= 0) : []);
    if (ids.size < 2) {
      problems.push(
        new KitError(
          `${datasetName}'s training split has ${ids.size} known identit${
            ids.size === 1 ? "y" : "ies"
          }; identity forgetting needs at least 2`,
          "--paradigm",
        ),
      );
    }
  }
  if (o.paradigm === "random" && o.forgetFraction > 0 && o.forgetFraction < 1) {
    const pool = o.trainSize > 0 ? Math.min(o.trainSize, train.y.length) : train.y.length;
    const largest = Math.max(...counts) / train.y.length;
    if (Math.round(largest * pool * (1 - o.valFraction) * o.forgetFraction) < 1) {
      problems.push(
        new KitError(`${o.forgetFraction} of ${datasetName}'s training split rounds to an empty forget set`, "--forget-fraction"),
      );
    }
  }
  return problems;
}
