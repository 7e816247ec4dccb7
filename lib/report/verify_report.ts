/**
 * Notebook 11 from records alone: the verification table, the methods ranked by Avg. Gap beside their
 * ranks under the per-example metrics, the verdict and the cost of the ensembles.
 *
 * The verdict's rule, fixed in code before the full run (docs/verification.md § Notebook 11), asks
 * "does the paper's ranking of methods by Avg. Gap survive per-example scrutiny?". For each of class-wise
 * and random forgetting, over the rows other than Retrain (means over seeds):
 *  A. the ranking by Avg. Gap (lower first) against the ranking by the ε score (Eps_Score, higher first):
 *     Kendall τ_b ≥ 0.5 holds, ≥ 0 partly, below 0 does not hold;
 *  B. the same against U-LiRA's AUC (ULiRA_AUC, lower first: 50 = chance);
 *  C. the row closest to Retrain by Avg. Gap has the best ε score (a tie for best counts): holds or not;
 *  D. the paper's pairs keep their order under the ε score: UGradSL+ above FT and UGradSL above GA
 *     (Tables 1-2 rank each closer to Retrain by Avg. Gap): both holds, one partly, none does not hold.
 * The verdict combines them as every verdict does (lib/verdict.ts `levelOf`).
 */
import type { RunRecord } from "../record.ts";
import type { Check, Level } from "../verdict.ts";
import { grade } from "../verdict.ts";
import type { PlotlyFigure } from "./figure.ts";
import { ckaFigure, epsilonHistogramFigure, rowsOf, uliraRocFigure, verifyDetail } from "./plots_verify.ts";
import { columnBars } from "./plots.ts";
import type { Table } from "./table.ts";
import { buildTable, rowLabel } from "./table.ts";
import { blockTitle } from "./figure.ts";
import type { Verdict } from "../verdict.ts";
import { makeVerdict } from "./verdicts.ts";

/** The table of notebook 11: the paper's gap beside the per-example metrics. */
export const VERIFY_TABLE_COLUMNS = [
  "UA",
  "AvgGap",
  "ULiRA_AUC",
  "ULiRA_TPR@1%FPR",
  "ULiRA_AUC_TE",
  "Eps_Score",
  "Eps_RetrainFloor",
  "KLOM_F_p95",
  "KS_p",
  "kNN_F",
  "LinProbe_F",
];

export function verificationTable(records: RunRecord[], columns = VERIFY_TABLE_COLUMNS): Table {
  return buildTable(records, { columns });
}

/** The rankings compared: column, direction, heading. */
export const RANKINGS = [
  { column: "AvgGap", lowerFirst: true, title: "Avg. Gap" },
  { column: "Eps_Score", lowerFirst: false, title: "ε score" },
  { column: "ULiRA_AUC", lowerFirst: true, title: "U-LiRA AUC" },
  { column: "KLOM_F_p95", lowerFirst: true, title: "KLOM D_f p95" },
  { column: "KS_p", lowerFirst: false, title: "KS p" },
] as const;

/** Mean over seeds of each column, per row label of one paradigm (end states, status ok). */
export function meansByLabel(records: RunRecord[], paradigm: string): Map<string, { method: string; means: Record<string, number> }> {
  const acc = new Map<string, { method: string; values: Record<string, number[]> }>();
  for (const r of records) {
    if (r.paradigm !== paradigm || r.status !== "ok" || r.tags.epoch !== undefined) continue;
    const label = rowLabel(r.method, r.variant);
    const a = acc.get(label) ?? { method: r.method, values: {} };
    for (const [k, v] of Object.entries(r.metrics)) if (Number.isFinite(v)) (a.values[k] ??= []).push(v);
    acc.set(label, a);
  }
  return new Map(
    [...acc.entries()].map(([label, a]) => [label, {
      method: a.method,
      means: Object.fromEntries(Object.entries(a.values).map(([k, v]) => [k, v.reduce((x, y) => x + y, 0) / v.length])),
    }]),
  );
}

/** Ranks (1 = best; ties share the mean rank) of `values` in the given direction. */
export function ranks(values: number[], lowerFirst: boolean): number[] {
  const order = values.map((v, i) => ({ v: lowerFirst ? v : -v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && order[e + 1].v === order[s].v) e++;
    for (let j = s; j <= e; j++) out[order[j].i] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return out;
}

/** Kendall's τ_b of two paired lists (ties in either list handled as scipy.stats.kendalltau does). NaN below 2 pairs. */
export function kendallTau(a: number[], b: number[]): number {
  let concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]), db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom > 0 ? (concordant - discordant) / denom : NaN;
}

