/**
 * The gradient-mixed loop of Eq. 6 (docs/paper.md §5), shared by GA, FT, UGradSL and UGradSL+:
 *
 *   L = p · mean_{z∈B_r} ℓ(θ; z) − (1 − p) · mean_{z∈B_f} ℓ(θ; x_z, y_z^{GLS,α_z})
 *
 * with p = `mixWeight` (weight on retain descent) and α = `smoothRate` (NLS when < 0, applied to the
 * forget batch only). Eq. 6 writes sums; means make p and the learning rate independent of batch sizes.
 *
 * - backbone "ga" (UGradSL, GA): the loop runs over D_f for `epochs`; retain batches are drawn alongside.
 * - backbone "ft" (UGradSL+, FT): the loop runs over D_r for `epochs`; forget batches are cycled.
 *
 * Ascent has no lower bound, so the loop has a stop rule (forget accuracy checked after every step against
 * a target estimated without Retrain or test data, forget_target.ts; or a plateau of the loop loss over
 * windows of steps), optional gradient-norm clipping, and a divergence bound: a NaN or a loss beyond
 * `divergeLoss` ends the method with status "diverged".
 * The option definitions are in ../fields.ts (`MIXED`); each method file sets every value it exposes and
 * fixes the rest (`gradientMixedMethod`), so no default lives here.
 *
 * One run reads top to bottom: `planLoop` (index sets, batches, the stop target, the optimiser), then epochs of
 * `mixedStep` (Eq. 6 on one retain and one forget batch) each followed by `stopCheck`, with `closeEpoch`
 * writing a history row.
 */
import * as tf from "@tensorflow/tfjs";
import type { SearchSpace } from "../../config.ts";
import { defaultsOf } from "../../config.ts";
import { DivergedError } from "../../errors.ts";
import type { Net } from "../../models/types.ts";
import type { Bar } from "../../progress.ts";
import type { Rng } from "../../rng.ts";
import { adaptiveSmoothRates, crossEntropy, glsLoss } from "../../smoothing.ts";
import { batchOf, cycleBatches, epochBatches, evaluateAccuracy, logitsOf, Sgd } from "../../train.ts";
import type { MixedFields, MixedValues } from "../fields.ts";
import { MIXED } from "../fields.ts";
import { forgetAccTarget } from "./forget_target.ts";
import type { MethodFamily, MethodSpec, UnlearnContext, UnlearnOutcome } from "../types.ts";
import { defineMethod } from "../types.ts";

export type MixedOptions = MixedValues & { backbone: "ga" | "ft" };
type Batch = ReturnType<typeof batchOf>;

/** What stays fixed through one run of the loop. */
interface Loop {
  ctx: UnlearnContext;
  opts: MixedOptions;
  net: Net;
  /** The set the epochs run over (D_f for the GA backbone, D_r for FT), and batches of the other, cycled. */
  loopIdx: Int32Array;
  paired: Generator<Int32Array>;
  rng: Rng;
  totalSteps: number;
  /** The forget samples the forget-accuracy rule evaluates, and its target. */
  monitorIdx: Int32Array;
  target: { target: number; how: string };
  sgd: Sgd;
  bar: Bar;
}

/** What the loop carries from step to step. */
interface LoopState {
  step: number;
  history: Record<string, number>[];
  stop?: UnlearnOutcome["stop"];
  /** Loss sums over the current plateau window and the current epoch. */
  window: { retain: number; forget: number; n: number };
  epochSums: { retain: number; forget: number; n: number; alpha: number };
  previousLoopLoss: number;
  flatChecks: number;
  /** The adaptive rates' batch means, summed over the run. */
  alphaSum: number;
  alphaCount: number;
}

function mixAt(opts: MixedOptions, ctx: UnlearnContext, progress: number): number {
  if (opts.mixSchedule === "size-ratio") {
    const r = ctx.task.retainIdx.length;
    return r / (r + ctx.task.forgetIdx.length);
  }
  if (opts.mixSchedule === "anneal") return opts.mixWeight + (1 - opts.mixWeight) * progress;
  return opts.mixWeight;
}

