/**
 * A per-example, low-false-positive membership attack: offline LiRA (Carlini et al. 2022, "Membership
 * Inference Attacks From First Principles", the offline variant with a fixed variance). Beyond the paper.
 *
 * Question it answers: can an attacker single out D_f samples as "trained on" while almost never
 * accusing a comparable unseen sample? Positives are D_f (members of the original model's training set),
 * negatives test samples drawn like D_f (`liraNegatives`): the metrics' D_te for random, group and identity
 * forgetting; for class-wise forgetting the test images *of the forgotten class*, which the metrics' D_te
 * leaves out. Why: no reference model ever saw the forgotten class, so μ_out of a D_f sample describes a
 * model that has never met that class, while μ_out of a D_te sample (other classes) describes a model that
 * learnt it. Any gap between the target and the references (the target trained on all of D_r, each
 * reference on half) then shifts the two sets' scores in opposite directions: a Retrain model, more
 * confident than the references, is even surer that a forgotten-class image is "not its class" (s < 0 on
 * D_f) and surer of the other classes (s > 0 on D_te), and the AUC fell far below chance (Retrain 9.4-53.4,
 * mean 25.0, in evidence v1's class-wise records of notebook 09, 2026-11-29) although Retrain never saw D_f. With
 * negatives of the same class, both sets meet the same references and a model that never saw D_f scores ≈ 50
 * (tests/metrics/lira_test.ts). For each target x with label y the attacker measures the scaled logit
 *   φ(x) = log p_y − log(1 − p_y) = z_y − logsumexp_{y' ≠ y} z_{y'}   (computed from logits, stably),
 * compares it with the φ(x) of reference models that never trained on x (the "OUT" models), and scores
 *   s(x) = (φ_target(x) − μ_out(x)) / σ_out,
 * with μ_out(x) the reference models' mean for that x and σ_out pooled over all targets (with few
 * reference models a global variance is the better estimate; `globalVariance: false` uses each target's
 * own). High s = "member". Reported: ROC AUC, and TPR at 1% and 0.1% FPR (largest TPR whose FPR does not
 * exceed the level; with fewer than 1000 negatives the 0.1% level means "no false positive at all").
 *
 * Reference models, exactly: `references` models (default 4) of the target's architecture, each
 * trained with lib/train.ts `fit` from a fresh initialisation on its own random `fraction` (default ½)
 * of D_r (task.retainIdx of the train split). No reference model sees any D_f or D_te sample, and none
 * sees the validation split or the test split, so every reference model is OUT for every target; the random halves give
 * the spread of φ across training sets. The draws come from the task's seed and `seed`.
 * Their recipe `training` should match the target's; the default is a short recipe for small models.
 *
 * "Is the unlearned model as private as retraining?": run the same attack on the Retrain model
 * (`liraAttack({ ugradsl: net, retrain: retrainNet }, task)`), or compare the LiRA_* metrics of the
 * Retrain record of the same split and seed.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "../data/types.ts";
import type { ForgetTask } from "../data/splits.ts";
import { indicesOfClasses } from "../data/types.ts";
import { buildNet, disposeNet } from "../models/registry.ts";
import type { ModelConfig, Net } from "../models/types.ts";
import { deriveSeed, Rng } from "../rng.ts";
import type { SgdOptions } from "../train.ts";
import { batchOf, fit, logitsOf } from "../train.ts";
import { type RocSummary, rocSummary } from "./roc.ts";
import type { MetricSpec } from "./types.ts";

export interface LiraOptions {
  /** Number of reference (OUT) models; at least 2. */
  references: number;
  /** Share of D_r each reference model trains on, drawn afresh for each. */
  fraction: number;
  /** Reference models' training recipe (should match the target's). */
  training: SgdOptions;
  /** Varies the reference models' draws (halves and initialisations) for the same task. */
  seed: number;
  /** Pool σ_out over all targets (Carlini et al.'s advice for few reference models). */
  globalVariance: boolean;
}

export const DEFAULT_LIRA: LiraOptions = {
  references: 4,
  fraction: 0.5,
  training: { epochs: 10, batchSize: 128, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, schedule: "cosine", clipNorm: 0 },
  seed: 0,
  globalVariance: true,
};

