/**
 * Golden tests of lib/metrics/verify/ against the references (scripts/golden_verify.py made the data):
 * the NeurIPS 2023 challenge's own metric.py, EasyDUB's own KLOM code, SciPy 1.10.1 (ks_2samp,
 * kstwo.sf, norm.logpdf) and scikit-learn 1.2.1 (roc_auc_score, roc_curve, KNeighborsClassifier,
 * LogisticRegression). Each test asserts a tolerance and records the largest error it saw in
 * results/golden/verify_agreement.json (rewritten after every test, so a filtered run leaves a
 * consistent file).
 */
import assert from "node:assert/strict";
import {
  binnedKl,
  challengeForgetScore,
  fitLinearProbe,
  klomPerExample,
  klomSummary,
  knnPredict,
  kolmogorovSf,
  kolmogorovSfWithMethod,
  ks2samp,
  linearCka,
  probeAccuracy,
  probeProbabilities,
  uliraLeaveOneOut,
} from "../../../lib/metrics/verify/mod.ts";
import { rocCurve, rocSummary, tprAtFpr } from "../../../lib/metrics/roc.ts";
import type { FeatureMatrix } from "../../../lib/metrics/verify/mod.ts";

const dir = new URL("../../golden/", import.meta.url);
// deno-lint-ignore no-explicit-any
async function golden(name: string): Promise<any> {
  return JSON.parse(await Deno.readTextFile(new URL(`verify_${name}.json`, dir)));
}

const agreement: Record<string, Record<string, unknown>> = {};
async function record(name: string, entry: Record<string, unknown>): Promise<void> {
  agreement[name] = entry;
  const out = new URL("../../../results/golden/", import.meta.url);
  await Deno.mkdir(out, { recursive: true });
  const doc = {
    what: "lib/metrics/verify vs the reference implementations: largest errors seen (absolute unless named relative)",
    generator: "scripts/golden_verify.py; checked by tests/metrics/verify/golden_test.ts",
    results: Object.fromEntries(Object.entries(agreement).sort(([a], [b]) => a.localeCompare(b))),
  };
  await Deno.writeTextFile(new URL("verify_agreement.json", out), JSON.stringify(doc, null, 2) + "\n");
}

const absErr = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b));
const relErr = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));

Deno.test("ROC: AUC and TPR at 1% / 0.1% FPR equal scikit-learn's", async () => {
  const g = await golden("roc");
  let auc = 0, tpr = 0;
  for (const c of g.cases) {
    const s = rocSummary(c.pos, c.neg);
    auc = Math.max(auc, absErr(s.auc, c.auc));
    tpr = Math.max(tpr, absErr(s.tprAt1pctFpr, c.tprAt1pctFpr), absErr(s.tprAt01pctFpr, c.tprAt01pctFpr));
    assert.ok(absErr(s.auc, c.auc) < 1e-12, `${c.label}: AUC ${s.auc} vs ${c.auc}`);
    assert.equal(s.tprAt1pctFpr, c.tprAt1pctFpr, `${c.label}: TPR@1%`);
    assert.equal(s.tprAt01pctFpr, c.tprAt01pctFpr, `${c.label}: TPR@0.1%`);
    assert.equal(tprAtFpr(rocCurve(c.pos, c.neg), 1), 1);
  }
  await record("roc", { cases: g.cases.length, maxAucError: auc, maxTprError: tpr, sklearn: g.sklearn });
});

Deno.test("KS: ks_2samp statistic and p-value equal SciPy's (exact and asymptotic)", async () => {
  const g = await golden("ks");
  const rows: Record<string, unknown>[] = [];
  let worstExact = 0, worstAsymp = 0, worstStat = 0;
  for (const c of g.cases) {
    const r = ks2samp(c.a, c.b, c.method);
    const e = relErr(r.pvalue, c.pvalue);
    worstStat = Math.max(worstStat, absErr(r.statistic, c.statistic));
    if (r.method === "exact") worstExact = Math.max(worstExact, e);
    else worstAsymp = Math.max(worstAsymp, e);
    rows.push({ label: c.label, method: r.method, pvalue: r.pvalue, scipy: c.pvalue, relativeError: e });
    assert.ok(absErr(r.statistic, c.statistic) < 1e-12, `${c.label}: D ${r.statistic} vs ${c.statistic}`);
    assert.ok(e < 1e-10, `${c.label}: p ${r.pvalue} vs scipy ${c.pvalue} (relative error ${e})`);
  }
  await record("ks_2samp", {
    cases: g.cases.length,
    maxStatisticError: worstStat,
    maxRelativePvalueErrorExact: worstExact,
    maxRelativePvalueErrorAsymp: worstAsymp,
    scipy: g.scipy,
    cases_: rows,
  });
});