function embed(net: Net, x: tf.Tensor, space: MixedOptions["adaptiveSpace"]): tf.Tensor2D {
  if (space === "input") return x.reshape([x.shape[0], -1]).toFloat() as tf.Tensor2D;
  if (space === "logits") return logitsOf(net, x, false);
  const f = net.features.apply(x, { training: false }) as tf.Tensor;
  return f.reshape([f.shape[0], -1]) as tf.Tensor2D;
}

/** Runs the loop on `ctx.start` in place and returns it. */
export function runGradientMixed(ctx: UnlearnContext, opts: MixedOptions): UnlearnOutcome {
  const loop = planLoop(ctx, opts);
  const state: LoopState = {
    step: 0,
    history: [],
    window: { retain: 0, forget: 0, n: 0 },
    epochSums: { retain: 0, forget: 0, n: 0, alpha: 0 },
    previousLoopLoss: NaN,
    flatChecks: 0,
    alphaSum: 0,
    alphaCount: 0,
  };
  try {
    for (let epoch = 0; state.step < loop.totalSteps; epoch++) {
      if (runEpoch(loop, state, epoch)) break;
      if (state.epochSums.n > 0) closeEpoch(loop, state, epoch + 1, opts.stopRule === "forget-acc" ? monitorAccuracy(loop) : NaN);
    }
  } finally {
    loop.sgd.dispose();
    loop.bar.done();
  }
  return {
    net: loop.net,
    history: state.history,
    stop: state.stop,
    notes: {
      steps: state.step,
      forgetAccTarget: loop.target.target,
      forgetAccTargetHow: loop.target.how,
      ...(state.alphaCount > 0 ? { meanSmoothRate: state.alphaSum / state.alphaCount } : {}),
    },
  };
}

/** The index sets, the seeded batch streams, the stop rule's monitor set and target, the optimiser, the bar. */
function planLoop(ctx: UnlearnContext, opts: MixedOptions): Loop {
  const { task, start: net } = ctx;
  const loopIdx = opts.backbone === "ga" ? task.forgetIdx : task.retainIdx;
  const pairedIdx = opts.backbone === "ga" ? task.retainIdx : task.forgetIdx;
  const stepsPerEpoch = Math.ceil(loopIdx.length / opts.batchSize);
  const totalSteps = Math.max(0, Math.round(opts.epochs * stepsPerEpoch));
  const rng = ctx.rng.fork("gradient-mixed");
  const paired = cycleBatches(pairedIdx, opts.pairedBatchSize, rng.fork("paired"));
  const monitorIdx = rng.sample(task.forgetIdx, Math.min(opts.monitorSize, task.forgetIdx.length));
  const target = opts.stopRule === "forget-acc"
    ? forgetAccTarget(ctx, monitorIdx, opts.forgetAccTarget, opts.targetEstimate)
    : { target: NaN, how: "no forget-accuracy rule" };
  const sgd = new Sgd(net, opts);
  const bar = ctx.progress(`${opts.backbone === "ga" ? "ascent" : "fine-tune"} p=${opts.mixWeight} α=${opts.smoothRate}`, totalSteps);
  return { ctx, opts, net, loopIdx, paired, rng, totalSteps, monitorIdx, target, sgd, bar };
}

/** One pass over the loop set; true when a stop rule ended the run. */
function runEpoch(loop: Loop, state: LoopState, epoch: number): boolean {
  for (const loopBatch of epochBatches(loop.loopIdx, loop.opts.batchSize, loop.rng)) {
    if (state.step >= loop.totalSteps) break;
    mixedStep(loop, state, loopBatch);
    if (stopCheck(loop, state, epoch)) return true;
  }
  return false;
}