/** φ = z_y − logsumexp_{y'≠y} z_{y'} for rows `idx` of `ds` (evaluation mode). */
export function scaledLogits(net: Net, ds: Dataset, idx: Int32Array, batchSize = 1000): Float64Array {
  const k = net.config.numClasses;
  const out = new Float64Array(idx.length);
  for (let s = 0; s < idx.length; s += batchSize) {
    const b = idx.subarray(s, Math.min(idx.length, s + batchSize));
    const { x, y } = batchOf(ds, b);
    const z = tf.tidy(() => logitsOf(net, x, false));
    const zs = z.dataSync();
    tf.dispose([x, y, z]);
    for (let j = 0; j < b.length; j++) {
      const label = ds.y[b[j]];
      let m = -Infinity;
      for (let c = 0; c < k; c++) if (c !== label) m = Math.max(m, zs[j * k + c]);
      let sum = 0;
      for (let c = 0; c < k; c++) if (c !== label) sum += Math.exp(zs[j * k + c] - m);
      out[s + j] = zs[j * k + label] - (m + Math.log(sum));
    }
  }
  return out;
}

/**
 * The non-members LiRA compares D_f with, as rows of `task.test`: test samples drawn like D_f. Class-wise, the
 * forgotten class's test images (every one in the test split: none is trained on); otherwise the metrics' D_te.
 */
export function liraNegatives(task: ForgetTask): { idx: Int32Array; description: string } {
  const c = task.forgotten.class;
  if (task.options.paradigm === "classwise" && c !== undefined) {
    const idx = indicesOfClasses(task.test.y, [c]);
    if (idx.length === 0) throw new KitError(`LiRA: the test split has no image of the forgotten class ${c}`, task.test.name);
    return { idx, description: `test images of the forgotten class ${c}` };
  }
  return { idx: task.testIdx, description: "D_te (the metrics' test rows)" };
}

export interface OutStats {
  mean: Float64Array;
  /** σ_out per target (equal everywhere when pooled). */
  std: Float64Array;
}

export interface LiraReferences {
  options: LiraOptions;
  config: ModelConfig;
  /** OUT statistics of φ on D_f and on the negatives, aligned with task.forgetIdx and `negatives.idx`. */
  forget: OutStats;
  negatives: OutStats & { idx: Int32Array; description: string };
  /** What each reference model trained on: rows of D_r, and its training accuracy in the last epoch. */
  models: { rows: number; lastTrainAcc: number }[];
  trainSeconds: number;
}

function outStats(phis: Float64Array[], globalVariance: boolean, pooledVar?: number): OutStats {
  const n = phis[0].length;
  const r = phis.length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (const p of phis) m += p[i];
    m /= r;
    let v = 0;
    for (const p of phis) v += (p[i] - m) ** 2;
    mean[i] = m;
    std[i] = Math.sqrt(v / (r - 1));
  }
  if (globalVariance) std.fill(Math.sqrt(pooledVar ?? 0));
  return { mean, std };
}

/**
 * Trains the reference models on random `fraction`s of D_r, records their φ on D_f and D_te, and
 * disposes them (only the statistics are kept).
 */
export function trainReferences(task: ForgetTask, config: ModelConfig, options: Partial<LiraOptions> = {}): LiraReferences {
  const opts = { ...DEFAULT_LIRA, ...options, training: { ...DEFAULT_LIRA.training, ...options.training } };
  if (opts.references < 2) throw new KitError(`LiRA: references must be at least 2, got ${opts.references}`);
  if (!(opts.fraction > 0 && opts.fraction <= 1)) throw new KitError(`LiRA: fraction must be in (0, 1], got ${opts.fraction}`);
  const started = performance.now();
  const phiForget: Float64Array[] = [];
  const phiTest: Float64Array[] = [];
  const negatives = liraNegatives(task);
  const models: LiraReferences["models"] = [];
  const rows = Math.max(1, Math.round(task.retainIdx.length * opts.fraction));
  for (let r = 0; r < opts.references; r++) {
    const label = `lira/${opts.seed}/ref${r}`;
    const half = new Rng(deriveSeed(task.options.seed, `${label}/rows`)).sample(task.retainIdx, rows);
    const net = buildNet(config, deriveSeed(task.options.seed, `${label}/init`));
    try {
      const hist = fit(net, task.train, half, opts.training, { rng: new Rng(deriveSeed(task.options.seed, `${label}/batches`)) });
      phiForget.push(scaledLogits(net, task.train, task.forgetIdx));
      phiTest.push(scaledLogits(net, task.test, negatives.idx));
      models.push({ rows, lastTrainAcc: hist.at(-1)?.trainAcc ?? NaN });
    } finally {
      disposeNet(net);
    }
  }
  // Pooled variance over every target of both sets.
  let pooled = NaN;
  if (opts.globalVariance) {
    const own = [outStats(phiForget, false), outStats(phiTest, false)];
    let s = 0;
    let n = 0;
    for (const o of own) for (const sd of o.std) (s += sd * sd), n++;
    pooled = n > 0 ? s / n : 0;
  }
  return {
    options: opts,
    config,
    forget: outStats(phiForget, opts.globalVariance, pooled),
    negatives: { ...outStats(phiTest, opts.globalVariance, pooled), idx: negatives.idx, description: negatives.description },
    models,
    trainSeconds: (performance.now() - started) / 1000,
  };
}

