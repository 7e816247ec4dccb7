/**
 * The gradient-mixed loop of Eq. 6 (NOTES §5), shared by GA, FT, UGradSL and UGradSL+:
 *
 *   L = p · mean_{z∈B_r} ℓ(θ; z) − (1 − p) · mean_{z∈B_f} ℓ(θ; x_z, y_z^{GLS,α_z})
 *
 * with p = `mixWeight` (weight on retain descent) and α = `smoothRate` (NLS when < 0, applied to the
 * forget batch only). Eq. 6 writes sums; means make p and the learning rate independent of batch sizes.
 *
 * - backbone "ga" (UGradSL, GA): the loop runs over D_f for `epochs`; retain batches are drawn alongside.
 * - backbone "ft" (UGradSL+, FT): the loop runs over D_r for `epochs`; forget batches are cycled.
 *
 * Ascent has no lower bound, so the loop has a stop rule (checked every `checkEvery` steps on training
 * data and the validation-derived target, never the test set), optional gradient-norm clipping, and a
 * divergence bound: a NaN or a loss beyond `divergeLoss` ends the method with status "diverged".
 */
import * as tf from "@tensorflow/tfjs";
import type { BooleanField, EnumField, NumberField, OptionsOf, Schema } from "../config.ts";
import { defaultsOf } from "../config.ts";
import type { Net } from "../models/types.ts";
import type { AdaptiveForm, AdaptiveMetric, AdaptiveSpace } from "../smoothing.ts";
import { ADAPTIVE_FORMS, ADAPTIVE_METRICS, ADAPTIVE_SPACES, adaptiveSmoothRates, crossEntropy, glsLoss } from "../smoothing.ts";
import { batchOf, cycleBatches, DivergedError, epochBatches, evaluateAccuracy, logitsOf, Sgd } from "../train.ts";
import type { MethodSpec, UnlearnContext, UnlearnOutcome } from "./types.ts";
import { defineMethod } from "./types.ts";

const num = (d: number, doc: string, min?: number, max?: number, integer = false): NumberField => ({
  type: "number",
  default: d,
  doc,
  min,
  max,
  integer,
});
const bool = (d: boolean, doc: string): BooleanField => ({ type: "boolean", default: d, doc });
const oneOf = <E extends string>(values: readonly E[], d: E, doc: string): EnumField<E> => ({ type: "enum", values, default: d, doc });

export const MIX_SCHEDULES = ["constant", "size-ratio", "anneal"] as const;
export const STOP_RULES = ["none", "forget-acc", "plateau"] as const;

/** Every option of the gradient-mixed loop. Methods take a subset with their own defaults. */
export const MIXED_FIELDS = {
  epochs: num(5, "passes over the loop set (D_f for the GA backbone, D_r for FT)", 0, 1000),
  learningRate: num(1e-3, "SGD learning rate", 0, 10),
  momentum: num(0.9, "SGD momentum", 0, 0.999),
  weightDecay: num(5e-4, "L2 weight decay added to the gradient", 0, 1),
  batchSize: num(128, "batch size of the loop set", 1, 65536, true),
  pairedBatchSize: num(128, "batch size of the paired set (retain for GA, forget for FT)", 1, 65536, true),
  mixWeight: num(0.5, "p of Eq. 6: weight on retain descent; 1 − p on forget ascent", 0, 1),
  mixSchedule: oneOf(
    MIX_SCHEDULES,
    "constant",
    "how p evolves (NOTES §5 OPEN): constant; size-ratio = |D_r|/(|D_r|+|D_f|); anneal = linear from mixWeight to 1",
  ),
  smoothRate: num(-0.5, "α of GLS on the forget batch: < 0 is NLS, 0 plain labels, > 0 PLS", -100, 1),
  adaptive: bool(false, "per-sample smooth rate from retain-neighbour density (NOTES §5)"),
  adaptiveForm: oneOf<AdaptiveForm>(ADAPTIVE_FORMS, "dampen", "dampen: α(1−d); scale: α·d; summary: d (literal)"),
  adaptiveSpace: oneOf<AdaptiveSpace>(ADAPTIVE_SPACES, "features", "where distances are measured"),
  adaptiveMetric: oneOf<AdaptiveMetric>(ADAPTIVE_METRICS, "euclidean", "distance metric"),
  adaptiveThreshold: num(0.5, "β: neighbour if normalised distance < β", 0, 1),
  clipNorm: num(0, "clip the global gradient norm to this (0: off)", 0),
  stopRule: oneOf(
    STOP_RULES,
    "forget-acc",
    "forget-acc: stop when accuracy on D_f reaches the target; plateau: when the loop loss stops changing",
  ),
  forgetAccTarget: num(
    -1,
    "target accuracy on D_f in [0, 1]; -1 = auto (class-wise 0, else the original's validation accuracy)",
    -1,
    1,
  ),
  plateauTolerance: num(1e-3, "plateau: relative change of the windowed loop loss that counts as flat", 0),
  plateauPatience: num(3, "plateau: flat checks in a row before stopping", 1, 1000, true),
  checkEvery: num(5, "steps between stop-rule checks", 1, 100000, true),
  monitorSize: num(512, "forget samples the stop rule evaluates", 1, 1000000, true),
  divergeLoss: num(1e4, "a loss magnitude beyond this counts as divergence", 1),
};

