/**
 * Membership inference as the paper reports it (docs/paper.md §6, after Jia et al. 2023 and Song & Mittal 2021).
 *
 * MIA-efficacy. Per-sample features from the model's softmax (correctness, confidence p_y, entropy,
 * modified entropy, the whole probability vector); for each feature one RBF SVM (C = 3,
 * gamma = 1 / n_features, lib/metrics/svm.ts) is fitted with members = a random sample of D_r of |D_te|
 * rows (label 1) and non-members = D_te (label 0). MIA-efficacy = share of D_f, in percent, the SVM calls
 * non-member: 100 means the attacker sees D_f as never trained on. The metric "MIA" is the confidence
 * feature, the number the paper's tables report; MIA_<feature> holds every feature's.
 *
 * Differences from the public reference code, on purpose:
 * - modified entropy is Song & Mittal's formula per row (the reference indexes columns and uses log p
 *   where log(1 − p) belongs; docs/paper.md §6);
 * - members are a random sample of D_r drawn from the run's seeded generator (the reference takes the
 *   first |D_te| rows of D_r in loader order);
 * - for speed, when |D_te| > `maxNonMembers` both sides are subsampled to `maxNonMembers` rows
 *   (default 2000, so each SVM fits on at most 4,000 rows: all five features of a 4,500-row D_te take
 *   ~7 s instead of ~30 s on 2 cores); 0 keeps every row, the paper's protocol.
 * No feature is scaled, as in the reference (probabilities and entropies go to the SVM as they are).
 * If |D_r| < |D_te|, all of D_r is used as members.
 *
 * "Additional MIA" (the paper's §4.3, Table 5): the accuracy of an attacker telling "seen" D_f (label 1)
 * from "unseen" D_te (label 0). The paper does not say how that attacker is trained; what matches its
 * numbers (≈100 for class-wise, ≈50 for random forgetting after Retrain) is an attacker fitted on D_f
 * vs D_te themselves. Here: m = min(|D_f|, |D_te|, maxNonMembers) rows are drawn from each, the first
 * half of each fits the same SVM (per feature), and the reported value is the accuracy on the other,
 * held-out half (balanced by construction, so 50 = chance), in percent. Holding out keeps an SVM that
 * memorises noise from reading above 50 when the two sets are alike.
 */
import type { Rng } from "../rng.ts";
import { ATTACKER_SVC, svcFitPredictAll, type SvcJob, type SvcOptions } from "./svm.ts";
import type { MetricContext, MetricSpec, Predictions } from "./types.ts";

export const MIA_FEATURES = ["correctness", "confidence", "entropy", "m_entropy", "prob"] as const;
export type MiaFeature = typeof MIA_FEATURES[number];

/** Where a run provides one, metrics also write structured detail here (it becomes the record's `details`). */

/** Smallest probability inside a log, as Song & Mittal's code (log(max(p, 1e-30))). */
const TINY = 1e-30;
const safeLog = (p: number) => Math.log(Math.max(p, TINY));

function argmaxRow(probs: Float32Array, i: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
  return best;
}

/** 1 where the arg-max (first on ties) equals the label, else 0. */
export function correctness(p: Predictions): Float64Array {
  return Float64Array.from(p.labels, (y, i) => (argmaxRow(p.probs, i, p.numClasses) === y ? 1 : 0));
}

/** p_y, the probability of the true label. */
export function confidence(p: Predictions): Float64Array {
  return Float64Array.from(p.labels, (y, i) => p.probs[i * p.numClasses + y]);
}

/** Shannon entropy −Σ p log p (natural log; 0·log 0 = 0). */
export function entropy(p: Predictions): Float64Array {
  const k = p.numClasses;
  return Float64Array.from(p.labels, (_, i) => {
    let h = 0;
    for (let c = 0; c < k; c++) {
      const q = p.probs[i * k + c];
      if (q > 0) h -= q * Math.log(q);
    }
    return h;
  });
}

/**
 * Song & Mittal's modified entropy, per row i with label y:
 *   Mentr(p, y) = −(1 − p_y)·log(p_y) − Σ_{y' ≠ y} p_{y'}·log(1 − p_{y'}).
 * It is 0 for a confident correct prediction and grows as the prediction is confident and wrong.
 */
export function modifiedEntropy(p: Predictions): Float64Array {
  const k = p.numClasses;
  return Float64Array.from(p.labels, (y, i) => {
    let m = 0;
    for (let c = 0; c < k; c++) {
      const q = p.probs[i * k + c];
      m -= c === y ? (1 - q) * safeLog(q) : q * safeLog(1 - q);
    }
    return m;
  });
}

