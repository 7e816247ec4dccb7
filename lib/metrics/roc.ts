/**
 * ROC curves over attack scores (higher = "member"), as scikit-learn's `roc_curve` and `roc_auc_score`
 * compute them: one point per distinct score, everything at or above the score predicted positive. The one
 * ROC of the kit: LiRA (lira.ts) and U-LiRA (verify/ulira.ts) both summarise their attacks with it.
 * tests/metrics/verify/golden_test.ts checks AUC and TPR at low FPR against scikit-learn 1.2.1.
 */

export interface RocCurve {
  /** False and true positive rates, from (0, 0) to (1, 1), one point per distinct score (descending). */
  fpr: Float64Array;
  tpr: Float64Array;
  /** Score threshold of each point (predict "member" when score ≥ threshold); +∞ for the first point. */
  thresholds: Float64Array;
}

export interface RocSummary {
  /** Area under the ROC curve in [0, 1]; ties between a positive and a negative count ½. */
  auc: number;
  /** Largest TPR among ROC points whose FPR ≤ 1% and ≤ 0.1%. */
  tprAt1pctFpr: number;
  tprAt01pctFpr: number;
  positives: number;
  negatives: number;
}

/** The ROC curve of scores `pos` (true members) against `neg` (non-members). NaN scores are an error. */
export function rocCurve(pos: ArrayLike<number>, neg: ArrayLike<number>): RocCurve {
  const all: { s: number; p: boolean }[] = [];
  for (let i = 0; i < pos.length; i++) all.push({ s: pos[i], p: true });
  for (let i = 0; i < neg.length; i++) all.push({ s: neg[i], p: false });
  if (all.some((e) => Number.isNaN(e.s))) throw new Error("rocCurve: NaN score");
  all.sort((a, b) => b.s - a.s);
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let tp = 0, fp = 0;
  for (let i = 0; i < all.length;) {
    const s = all[i].s;
    while (i < all.length && all[i].s === s) {
      if (all[i].p) tp++;
      else fp++;
      i++;
    }
    fpr.push(neg.length > 0 ? fp / neg.length : NaN);
    tpr.push(pos.length > 0 ? tp / pos.length : NaN);
    thresholds.push(s);
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds) };
}

/** Trapezoidal area under the curve (equal to the Mann-Whitney statistic with ties counted ½). */
export function rocAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  return areaUnder(rocCurve(pos, neg));
}

/** Trapezoidal area under a curve from `rocCurve`. */
export function areaUnder({ fpr, tpr }: RocCurve): number {
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}

/** Largest TPR among the curve's points with FPR ≤ `maxFpr` (0 when only the origin qualifies). */
export function tprAtFpr(curve: RocCurve, maxFpr: number): number {
  let best = 0;
  for (let i = 0; i < curve.fpr.length; i++) if (curve.fpr[i] <= maxFpr && curve.tpr[i] > best) best = curve.tpr[i];
  return best;
}

export function rocSummary(pos: ArrayLike<number>, neg: ArrayLike<number>): RocSummary {
  if (pos.length === 0 || neg.length === 0) {
    return { auc: NaN, tprAt1pctFpr: NaN, tprAt01pctFpr: NaN, positives: pos.length, negatives: neg.length };
  }
  const curve = rocCurve(pos, neg);
  return {
    auc: areaUnder(curve),
    tprAt1pctFpr: tprAtFpr(curve, 0.01),
    tprAt01pctFpr: tprAtFpr(curve, 0.001),
    positives: pos.length,
    negatives: neg.length,
  };
}