export type MixedOptions = OptionsOf<typeof MIXED_FIELDS> & { backbone: "ga" | "ft" };

/** A copy of `field` with another default (a method's own, with its source in the method file). */
export function withDefault<F extends NumberField | BooleanField | EnumField>(field: F, value: F["default"]): F {
  return { ...field, default: value };
}

function mixAt(opts: MixedOptions, ctx: UnlearnContext, progress: number): number {
  if (opts.mixSchedule === "size-ratio") {
    const r = ctx.task.retainIdx.length;
    return r / (r + ctx.task.forgetIdx.length);
  }
  if (opts.mixSchedule === "anneal") return opts.mixWeight + (1 - opts.mixWeight) * progress;
  return opts.mixWeight;
}

function forgetTarget(opts: MixedOptions, ctx: UnlearnContext): number {
  if (opts.forgetAccTarget >= 0) return opts.forgetAccTarget;
  // A retrained model never predicts a class it never saw; otherwise D_f becomes unseen data, on which
  // the original's validation accuracy is the best estimate available without the test set.
  return ctx.task.options.paradigm === "classwise" ? 0 : ctx.originalValAcc;
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
  const target = forgetTarget(opts, ctx);
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

        if (opts.stopRule !== "none" && step % opts.checkEvery === 0) {
          if (opts.stopRule === "forget-acc") {
            const acc = evaluateAccuracy(net, task.train, monitorIdx);
            if (acc <= target) {
              stop = { reason: `forget accuracy ${acc.toFixed(4)} ≤ target ${target.toFixed(4)}`, step };
              closeEpoch(epoch + 1, acc);
              break outer;
            }
          } else {
            const loopLoss = (opts.backbone === "ga" ? window.forget : window.retain) / window.n;
            const change = Math.abs(loopLoss - previousLoopLoss) / Math.max(Math.abs(previousLoopLoss), 1e-8);
            flatChecks = change < opts.plateauTolerance ? flatChecks + 1 : 0;
            previousLoopLoss = loopLoss;
            if (flatChecks >= opts.plateauPatience) {
              stop = { reason: `loop loss flat (relative change < ${opts.plateauTolerance}) for ${flatChecks} checks`, step };
              closeEpoch(epoch + 1, NaN);
              break outer;
            }
          }
          window = { retain: 0, forget: 0, n: 0 };
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
      ...(alphaCount > 0 ? { meanSmoothRate: alphaSum / alphaCount } : {}),
    },
  };
}

type MixedFields = typeof MIXED_FIELDS;

/**
 * A method that is the gradient-mixed loop with some options exposed (with the method's defaults) and
 * the rest fixed, e.g. GA = backbone "ga" with p = 0 and α = 0.
 */
export function gradientMixedMethod<S extends Partial<MixedFields>>(spec: {
  name: string;
  title: string;
  source: string;
  backbone: "ga" | "ft";
  options: S;
  fixed: Partial<OptionsOf<MixedFields>>;
}): MethodSpec {
  return defineMethod({
    name: spec.name,
    title: spec.title,
    source: spec.source,
    options: spec.options as Schema,
    run: (ctx, opts) =>
      runGradientMixed(ctx, {
        ...defaultsOf(MIXED_FIELDS),
        ...(opts as Partial<OptionsOf<MixedFields>>),
        ...spec.fixed,
        backbone: spec.backbone,
      }),
  });
}

/** `MIXED_FIELDS[k]` for each key, with the given defaults. */
export function mixedFields<K extends keyof MixedFields>(defaults: { [P in K]: MixedFields[P]["default"] }): Pick<MixedFields, K> {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(defaults)) out[k] = withDefault(MIXED_FIELDS[k as K], v as never);
  return out as Pick<MixedFields, K>;
}
