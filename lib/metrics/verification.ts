/**
 * The per-example verification metrics as registry entries (docs/verification.md § Registry metrics):
 * ULiRA, Eps (the NeurIPS 2023 challenge's ε score), KLOM, KS and Probe (k-NN, linear probe, CKA). Each
 * declares `needs.ensembles`: N Retrain models and N unlearned models of the run's method (default
 * N = 16; `withEnsembleSize` gives the same metrics at another N, named e.g. "ULiRA@8"). The runner makes
 * the ensembles (lib/experiment/ensembles.ts) and hands them over; the numerics are the pure functions of
 * lib/metrics/verify/.
 *
 * A method's row compares its own N unlearned models with Retrain's N. Retrain's own row compares
 * Retrain's two halves (members 0…N/2−1 against N/2…N−1): two draws of exact unlearning, the best any
 * method can look ("calibration values"), which every row also shows as `Eps_RetrainFloor` and
 * `KS_p_Retrain`. Percent where the kit's tables use percent (AUC, TPR, accuracies); ε score in [0, 1];
 * KLOM in nats; KS as a p-value; CKA in [0, 1].
 *
 * Details for the record (per metric, under `details.<Metric>`): the per-example arrays notebook 11 draws
 * (ε, U-LiRA's per-example AUC and accuracy, KLOM on D_f; 4 significant digits), the ROC on a log grid
 * of false positive rates, histograms and summaries: 19–35 KB per record for |D_f| = 900, N = 16.
 */
import { KitError } from "../errors.ts";
import type { EnsembleSet, EnsembleView, EvalSet, MetricContext, MetricSpec } from "./types.ts";
import {
  challengeFinalScore,
  challengeForgetScore,
  ckaPerLayer,
  correctnessOfLogits,
  crossEntropyOfLogits,
  epsilonHistogram,
  fitLinearProbe,
  klomPerExample,
  klomSummary,
  knnAccuracy,
  ks2samp,
  ksForgetQualityEnsemble,
  type KsResult,
  logitScaledConfidence,
  mean,
  median,
  probeAccuracy,
  uliraLeaveOneOut,
} from "./verify/mod.ts";
import { rocCurve, tprAtFpr } from "./roc.ts";

/** Models per ensemble of the plain-named metrics ("ULiRA" = "ULiRA@16"). */
export const DEFAULT_ENSEMBLE = 16;

/** The verification metrics' plain names. */
export const VERIFY_METRICS = ["ULiRA", "Eps", "KLOM", "KS", "Probe"];

// ---------------------------------------------------------------------------------------------
// Shared reads

const round4 = (values: ArrayLike<number>) => Array.from(values, (v) => (Number.isFinite(v) ? Number(v.toPrecision(4)) : null));

/** φ (logit-scaled confidence) of every member on a set: rows[m][i]. */
function phiRows(view: EnsembleView, set: EvalSet): Float64Array[] {
  return Array.from({ length: view.size }, (_, m) => logitScaledConfidence(view.logits(m, set), view.labels(set), view.numClasses));
}

/** Mean accuracy (0-1) of an ensemble's members on a set. */
function meanAccuracy(view: EnsembleView, set: EvalSet): number {
  return mean(
    Array.from({ length: view.size }, (_, m) => mean(correctnessOfLogits(view.logits(m, set), view.labels(set), view.numClasses))),
  );
}

/** Retrain's two halves of the first n members: [0, n/2) and [n/2, 2·⌊n/2⌋). */
function halves(retrain: EnsembleView, n: number): [EnsembleView, EnsembleView] {
  const h = Math.floor(n / 2);
  return [retrain.slice(0, h), retrain.slice(h, 2 * h)];
}

interface Compared {
  /** The method's ensemble (Retrain's first half for Retrain's own row) and Retrain's. */
  unlearned: EnsembleView;
  retrain: EnsembleView;
  /** Retrain's own row: the two are Retrain's halves. */
  calibration: boolean;
  set: Extract<EnsembleSet, { ok: true }>;
}

/** What a metric of size n compares, or null (with the reason in details) when the run has no ensembles. */
function compared(ctx: MetricContext, name: string, n: number): Compared | null {
  const set = ctx.ensembles;
  if (!set?.ok) {
    if (ctx.details) {
      ctx.details[name] = { missing: set ? set.why : "no ensembles (per-epoch snapshots are not scored by ensemble metrics)" };
    }
    return null;
  }
  if (set.retrain.size < n || set.unlearned.size < n) {
    throw new Error(`${name}: asked for ${n} models, the runner made ${set.retrain.size} Retrain and ${set.unlearned.size} unlearned`);
  }
  recordEnsembles(ctx, set, n);
  if (set.reference) {
    const [a, b] = halves(set.retrain, n);
    return { unlearned: a, retrain: b, calibration: true, set };
  }
  return { unlearned: set.unlearned.slice(0, n), retrain: set.retrain.slice(0, n), calibration: false, set };
}