/** The rows the SVM sees for one feature: 1-d for the scalars, K-d for "prob". */
export function featureRows(p: Predictions, feature: MiaFeature): Float64Array[] {
  const k = p.numClasses;
  if (feature === "prob") {
    return Array.from(p.labels, (_, i) => Float64Array.from(p.probs.subarray(i * k, (i + 1) * k)));
  }
  const f = { correctness, confidence, entropy, m_entropy: modifiedEntropy }[feature](p);
  return Array.from(f, (v) => Float64Array.of(v));
}

/** Rows `idx` of predictions `p` (a sample of D_r, a cap on D_te). */
export function subsetPredictions(p: Predictions, rows: ArrayLike<number>): Predictions {
  const k = p.numClasses;
  const probs = new Float32Array(rows.length * k);
  const labels = new Int32Array(rows.length);
  const idx = new Int32Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    probs.set(p.probs.subarray(i * k, (i + 1) * k), j * k);
    labels[j] = p.labels[i];
    idx[j] = p.idx[i];
  }
  return { probs, labels, numClasses: k, idx };
}

function sampleRows(n: number, k: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return k >= n ? all : rng.sample(all, k).sort();
}

export interface MiaOptions {
  features: readonly MiaFeature[];
  /** Cap on non-member rows (and so on the member sample); 0 = all of D_te, the paper's protocol. */
  maxNonMembers: number;
  svc: SvcOptions;
}

export const DEFAULT_MIA: MiaOptions = { features: MIA_FEATURES, maxNonMembers: 2000, svc: ATTACKER_SVC };

export interface MiaResult {
  /** Percent of D_f predicted non-member, per feature. */
  efficacy: Record<MiaFeature, number>;
  sizes: { members: number; nonMembers: number; forget: number; retainAvailable: number; testAvailable: number };
}

/** MIA-efficacy of every feature (percent of D_f called non-member); NaN when D_f or D_te is empty. */
export async function miaEfficacy(
  sets: { forget: Predictions; retain: Predictions; test: Predictions },
  rng: Rng,
  options: Partial<MiaOptions> = {},
): Promise<MiaResult> {
  const opts = { ...DEFAULT_MIA, ...options };
  const { forget, retain, test } = sets;
  const nTest = test.labels.length;
  const nonMemberCount = opts.maxNonMembers > 0 ? Math.min(nTest, opts.maxNonMembers) : nTest;
  const nonMembers = subsetPredictions(test, sampleRows(nTest, nonMemberCount, rng.fork("non-members")));
  const members = subsetPredictions(retain, sampleRows(retain.labels.length, nonMemberCount, rng.fork("members")));
  const efficacy = {} as Record<MiaFeature, number>;
  const empty = forget.labels.length === 0 || nonMembers.labels.length === 0 || members.labels.length === 0;
  const fitted = empty ? [] : opts.features;
  // One SVC per feature, fitted in parallel (svcFitPredictAll); each predicts D_f.
  const jobs: SvcJob[] = fitted.map((f) => {
    const x = [...featureRows(members, f), ...featureRows(nonMembers, f)];
    const y = Int32Array.from({ length: x.length }, (_, i) => (i < members.labels.length ? 1 : 0));
    return { x, y, queries: [featureRows(forget, f)] };
  });
  const predictions = await svcFitPredictAll(jobs, opts.svc);
  for (const f of opts.features) efficacy[f] = NaN;
  fitted.forEach((f, j) => {
    const pred = predictions[j][0];
    efficacy[f] = (100 * pred.reduce((s, v) => s + (v === 0 ? 1 : 0), 0)) / pred.length;
  });
  return {
    efficacy,
    sizes: {
      members: members.labels.length,
      nonMembers: nonMembers.labels.length,
      forget: forget.labels.length,
      retainAvailable: retain.labels.length,
      testAvailable: nTest,
    },
  };
}

export interface AdditionalMiaResult {
  /** Held-out accuracy (percent) of an attacker telling D_f (seen) from D_te (unseen), per feature. */
  accuracy: Record<MiaFeature, number>;
  /** Rows of each set used to fit and to evaluate. */
  sizes: { fitPerSet: number; evalPerSet: number };
}

