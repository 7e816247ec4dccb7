/** Notebook 11's report from hand-made records: ranks, Kendall's τ_b, the verdict's rule, the cost, the figures. */
import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/record.ts";
import { ckaFigure, epsilonHistogramFigure, uliraRocFigure } from "../../lib/report/plots_verify.ts";
import {
  kendallTau,
  rankingMarkdown,
  rankingRows,
  ranks,
  verificationCost,
  verificationFigures,
  verificationVerdict,
} from "../../lib/report/verify_report.ts";
import { record } from "./_records.ts";

Deno.test("ranks share ties; Kendall's τ_b as scipy.stats.kendalltau gives it", () => {
  assert.deepEqual(ranks([3, 1, 2, 2], true), [4, 1, 2.5, 2.5]);
  assert.deepEqual(ranks([3, 1, 2], false), [1, 3, 2]);
  // scipy.stats.kendalltau([1,2,3,4,5], [3,4,1,2,5]) = 0.2; with ties ([1,2,2,3], [1,2,3,3]) = 0.8.
  assert.equal(kendallTau([1, 2, 3, 4, 5], [3, 4, 1, 2, 5]), 0.2);
  assert.ok(Math.abs(kendallTau([1, 2, 2, 3], [1, 2, 3, 3]) - 0.8) < 1e-12);
  assert.equal(kendallTau([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(kendallTau([1], [1])));
});

/** Records of one paradigm: each method's Avg. Gap and per-example values, plus the details the figures read. */
function paradigm(p: string, rows: [string, number, number, number][]): RunRecord[] {
  return rows.map(([method, gap, eps, auc]) =>
    record(method, 0, { AvgGap: gap, Eps_Score: eps, ULiRA_AUC: auc, KLOM_F_p95: 1, KS_p: 0.5, Eps_RetrainFloor: 0.19 }, {
      paradigm: p,
      evalSeconds: 30,
      details: {
        ensembles: { size: 16, originalSeconds: 600, retrainSeconds: 900, unlearnedSeconds: method === "retrain" ? 0 : 60 },
        Eps: {
          histogram: { binWidth: 0.25, counts: [10, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3] },
          ensembleSize: 16,
        },
        ULiRA: { roc: { fpr: [1e-4, 1e-2, 1], tpr: [0, 0.05, 1] }, ensembleSize: 16 },
        "Probe@16": { layers: ["hidden1", "hidden2"], cka: [[0.9, 0.8], [0.95, null]] },
      },
    })
  );
}

const agreeing = [
  ...paradigm("classwise", [
    ["retrain", 0, 0.19, 50],
    ["ft (R)", 5, 0.05, 90],
    ["ga (R)", 20, 0.01, 99],
    ["ugradsl (R)", 4, 0.08, 80],
    ["ugradsl+ (R)", 1, 0.15, 60],
  ]),
  ...paradigm("random", [
    ["retrain", 0, 0.19, 50],
    ["ft (R)", 3, 0.12, 70],
    ["ga (R)", 2.5, 0.13, 65],
    ["ugradsl (R)", 2, 0.14, 60],
    ["ugradsl+ (R)", 1, 0.16, 55],
  ]),
];

Deno.test("rankings agreeing with Avg. Gap: every check holds", () => {
  const v = verificationVerdict(agreeing);
  assert.equal(v.level, "holds", v.checks.map((c) => `${c.claim}: ${c.level} (${c.observed})`).join("\n"));
  assert.equal(v.checks.length, 8);
  const rows = rankingRows(agreeing, "classwise");
  assert.deepEqual(rows.map((r) => r.label), ["ugradsl+ (R)", "ugradsl (R)", "ft (R)", "ga (R)"]);
  assert.deepEqual(rows.map((r) => r.ranks.Eps_Score), [1, 2, 3, 4]);
  const md = rankingMarkdown(agreeing);
  assert.match(md, /\| ugradsl\+ \(R\) \| 1\.00 \(1\.0\) \| 0\.150 \(1\.0\)/);
  assert.match(md, /retrain vs retrain \(halves\)/);
});

Deno.test("rankings reversed: the ranking checks fail and the paper's pairs do not survive", () => {
  const reversed = agreeing.map((r) =>
    r.method === "retrain"
      ? r
      : { ...r, metrics: { ...r.metrics, Eps_Score: 0.2 - r.metrics.Eps_Score, ULiRA_AUC: 150 - r.metrics.ULiRA_AUC } }
  );
  const v = verificationVerdict(reversed);
  assert.equal(v.level, "does not hold", v.checks.map((c) => `${c.claim}: ${c.level}`).join("\n"));
  assert.ok(v.checks.filter((c) => /Kendall/.test(c.rule)).every((c) => c.value === -1));
});

Deno.test("missing per-example metrics: not measured, never a pass", () => {
  const v = verificationVerdict(agreeing.map((r) => ({ ...r, metrics: { AvgGap: r.metrics.AvgGap } })));
  assert.equal(v.level, "not measured");
});

Deno.test("the cost counts each task's Retrain ensemble and each seed's originals once", () => {
  const cost = verificationCost(agreeing);
  assert.equal(cost.originalMinutes, 10, "one seed: the originals are shared by both paradigms");
  assert.equal(cost.retrainMinutes, 30, "one Retrain ensemble per paradigm");
  assert.equal(cost.unlearnedMinutes, 8, "eight method rows of 60 s");
  assert.equal(cost.metricMinutes, 5);
  assert.equal(cost.totalMinutes, 53);
});

Deno.test("figures: ε histograms, ROC on log axes, CKA per layer, one trace per row", () => {
  const eps = epsilonHistogramFigure(agreeing, "random");
  assert.equal(eps.data.length, 5);
  const y = eps.data[1].y as number[];
  assert.equal(y.length, 25, "24 bins to ε = 6 and the rest");
  assert.ok(Math.abs(y.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const roc = uliraRocFigure(agreeing, "classwise");
  assert.equal((roc.layout.xaxis as { type: string }).type, "log");
  assert.equal(roc.data[0].name, "chance");
  assert.match(String(roc.data.at(-1)!.name), /^Retrain/, "Retrain is drawn last, on top");
  assert.ok((roc.data[0].y as number[]).every((v) => v >= 1e-4), "TPR 0 drawn at the axis floor");
  const cka = ckaFigure(agreeing, "classwise");
  assert.deepEqual(cka.data[0].x, ["hidden1", "hidden2"]);
  assert.deepEqual(cka.data[0].y, [0.925, 0.8], "mean over pairs, a missing value left out");
  assert.deepEqual(Object.keys(verificationFigures(agreeing)).sort(), [
    "classwise_cka",
    "classwise_eps_score",
    "classwise_epsilon_histogram",
    "classwise_ulira_roc",
    "random_cka",
    "random_eps_score",
    "random_epsilon_histogram",
    "random_ulira_roc",
  ]);
});