/** One step of Eq. 6: the paired batch drawn, the smooth rate set, one SGD step, its losses summed. */
function mixedStep(loop: Loop, state: LoopState, loopBatch: Int32Array): void {
  const { ctx, opts } = loop;
  const p = mixAt(opts, ctx, state.step / Math.max(1, loop.totalSteps));
  const pairedBatch = loop.paired.next().value as Int32Array;
  const retainB = opts.backbone === "ga" ? pairedBatch : loopBatch;
  const forgetB = opts.backbone === "ga" ? loopBatch : pairedBatch;
  const retain = p > 0 ? batchOf(ctx.task.train, retainB, ctx.augment, loop.rng) : null;
  const forget = p < 1 ? batchOf(ctx.task.train, forgetB, ctx.augment, loop.rng) : null;
  const alpha = forget && opts.adaptive ? adaptiveRates(loop, state, forget, retain ?? retainB) : opts.smoothRate;
  const { retainLoss, forgetLoss } = mixedDescent(loop, retain, forget, alpha, p);
  tf.dispose(
    [retain?.x, retain?.y, forget?.x, forget?.y, typeof alpha === "number" ? undefined : alpha].filter((t) =>
      t !== undefined
    ) as tf.Tensor[],
  );
  state.step++;
  if (Math.abs(retainLoss) > opts.divergeLoss || Math.abs(forgetLoss) > opts.divergeLoss) {
    throw new DivergedError(
      `loss beyond ${opts.divergeLoss} (retain ${retainLoss}, forget ${forgetLoss}) at step ${state.step}`,
      state.step,
    );
  }
  state.window.retain += retainLoss;
  state.window.forget += forgetLoss;
  state.window.n++;
  state.epochSums.retain += retainLoss;
  state.epochSums.forget += forgetLoss;
  state.epochSums.n++;
  loop.bar.tick(1, { retain: retainLoss, forget: forgetLoss });
}

/**
 * Algorithm 1's per-sample smooth rates for the forget batch, from its density among the retain batch (the
 * retain indices are read without augmentation when the step draws no retain batch, p = 0).
 */
function adaptiveRates(loop: Loop, state: LoopState, forget: Batch, retain: Batch | Int32Array): tf.Tensor1D {
  const { net, opts } = loop;
  const density = retain instanceof Int32Array ? batchOf(loop.ctx.task.train, retain) : retain;
  const alpha = tf.tidy(() =>
    adaptiveSmoothRates(embed(net, forget.x, opts.adaptiveSpace), embed(net, density.x, opts.adaptiveSpace), opts.smoothRate, {
      form: opts.adaptiveForm,
      space: opts.adaptiveSpace,
      metric: opts.adaptiveMetric,
      threshold: opts.adaptiveThreshold,
    })
  );
  if (density !== retain) tf.dispose([density.x, density.y]);
  const meanAlpha = tf.tidy(() => tf.mean(alpha).dataSync()[0]);
  state.alphaSum += meanAlpha;
  state.alphaCount++;
  state.epochSums.alpha += meanAlpha;
  return alpha;
}

/** L = p · retain loss − (1 − p) · GLS forget loss, one SGD step on it; the two losses as numbers. */
function mixedDescent(loop: Loop, retain: Batch | null, forget: Batch | null, alpha: number | tf.Tensor1D, p: number) {
  const { net } = loop;
  let retainLoss = 0;
  let forgetLoss = 0;
  loop.sgd.step(() => {
    let total = tf.scalar(0);
    if (retain) {
      const l = tf.mean(crossEntropy(logitsOf(net, retain.x, true), retain.y));
      retainLoss = l.dataSync()[0];
      total = total.add(l.mul(p));
    }
    if (forget) {
      const l = tf.mean(glsLoss(logitsOf(net, forget.x, true), forget.y, alpha));
      forgetLoss = l.dataSync()[0];
      total = total.sub(l.mul(1 - p));
    }
    return total as tf.Scalar;
  });
  return { retainLoss, forgetLoss };
}

