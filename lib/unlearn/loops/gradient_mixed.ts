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
 */
import * as tf from "@tensorflow/tfjs";
import type { OptionsOf, SearchSpace } from "../../config.ts";
import { DivergedError } from "../../errors.ts";
import type { Net } from "../../models/types.ts";
import { adaptiveSmoothRates, crossEntropy, glsLoss } from "../../smoothing.ts";
import { batchOf, cycleBatches, epochBatches, evaluateAccuracy, logitsOf, Sgd } from "../../train.ts";
import { MIXED } from "../fields.ts";
import { forgetAccTarget } from "./forget_target.ts";
import type { MethodFamily, MethodSpec, UnlearnContext, UnlearnOutcome } from "../types.ts";
import { defineMethod } from "../types.ts";

type MixedFields = { [K in keyof typeof MIXED]: ReturnType<(typeof MIXED)[K]> };
export type MixedValues = OptionsOf<MixedFields>;
export type MixedOptions = MixedValues & { backbone: "ga" | "ft" };

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
  const { task, start: net } = ctx;
  const loopIdx = opts.backbone === "ga" ? task.forgetIdx : task.retainIdx;
  const pairedIdx = opts.backbone === "ga" ? task.retainIdx : task.forgetIdx;
  const stepsPerEpoch = Math.ceil(loopIdx.length / opts.batchSize);
  const totalSteps = Math.max(0, Math.round(opts.epochs * stepsPerEpoch));
  const rng = ctx.rng.fork("gradient-mixed");
  const paired = cycleBatches(pairedIdx, opts.pairedBatchSize, rng.fork("paired"));
  const monitorIdx = rng.sample(task.forgetIdx, Math.min(opts.monitorSize, task.forgetIdx.length));
  const { target, how } = opts.stopRule === "forget-acc"
    ? forgetAccTarget(ctx, monitorIdx, opts.forgetAccTarget, opts.targetEstimate)
    : { target: NaN, how: "no forget-accuracy rule" };
  const sgd = new Sgd(net, opts);
  const bar = ctx.progress(`${opts.backbone === "ga" ? "ascent" : "fine-tune"} p=${opts.mixWeight} α=${opts.smoothRate}`, totalSteps);
  const history: Record<string, number>[] = [];
  let stop: UnlearnOutcome["stop"];
  let step = 0;
  let window = { retain: 0, forget: 0, n: 0 };
  let epochSums = { retain: 0, forget: 0, n: 0, alpha: 0 };
  let previousLoopLoss = NaN;
  let flatChecks = 0;
  let alphaSum = 0;
  let alphaCount = 0;

  const closeEpoch = (epoch: number, forgetAcc: number) => {
    const n = Math.max(1, epochSums.n);
    history.push({
      epoch,
      step,
      retainLoss: epochSums.retain / n,
      forgetLoss: epochSums.forget / n,
      forgetAcc,
      ...(opts.adaptive ? { meanSmoothRate: epochSums.alpha / n } : {}),
    });
    epochSums = { retain: 0, forget: 0, n: 0, alpha: 0 };
    ctx.onEpoch?.(history[history.length - 1], net);
  };

  try {
    outer: for (let epoch = 0; step < totalSteps; epoch++) {
      for (const loopBatch of epochBatches(loopIdx, opts.batchSize, rng)) {
        if (step >= totalSteps) break;
        const p = mixAt(opts, ctx, step / Math.max(1, totalSteps));
        const pairedBatch = paired.next().value as Int32Array;
        const retainB = opts.backbone === "ga" ? pairedBatch : loopBatch;
        const forgetB = opts.backbone === "ga" ? loopBatch : pairedBatch;
        const retain = p > 0 ? batchOf(task.train, retainB, ctx.augment, rng) : null;
        const forget = p < 1 ? batchOf(task.train, forgetB, ctx.augment, rng) : null;
        let alpha: number | tf.Tensor1D = opts.smoothRate;
        if (forget && opts.adaptive) {
          const retainForDensity = retain ?? batchOf(task.train, retainB);
          alpha = tf.tidy(() =>
            adaptiveSmoothRates(
              embed(net, forget.x, opts.adaptiveSpace),
              embed(net, retainForDensity.x, opts.adaptiveSpace),
              opts.smoothRate,
              {
                form: opts.adaptiveForm,
                space: opts.adaptiveSpace,
                metric: opts.adaptiveMetric,
                threshold: opts.adaptiveThreshold,
              },
            )
          );
          if (!retain) tf.dispose([retainForDensity.x, retainForDensity.y]);
          const meanAlpha = tf.tidy(() => tf.mean(alpha as tf.Tensor1D).dataSync()[0]);
          alphaSum += meanAlpha;
          alphaCount++;
          epochSums.alpha += meanAlpha;
        }
        let retainLoss = 0;
        let forgetLoss = 0;
        sgd.step(() => {
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
        tf.dispose(
          [retain?.x, retain?.y, forget?.x, forget?.y, typeof alpha === "number" ? undefined : alpha].filter((t) =>
            t !== undefined
          ) as tf.Tensor[],
        );
        step++;
        if (Math.abs(retainLoss) > opts.divergeLoss || Math.abs(forgetLoss) > opts.divergeLoss) {
          throw new DivergedError(`loss beyond ${opts.divergeLoss} (retain ${retainLoss}, forget ${forgetLoss}) at step ${step}`, step);
        }
        window.retain += retainLoss;
        window.forget += forgetLoss;
        window.n++;
        epochSums.retain += retainLoss;
        epochSums.forget += forgetLoss;
        epochSums.n++;
        bar.tick(1, { retain: retainLoss, forget: forgetLoss });

        // The forget-accuracy rule looks after every step, so it stops at most one step past its target.
        if (opts.stopRule === "forget-acc") {
          const acc = evaluateAccuracy(net, task.train, monitorIdx);
          if (acc <= target) {
            stop = { reason: `forget accuracy ${acc.toFixed(4)} ≤ target ${target.toFixed(4)}`, step };
            closeEpoch(epoch + 1, acc);
            break outer;
          }
        } else if (opts.stopRule === "plateau" && window.n >= opts.plateauWindow) {
          // The loop loss (forget for the GA backbone, retain for FT) averaged over windows of steps.
          const loopLoss = (opts.backbone === "ga" ? window.forget : window.retain) / window.n;
          const change = Math.abs(loopLoss - previousLoopLoss) / Math.max(Math.abs(previousLoopLoss), 1e-8);
          flatChecks = change < opts.plateauTolerance ? flatChecks + 1 : 0;
          previousLoopLoss = loopLoss;
          window = { retain: 0, forget: 0, n: 0 };
          if (flatChecks >= opts.plateauPatience) {
            stop = { reason: `loop loss flat (relative change < ${opts.plateauTolerance}) for ${flatChecks} windows`, step };
            closeEpoch(epoch + 1, NaN);
            break outer;
          }
        }
      }
      if (epochSums.n > 0) closeEpoch(epoch + 1, opts.stopRule === "forget-acc" ? evaluateAccuracy(net, task.train, monitorIdx) : NaN);
    }
  } finally {
    sgd.dispose();
    bar.done();
  }
  return {
    net,
    history,
    stop,
    notes: {
      steps: step,
      forgetAccTarget: target,
      forgetAccTargetHow: how,
      ...(alphaCount > 0 ? { meanSmoothRate: alphaSum / alphaCount } : {}),
    },
  };
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
}): MethodSpec {
  const { backbone, fixed, ...rest } = spec;
  return defineMethod({
    ...rest,
    run: (ctx, opts) => runGradientMixed(ctx, { ...(opts as Pick<MixedValues, K>), ...fixed, backbone } as MixedOptions),
  });
}