export interface RankingRow {
  label: string;
  method: string;
  values: Record<string, number>;
  ranks: Record<string, number>;
}

/** The rows other than Retrain of one paradigm with each ranking's value and rank (rows lacking a value rank last). */
export function rankingRows(records: RunRecord[], paradigm: string): RankingRow[] {
  const means = [...meansByLabel(records, paradigm).entries()].filter(([, m]) => m.method !== "retrain");
  const rows: RankingRow[] = means.map(([label, m]) => ({ label, method: m.method, values: m.means, ranks: {} }));
  for (const { column, lowerFirst } of RANKINGS) {
    const vals = rows.map((r) => r.values[column] ?? NaN);
    const worst = lowerFirst ? Infinity : -Infinity;
    const rk = ranks(vals.map((v) => (Number.isFinite(v) ? v : worst)), lowerFirst);
    rows.forEach((r, i) => (r.ranks[column] = rk[i]));
  }
  return rows.sort((a, b) => a.ranks.AvgGap - b.ranks.AvgGap || a.label.localeCompare(b.label));
}

const fmt = (v: number | undefined, digits = 2) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "–");
const fmtP = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? (v < 1e-3 ? v.toExponential(1) : v.toFixed(3)) : "–");

/** The rankings side by side, as Markdown (one table per paradigm): value (rank) per ranking, Retrain's calibration row last. */
export function rankingMarkdown(records: RunRecord[]): string {
  const paradigms = [...new Set(records.map((r) => r.paradigm))];
  const out: string[] = [];
  for (const p of paradigms) {
    const rows = rankingRows(records, p);
    const retrain = meansByLabel(records, p).get("retrain")?.means;
    out.push(
      `**${p}**: rows ordered by Avg. Gap; each cell value (rank, 1 = closest to Retrain); the last column, U-LiRA's AUC on D_te ` +
        "(which no model trained on), is not ranked: far above 50 it says the attack tells the models from Retrain everywhere, not only on D_f",
      "",
    );
    out.push(
      `| method | ${RANKINGS.map((k) => k.title).join(" | ")} | U-LiRA AUC D_te |`,
      `|---|${RANKINGS.map(() => "---:").join("|")}|---:|`,
    );
    for (const r of rows) {
      const cells = RANKINGS.map(({ column }) =>
        `${column === "KS_p" ? fmtP(r.values[column]) : fmt(r.values[column], column === "Eps_Score" ? 3 : 2)} (${fmt(r.ranks[column], 1)})`
      );
      out.push(`| ${r.label} | ${cells.join(" | ")} | ${fmt(r.values.ULiRA_AUC_TE)} |`);
    }
    if (retrain) {
      const cells = RANKINGS.map(({ column }) =>
        column === "AvgGap" ? "0 (ref.)" : column === "KS_p" ? fmtP(retrain[column]) : fmt(retrain[column], column === "Eps_Score" ? 3 : 2)
      );
      out.push(`| retrain vs retrain (halves) | ${cells.join(" | ")} | ${fmt(retrain.ULiRA_AUC_TE)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

function tauCheck(rows: RankingRow[], paradigm: string, column: string, title: string): Check {
  const claim = `${paradigm}: the ranking by ${title} agrees with the ranking by Avg. Gap`;
  const usable = rows.filter((r) => Number.isFinite(r.values.AvgGap) && Number.isFinite(r.values[column]));
  if (usable.length < 3) {
    return {
      claim,
      rule: "Kendall τ_b ≥ 0.5 holds, ≥ 0 partly",
      observed: `not measured (${usable.length} rows with both)`,
      level: "not measured",
    };
  }
  const tau = kendallTau(usable.map((r) => r.ranks.AvgGap), usable.map((r) => r.ranks[column]));
  const c = grade(claim, tau, { holds: 0.5, partly: 0, higherIsBetter: true });
  return { ...c, rule: `Kendall τ_b of the two rankings ≥ 0.5 holds, ≥ 0 partly (${usable.length} rows)`, observed: `τ_b = ${fmt(tau)}` };
}

function topCheck(rows: RankingRow[], paradigm: string): Check {
  const claim = `${paradigm}: the row closest to Retrain by Avg. Gap has the best ε score`;
  const rule = "its Eps_Score is the highest of the rows (a tie for the highest counts)";
  const usable = rows.filter((r) => Number.isFinite(r.values.AvgGap) && Number.isFinite(r.values.Eps_Score));
  if (usable.length < 2) return { claim, rule, observed: "not measured", level: "not measured" };
  const best = usable.reduce((a, b) => (b.values.AvgGap < a.values.AvgGap ? b : a));
  const top = Math.max(...usable.map((r) => r.values.Eps_Score));
  const leader = usable.find((r) => r.values.Eps_Score === top)!;
  return {
    claim,
    rule,
    observed: `closest by Avg. Gap: ${best.label} (ε score ${fmt(best.values.Eps_Score, 3)}); best ε score: ${leader.label} (${
      fmt(top, 3)
    })`,
    level: best.values.Eps_Score === top ? "holds" : "does not hold",
  };
}

/** A method's row: its plain label, else its selection "R" row. */
function rowOf(rows: RankingRow[], method: string): RankingRow | undefined {
  return rows.find((r) => r.label === method) ?? rows.find((r) => r.label === rowLabel(method, "R"));
}

function pairsCheck(rows: RankingRow[], paradigm: string): Check {
  const claim = `${paradigm}: UGradSL+ has a higher ε score than FT, and UGradSL than GA (the paper's Avg. Gap order)`;
  const rule = "both pairs in that order holds, one partly, none does not hold (strictly higher)";
  const pairs = [["ugradsl+", "ft"], ["ugradsl", "ga"]].map(([a, b]) => [rowOf(rows, a), rowOf(rows, b)] as const);
  if (pairs.some(([a, b]) => !a || !b || !Number.isFinite(a.values.Eps_Score) || !Number.isFinite(b.values.Eps_Score))) {
    return { claim, rule, observed: "not measured (a row or its ε score is missing)", level: "not measured" };
  }
  const kept = pairs.map(([a, b]) => a!.values.Eps_Score > b!.values.Eps_Score);
  const n = kept.filter(Boolean).length;
  const level: Level = n === pairs.length ? "holds" : n === 0 ? "does not hold" : "partly";
  return {
    claim,
    rule,
    observed: pairs.map(([a, b]) => `${a!.label} ${fmt(a!.values.Eps_Score, 3)} vs ${b!.label} ${fmt(b!.values.Eps_Score, 3)}`).join("; "),
    level,
  };
}

/** Notebook 11's verdict (the rule in the module comment). */
export function verificationVerdict(records: RunRecord[]): Verdict {
  const paradigms = ["classwise", "random"].filter((p) => records.some((r) => r.paradigm === p));
  const checks: Check[] = [];
  for (const p of paradigms) {
    const rows = rankingRows(records, p);
    checks.push(
      tauCheck(rows, p, "Eps_Score", "ε score"),
      tauCheck(rows, p, "ULiRA_AUC", "U-LiRA AUC"),
      topCheck(rows, p),
      pairsCheck(rows, p),
    );
  }
  const seeds = [...new Set(records.map((r) => r.seed))];
  const sizes = [...new Set(records.map((r) => (r.details?.ensembles as { size?: number } | undefined)?.size).filter((n) => n))];
  const cost = verificationCost(records);
  return makeVerdict(
    "per-example verification (beyond the paper)",
    "The paper ranks methods by Avg. Gap, a distance of population averages (UA, MIA, RA, TA) to Retrain's. Does that ranking survive per-example scrutiny: the NeurIPS 2023 challenge's ε score and U-LiRA, both comparing N unlearned with N retrained models example by example?",
    checks,
    [
      `${seeds.length} seed(s); ensembles of ${sizes.join(", ") || "?"} models per method and for Retrain; ${
        records[0]?.dataset ?? "?"
      } / ${records[0]?.model?.arch ?? "?"}`,
      "rankings use means over seeds; Retrain's row is Retrain's two halves (the floor a method can reach: Eps_RetrainFloor), not a competitor",
      `cost (as first measured, from the records): ${fmt(cost.totalMinutes, 1)} min (extra originals ${
        fmt(cost.originalMinutes, 1)
      }, Retrain ensembles ${fmt(cost.retrainMinutes, 1)}, unlearned ensembles ${fmt(cost.unlearnedMinutes, 1)}, metrics ${
        fmt(cost.metricMinutes, 1)
      })`,
    ],
  );
}

export interface VerificationCost {
  originalMinutes: number;
  retrainMinutes: number;
  unlearnedMinutes: number;
  /** Evaluation of every run (all its metrics, ensembles read from the cache or memory). */
  metricMinutes: number;
  totalMinutes: number;
}

interface EnsembleDetails {
  originalSeconds?: number;
  retrainSeconds?: number;
  unlearnedSeconds?: number;
}

/**
 * What the ensembles cost, from the records: each member's time as first measured (so a run that read
 * them from the cache still reports it). The originals are shared by the paradigms of a seed and Retrain's
 * ensemble by the methods of a task: each counts once.
 */
export function verificationCost(records: RunRecord[]): VerificationCost {
  const originals = new Map<number, number>();
  const retrain = new Map<string, number>();
  let unlearned = 0, metrics = 0;
  for (const r of records) {
    if (r.status !== "ok" || r.tags.epoch !== undefined) continue;
    const e = r.details?.ensembles as EnsembleDetails | undefined;
    metrics += r.evalSeconds;
    if (!e) continue;
    originals.set(r.seed, Math.max(originals.get(r.seed) ?? 0, e.originalSeconds ?? 0));
    retrain.set(`${r.paradigm}|${r.seed}`, Math.max(retrain.get(`${r.paradigm}|${r.seed}`) ?? 0, e.retrainSeconds ?? 0));
    unlearned += e.unlearnedSeconds ?? 0;
  }
  const sum = (m: Map<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const out = {
    originalMinutes: sum(originals) / 60,
    retrainMinutes: sum(retrain) / 60,
    unlearnedMinutes: unlearned / 60,
    metricMinutes: metrics / 60,
  };
  return { ...out, totalMinutes: out.originalMinutes + out.retrainMinutes + out.unlearnedMinutes + out.metricMinutes };
}

/** What notebook 11's verification cost, part by part, as a Markdown table (with this execution's wall clock). */
export function verificationCostMarkdown(records: RunRecord[], wallMinutes: number): string {
  const cost = verificationCost(records);
  return [
    "| part | minutes |",
    "|---|---:|",
    `| extra originals (members 1 … N − 1, shared by both paradigms) | ${cost.originalMinutes.toFixed(1)} |`,
    `| Retrain ensembles (one per paradigm) | ${cost.retrainMinutes.toFixed(1)} |`,
    `| unlearned ensembles (every method, both paradigms) | ${cost.unlearnedMinutes.toFixed(1)} |`,
    `| evaluation (every metric of every run) | ${cost.metricMinutes.toFixed(1)} |`,
    `| **total** | **${cost.totalMinutes.toFixed(1)}** |`,
    `| this execution (wall clock; reads what is cached) | ${wallMinutes.toFixed(1)} |`,
  ].join("\n");
}

/** Notebook 11's figures: per paradigm the ε histograms, U-LiRA's low-FPR ROC, CKA per layer, and bars of the ε score. */
export function verificationFigures(records: RunRecord[]): Record<string, PlotlyFigure> {
  const out: Record<string, PlotlyFigure> = {};
  const table = buildTable(records, { columns: ["Eps_Score", "ULiRA_AUC"] });
  for (const p of ["classwise", "random"]) {
    const rows = rowsOf(records, p);
    if (rows.length === 0) continue;
    if (rows.some((r) => verifyDetail(r.record, "Eps"))) {
      out[`${p}_epsilon_histogram`] = epsilonHistogramFigure(records, p);
      const block = table.rows.find((r) => r.block.includes(` · ${p} · `))?.block;
      if (block) {
        const bars = columnBars(table, "Eps_Score", {
          block,
          title: `${blockTitle(block)}: ε score (1 = indistinguishable from Retrain on every example)`,
        });
        // Retrain's bar compares two halves of the Retrain ensemble: the floor any method is measured against.
        const [trace] = bars.data;
        out[`${p}_eps_score`] = {
          ...bars,
          data: [
            { ...trace, y: (trace.y as string[]).map((l) => (l === "Retrain" ? "Retrain halves (floor)" : l)) },
            ...bars.data.slice(1),
          ],
        };
      }
    }
    if (rows.some((r) => verifyDetail(r.record, "ULiRA"))) out[`${p}_ulira_roc`] = uliraRocFigure(records, p);
    if (rows.some((r) => verifyDetail(r.record, "Probe"))) out[`${p}_cka`] = ckaFigure(records, p);
  }
  return out;
}