/** `details.ensembles`: sizes, the rows read and what the members cost (seconds as first measured). */
function recordEnsembles(ctx: MetricContext, set: Extract<EnsembleSet, { ok: true }>, n: number): void {
  if (!ctx.details) return;
  const sum = (v: EnsembleView) => v.seconds.slice(0, n).reduce((a, b) => a + b, 0);
  const prev = (ctx.details.ensembles ?? {}) as { size?: number };
  ctx.details.ensembles = {
    size: Math.max(n, prev.size ?? 0),
    retainSample: set.retrain.rows("retain").length,
    forgetFeatureRows: set.retrain.featureRows("forget").length,
    probeReferenceRows: set.retrain.featureRows("reference").length,
    originalSeconds: set.originalSeconds.slice(0, n - 1).reduce((a, b) => a + b, 0),
    retrainSeconds: sum(set.retrain),
    unlearnedSeconds: set.reference ? 0 : sum(set.unlearned),
    retrainCached: set.retrain.cached.slice(0, n).filter(Boolean).length,
    unlearnedCached: set.unlearned.cached.slice(0, n).filter(Boolean).length,
    calibration: set.reference ? "Retrain's two halves" : undefined,
  };
}

/** One computation per Retrain ensemble and size (the floor every row shows), not one per row. */
function memo<T>(cache: WeakMap<EnsembleView, Map<number, T>>, view: EnsembleView, n: number, make: () => T): T {
  let byN = cache.get(view);
  if (!byN) cache.set(view, byN = new Map());
  if (!byN.has(n)) byN.set(n, make());
  return byN.get(n)!;
}

function nanColumns(columns: string[]): Record<string, number> {
  return Object.fromEntries(columns.map((c) => [c, NaN]));
}

// ---------------------------------------------------------------------------------------------
// The metrics, each a function of the ensemble size

/** False positive rates of the stored ROC: log-spaced from 1e-4 to 1 (41 points). */
export const ROC_GRID = Array.from({ length: 41 }, (_, i) => 10 ** (-4 + i / 10));

const ULIRA_COLUMNS = ["ULiRA_AUC", "ULiRA_TPR@1%FPR", "ULiRA_TPR@0.1%FPR", "ULiRA_Acc", "ULiRA_AUC_TE"];

function ulira(n: number): MetricSpec {
  const name = sizedName("ULiRA", n);
  return {
    name,
    description: `U-LiRA (Hayes et al. 2024): per-example likelihood-ratio test, ${n} unlearned ("in") vs ${n} Retrain ("out") models, ` +
      "leave-one-pair-out; AUC and TPR at 1% and 0.1% FPR over D_f (50 = chance), mean per-example accuracy, and the AUC on D_te (sanity: ≈ 50)",
    needs: { sets: ["forget", "test"], ensembles: { retrain: n, unlearned: n } },
    // 50 = the attacker cannot tell unlearned from retrained models.
    columns: { ULiRA_AUC: { title: "U-LiRA AUC", unit: "%", range: [0, 100], better: "lower", reads: "closer to chance" } },
    compute(ctx) {
      const c = compared(ctx, name, n);
      if (!c) return nanColumns(ULIRA_COLUMNS);
      if (c.unlearned.size < 3) {
        if (ctx.details) ctx.details[name] = { missing: `U-LiRA needs ≥ 3 models a side, the comparison has ${c.unlearned.size}` };
        return nanColumns(ULIRA_COLUMNS);
      }
      const r = uliraLeaveOneOut(phiRows(c.unlearned, "forget"), phiRows(c.retrain, "forget"));
      const te = uliraLeaveOneOut(phiRows(c.unlearned, "test"), phiRows(c.retrain, "test"));
      const pos = new Float64Array(r.folds * r.examples), neg = new Float64Array(r.folds * r.examples);
      r.memberScores.forEach((s, k) => pos.set(s, k * r.examples));
      r.nonMemberScores.forEach((s, k) => neg.set(s, k * r.examples));
      const curve = rocCurve(pos, neg);
      if (ctx.details) {
        ctx.details[name] = {
          ensembleSize: n,
          folds: r.folds,
          examples: r.examples,
          calibration: c.calibration,
          meanStd: r.meanStd,
          roc: { fpr: ROC_GRID.map((f) => Number(f.toPrecision(4))), tpr: ROC_GRID.map((f) => Number(tprAtFpr(curve, f).toPrecision(4))) },
          perExample: { auc: round4(r.perExample.auc), accuracy: round4(r.perExample.accuracy) },
          testAuc: te.roc.auc,
        };
      }
      return {
        ULiRA_AUC: 100 * r.roc.auc,
        "ULiRA_TPR@1%FPR": 100 * r.roc.tprAt1pctFpr,
        "ULiRA_TPR@0.1%FPR": 100 * r.roc.tprAt01pctFpr,
        ULiRA_Acc: 100 * r.accuracy,
        ULiRA_AUC_TE: 100 * te.roc.auc,
      };
    },
  };
}

