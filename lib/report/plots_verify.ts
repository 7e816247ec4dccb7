/**
 * Figures of the per-example verification metrics (docs/verification.md), from the `details` the
 * registry metrics (lib/metrics/verification.ts) put in each record: the distribution of per-example ε
 * over D_f (the NeurIPS 2023 challenge's histogram, finer), U-LiRA's ROC at low false positive rates on
 * log axes, and linear CKA of each layer against Retrain's. One trace per method row of one paradigm
 * (first seed); Retrain's row is Retrain against Retrain (its two halves), the best a method can look.
 */
import type { RunRecord } from "../record.ts";
import type { PlotlyFigure } from "./figure.ts";
import { captioned, methodColor, methodLabel } from "./figure.ts";

/** A record's details of a verification metric, whatever its ensemble size ("Eps", "Eps@8"). */
export function verifyDetail<T>(r: RunRecord, base: string): T | undefined {
  const details = r.details ?? {};
  const key = Object.keys(details).find((k) => k === base || k.startsWith(`${base}@`));
  const d = key === undefined ? undefined : details[key] as T & { missing?: string };
  return d && !d.missing ? d : undefined;
}

/** The end-state records of one paradigm, one per row label (the first seed's), Retrain first. */
export function rowsOf(records: RunRecord[], paradigm: string): { label: string; record: RunRecord }[] {
  const out = new Map<string, RunRecord>();
  const ok = records.filter((r) => r.paradigm === paradigm && r.status === "ok" && r.tags.epoch === undefined);
  const seed = Math.min(...ok.map((r) => r.seed));
  for (const r of ok.filter((r) => r.seed === seed)) out.set(methodLabel(r.method, r.variant), r);
  return [...out.entries()].map(([label, record]) => ({ label, record })).sort((a, b) =>
    Number(b.record.method === "retrain") - Number(a.record.method === "retrain")
  );
}

/** Retrain's trace last, so Plotly draws it on top of the others. */
function retrainLast<T extends { name?: unknown; retrain?: boolean }>(traces: T[]): Omit<T, "retrain">[] {
  return [...traces.filter((t) => !t.retrain), ...traces.filter((t) => t.retrain)].map(({ retrain: _, ...t }) => t);
}

/** The seed the figures of a paradigm show (rowsOf's first seed). */
function shownSeed(records: RunRecord[], paradigm: string): number | undefined {
  return rowsOf(records, paradigm)[0]?.record.seed;
}

interface EpsDetail {
  histogram: { binWidth: number; counts: number[]; undefinedCount: number };
  epsilons: (number | null)[];
  ensembleSize: number;
  floor: { ensembleSize: number; forgetScore: number };
}

/**
 * Per-example ε over D_f: the share of examples per 0.25-wide bin of ε up to `maxEpsilon`, the last point
 * holding every ε beyond it (ε = 50 is the cap: an example whose two ensembles never overlap).
 */
export function epsilonHistogramFigure(records: RunRecord[], paradigm: string, maxEpsilon = 6): PlotlyFigure {
  const traces = [];
  for (const { label, record } of rowsOf(records, paradigm)) {
    const d = verifyDetail<EpsDetail>(record, "Eps");
    if (!d) continue;
    const { binWidth, counts } = d.histogram;
    const shown = Math.round(maxEpsilon / binWidth);
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    const y = [...counts.slice(0, shown), counts.slice(shown).reduce((a, b) => a + b, 0)].map((c) => c / total);
    const x = y.map((_, i) => (i + 0.5) * binWidth);
    const retrain = record.method === "retrain";
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: retrain ? `${label} (halves, N = ${d.ensembleSize})` : `${label} (N = ${d.ensembleSize})`,
      x,
      y,
      line: { color: methodColor(record.method), width: retrain ? 3 : 1.5, dash: retrain ? "dash" : "solid" },
      marker: { size: 4 },
      retrain,
    });
  }
  return captioned(
    {
      data: retrainLast(traces),
      layout: {
        title: { text: `${paradigmWords(paradigm)}: per-example ε on D_f (NeurIPS 2023 challenge; lower is closer to Retrain)` },
        xaxis: { title: { text: `ε (bins of 0.25; last point: ε ≥ ${maxEpsilon}, including the cap 50)` } },
        yaxis: { title: { text: "share of D_f" } },
        width: 860,
        height: 440,
      },
    },
    `Lines: share of the examples of D_f per ε bin, one task (seed ${shownSeed(records, paradigm)}); ` +
      "ε per example from N unlearned against N retrained models (N in the legend); Retrain: its two halves, dashed, drawn on top.",
  );
}

