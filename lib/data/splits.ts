/**
 * Forgetting paradigms (docs/paper.md §6) turned into seeded index lists.
 *
 * From the standard train split a stratified `pool` is drawn (all of it by default); a stratified
 * validation split is held out of the pool for hyperparameter choice and stop rules, and is never
 * trained on. The rest is D_tr, the original model's training set, which depends only on the data set,
 * the seed and the sizes: class-wise and random forgetting of the same seed share one original model.
 * D_f is drawn from D_tr and D_r = D_tr \ D_f.
 *
 * - classwise: D_f = one whole class; that class is also removed from the test and validation sets.
 *              Which class: `forgetClass` when given, else by `forgetTarget`: "draw" = drawn from the seed's
 *              stream; "cycle" = class seed mod K, so seeds s, s + K, s + 2K … forget the same class (the
 *              evaluation design's blocks, lib/experiment/design.ts).
 * - random:    D_f = `forgetFraction` of D_tr drawn from every class; with `forgetRanking: "memorization"`
 *              the same number of the most memorised examples of D_tr instead (a worst-case forget set).
 *              Ranking needs trained models, which splits do not have: lib/experiment/ensembles.ts
 *              (`prepareWorstCaseTask`) replaces D_f; here the random draw stands in (for the model config).
 * - group:     labels become super-classes; D_f = one fine class (a sub-class); test set unchanged. Which
 *              sub-class: `forgetSubclass`, else by `forgetTarget`: "draw" from the seed; "cycle" = entry
 *              seed mod K of the sub-classes taken in turn from each super-class (`subclassCycle`), so K
 *              consecutive seeds from a multiple of K forget every sub-class once, the super-classes in turn.
 * - identity:  D_f = every sample of `identityFraction` of the identities present in D_tr.
 */
import { KitError } from "../errors.ts";
import { deriveSeed, Rng } from "../rng.ts";
import type { Dataset } from "./types.ts";
import { describeBounds, SPLIT_BOUNDS, withinBounds } from "./split_bounds.ts";

export const PARADIGMS = ["classwise", "random", "group", "identity"] as const;
export type Paradigm = typeof PARADIGMS[number];
export const FORGET_TARGETS = ["draw", "cycle"] as const;
export type ForgetTarget = typeof FORGET_TARGETS[number];

export interface SplitOptions {
  paradigm: Paradigm;
  seed: number;
  /** Training samples drawn (stratified) from the standard train split; 0 keeps all. */
  trainSize: number;
  /** Test samples drawn (stratified) from the standard test split; 0 keeps all. */
  testSize: number;
  /** Share of the pool held out as the validation split. */
  valFraction: number;
  /** classwise: the class to forget; -1 draws it from the seed. */
  forgetClass: number;
  /** random: share of D_tr forgotten, drawn from every class. */
  forgetFraction: number;
  /** random: "random" draws D_f; "memorization" takes the most memorised examples (lib/experiment/ensembles.ts). */
  forgetRanking: "random" | "memorization";
  /** classwise and group, when no class is given: "draw" it from the seed, or "cycle" through the classes by seed. */
  forgetTarget: ForgetTarget;
  /** group: the fine class (sub-class) to forget; -1 draws it from the seed. */
  forgetSubclass: number;
  /** identity: share of identities whose samples are all forgotten. */
  identityFraction: number;
}

export const DEFAULT_SPLIT: Omit<SplitOptions, "paradigm" | "seed"> = {
  trainSize: 0,
  testSize: 0,
  valFraction: 0.1,
  forgetClass: -1,
  forgetFraction: 0.1,
  forgetRanking: "random",
  forgetTarget: "draw",
  forgetSubclass: -1,
  identityFraction: 0.01,
};

export interface ForgetTask {
  dataset: string;
  options: SplitOptions;
  /** Train split with the task's labels (super-classes for group forgetting). */
  train: Dataset;
  /** Test split with the task's labels. */
  test: Dataset;
  numClasses: number;
  classNames: string[];
  /** D_tr = forget ∪ retain, what the original model is trained on. */
  trainIdx: Int32Array;
  forgetIdx: Int32Array;
  retainIdx: Int32Array;
  /** Held out of the train split; follows the test set's rule (class-wise: forgotten class removed). */
  valIdx: Int32Array;
  /** Indices into `test` that metrics use (class-wise: forgotten class removed). */
  testIdx: Int32Array;
  /** What was forgotten, in words and ids, for records and plots. */
  forgotten: { description: string; class?: number; subclass?: number; identities?: number[] };
  /** Identifies D_tr and its labels: equal keys mean the same original model can be reused. */
  originalKey: string;
}