const EPS_COLUMNS = ["Eps_Score", "Eps_Final", "Eps_Median", "Eps_RetrainFloor"];
const floorCache = new WeakMap<EnsembleView, Map<number, ReturnType<typeof epsilonOf>>>();

/** The challenge's forget score and final score of one comparison. */
function epsilonOf(u: EnsembleView, r: EnsembleView) {
  const result = challengeForgetScore(phiRows(u, "forget"), phiRows(r, "forget"));
  const final = challengeFinalScore(result.forgetScore, {
    unlearnedRetain: meanAccuracy(u, "retain"),
    retrainedRetain: meanAccuracy(r, "retain"),
    unlearnedTest: meanAccuracy(u, "test"),
    retrainedTest: meanAccuracy(r, "test"),
  });
  return { result, final };
}

function eps(n: number): MetricSpec {
  const name = sizedName("Eps", n);
  return {
    name,
    description:
      `NeurIPS 2023 unlearning challenge: per-example ε from ${n} unlearned vs ${n} Retrain models on D_f (δ = 1e-5, capped at 50), ` +
      "the forget score (1 = every ε < ½), the final score (× RA and TA ratios), the median ε, and Retrain-vs-Retrain's score (the floor)",
    needs: { sets: ["forget", "retain", "test"], ensembles: { retrain: n, unlearned: n } },
    columns: { Eps_Score: { title: "ε score", range: [0, 1], better: "higher", reads: "closer to Retrain" } },
    compute(ctx) {
      const c = compared(ctx, name, n);
      if (!c) return nanColumns(EPS_COLUMNS);
      const [a, b] = halves(c.set.retrain, n);
      if (a.size < 3) {
        if (ctx.details) ctx.details[name] = { missing: `the ε score needs ≥ 3 models a side, Retrain's halves have ${a.size}` };
        return nanColumns(EPS_COLUMNS);
      }
      const floor = memo(floorCache, c.set.retrain, n, () => epsilonOf(a, b));
      const own = c.calibration ? floor : epsilonOf(c.unlearned, c.retrain);
      const hist = (e: Float64Array) => {
        const h = epsilonHistogram(e, 0.25, 50);
        return { binWidth: 0.25, counts: Array.from(h.counts), undefinedCount: h.undefinedCount };
      };
      if (ctx.details) {
        ctx.details[name] = {
          ensembleSize: own.result.models,
          calibration: c.calibration,
          forgetScore: own.result.forgetScore,
          maxEpsilon: own.result.maxEpsilon,
          buckets: own.result.buckets,
          beyondMax: own.result.beyondMax,
          undefinedCount: own.result.undefinedCount,
          epsilons: round4(own.result.epsilons),
          histogram: hist(own.result.epsilons),
          floor: { ensembleSize: floor.result.models, forgetScore: floor.result.forgetScore, histogram: hist(floor.result.epsilons) },
        };
      }
      return {
        Eps_Score: own.result.forgetScore,
        Eps_Final: own.final,
        Eps_Median: median(Array.from(own.result.epsilons).filter((e) => !Number.isNaN(e))),
        Eps_RetrainFloor: floor.result.forgetScore,
      };
    },
  };
}

const KLOM_SETS: [EvalSet, string][] = [["forget", "F"], ["retain", "R"], ["test", "TE"]];
const KLOM_COLUMNS = KLOM_SETS.flatMap(([, t]) => [`KLOM_${t}_p95`, `KLOM_${t}_mean`]);