interface UliraDetail {
  roc: { fpr: number[]; tpr: number[] };
  ensembleSize: number;
}

/** U-LiRA's ROC (members: held-out unlearned models; non-members: held-out Retrain models), log-log, with chance. */
export function uliraRocFigure(records: RunRecord[], paradigm: string): PlotlyFigure {
  const traces: Record<string, unknown>[] = [];
  let grid: number[] = [];
  for (const { label, record } of rowsOf(records, paradigm)) {
    const d = verifyDetail<UliraDetail>(record, "ULiRA");
    if (!d) continue;
    grid = d.roc.fpr;
    const retrain = record.method === "retrain";
    traces.push({
      type: "scatter",
      mode: "lines",
      name: retrain ? `${label} (halves)` : label,
      x: d.roc.fpr,
      // A TPR of 0 has no place on a log axis: it is drawn at the axis floor.
      y: d.roc.tpr.map((t) => Math.max(t, 1e-4)),
      line: { color: methodColor(record.method), width: retrain ? 3 : 1.5, dash: retrain ? "dash" : "solid" },
      retrain,
    });
  }
  const ordered: Record<string, unknown>[] = retrainLast(traces as { retrain?: boolean }[]);
  if (grid.length) {
    ordered.unshift({
      type: "scatter",
      mode: "lines",
      name: "chance",
      x: grid,
      y: grid,
      line: { color: "#aaaaaa", dash: "dot", width: 1 },
    });
  }
  return captioned(
    {
      data: ordered,
      layout: {
        title: { text: `${paradigmWords(paradigm)}: U-LiRA ROC at low false positive rates (unlearned vs Retrain shadows)` },
        xaxis: { title: { text: "false positive rate" }, type: "log", range: [-4, 0], exponentformat: "power" },
        yaxis: { title: { text: "true positive rate (floor 10⁻⁴ = none)" }, type: "log", range: [-4, 0], exponentformat: "power" },
        width: 760,
        height: 520,
      },
    },
    `Lines: U-LiRA's ROC over D_f, one task (seed ${shownSeed(records, paradigm)}); members: held-out unlearned models, ` +
      "non-members: held-out Retrain models; dotted: chance. Both axes log. Retrain (its two halves, dashed) is drawn on top.",
  );
}

interface ProbeDetail {
  layers: string[];
  cka: (number | null)[][];
}

/** Mean linear CKA per layer of each method's models against Retrain's (pair k: member k against member k). */
export function ckaFigure(records: RunRecord[], paradigm: string): PlotlyFigure {
  const traces = [];
  for (const { label, record } of rowsOf(records, paradigm)) {
    const d = verifyDetail<ProbeDetail>(record, "Probe");
    if (!d || d.layers.length === 0) continue;
    const y = d.layers.map((_, j) => {
      const v = d.cka.map((row) => row[j]).filter((x): x is number => x !== null);
      return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    });
    const retrain = record.method === "retrain";
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: retrain ? `${label} (two Retrain draws)` : label,
      x: d.layers,
      y,
      line: { color: methodColor(record.method), width: retrain ? 3 : 1.5, dash: retrain ? "dash" : "solid" },
      retrain,
    });
  }
  return captioned(
    {
      data: retrainLast(traces),
      layout: {
        title: { text: `${paradigmWords(paradigm)}: linear CKA of each layer on D_f against Retrain's (1 = the same representation)` },
        xaxis: { title: { text: "layer (input → output)" } },
        yaxis: { title: { text: "linear CKA" }, range: [0, 1.02] },
        width: 760,
        height: 440,
      },
    },
    `Points: mean over the ensemble's model pairs of linear CKA on D_f, one task (seed ${shownSeed(records, paradigm)}); ` +
      "Retrain: two Retrain draws, dashed, drawn on top.",
  );
}

/** "random" → "Random forgetting". */
function paradigmWords(paradigm: string): string {
  return `${paradigm[0].toUpperCase()}${paradigm.slice(1)} forgetting`.replace("Classwise", "Class-wise");
}