/** Stratified sample of `size` indices of `pool` (all of it when size is 0 or ≥ the pool). */
export function stratifiedSample(y: Int32Array, pool: Int32Array, size: number, rng: Rng): Int32Array {
  if (size <= 0 || size >= pool.length) return Int32Array.from(pool);
  const byClass = groupByLabel(y, pool);
  const out: number[] = [];
  let remaining = size;
  let left = pool.length;
  for (const idx of byClass.values()) {
    const take = Math.round((idx.length / left) * remaining);
    out.push(...rng.sample(idx, Math.min(take, idx.length)));
    remaining -= take;
    left -= idx.length;
  }
  return Int32Array.from(out).sort();
}

function groupByLabel(y: Int32Array, pool: Int32Array): Map<number, Int32Array> {
  const lists = new Map<number, number[]>();
  for (const i of pool) {
    let list = lists.get(y[i]);
    if (!list) lists.set(y[i], list = []);
    list.push(i);
  }
  return new Map([...lists.entries()].sort((a, b) => a[0] - b[0]).map(([c, l]) => [c, Int32Array.from(l)]));
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function minus(a: Int32Array, b: Int32Array): Int32Array {
  const drop = new Set(b);
  return a.filter((i) => !drop.has(i));
}

function relabel(ds: Dataset, ofClass: number[], names: string[]): Dataset {
  return { ...ds, y: ds.y.map((c) => ofClass[c]), numClasses: names.length, classNames: names };
}

function checkOptions(o: SplitOptions, train: Dataset): void {
  const bad = (field: string, why: string) => {
    throw new KitError(why, `split option ${field}`);
  };
  if (!PARADIGMS.includes(o.paradigm)) bad("paradigm", `"${o.paradigm}" is not one of ${PARADIGMS.join(", ")}`);
  for (const f of ["valFraction", "forgetFraction", "identityFraction"] as const) {
    if (!withinBounds(o[f], SPLIT_BOUNDS[f])) bad(f, `${o[f]} is not in ${describeBounds(SPLIT_BOUNDS[f])}`);
  }
  if (!["random", "memorization"].includes(o.forgetRanking)) bad("forgetRanking", `"${o.forgetRanking}" is not random or memorization`);
  if (!FORGET_TARGETS.includes(o.forgetTarget)) bad("forgetTarget", `"${o.forgetTarget}" is not ${FORGET_TARGETS.join(" or ")}`);
  for (const f of ["forgetClass", "forgetSubclass"] as const) {
    if (o[f] < -1 || o[f] >= train.numClasses || !Number.isInteger(o[f])) {
      bad(f, `${o[f]} is not -1 (drawn from the seed) or a class in [0, ${train.numClasses})`);
    }
  }
}

/**
 * Builds the forgetting task. `superClasses` is required for the group paradigm and `identity` on the
 * train split for the identity paradigm.
 */
export function makeForgetTask(
  dataset: string,
  trainIn: Dataset,
  testIn: Dataset,
  partial: Partial<SplitOptions> & Pick<SplitOptions, "paradigm" | "seed">,
  superClasses?: { names: string[]; ofClass: number[] },
): ForgetTask {
  const options: SplitOptions = { ...DEFAULT_SPLIT, ...partial };
  checkOptions(options, trainIn);
  const { paradigm, seed } = options;
  // Streams per purpose, so that e.g. the forget draw never shifts the pool or validation draw.
  const poolRng = new Rng(deriveSeed(seed, "pool"));
  const forgetRng = new Rng(deriveSeed(seed, `forget/${paradigm}`));

  let train = trainIn;
  let test = testIn;
  if (paradigm === "group") {
    if (!superClasses) throw new KitError(`the group paradigm needs super-classes, none defined`, `dataset ${dataset}`);
    train = relabel(trainIn, superClasses.ofClass, superClasses.names);
    test = relabel(testIn, superClasses.ofClass, superClasses.names);
  }
  // Pool, validation and test subsets are stratified on the fine labels, so every paradigm of a seed
  // sees the same images.
  const pool = stratifiedSample(trainIn.y, range(trainIn.y.length), options.trainSize, poolRng);
  const valAll = stratifiedSample(trainIn.y, pool, Math.round(pool.length * options.valFraction), poolRng);
  const trainIdx = minus(pool, options.valFraction > 0 ? valAll : new Int32Array());
  const val0 = options.valFraction > 0 ? valAll : new Int32Array();
  const test0 = stratifiedSample(testIn.y, range(testIn.y.length), options.testSize, poolRng);

  let forgetIdx: Int32Array;
  let valIdx = val0;
  let testIdx = test0;
  let forgotten: ForgetTask["forgotten"];
  if (paradigm === "classwise") {
    const c = forgottenClass(options, trainIn.numClasses, forgetRng);
    forgetIdx = trainIdx.filter((i) => trainIn.y[i] === c);
    valIdx = val0.filter((i) => trainIn.y[i] !== c);
    testIdx = test0.filter((i) => testIn.y[i] !== c);
    forgotten = { description: `class ${c} (${trainIn.classNames[c]})`, class: c };
  } else if (paradigm === "random") {
    const parts: Int32Array[] = [];
    for (const idx of groupByLabel(trainIn.y, trainIdx).values()) {
      parts.push(forgetRng.sample(idx, Math.round(idx.length * options.forgetFraction)));
    }
    forgetIdx = Int32Array.from(parts.flatMap((p) => [...p])).sort();
    forgotten = { description: `${(100 * options.forgetFraction).toFixed(1)}% of every class` };
  } else if (paradigm === "group") {
    const sub = forgottenSubclass(options, superClasses!.ofClass, trainIn.numClasses, forgetRng);
    forgetIdx = trainIdx.filter((i) => trainIn.y[i] === sub);
    const superName = superClasses!.names[superClasses!.ofClass[sub]];
    forgotten = { description: `sub-class ${sub} (${trainIn.classNames[sub]}) of "${superName}"`, subclass: sub };
  } else {
    if (!trainIn.identity) throw new KitError(`the identity paradigm needs per-sample identities`, `dataset ${dataset}`);
    const ids = [...new Set(Array.from(trainIdx, (i) => trainIn.identity![i]).filter((id) => id >= 0))].sort((a, b) => a - b);
    const k = Math.max(1, Math.round(ids.length * options.identityFraction));
    const chosen = new Set(forgetRng.sample(ids, k));
    forgetIdx = trainIdx.filter((i) => chosen.has(trainIn.identity![i]));
    forgotten = {
      description: `all ${forgetIdx.length} samples of ${k} of ${ids.length} identities`,
      identities: [...chosen].sort((a, b) => a - b),
    };
  }
  if (forgetIdx.length === 0) throw new KitError(`the forget set is empty`, `${paradigm} split of ${dataset} (seed ${seed})`);
  const retainIdx = minus(trainIdx, forgetIdx);
  const labelKey = paradigm === "group" ? "super" : "fine";
  return {
    dataset,
    options,
    train,
    test,
    numClasses: train.numClasses,
    classNames: train.classNames,
    trainIdx,
    forgetIdx,
    retainIdx,
    valIdx,
    testIdx,
    forgotten,
    originalKey: [dataset, labelKey, seed, options.trainSize, options.valFraction].join("|"),
  };
}

/**
 * The class a class-wise task forgets: the given one, class seed mod K ("cycle"), or the first draw of the seed's
 * forget stream ("draw"; `rng` is that stream, which the random draws of other paradigms also start).
 */
export function forgottenClass(o: Pick<SplitOptions, "forgetClass" | "forgetTarget" | "seed">, numClasses: number, rng: Rng): number {
  if (o.forgetClass >= 0) return o.forgetClass;
  return o.forgetTarget === "cycle" ? o.seed % numClasses : rng.int(numClasses);
}

/**
 * The fine classes in turn from each super-class: the first of each super-class (in super-class order), then
 * the second of each, …; a super-class that runs out is skipped. Fashion-MNIST (tops 0 2 4 6, footwear 5 7 9,
 * other 1 3 8): 0 5 1 2 7 3 4 9 8 6.
 */
export function subclassCycle(ofClass: number[]): number[] {
  const bySuper = new Map<number, number[]>();
  ofClass.forEach((s, c) => bySuper.set(s, [...(bySuper.get(s) ?? []), c]));
  const lists = [...bySuper.entries()].sort((a, b) => a[0] - b[0]).map(([, cs]) => cs);
  const out: number[] = [];
  for (let i = 0; out.length < ofClass.length; i++) for (const cs of lists) if (i < cs.length) out.push(cs[i]);
  return out;
}

/** The sub-class a group task forgets: the given one, entry seed mod K of `subclassCycle` ("cycle"), or drawn. */
export function forgottenSubclass(
  o: Pick<SplitOptions, "forgetSubclass" | "forgetTarget" | "seed">,
  ofClass: number[],
  numClasses: number,
  rng: Rng,
): number {
  if (o.forgetSubclass >= 0) return o.forgetSubclass;
  return o.forgetTarget === "cycle" ? subclassCycle(ofClass)[o.seed % ofClass.length] : rng.int(numClasses);
}

/** The index lists a record stores (retain = trainIdx \ forgetIdx). */
export function splitSummary(task: ForgetTask) {
  return {
    paradigm: task.options.paradigm,
    forgotten: task.forgotten,
    sizes: {
      train: task.trainIdx.length,
      forget: task.forgetIdx.length,
      retain: task.retainIdx.length,
      val: task.valIdx.length,
      test: task.testIdx.length,
    },
  };
}
