/**
 * Plotly figure specs (plain JSON `{data, layout}`) for the notebooks' tables, sweeps and curves. Pure
 * functions of a Table or of records: nothing here renders, reads files or needs a browser. Rendering:
 * lib/report/display.ts (in a notebook), lib/report/figures.ts (SVG/PNG through headless Chromium),
 * lib/report/svg.ts (a small pure-TS fallback). Figures of the MIA and Streisand evidence live in
 * plots_mia.ts; both share the `PlotlyFigure` type.
 */
import type { Dataset } from "../data/types.ts";
import type { PlotlyFigure } from "./figure.ts";
import { methodColor, PALETTE, titled } from "./figure.ts";
import { columnTitle, stat } from "./table.ts";
import type { Table } from "./table.ts";

export type { PlotlyFigure } from "./figure.ts";
export { figureTitle, methodColor } from "./figure.ts";

export interface MetricBarsOptions {
  /** Metrics on the x axis (default: UA, MIA, RA, TA, those the table has). */
  metrics: string[];
  /** Which block of the table (default: the first). */
  block: string;
  title: string;
  /** Methods shown, in this order (default: the table's order). */
  methods: string[];
}

/**
 * The table as grouped bars: the metrics on the x axis, one bar per method, error bars = std over
 * seeds. The usual view of "which method is closest to Retrain on each metric".
 */
export function metricBars(table: Table, options: Partial<MetricBarsOptions> = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const metrics = options.metrics ?? ["UA", "MIA", "RA", "TA"].filter((m) => table.columns.includes(m));
  let rows = table.rows.filter((r) => r.block === block);
  if (options.methods) rows = options.methods.flatMap((m) => rows.filter((r) => r.label === m));
  const data = rows.map((r) => ({
    type: "bar",
    name: r.label,
    x: metrics,
    y: metrics.map((m) => finiteOrNull(r.cells[m]?.mean)),
    error_y: { type: "data", array: metrics.map((m) => finiteOrNull(r.cells[m]?.halfWidth) ?? 0), visible: r.runs > 1 },
    // A variant ("ugradsl (R)") shares its method's colour, hatched.
    marker: { color: methodColor(r.method), ...(r.variant ? { pattern: { shape: "/" } } : {}) },
  }));
  return {
    data,
    layout: {
      title: titled(options.title ?? `${block}: metrics per method (%)`),
      barmode: "group",
      yaxis: { title: titled("percent"), range: [0, 105] },
      legend: { orientation: "h", y: -0.12 },
      width: 820,
      height: 440,
    },
  };
}

/**
 * One bar per method for a single column (Avg. Gap, Sum, RTE…), error bars = std over seeds. For Avg.
 * Gap lower is better; the title says so.
 */
export function columnBars(table: Table, column: string, options: { block?: string; title?: string } = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const rows = table.rows.filter((r) => r.block === block && Number.isFinite(r.cells[column]?.mean));
  const better = column === "AvgGap" ? " (lower is closer to Retrain)" : column === "Sum" ? " (higher is more complete)" : "";
  return {
    data: [{
      type: "bar",
      name: columnTitle(column),
      x: rows.map((r) => r.label),
      y: rows.map((r) => r.cells[column].mean),
      error_y: { type: "data", array: rows.map((r) => r.cells[column].halfWidth || 0), visible: rows.some((r) => r.cells[column].n > 1) },
      marker: { color: rows.map((r) => methodColor(r.method)) },
    }],
    layout: {
      title: titled(options.title ?? `${block}: ${columnTitle(column)}${better}`),
      xaxis: { title: titled("method") },
      yaxis: { title: titled(columnTitle(column)) },
      width: 720,
      height: 400,
    },
  };
}

/**
 * The forgetting/utility trade-off: UA (x) against TA (y), one marker per method (mean; error bars
 * = std). Retrain is the target point.
 */
export function tradeoffScatter(table: Table, options: { block?: string; x?: string; y?: string; title?: string } = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const [xk, yk] = [options.x ?? "UA", options.y ?? "TA"];
  const rows = table.rows.filter((r) => r.block === block && Number.isFinite(r.cells[xk]?.mean) && Number.isFinite(r.cells[yk]?.mean));
  // Beyond a handful of methods, labels beside the markers pile up: use a legend instead.
  const labels = rows.length <= 6;
  return {
    data: rows.map((r) => ({
      type: "scatter",
      mode: labels ? "markers+text" : "markers",
      name: r.label,
      x: [r.cells[xk].mean],
      y: [r.cells[yk].mean],
      text: [r.label],
      textposition: "top center",
      error_x: { type: "data", array: [r.cells[xk].halfWidth || 0], visible: r.cells[xk].n > 1 },
      error_y: { type: "data", array: [r.cells[yk].halfWidth || 0], visible: r.cells[yk].n > 1 },
      marker: {
        color: methodColor(r.method),
        size: 11,
        symbol: r.method === "retrain" ? "star" : r.variant ? "diamond" : "circle",
      },
    })),
    layout: {
      title: titled(options.title ?? `${block}: ${xk} vs ${yk} (Retrain is the target)`),
      xaxis: { title: titled(`${xk} (%)`) },
      yaxis: { title: titled(`${yk} (%)`) },
      showlegend: !labels,
      width: labels ? 640 : 780,
      height: 480,
    },
  };
}

export interface SweepPoint {
  /** The swept value (e.g. the smooth rate α). */
  x: number;
  metrics: Record<string, number>;
}

/**
 * Metrics against a swept hyperparameter (the paper's Fig. 3: UGradSL+'s UA/MIA/RA/TA against the smooth
 * rate). Points sharing an x are averaged (mean ± std over seeds). `reference` draws each metric's
 * Retrain value as a dotted line.
 */
