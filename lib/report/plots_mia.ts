/**
 * Plotly figure specs (data + layout, plain JSON) for the membership-inference and Streisand-effect
 * evidence: the paper's Fig. 4 (confusion matrices on D_f and D_te) and Fig. 7 (loss distributions of
 * D_f, D_r, D_te), confidence distributions, and LiRA ROC curves on log axes (the low-FPR view).
 * Inputs are what lib/metrics/streisand.ts and lib/metrics/lira.ts return (or a record's
 * `details.Streisand`). Nothing here needs a browser.
 */
import type { StreisandData } from "../metrics/streisand.ts";

import type { PlotlyFigure } from "./figure.ts";
import { captioned } from "./figure.ts";

const SET_LABEL: Record<string, string> = { forget: "D_f (forgotten)", retain: "D_r (retained)", test: "D_te (test)" };
// Paul Tol's colour-blind-safe "bright" red, blue and green (figure.ts PALETTE).
const SET_COLOR: Record<string, string> = { forget: "#EE6677", retain: "#4477AA", test: "#228833" };

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
  const count = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);
  return captioned(
    {
      data: [trace("forget", ""), trace("test", "2")],
      layout: {
        title: { text: options.title ?? "Predictions on D_f and D_te (Streisand effect, Fig. 4)" },
        grid: { rows: 1, columns: 2, pattern: "independent" },
        xaxis: { title: { text: "predicted (D_f)" } },
        yaxis: { title: { text: "true class" }, autorange: "reversed" },
        xaxis2: { title: { text: "predicted (D_te)" } },
        yaxis2: { autorange: "reversed" },
        coloraxis: {
          colorscale: "Blues",
          cmin: 0,
          ...(normalize ? { cmax: 1 } : {}),
          colorbar: { title: { text: normalize ? "share of<br>the true class" : "samples" } },
        },
        width: 900,
        height: 450,
      },
    },
    `Cells: ${normalize ? "share of each true class's samples" : "number of samples"} predicted as each class, one model (one seed); ` +
      `n = ${count(data.confusion.forget)} samples of D_f and ${count(data.confusion.test)} of D_te.`,
  );
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
  return captioned(
    {
      data: traces,
      layout: {
        title: { text: options.title ?? `Distribution of the ${label} (Fig. 7)` },
        barmode: "overlay",
        xaxis: { title: { text: label + (quantity === "loss" ? ` (last bin: ≥ ${h.edges.at(-2)!.toFixed(1)})` : "") } },
        yaxis: { title: { text: "share of the set" } },
        width: 800,
        height: 420,
      },
    },
    `Bars: share of each set's samples per bin of width ${
      Number(width.toPrecision(3))
    }, overlaid; one model (one seed); n per set in the legend.`,
  );
}