/** LiRA scores s(x) of `net` on D_f and on the negatives (`liraNegatives`). */
export function liraScores(net: Net, task: ForgetTask, refs: LiraReferences): { forget: Float64Array; negatives: Float64Array } {
  const z = (phi: Float64Array, o: OutStats) => phi.map((v, i) => (v - o.mean[i]) / Math.max(o.std[i], 1e-8));
  return {
    forget: z(scaledLogits(net, task.train, task.forgetIdx), refs.forget),
    negatives: z(scaledLogits(net, task.test, refs.negatives.idx), refs.negatives),
  };
}

/**
 * Attacks every model in `targets` (e.g. { ugradsl: net, retrain: retrainNet }) with one set of reference
 * models; returns each model's ROC summary (D_f positive, `liraNegatives` negative) and the references used.
 */
export function liraAttack(
  targets: Record<string, Net>,
  task: ForgetTask,
  options: Partial<LiraOptions> = {},
  references?: LiraReferences,
): { results: Record<string, RocSummary>; references: LiraReferences } {
  const nets = Object.values(targets);
  if (nets.length === 0) throw new Error("liraAttack: no target models");
  const refs = references ?? trainReferences(task, nets[0].config, options);
  const results: Record<string, RocSummary> = {};
  for (const [name, net] of Object.entries(targets)) {
    const s = liraScores(net, task, refs);
    results[name] = rocSummary(s.forget, s.negatives);
  }
  return { results, references: refs };
}

/**
 * The opt-in metric "LiRA": LiRA_AUC, LiRA_TPR@1%FPR, LiRA_TPR@0.1%FPR, all in percent (AUC 50 = chance).
 * Reference models are trained once per task and architecture and reused for every method evaluated on
 * that task (one slot: a new task replaces the previous statistics).
 */
export function makeLiraMetric(options: Partial<LiraOptions> = {}): MetricSpec {
  let cache: { task: ForgetTask; key: string; refs: LiraReferences } | undefined;
  return {
    name: "LiRA",
    description:
      "offline LiRA (reference models on random halves of D_r): AUC and TPR at 1%/0.1% FPR, D_f vs unseen test samples drawn like D_f, in %",
    needs: { sets: ["forget", "test"], training: true },
    columns: {
      LiRA_AUC: { title: "LiRA AUC", unit: "%", range: [0, 100], better: "retrain" },
      "LiRA_TPR@1%FPR": { title: "LiRA TPR@1%FPR", unit: "%", range: [0, 100], better: "retrain" },
      "LiRA_TPR@0.1%FPR": { title: "LiRA TPR@0.1%FPR", unit: "%", range: [0, 100], better: "retrain" },
    },
    compute(ctx) {
      const key = JSON.stringify(ctx.net.config);
      if (!cache || cache.task !== ctx.task || cache.key !== key) {
        cache = { task: ctx.task, key, refs: trainReferences(ctx.task, ctx.net.config, { training: ctx.training, ...options }) };
      }
      const { results } = liraAttack({ target: ctx.net }, ctx.task, options, cache.refs);
      const r = results.target;
      const details = ctx.details;
      if (details) {
        details.LiRA = {
          ...r,
          negativesFrom: cache.refs.negatives.description,
          references: cache.refs.models,
          options: cache.refs.options,
          referenceSeconds: cache.refs.trainSeconds,
        };
      }
      return { "LiRA_AUC": 100 * r.auc, "LiRA_TPR@1%FPR": 100 * r.tprAt1pctFpr, "LiRA_TPR@0.1%FPR": 100 * r.tprAt01pctFpr };
    },
  };
}

export const LiRA = makeLiraMetric();