/** The paper's "Additional MIA" (§4.3), defined as in this module's comment. */
export async function additionalMia(
  sets: { forget: Predictions; test: Predictions },
  rng: Rng,
  options: Partial<MiaOptions> = {},
): Promise<AdditionalMiaResult> {
  const opts = { ...DEFAULT_MIA, ...options };
  const { forget, test } = sets;
  let m = Math.min(forget.labels.length, test.labels.length);
  if (opts.maxNonMembers > 0) m = Math.min(m, opts.maxNonMembers);
  const fitN = Math.ceil(m / 2);
  const evalN = m - fitN;
  const seen = subsetPredictions(forget, rng.fork("seen").sample(Int32Array.from({ length: forget.labels.length }, (_, i) => i), m));
  const unseen = subsetPredictions(test, rng.fork("unseen").sample(Int32Array.from({ length: test.labels.length }, (_, i) => i), m));
  const part = (p: Predictions, from: number, to: number) =>
    subsetPredictions(p, Int32Array.from({ length: to - from }, (_, i) => from + i));
  const accuracy = {} as Record<MiaFeature, number>;
  const fitted = evalN === 0 || fitN === 0 ? [] : opts.features;
  // One SVC per feature, fitted in parallel; each predicts the held-out halves of D_f and D_te.
  const jobs: SvcJob[] = fitted.map((f) => ({
    x: [...featureRows(part(seen, 0, fitN), f), ...featureRows(part(unseen, 0, fitN), f)],
    y: Int32Array.from({ length: 2 * fitN }, (_, i) => (i < fitN ? 1 : 0)),
    queries: [featureRows(part(seen, fitN, m), f), featureRows(part(unseen, fitN, m), f)],
  }));
  const predictions = await svcFitPredictAll(jobs, opts.svc);
  for (const f of opts.features) accuracy[f] = NaN;
  fitted.forEach((f, j) => {
    const [onSeen, onUnseen] = predictions[j];
    const tp = onSeen.reduce((s, v) => s + (v === 1 ? 1 : 0), 0);
    const tn = onUnseen.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);
    accuracy[f] = (100 * (tp + tn)) / (2 * evalN);
  });
  return { accuracy, sizes: { fitPerSet: fitN, evalPerSet: evalN } };
}

function recordDetail(ctx: MetricContext, key: string, value: unknown): void {
  const details = ctx.details;
  if (details) details[key] = value;
}

/** The metric "MIA" (confidence feature) plus MIA_<feature> for every feature. */
export function makeMiaMetric(options: Partial<MiaOptions> = {}): MetricSpec {
  return {
    name: "MIA",
    description:
      "MIA-efficacy: % of D_f an SVM attacker (D_r sample vs D_te) calls non-member; confidence feature (MIA_<feature>: all five)",
    needs: { sets: ["forget", "retain", "test"] },
    columns: { MIA: { unit: "%", range: [0, 100], better: "retrain" } },
    async compute(ctx) {
      // fork() does not advance ctx.rng, so the draw does not depend on which metrics ran before.
      const r = await miaEfficacy(
        { forget: ctx.predictions("forget"), retain: ctx.predictions("retain"), test: ctx.predictions("test") },
        ctx.rng.fork("MIA"),
        options,
      );
      recordDetail(ctx, "MIA", r);
      const out: Record<string, number> = { MIA: r.efficacy.confidence ?? NaN };
      for (const [f, v] of Object.entries(r.efficacy)) out[`MIA_${f}`] = v;
      return out;
    },
  };
}

/** The metric "AdditionalMIA" (confidence feature) plus AdditionalMIA_<feature>. Opt-in. */
export function makeAdditionalMiaMetric(options: Partial<MiaOptions> = {}): MetricSpec {
  return {
    name: "AdditionalMIA",
    description: "Additional MIA (§4.3): held-out accuracy % of an SVM telling D_f (seen) from D_te (unseen); 50 = indistinguishable",
    needs: { sets: ["forget", "test"] },
    columns: { AdditionalMIA: { title: "Additional MIA", unit: "%", range: [0, 100], better: "retrain" } },
    async compute(ctx) {
      const r = await additionalMia(
        { forget: ctx.predictions("forget"), test: ctx.predictions("test") },
        ctx.rng.fork("AdditionalMIA"),
        options,
      );
      recordDetail(ctx, "AdditionalMIA", r);
      const out: Record<string, number> = { AdditionalMIA: r.accuracy.confidence ?? NaN };
      for (const [f, v] of Object.entries(r.accuracy)) out[`AdditionalMIA_${f}`] = v;
      return out;
    },
  };
}

export const MIA = makeMiaMetric();
export const AdditionalMIA = makeAdditionalMiaMetric();