/**
 * The stop rules after a step; true when one fired (its epoch closed). The forget-accuracy rule looks after
 * every step, so it stops at most one step past its target; the plateau rule compares windowed loop losses
 * (forget for the GA backbone, retain for FT).
 */
function stopCheck(loop: Loop, state: LoopState, epoch: number): boolean {
  const { opts } = loop;
  if (opts.stopRule === "forget-acc") {
    const acc = monitorAccuracy(loop);
    if (acc > loop.target.target) return false;
    state.stop = { reason: `forget accuracy ${acc.toFixed(4)} ≤ target ${loop.target.target.toFixed(4)}`, step: state.step };
    closeEpoch(loop, state, epoch + 1, acc);
    return true;
  }
  if (opts.stopRule !== "plateau" || state.window.n < opts.plateauWindow) return false;
  const window = state.window;
  const loopLoss = (opts.backbone === "ga" ? window.forget : window.retain) / window.n;
  const change = Math.abs(loopLoss - state.previousLoopLoss) / Math.max(Math.abs(state.previousLoopLoss), 1e-8);
  state.flatChecks = change < opts.plateauTolerance ? state.flatChecks + 1 : 0;
  state.previousLoopLoss = loopLoss;
  state.window = { retain: 0, forget: 0, n: 0 };
  if (state.flatChecks < opts.plateauPatience) return false;
  state.stop = { reason: `loop loss flat (relative change < ${opts.plateauTolerance}) for ${state.flatChecks} windows`, step: state.step };
  closeEpoch(loop, state, epoch + 1, NaN);
  return true;
}

function monitorAccuracy(loop: Loop): number {
  return evaluateAccuracy(loop.net, loop.ctx.task.train, loop.monitorIdx);
}

/** The epoch's history row (mean losses, forget accuracy), handed to `onEpoch`; the epoch sums restart. */
function closeEpoch(loop: Loop, state: LoopState, epoch: number, forgetAcc: number): void {
  const sums = state.epochSums;
  const n = Math.max(1, sums.n);
  state.history.push({
    epoch,
    step: state.step,
    retainLoss: sums.retain / n,
    forgetLoss: sums.forget / n,
    forgetAcc,
    ...(loop.opts.adaptive ? { meanSmoothRate: sums.alpha / n } : {}),
  });
  state.epochSums = { retain: 0, forget: 0, n: 0, alpha: 0 };
  loop.ctx.onEpoch?.(state.history[state.history.length - 1], loop.net);
}

/**
 * A method that is the gradient-mixed loop with some options exposed (each with the method's default and
 * its source) and every other option fixed, e.g. GA = backbone "ga" with p = 0 and α = 0. The types make
 * the two sets cover every option of the loop, so no value comes from anywhere but the method file.
 */
export function gradientMixedMethod<K extends keyof MixedFields>(spec: {
  name: string;
  title: string;
  source: string;
  family: MethodFamily;
  backbone: "ga" | "ft";
  options: Pick<MixedFields, K>;
  fixed: Omit<MixedValues, K>;
  searchSpace: SearchSpace;
  display: MethodSpec["display"];
}): MethodSpec<Pick<MixedFields, K>> {
  const { backbone, fixed, ...rest } = spec;
  checkLoopOptions({ ...defaultsOf(rest.options), ...fixed }, spec.name);
  return defineMethod({
    ...rest,
    run: (ctx, opts) => {
      const all: Record<string, unknown> = { ...opts, ...fixed };
      checkLoopOptions(all, spec.name);
      return runGradientMixed(ctx, { ...all, backbone });
    },
  });
}

/**
 * Exposed and fixed options together are every option of the loop: their types are `MixedValues` split at K,
 * which TypeScript cannot join back for a generic K, so the keys are checked here.
 */
function checkLoopOptions(values: Record<string, unknown>, method: string): asserts values is MixedValues {
  const missing = Object.keys(MIXED).filter((k) => values[k] === undefined);
  if (missing.length > 0) throw new Error(`${method}: the loop's options ${missing.join(", ")} are neither exposed nor fixed`);
}