function klom(n: number): MetricSpec {
  const name = sizedName("KLOM", n);
  return {
    name,
    description: `KLOM (Georgiev et al. 2025): per-example binned KL(unlearned ‖ Retrain) of the margins of ${n} + ${n} models, ` +
      "95th percentile and mean over D_f, the D_r sample and D_te, in nats (0 = the same distributions)",
    needs: { sets: ["forget", "retain", "test"], ensembles: { retrain: n, unlearned: n } },
    compute(ctx) {
      const c = compared(ctx, name, n);
      if (!c) return nanColumns(KLOM_COLUMNS);
      const out: Record<string, number> = {};
      const summaries: Record<string, unknown> = {};
      let forget: Float64Array | undefined;
      for (const [set, tag] of KLOM_SETS) {
        const values = klomPerExample(phiRows(c.unlearned, set), phiRows(c.retrain, set));
        if (set === "forget") forget = values;
        const s = klomSummary(values);
        summaries[set] = s;
        out[`KLOM_${tag}_p95`] = s.p95;
        out[`KLOM_${tag}_mean`] = s.mean;
      }
      if (ctx.details) {
        ctx.details[name] = { ensembleSize: c.unlearned.size, calibration: c.calibration, summaries, forget: round4(forget!) };
      }
      return out;
    },
  };
}

const ksCache = new WeakMap<EnsembleView, Map<number, KsResult[]>>();

function ks(n: number): MetricSpec {
  const name = sizedName("KS", n);
  return {
    name,
    description:
      `KS forget quality (open-unlearning): two-sample Kolmogorov-Smirnov p-value of per-example loss on D_f, unlearned model k ` +
      `vs Retrain model k, median over ${n} pairs; and Retrain k vs Retrain k+1 (the calibration)`,
    needs: { sets: ["forget"], ensembles: { retrain: n, unlearned: n } },
    compute(ctx) {
      const c = compared(ctx, name, n);
      if (!c) return nanColumns(["KS_p", "KS_p_Retrain"]);
      const loss = (v: EnsembleView) =>
        Array.from({ length: v.size }, (_, m) => crossEntropyOfLogits(v.logits(m, "forget"), v.labels("forget"), v.numClasses));
      const result = ksForgetQualityEnsemble(loss(c.unlearned), loss(c.retrain));
      // The calibration over all n Retrain models: model k vs model k + 1.
      const retrainPairs = memo(ksCache, c.set.retrain, n, () => {
        const rows = loss(c.set.retrain.slice(0, n));
        return rows.slice(1).map((row, k) => ks2samp(rows[k], row));
      });
      if (ctx.details) {
        ctx.details[name] = {
          ensembleSize: c.unlearned.size,
          calibration: c.calibration,
          statistic: "per-example cross-entropy on D_f",
          pairs: result.pairs.map((p) => ({ d: Number(p.statistic.toPrecision(4)), p: Number(p.pvalue.toPrecision(4)) })),
          retrainPairs: retrainPairs.map((p) => ({ d: Number(p.statistic.toPrecision(4)), p: Number(p.pvalue.toPrecision(4)) })),
        };
      }
      return { KS_p: result.medianPvalue, KS_p_Retrain: median(retrainPairs.map((p) => p.pvalue)) };
    },
  };
}

/**
 * The probes read the first PROBE_MEMBERS models of each ensemble (a fitted probe costs ≈ 1 s; the spread
 * between members is about a point, so four give the mean to about half a point). Their L2 weight is 1e-2
 * (scikit-learn C = 1/(λ n) = 0.1 on the 1000 reference rows), where L-BFGS converges in a few hundred
 * iterations; with the library default 1e-4 it had not converged after 500 and the accuracy moved by
 * ±2 points with the iteration cap.
 */
export const PROBE_MEMBERS = 4;
const PROBE_L2 = 1e-2;

interface ProbeValues {
  knn: number[];
  linear: number[];
}
const probeCache = new WeakMap<EnsembleView, Map<number, ProbeValues>>();

/**
 * k-NN (k = 5) and linear-probe accuracy on the D_f sample of each member's penultimate features, both
 * fitted on the member's features of the reference rows (held-out test-split rows of every class).
 */