Deno.test("KS: kolmogorovSf equals scipy.stats.kstwo.sf over its branches", async () => {
  const g = await golden("ks");
  let worst = 0, worstAt = "";
  const methods: Record<string, number> = {};
  for (const { n, x, sf } of g.kstwoSf) {
    const { sf: mine, method } = kolmogorovSfWithMethod(x, n);
    methods[method] = (methods[method] ?? 0) + 1;
    // Relative error, except below 1e-280 where both are at the edge of the double range.
    const e = sf < 1e-280 ? absErr(mine, sf) : relErr(mine, sf);
    if (e > worst) (worst = e), (worstAt = `n=${n} x=${x}: ${mine} vs ${sf}`);
    assert.ok(e < 1e-10, `n=${n} x=${x}: ${mine} vs scipy ${sf} (relative error ${e})`);
  }
  for (const m of ["edge", "ruben-gambino", "smirnov", "durbin", "pelz-good"]) assert.ok(methods[m] > 0, `no grid point reached ${m}`);
  assert.equal(kolmogorovSf(0.3, 1000), kolmogorovSfWithMethod(0.3, 1000).sf);
  await record("kstwo_sf", { points: g.kstwoSf.length, maxRelativeError: worst, worstAt, pointsPerAlgorithm: methods });
});

Deno.test("U-LiRA: leave-one-pair-out scores, AUC and per-example numbers equal a SciPy/scikit-learn computation", async () => {
  const g = await golden("ulira");
  let score = 0, auc = 0, perEx = 0;
  for (const c of g.cases) {
    const r = uliraLeaveOneOut(c.in, c.out, { variance: c.variance, center: c.center });
    for (let k = 0; k < r.folds; k++) {
      for (let i = 0; i < r.examples; i++) {
        score = Math.max(
          score,
          relErr(r.memberScores[k][i], c.memberScores[k][i]),
          relErr(r.nonMemberScores[k][i], c.nonMemberScores[k][i]),
        );
      }
    }
    auc = Math.max(auc, absErr(r.roc.auc, c.auc));
    assert.equal(r.roc.tprAt1pctFpr, c.tprAt1pctFpr, `${c.label}: TPR@1%`);
    for (let i = 0; i < r.examples; i++) {
      perEx = Math.max(perEx, absErr(r.perExample.auc[i], c.perExampleAuc[i]), absErr(r.perExample.accuracy[i], c.perExampleAccuracy[i]));
    }
  }
  assert.ok(score < 1e-9, `largest relative score error ${score}`);
  assert.ok(auc < 1e-12, `largest AUC error ${auc}`);
  assert.ok(perEx < 1e-12, `largest per-example error ${perEx}`);
  await record("ulira", { cases: g.cases.length, maxRelativeScoreError: score, maxAucError: auc, maxPerExampleError: perEx });
});

Deno.test("KLOM: per-example values and summaries equal EasyDUB's own code", async () => {
  const g = await golden("klom");
  let worst = 0, worstRev = 0, worstSummary = 0, nanCount = 0;
  for (const c of g.cases) {
    const mine = klomPerExample(c.unlearned, c.retrained);
    const rev = klomPerExample(c.unlearned, c.retrained, { direction: "retrained||unlearned" });
    for (let i = 0; i < mine.length; i++) {
      const want = c.klom[i] ?? NaN; // JSON writes NaN as null
      if (Number.isNaN(want)) {
        nanCount++;
        assert.ok(Number.isNaN(mine[i]), `${c.label} #${i}: reference NaN, got ${mine[i]}`);
      } else worst = Math.max(worst, absErr(mine[i], want));
      const wantRev = c.klomReverse[i] ?? NaN;
      if (Number.isNaN(wantRev)) (nanCount++, assert.ok(Number.isNaN(rev[i]), `${c.label} #${i} reversed`));
      else worstRev = Math.max(worstRev, absErr(rev[i], wantRev));
    }
    const s = klomSummary(mine);
    for (const key of ["p95", "p99", "mean", "std"] as const) worstSummary = Math.max(worstSummary, absErr(s[key], c.summary[key]));
  }
  assert.ok(worst < 1e-12 && worstRev < 1e-12, `largest errors ${worst}, reversed ${worstRev}`);
  assert.ok(worstSummary < 1e-12, `largest summary error ${worstSummary}`);
  // binnedKl is the per-example kernel; a direct call agrees with the ensemble path.
  const c0 = g.cases[1];
  const col = (rows: number[][], i: number) => rows.map((r) => r[i]);
  assert.equal(binnedKl(col(c0.unlearned, 3), col(c0.retrained, 3)), klomPerExample(c0.unlearned, c0.retrained)[3]);
  await record("klom", {
    cases: g.cases.length,
    reference: g.reference,
    maxError: worst,
    maxErrorReversed: worstRev,
    maxSummaryError: worstSummary,
    referenceNaNs: nanCount,
  });
});

