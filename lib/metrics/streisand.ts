/**
 * The Streisand effect (the paper's §11.8, Fig. 4; loss distributions, Fig. 7): does unlearning leave a
 * visible trace on D_f? An unlearned model should treat D_f like data it never saw, D_te, not in some
 * third way that itself gives D_f away.
 *
 * `streisandData` returns the confusion matrices of predictions on D_f and on D_te, and histograms of the
 * per-sample loss (−log p_y) and confidence (p_y) on D_f, D_r and D_te. The metric "Streisand" writes that
 * data into the record's `details.Streisand` (where the runner provides a details object) and returns
 * three scalar summaries, total-variation distances between D_f and D_te (0 = the same distribution,
 * 1 = disjoint), in percent:
 *   Streisand_TV_pred: of the predicted-class distributions (the confusion matrices' column sums),
 *   Streisand_TV_conf: of the confidence histograms,
 *   Streisand_TV_loss: of the loss histograms.
 * With class-wise forgetting D_te has no sample of the forgotten class, so these distances are large
 * for every method, Retrain included; compare against Retrain's values, as for the other metrics.
 * Plots: lib/report/plots_mia.ts.
 */
import type { ForgetTask } from "../data/splits.ts";
import type { Net } from "../models/types.ts";
import { predict } from "../train.ts";
import { confidence } from "./mia.ts";
import type { MetricSpec, Predictions } from "./types.ts";

export interface Histogram {
  /** Bin edges, length bins + 1; the last bin includes its right edge, values beyond are clamped in. */
  edges: number[];
  /** Counts per set (same order as `sets`). */
  counts: Record<string, number[]>;
  /** Rows per set, to turn counts into shares. */
  n: Record<string, number>;
}

export interface StreisandData {
  classNames: string[];
  /** confusion[set][true class][predicted class] = count; sets: forget, test. */
  confusion: { forget: number[][]; test: number[][] };
  loss: Histogram;
  confidence: Histogram;
  summary: { tvPred: number; tvConf: number; tvLoss: number };
}

export interface StreisandOptions {
  bins: number;
  /** Losses are histogrammed on [0, maxLoss]; larger ones land in the last bin. */
  maxLoss: number;
}

export const DEFAULT_STREISAND: StreisandOptions = { bins: 25, maxLoss: 10 };

export function confusionMatrix(p: Predictions): number[][] {
  const k = p.numClasses;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < p.labels.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p.probs[i * k + c] > p.probs[i * k + best]) best = c;
    m[p.labels[i]][best]++;
  }
  return m;
}

/** −log p_y per row (p_y clamped at 1e-30, the same floor the MIA features use). */
export function lossOf(p: Predictions): Float64Array {
  return Float64Array.from(confidence(p), (q) => -Math.log(Math.max(q, 1e-30)));
}

export function histogram(values: Record<string, ArrayLike<number>>, lo: number, hi: number, bins: number): Histogram {
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts: Record<string, number[]> = {};
  const n: Record<string, number> = {};
  for (const [name, v] of Object.entries(values)) {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < v.length; i++) {
      const b = Math.floor(((v[i] - lo) / (hi - lo)) * bins);
      c[Math.min(bins - 1, Math.max(0, b))]++;
    }
    counts[name] = c;
    n[name] = v.length;
  }
  return { edges, counts, n };
}

/** Total-variation distance between two count vectors, as shares: ½ Σ |a/Σa − b/Σb|. NaN if one is empty. */
export function totalVariation(a: number[], b: number[]): number {
  const sa = a.reduce((s, v) => s + v, 0);
  const sb = b.reduce((s, v) => s + v, 0);
  if (sa === 0 || sb === 0) return NaN;
  return 0.5 * a.reduce((s, v, i) => s + Math.abs(v / sa - b[i] / sb), 0);
}

function columnSums(m: number[][]): number[] {
  return m[0].map((_, c) => m.reduce((s, row) => s + row[c], 0));
}

export function streisandData(
  sets: { forget: Predictions; retain: Predictions; test: Predictions },
  classNames: string[] = [],
  options: Partial<StreisandOptions> = {},
): StreisandData {
  const opts = { ...DEFAULT_STREISAND, ...options };
  const confusion = { forget: confusionMatrix(sets.forget), test: confusionMatrix(sets.test) };
  const loss = histogram({ forget: lossOf(sets.forget), retain: lossOf(sets.retain), test: lossOf(sets.test) }, 0, opts.maxLoss, opts.bins);
  const conf = histogram(
    { forget: confidence(sets.forget), retain: confidence(sets.retain), test: confidence(sets.test) },
    0,
    1,
    opts.bins,
  );
  return {
    classNames: classNames.length ? classNames : Array.from({ length: sets.forget.numClasses }, (_, i) => String(i)),
    confusion,
    loss,
    confidence: conf,
    summary: {
      tvPred: 100 * totalVariation(columnSums(confusion.forget), columnSums(confusion.test)),
      tvConf: 100 * totalVariation(conf.counts.forget, conf.counts.test),
      tvLoss: 100 * totalVariation(loss.counts.forget, loss.counts.test),
    },
  };
}

/** `streisandData` of a model on a task's D_f, D_r and D_te (for notebooks; predicts all three sets). */
export function streisandOf(net: Net, task: ForgetTask, options: Partial<StreisandOptions> = {}): StreisandData {
  const sets = {
    forget: { ...predict(net, task.train, task.forgetIdx), idx: task.forgetIdx },
    retain: { ...predict(net, task.train, task.retainIdx), idx: task.retainIdx },
    test: { ...predict(net, task.test, task.testIdx), idx: task.testIdx },
  };
  return streisandData(sets, task.classNames, options);
}

export function makeStreisandMetric(options: Partial<StreisandOptions> = {}): MetricSpec {
  return {
    name: "Streisand",
    description:
      "Streisand effect: confusion matrices (D_f, D_te) and loss/confidence histograms into details; TV distances D_f vs D_te in %",
    needs: { sets: ["forget", "retain", "test"] },
    columns: { Streisand_TV_pred: { title: "Streisand TV (pred.)", unit: "%", range: [0, 100], better: "retrain" } },
    compute(ctx) {
      const data = streisandData(
        { forget: ctx.predictions("forget"), retain: ctx.predictions("retain"), test: ctx.predictions("test") },
        ctx.task.classNames,
        options,
      );
      const details = ctx.details;
      if (details) details.Streisand = data;
      return { Streisand_TV_pred: data.summary.tvPred, Streisand_TV_conf: data.summary.tvConf, Streisand_TV_loss: data.summary.tvLoss };
    },
  };
}

export const Streisand = makeStreisandMetric();