export function sweepLines(
  points: SweepPoint[],
  options: { metrics?: string[]; xTitle?: string; title?: string; reference?: Record<string, number> } = {},
): PlotlyFigure {
  const metrics = options.metrics ?? ["UA", "MIA", "RA", "TA"].filter((m) => points.some((p) => Number.isFinite(p.metrics[m])));
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const palette = PALETTE;
  const data: Record<string, unknown>[] = metrics.map((m, i) => {
    const stats = xs.map((x) => stat(points.filter((p) => p.x === x).map((p) => p.metrics[m])));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: m,
      x: xs,
      y: stats.map((s) => finiteOrNull(s.mean)),
      error_y: { type: "data", array: stats.map((s) => s.halfWidth || 0), visible: stats.some((s) => s.n > 1) },
      line: { color: palette[i % palette.length] },
    };
  });
  for (const [i, m] of metrics.entries()) {
    const ref = options.reference?.[m];
    if (ref === undefined || !Number.isFinite(ref) || xs.length === 0) continue;
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${m} Retrain`,
      x: [xs[0], xs.at(-1)],
      y: [ref, ref],
      line: { color: palette[i % palette.length], dash: "dot" },
    });
  }
  return {
    data,
    layout: {
      title: titled(options.title ?? "metrics against the swept value"),
      xaxis: { title: titled(options.xTitle ?? "value") },
      yaxis: { title: titled("percent") },
      width: 760,
      height: 440,
    },
  };
}

/**
 * Metric values per epoch from explicit series (e.g. Table 14's UA/TA after each epoch of GA, FT,
 * UGradSL, UGradSL+): `series[name] = [{epoch, value}]`.
 */
export function seriesLines(
  series: Record<string, { x: number; y: number }[]>,
  options: { title?: string; xTitle?: string; yTitle?: string; colorOf?: (name: string) => string } = {},
): PlotlyFigure {
  const colorOf = options.colorOf ?? ((name: string) => methodColor(name.split(" ")[0]));
  return {
    data: Object.entries(series).map(([name, pts]) => ({
      type: "scatter",
      mode: "lines+markers",
      name,
      x: pts.map((p) => p.x),
      y: pts.map((p) => finiteOrNull(p.y)),
      line: { color: colorOf(name) },
    })),
    layout: {
      title: titled(options.title ?? "series"),
      xaxis: { title: titled(options.xTitle ?? "x") },
      yaxis: { title: titled(options.yTitle ?? "y") },
      width: 760,
      height: 440,
    },
  };
}

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

/**
 * The first image of each class of an image data set (grey or colour, HWC in [0, 1]), side by side, as
 * heatmaps with their class names (colour images are shown as their grey mean).
 */
export function sampleImagesFigure(ds: Dataset, options: { title?: string; maxClasses?: number } = {}): PlotlyFigure {
  const [h, w, c] = [ds.sampleShape[0], ds.sampleShape[1] ?? 1, ds.sampleShape[2] ?? 1];
  const size = h * w * c;
  const classes = Math.min(ds.numClasses, options.maxClasses ?? 10);
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: titled(options.title ?? `${ds.name}: one image per class`),
    grid: { rows: 1, columns: classes, pattern: "independent" },
    width: Math.max(400, 110 * classes),
    height: 260,
    showlegend: false,
  };
  for (let k = 0; k < classes; k++) {
    const i = ds.y.indexOf(k);
    if (i < 0) continue;
    const z = Array.from({ length: h }, (_, r) =>
      Array.from({ length: w }, (_, col) => {
        let s = 0;
        for (let ch = 0; ch < c; ch++) s += Number(ds.x[i * size + (r * w + col) * c + ch]);
        return Math.round((s / c) * 100) / 100;
      }));
    const axis = k === 0 ? "" : String(k + 1);
    data.push({
      type: "heatmap",
      name: ds.classNames[k],
      z,
      xaxis: `x${axis}`,
      yaxis: `y${axis}`,
      colorscale: "Greys",
      reversescale: true,
      showscale: false,
      zmin: 0,
      zmax: 1,
    });
    const bare = { showticklabels: false, ticks: "", showgrid: false, zeroline: false };
    layout[`xaxis${axis}`] = { ...bare, title: titled(ds.classNames[k]) };
    layout[`yaxis${axis}`] = { ...bare, autorange: "reversed", scaleanchor: `x${axis}` };
  }
  return { data, layout };
}

/** Plain bars: one per label, optional error bars and colours (e.g. an ablation's Sum per variant). */
export function labelledBars(
  bars: { label: string; value: number; error?: number; color?: string }[],
  options: { title?: string; xTitle?: string; yTitle?: string; range?: [number, number] } = {},
): PlotlyFigure {
  return {
    data: [{
      type: "bar",
      name: options.yTitle ?? "value",
      x: bars.map((b) => b.label),
      y: bars.map((b) => finiteOrNull(b.value)),
      error_y: { type: "data", array: bars.map((b) => b.error ?? 0), visible: bars.some((b) => (b.error ?? 0) > 0) },
      marker: { color: bars.map((b, i) => b.color ?? PALETTE[i % PALETTE.length]) },
    }],
    layout: {
      title: titled(options.title ?? "bars"),
      xaxis: { title: titled(options.xTitle ?? "") },
      yaxis: { title: titled(options.yTitle ?? "value"), ...(options.range ? { range: options.range } : {}) },
      // Long category labels are drawn slanted below the axis: leave room for them.
      margin: { b: 40 + 6 * Math.max(0, ...bars.map((b) => b.label.length)) },
      width: Math.max(600, 70 * bars.length + 200),
      height: 440 + 6 * Math.max(0, ...bars.map((b) => b.label.length)),
    },
  };
}