Deno.test("ε score: per-example ε and forget score equal the challenge's own metric.py", async () => {
  const g = await golden("epsilon");
  let worst = 0, scoreErr = 0, examples = 0;
  const rows: Record<string, unknown>[] = [];
  for (const c of g.cases) {
    const r = challengeForgetScore(c.unlearned, c.retrained);
    let caseWorst = 0;
    for (let i = 0; i < r.epsilons.length; i++) {
      caseWorst = Math.max(caseWorst, absErr(r.epsilons[i], c.epsilons[i]));
      examples++;
    }
    worst = Math.max(worst, caseWorst);
    scoreErr = Math.max(scoreErr, absErr(r.forgetScore, c.forgetScore));
    rows.push({ label: c.label, forgetScore: r.forgetScore, reference: c.forgetScore, maxEpsilonError: caseWorst });
    // The reference computes rates and logs in float32: agree to float32 precision.
    assert.ok(caseWorst < 1e-5, `${c.label}: largest ε error ${caseWorst}`);
    assert.equal(r.forgetScore, c.forgetScore, `${c.label}: forget score`);
  }
  await record("epsilon", {
    cases: g.cases.length,
    examples,
    reference: g.reference,
    maxEpsilonError: worst,
    maxForgetScoreError: scoreErr,
    cases_: rows,
  });
});

const fm = (rows: number[][]): FeatureMatrix => ({ data: Float64Array.from(rows.flat()), rows: rows.length, cols: rows[0].length });

Deno.test("probes: k-NN predictions equal scikit-learn's KNeighborsClassifier", async () => {
  const g = await golden("probes");
  const ref = fm(g.retain.x), qry = fm(g.forget.x);
  let mismatches = 0, total = 0;
  for (const c of g.knn) {
    const pred = knnPredict(ref, g.retain.y, qry, { k: c.k, metric: c.metric });
    for (let i = 0; i < pred.length; i++) (total++, (mismatches += pred[i] === c.predictions[i] ? 0 : 1));
  }
  assert.equal(mismatches, 0, `${mismatches} of ${total} k-NN predictions differ`);
  await record("knn", { settings: g.knn.length, predictions: total, mismatches });
});

Deno.test("probes: the linear probe reaches scikit-learn's LogisticRegression optimum (or a lower objective)", async () => {
  const g = await golden("probes");
  const x = fm(g.retain.x), xf = fm(g.forget.x);
  const rows: Record<string, unknown>[] = [];
  for (const c of g.linearProbe) {
    const probe = fitLinearProbe(x, g.retain.y, g.numClasses, {
      l2: c.l2,
      standardize: false,
      gradientTolerance: 1e-8,
      maxIterations: 5000,
    });
    const p = probeProbabilities(probe, xf);
    let worst = 0;
    c.probabilities.flat().forEach((v: number, i: number) => (worst = Math.max(worst, absErr(p[i], v))));
    const acc = probeAccuracy(probe, xf, g.forget.y);
    rows.push({
      l2: c.l2,
      objective: probe.loss,
      sklearnObjective: c.objective,
      sklearnMaxAbsGradient: c.maxAbsGradient,
      maxProbabilityError: worst,
      accuracy: acc,
      sklearnAccuracy: c.accuracy,
      iterations: probe.iterations,
    });
    assert.ok(probe.converged, `l2=${c.l2}: L-BFGS did not converge (${probe.iterations} iterations)`);
    // scikit-learn stops on a relative decrease of 64 eps with max |gradient| ≈ c.maxAbsGradient; the
    // kit goes to max |gradient| ≤ 1e-8, so its objective may only be lower, and the probabilities
    // differ only along the objective's flat directions.
    assert.ok(probe.loss <= c.objective + 1e-12, `l2=${c.l2}: objective ${probe.loss} above scikit-learn's ${c.objective}`);
    assert.ok(worst < 1e-4, `l2=${c.l2}: largest probability error ${worst}`);
    assert.equal(acc, c.accuracy);
  }
  await record("linear_probe", { settings: rows });
});

Deno.test("CKA: linear CKA equals the HSIC/Gram form computed with numpy", async () => {
  const g = await golden("probes");
  let worst = 0;
  for (const c of g.cka) {
    const x = fm(c.x), y = fm(c.y);
    for (const form of ["features", "gram"] as const) {
      const v = linearCka(x, y, form);
      worst = Math.max(worst, absErr(v, c.cka));
      assert.ok(absErr(v, c.cka) < 1e-10, `${c.label} (${form}): ${v} vs ${c.cka}`);
    }
  }
  await record("cka", { pairs: g.cka.length, maxError: worst });
});
