/**
 * The theory runs as the notebooks and cli/theory.ts call them: one setup (data, feature map, θ_o), then
 * one function per theorem returning a JSON-ready record. The forget sets are fixed by the scale and seed:
 * class-wise = each of the first `classwiseClasses` classes whole; random = `randomSetsPerFraction` draws at
 * each fraction; single samples for Theorem 1's survey. Theorems 2-3 use class 0 and the first 10% draw.
 */
import { fashionTheoryData, type TheoryData, type TheoryScale, theoryScale } from "./data.ts";
import { figure5Check, type Figure5Result, mlpLastLayer } from "./figure5.ts";
import { accuracy, type ForgetSet, forgetSets, type Original, trainOriginal } from "./influence.ts";
import { Rng } from "../rng.ts";
import { theorem1Check, type Theorem1Result } from "./theorem1.ts";
import { theorem2Check, type Theorem2Result } from "./theorem2.ts";
import { type ClosedFormResult, theorem3Alphas, theorem3Check, theorem3ClosedFormCheck, type Theorem3Result } from "./theorem3.ts";
import type { Level } from "../verdict.ts";

export interface TheorySetup {
  scale: TheoryScale;
  data: TheoryData;
  original: Original;
  /** What every record repeats about the setup. */
  info: {
    dataset: string;
    featureMap: string;
    trainRows: number;
    params: number;
    lambda: number;
    objective: string;
    originalGradNorm: number;
    originalNewtonSteps: number;
    trainAccuracy: number;
    testAccuracy: number;
    quick: boolean;
    seed: number;
  };
}

export async function theorySetup(scale: TheoryScale = theoryScale()): Promise<TheorySetup> {
  const data = await fashionTheoryData(scale);
  const original = trainOriginal(data, scale.lambda);
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  return {
    scale,
    data,
    original,
    info: {
      dataset: data.name,
      featureMap: data.featureMap,
      trainRows: data.features.n,
      params: original.theta.length,
      lambda: scale.lambda,
      objective: "Σ_{D_tr} cross-entropy + (λ/2)‖θ‖² (sum over rows, bias regularised)",
      originalGradNorm: original.fit.gradNorm,
      originalNewtonSteps: original.fit.iterations,
      trainAccuracy: accuracy(original.theta, data.features, data.y, original.trainRows, data.numClasses),
      testAccuracy: accuracy(original.theta, data.testFeatures, data.testY, all(data.testY.length), data.numClasses),
      quick: scale.quick,
      seed: scale.seed,
    },
  };
}

/** The survey's forget sets: class-wise, random, and single samples. */
export function surveySets(setup: TheorySetup, singleSamples = setup.scale.quick ? 4 : 10): ForgetSet[] {
  const { data, original, scale } = setup;
  const sets = forgetSets(data, original.trainRows, {
    classes: scale.classwiseClasses,
    fractions: scale.randomFractions,
    setsPerFraction: scale.randomSetsPerFraction,
    seed: scale.seed,
  });
  const rows = new Rng(scale.seed).fork("single samples").sample(original.trainRows, singleSamples);
  for (const r of rows) sets.push({ kind: "sample", label: `sample ${r}`, rows: Int32Array.of(r) });
  return sets;
}

/** Theorem 2/3's two forget sets: class 0 whole, and a 10% random draw. */
export function exampleSets(setup: TheorySetup): { classwise: ForgetSet; random: ForgetSet } {
  const sets = forgetSets(setup.data, setup.original.trainRows, {
    classes: 1,
    fractions: [0.1],
    setsPerFraction: 1,
    seed: setup.scale.seed,
  });
  return { classwise: sets[0], random: sets[1] };
}

export interface Theorem1Record extends Theorem1Result {
  setup: TheorySetup["info"];
}

export function runTheorem1(setup: TheorySetup, onProgress?: (done: number, total: number) => void): Theorem1Record {
  return { setup: setup.info, ...theorem1Check(setup.original, surveySets(setup), {}, onProgress) };
}

export interface Theorem2Record {
  setup: TheorySetup["info"];
  classwise: Theorem2Result;
  random: Theorem2Result;
  verdict: Level;
}

/** Both example sets; the overall verdict is the better of the two only if they agree, else "partly". */
export function runTheorem2(setup: TheorySetup): Theorem2Record {
  const ex = exampleSets(setup);
  const classwise = theorem2Check(setup.original, ex.classwise);
  const random = theorem2Check(setup.original, ex.random);
  const verdict: Level = classwise.verdict === random.verdict ? classwise.verdict : "partly";
  return { setup: setup.info, classwise, random, verdict };
}

export interface Figure5Record {
  setup: TheorySetup["info"];
  mlp: Figure5Result;
  convex: Figure5Result;
  verdict: Level;
}

export function runFigure5(setup: TheorySetup): Figure5Record {
  const { scale } = setup;
  const net = mlpLastLayer(setup.data, scale.lambda, scale.figure5TrainSize, {
    hidden: scale.mlpHidden,
    epochs: scale.mlpEpochs,
    seed: scale.seed,
  });
  const mlp = figure5Check(net.original, net.description, { samples: scale.perSampleCount, seed: scale.seed });
  const convex = figure5Check(setup.original, `the convex model (${setup.info.featureMap}), λ = ${scale.lambda}`, {
    samples: scale.perSampleCount,
    seed: scale.seed,
  });
  return { setup: setup.info, mlp, convex, verdict: mlp.verdict };
}

export interface Theorem3Record {
  setup: TheorySetup["info"];
  closedForm: ClosedFormResult;
  classwise: Theorem3Result;
  random: Theorem3Result;
  verdict: Level;
}

/** Closed form (γ1 = 1, γ2 = 0.6 as in the worked example of docs/paper.md §4, K = 10) and the trained model on both sets. */
export function runTheorem3(setup: TheorySetup, gamma1 = 1, gamma2 = 0.6): Theorem3Record {
  const k = setup.data.numClasses;
  const closedForm = theorem3ClosedFormCheck(k, gamma1, gamma2, [...theorem3Alphas(k, gamma1, gamma2), -0.5]);
  const ex = exampleSets(setup);
  const classwise = theorem3Check(setup.original, ex.classwise, { gamma1, gamma2 });
  const random = theorem3Check(setup.original, ex.random, { gamma1, gamma2 });
  const verdict: Level = classwise.verdict === random.verdict ? classwise.verdict : "partly";
  return { setup: setup.info, closedForm, classwise, random, verdict };
}
