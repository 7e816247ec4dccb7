/**
 * Plotly figure specs (data + layout, plain JSON) for the membership-inference and Streisand-effect
 * evidence: the paper's Fig. 4 (confusion matrices on D_f and D_te) and Fig. 7 (loss distributions of
 * D_f, D_r, D_te), confidence distributions, and LiRA ROC curves on log axes (the low-FPR view).
 * Inputs are what lib/metrics/streisand.ts and lib/metrics/lira.ts return (or a record's
 * `details.Streisand`). Nothing here needs a browser; `plotlyDisplay` wraps a figure for the Deno
 * Jupyter kernel with a text/plain fallback (static images are another module's job).
 */
import type { StreisandData } from "../metrics/streisand.ts";

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

const SET_LABEL: Record<string, string> = { forget: "D_f (forgotten)", retain: "D_r (retained)", test: "D_te (test)" };
const SET_COLOR: Record<string, string> = { forget: "#d62728", retain: "#1f77b4", test: "#2ca02c" };

/** Row-normalised (each true class sums to 1) or raw counts. */
function normaliseRows(m: number[][]): number[][] {
  return m.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}

/**
 * Fig. 4: confusion matrices of predictions on D_f and on D_te side by side (rows: true class, columns:
 * predicted class). `normalize` (default) shows each true class's shares, so a small D_f compares with
 * a large D_te; rows with no sample stay 0.
 */
export function confusionFigure(data: StreisandData, options: { normalize?: boolean; title?: string } = {}): PlotlyFigure {
  const normalize = options.normalize ?? true;
  const names = data.classNames;
  const trace = (set: "forget" | "test", axis: string) => ({
    type: "heatmap",
    name: SET_LABEL[set],
    z: normalize ? normaliseRows(data.confusion[set]) : data.confusion[set],
    x: names,
    y: names,
    xaxis: `x${axis}`,
    yaxis: `y${axis}`,
    coloraxis: "coloraxis",
    hovertemplate: `true %{y}<br>predicted %{x}<br>${normalize ? "share" : "count"} %{z}<extra>${SET_LABEL[set]}</extra>`,
  });
  return {
    data: [trace("forget", ""), trace("test", "2")],
    layout: {
      title: { text: options.title ?? "Predictions on D_f and D_te (Streisand effect, Fig. 4)" },
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: { title: { text: "predicted (D_f)" } },
      yaxis: { title: { text: "true class" }, autorange: "reversed" },
      xaxis2: { title: { text: "predicted (D_te)" } },
      yaxis2: { autorange: "reversed" },
      coloraxis: { colorscale: "Blues", cmin: 0, ...(normalize ? { cmax: 1 } : {}) },
      width: 900,
      height: 450,
    },
  };
}

/**
 * Fig. 7: the distribution of per-sample loss (−log p_y) or confidence (p_y) on D_f, D_r and D_te, as the
 * share of each set per bin (sets of different sizes compare directly).
 */
export function distributionFigure(data: StreisandData, quantity: "loss" | "confidence", options: { title?: string } = {}): PlotlyFigure {
  const h = data[quantity];
  const centers = h.edges.slice(0, -1).map((e, i) => (e + h.edges[i + 1]) / 2);
  const width = h.edges[1] - h.edges[0];
  const traces = Object.keys(h.counts).map((set) => ({
    type: "bar",
    name: `${SET_LABEL[set] ?? set} (n = ${h.n[set]})`,
    x: centers,
    y: h.counts[set].map((c) => (h.n[set] > 0 ? c / h.n[set] : 0)),
    width,
    opacity: 0.55,
    marker: { color: SET_COLOR[set] },
  }));
  const label = quantity === "loss" ? "loss −log p_y" : "confidence p_y";
  return {
    data: traces,
    layout: {
      title: { text: options.title ?? `Distribution of the ${label} (Fig. 7)` },
      barmode: "overlay",
      xaxis: { title: { text: label + (quantity === "loss" ? ` (last bin: ≥ ${h.edges.at(-2)!.toFixed(1)})` : "") } },
      yaxis: { title: { text: "share of the set" } },
      width: 800,
      height: 420,
    },
  };
}

/** ROC points (FPR, TPR) for "score above threshold = member", from the highest threshold down. */
export function rocCurve(pos: ArrayLike<number>, neg: ArrayLike<number>): { fpr: number[]; tpr: number[] } {
  const all = [...Array.from(pos, (s) => ({ s, p: 1 })), ...Array.from(neg, (s) => ({ s, p: 0 }))].sort((a, b) => b.s - a.s);
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) {
      if (all[j].p === 1) tp++;
      else fp++;
      j++;
    }
    fpr.push(neg.length ? fp / neg.length : 0);
    tpr.push(pos.length ? tp / pos.length : 0);
    i = j;
  }
  return { fpr, tpr };
}

/**
 * ROC curves of several models (e.g. the unlearned one and Retrain) on log-log axes, where the
 * low-FPR regime LiRA is about is visible; the diagonal is chance.
 */
export function rocFigure(
  curves: Record<string, { pos: ArrayLike<number>; neg: ArrayLike<number> }>,
  options: { title?: string } = {},
): PlotlyFigure {
  const traces: Record<string, unknown>[] = Object.entries(curves).map(([name, { pos, neg }]) => {
    const c = rocCurve(pos, neg);
    // Log axes cannot show 0: start each curve at the smallest FPR a set of this size can have.
    const floor = 1 / Math.max(1, neg.length);
    return { type: "scatter", mode: "lines", name, x: c.fpr.map((v) => Math.max(v, floor)), y: c.tpr.map((v) => Math.max(v, floor)) };
  });
  traces.push({ type: "scatter", mode: "lines", name: "chance", x: [1e-4, 1], y: [1e-4, 1], line: { dash: "dot", color: "grey" } });
  return {
    data: traces,
    layout: {
      title: { text: options.title ?? "LiRA: D_f (members) vs D_te (non-members)" },
      xaxis: { type: "log", title: { text: "false positive rate" } },
      yaxis: { type: "log", title: { text: "true positive rate" } },
      width: 600,
      height: 520,
    },
  };
}

/** A figure the Deno Jupyter kernel displays (Plotly MIME bundle), with a text/plain fallback. */
export function plotlyDisplay(fig: PlotlyFigure, text?: string): { [key: symbol]: () => Record<string, unknown> } {
  const title = (fig.layout.title as { text?: string } | undefined)?.text ?? "figure";
  return {
    [Symbol.for("Jupyter.display")]: () => ({
      "application/vnd.plotly.v1+json": fig,
      "text/plain": text ?? `${title} (${fig.data.length} traces; open in JupyterLab to see the plot)`,
    }),
  };
}
