/**
 * The paper's accuracy metrics (Jia et al. 2023 conventions, docs/paper.md §6), in percent:
 * UA = 100 − accuracy on D_f, RA = accuracy on D_r, TA = accuracy on D_te (class-wise: without the
 * forgotten class; the task's testIdx already applies that), and VA, the same on the validation split,
 * which hyperparameter searches read in place of TA.
 */
import { accuracyOf } from "../train.ts";
import type { EvalSet, MetricColumn, MetricSpec, Predictions } from "./types.ts";

export function accuracyPercent(p: Predictions): number {
  return 100 * accuracyOf(p.probs, p.labels, p.numClasses);
}

/** A percentage of a set, read against Retrain's (UA and RA: closest to Retrain is best, as the paper reads them). */
const PERCENT: MetricColumn = { unit: "%", range: [0, 100], better: "retrain" };

function accuracyMetric(name: string, set: EvalSet, description: string, transform = (a: number) => a): MetricSpec {
  return {
    name,
    description,
    needs: { sets: [set] },
    columns: { [name]: PERCENT },
    compute: (ctx) => ({ [name]: transform(accuracyPercent(ctx.predictions(set))) }),
  };
}

export const UA = accuracyMetric("UA", "forget", "unlearning accuracy: 100 − accuracy on D_f", (a) => 100 - a);
export const RA = accuracyMetric("RA", "retain", "remaining accuracy: accuracy on D_r");
export const TA = accuracyMetric("TA", "test", "testing accuracy on D_te (class-wise: forgotten class removed)");
export const VA = accuracyMetric("VA", "val", "validation accuracy (held out of train; what searches read instead of TA)");