function probeValues(view: EnsembleView): ProbeValues {
  const out: ProbeValues = { knn: [], linear: [] };
  const refLabels = view.featureLabels("reference");
  const fLabels = view.featureLabels("forget");
  for (let m = 0; m < Math.min(view.size, PROBE_MEMBERS); m++) {
    const ref = view.features(m, "reference");
    const query = view.features(m, "forget");
    out.knn.push(knnAccuracy(ref, refLabels, query, fLabels).accuracy);
    out.linear.push(probeAccuracy(fitLinearProbe(ref, refLabels, view.numClasses, { l2: PROBE_L2 }), query, fLabels));
  }
  return out;
}

function probe(n: number): MetricSpec {
  const name = sizedName("Probe", n);
  return {
    name,
    description: `representation probes on D_f: k-NN (k = 5) and linear-probe accuracy from penultimate features (fitted on held-out ` +
      `test-split rows of every class; the first ${PROBE_MEMBERS} models of each ensemble), for the method and for Retrain, and linear CKA ` +
      `of each layer against Retrain's (${n} pairs)`,
    needs: { sets: ["forget", "test"], ensembles: { retrain: n, unlearned: n } },
    compute(ctx) {
      const c = compared(ctx, name, n);
      const layers = ctx.ensembles?.ok ? ctx.ensembles.retrain.layers : [];
      const ckaColumns = layers.map((l) => `CKA_${l}`);
      if (!c) return nanColumns(["kNN_F", "LinProbe_F", "kNN_F_Retrain", "LinProbe_F_Retrain", ...ckaColumns]);
      const retrainFull = c.set.retrain.slice(0, n);
      const retrain = memo(probeCache, c.set.retrain, n, () => probeValues(retrainFull));
      const own = c.calibration ? retrain : probeValues(c.unlearned);
      // CKA per layer, pair k: unlearned k vs Retrain k (Retrain's row: its halves, member k vs k + n/2).
      const cka = Array.from({ length: c.unlearned.size }, (_, k) => {
        const feats = (v: EnsembleView) => layers.map((l) => v.features(k, "forget", l));
        return Array.from(ckaPerLayer(feats(c.unlearned), feats(c.retrain)));
      });
      const out: Record<string, number> = {
        kNN_F: 100 * mean(own.knn),
        LinProbe_F: 100 * mean(own.linear),
        kNN_F_Retrain: 100 * mean(retrain.knn),
        LinProbe_F_Retrain: 100 * mean(retrain.linear),
      };
      layers.forEach((l, j) => (out[`CKA_${l}`] = mean(cka.map((row) => row[j]))));
      if (ctx.details) {
        ctx.details[name] = {
          ensembleSize: c.unlearned.size,
          calibration: c.calibration,
          layers,
          knn: round4(own.knn),
          linear: round4(own.linear),
          retrain: { knn: round4(retrain.knn), linear: round4(retrain.linear) },
          cka: cka.map(round4),
          probeMembers: own.knn.length,
          probeL2: PROBE_L2,
          referenceRows: c.retrain.featureRows("reference").length,
          forgetRows: c.retrain.featureRows("forget").length,
        };
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sizes

const FACTORIES: Record<string, (n: number) => MetricSpec> = { ULiRA: ulira, Eps: eps, KLOM: klom, KS: ks, Probe: probe };

/** "ULiRA" at the default size, "ULiRA@8" otherwise. */
export function sizedName(base: string, n: number): string {
  return n === DEFAULT_ENSEMBLE ? base : `${base}@${n}`;
}

/** The verification metrics at the default size, for the registry. */
export const VERIFICATION_METRICS: Record<string, MetricSpec> = Object.fromEntries(
  VERIFY_METRICS.map((m) => [m, FACTORIES[m](DEFAULT_ENSEMBLE)]),
);

/**
 * The verification metric `base` at ensemble size n (an existing name when it is registered already):
 * the spec the registry adds for "ULiRA@8".
 */
export function verificationMetric(base: string, n: number): MetricSpec {
  const make = FACTORIES[base];
  if (!make) throw new KitError(`"${base}" is not an ensemble metric: they are ${VERIFY_METRICS.join(", ")}`, "--ensemble");
  if (!Number.isInteger(n) || n < 2 || n > 256) throw new KitError(`${n} is not a whole number from 2 to 256`, "--ensemble");
  return make(n);
}

/** The base name and size of a verification metric's name ("ULiRA@8" → ["ULiRA", 8]), or null for other metrics. */
export function parseSizedName(name: string): [string, number] | null {
  const m = /^([A-Za-z]+)(?:@(\d+))?$/.exec(name);
  if (!m || !FACTORIES[m[1]]) return null;
  return [m[1], m[2] === undefined ? DEFAULT_ENSEMBLE : Number(m[2])];
}
