/**
 * Plotly figure specs (plain JSON `{data, layout}`) for the notebooks' tables, sweeps and curves. Pure
 * functions of a Table or of records: nothing here renders, reads files or needs a browser. Rendering:
 * lib/report/display.ts (in a notebook), lib/report/figures.ts (SVG/PNG through headless Chromium),
 * lib/report/svg.ts (a small pure-TS fallback). Figures of the MIA and Streisand evidence live in
 * plots_mia.ts; both share the `PlotlyFigure` type.
 */
import type { Dataset } from "../data/types.ts";
import type { PlotlyFigure } from "./figure.ts";
import { captioned, clippedErrors, intervalCaption, methodColor, PALETTE, symlogAxis, titled } from "./figure.ts";
import { axisLabel, columnTitle, metricRange, stat } from "./table.ts";
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
 * The table as grouped bars: the metrics on the x axis, one bar per method, whiskers = the 95% interval
 * of the mean over seeds (the table cell's half-width), clipped to [0, 100]. The usual view of "which
 * method is closest to Retrain on each metric".
 */
export function metricBars(table: Table, options: Partial<MetricBarsOptions> = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const metrics = options.metrics ?? ["UA", "MIA", "RA", "TA"].filter((m) => table.columns.includes(m));
  let rows = table.rows.filter((r) => r.block === block);
  if (options.methods) rows = options.methods.flatMap((m) => rows.filter((r) => r.label === m));
  const range: [number, number] = [0, 100];
  const data = rows.map((r) => {
    const y = metrics.map((m) => finiteOrNull(r.cells[m]?.mean));
    return {
      type: "bar",
      name: r.label,
      x: metrics.map(columnTitle),
      y,
      error_y: clippedErrors(y, metrics.map((m) => r.cells[m]?.halfWidth), range),
      // A variant ("ugradsl (R)") shares its method's colour, hatched.
      marker: { color: methodColor(r.method), ...(r.variant ? { pattern: { shape: "/" } } : {}) },
    };
  });
  const ns = rows.flatMap((r) => metrics.map((m) => r.cells[m]?.n ?? 0));
  return captioned(
    {
      data,
      layout: {
        title: titled(options.title ?? `${block}: metrics per method`),
        barmode: "group",
        xaxis: { title: titled("metric") },
        yaxis: { title: titled("value (%)"), range: [0, 105] },
        width: 900,
        height: 460,
      },
    },
    `${intervalCaption("Bars", ns, range)}. UA, RA, TA: accuracy on D_f, D_r, D_te; MIA: the MIA-efficacy of the forgotten set.`,
  );
}

/**
 * A top for a bar axis that one runaway bar does not set: when the highest bar (with its whisker) is more
 * than three times the next one, the axis stops at 1.4 × the next one and the runaway bar is cut, its
 * value written at the top. Returns the top and the indices of the cut bars.
 */
export function robustTop(uppers: (number | null)[]): { top: number; cut: number[] } {
  const v = uppers.map((u, i) => ({ u: u ?? NaN, i })).filter((x) => Number.isFinite(x.u)).sort((a, b) => b.u - a.u);
  if (v.length === 0) return { top: 1, cut: [] };
  if (v.length >= 3 && v[1].u > 0 && v[0].u > 3 * v[1].u) {
    const top = 1.4 * v[1].u;
    return { top, cut: v.filter((x) => x.u > top).map((x) => x.i) };
  }
  return { top: v[0].u > 0 ? v[0].u * 1.08 : 1, cut: [] };
}

/**
 * One bar per method for a single column (Avg. Gap, Sum, RTE…), whiskers = the 95% interval of the mean
 * over seeds, clipped to the column's range. Bars start at zero; a runaway bar (a collapsed run) is cut
 * and labelled instead of setting the scale (`robustTop`). For Avg. Gap lower is better; the title says so.
 */
export function columnBars(table: Table, column: string, options: { block?: string; title?: string } = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const rows = table.rows.filter((r) => r.block === block && Number.isFinite(r.cells[column]?.mean));
  const better = column === "AvgGap" ? " (lower is closer to Retrain)" : column === "Sum" ? " (higher is more complete)" : "";
  const range = metricRange(column);
  const y = rows.map((r) => r.cells[column].mean);
  const errors = clippedErrors(y, rows.map((r) => r.cells[column].halfWidth), range);
  const { top, cut } = robustTop(y.map((v, i) => v + errors.array[i]));
  const lo = Math.min(0, ...y.map((v, i) => v - errors.arrayminus[i]));
  const labels = rows.map((r) => r.label);
  const bottom = 70 + 4 * Math.max(0, ...labels.map((l) => l.length));
  const cutNote = cut.length
    ? ` Cut bars (${cut.map((i) => `${labels[i]} ${y[i].toFixed(1)}`).join(", ")}) run beyond the axis; their value is written at the top.`
    : "";
  return captioned(
    {
      data: [{
        type: "bar",
        name: axisLabel(column),
        x: labels,
        y,
        error_y: errors,
        marker: { color: rows.map((r) => methodColor(r.method)) },
      }],
      layout: {
        title: titled(options.title ?? `${block}: ${columnTitle(column)}${better}`),
        xaxis: { title: titled("method"), tickangle: -35 },
        yaxis: { title: titled(axisLabel(column)), range: [lo, top] },
        annotations: cut.map((i) => ({
          x: labels[i],
          y: top,
          yanchor: "top",
          text: `↑ ${y[i].toFixed(1)}`,
          showarrow: false,
          font: { size: 11, color: "#222" },
          bgcolor: "rgba(255,255,255,0.8)",
        })),
        showlegend: false,
        margin: { l: 80, r: 30, t: 70, b: bottom },
        width: Math.max(640, 55 * rows.length + 200),
        height: 420,
      },
    },
    intervalCaption("Bars", rows.map((r) => r.cells[column].n), range) + "." + cutNote,
    { bottom },
  );
}

/**
 * The forgetting/utility trade-off: UA (x) against TA (y), one marker per method (mean; whiskers = the 95%
 * interval of the mean, clipped to [0, 100]). Retrain, the target, is drawn last (on top) as a star.
 */
export function tradeoffScatter(table: Table, options: { block?: string; x?: string; y?: string; title?: string } = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const [xk, yk] = [options.x ?? "UA", options.y ?? "TA"];
  const found = table.rows.filter((r) => r.block === block && Number.isFinite(r.cells[xk]?.mean) && Number.isFinite(r.cells[yk]?.mean));
  // Retrain last: Plotly draws later traces over earlier ones.
  const rows = [...found.filter((r) => r.method !== "retrain"), ...found.filter((r) => r.method === "retrain")];
  // Beyond a handful of methods, labels beside the markers pile up: use a legend instead.
  const labels = rows.length <= 6;
  const [xr, yr] = [metricRange(xk), metricRange(yk)];
  const span = (k: string, r: [number, number]) => {
    const lo = Math.min(...rows.map((w) => w.cells[k].mean - (w.cells[k].halfWidth || 0)));
    const hi = Math.max(...rows.map((w) => w.cells[k].mean + (w.cells[k].halfWidth || 0)));
    const pad = Math.max(1, 0.06 * (hi - lo));
    return [Math.max(r[0] - 2, lo - pad), Math.min(r[1] + 2, hi + pad)];
  };
  const ns = rows.flatMap((r) => [r.cells[xk].n, r.cells[yk].n]);
  return captioned(
    {
      data: rows.map((r) => {
        const retrain = r.method === "retrain";
        return {
          type: "scatter",
          mode: labels ? "markers+text" : "markers",
          name: r.label,
          x: [r.cells[xk].mean],
          y: [r.cells[yk].mean],
          text: [r.label],
          textposition: "top center",
          error_x: clippedErrors([r.cells[xk].mean], [r.cells[xk].halfWidth], xr),
          error_y: clippedErrors([r.cells[yk].mean], [r.cells[yk].halfWidth], yr),
          marker: {
            color: methodColor(r.method),
            size: retrain ? 18 : 11,
            symbol: retrain ? "star" : r.variant ? "diamond" : "circle",
            line: { color: retrain ? "#000000" : "#ffffff", width: retrain ? 1.5 : 0.5 },
          },
        };
      }),
      layout: {
        title: titled(options.title ?? `${block}: ${columnTitle(xk)} vs ${columnTitle(yk)} (Retrain, the star, is the target)`),
        xaxis: { title: titled(axisLabel(xk)), range: span(xk, xr) },
        yaxis: { title: titled(axisLabel(yk)), range: span(yk, yr) },
        showlegend: !labels,
        width: labels ? 680 : 820,
        height: 500,
      },
    },
    intervalCaption("Markers", ns, xr) + ". Retrain is the star, drawn on top.",
  );
}

export interface SweepPoint {
  /** The swept value (e.g. the smooth rate α). */
  x: number;
  metrics: Record<string, number>;
}

/**
 * Metrics against a swept hyperparameter (the paper's Fig. 3: UGradSL+'s UA/MIA/RA/TA against the smooth
 * rate). Points sharing an x are averaged (mean over seeds, whiskers = 95% interval clipped to [0, 100]).
 * `symlog` draws x on a symmetric-log axis (figure.ts `symlogAxis`: a signed rate from ±0.25 to ±4 keeps
 * its points apart). `reference` draws each metric's Retrain value as a dotted line.
 */
export function sweepLines(
  points: SweepPoint[],
  options: {
    metrics?: string[];
    xTitle?: string;
    /** The swept quantity's symbol in hover labels (default α). */
    xName?: string;
    title?: string;
    reference?: Record<string, number>;
    symlog?: boolean;
  } = {},
): PlotlyFigure {
  const metrics = options.metrics ?? ["UA", "MIA", "RA", "TA"].filter((m) => points.some((p) => Number.isFinite(p.metrics[m])));
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const log = options.symlog ? symlogAxis(xs, options.xTitle ?? "value") : undefined;
  const at = log ? log.at : (v: number) => v;
  const palette = PALETTE;
  const ns: number[] = [];
  const data: Record<string, unknown>[] = metrics.map((m, i) => {
    const stats = xs.map((x) => stat(points.filter((p) => p.x === x).map((p) => p.metrics[m])));
    ns.push(...stats.map((s) => s.n));
    const y = stats.map((s) => finiteOrNull(s.mean));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: axisLabel(m),
      x: xs.map(at),
      y,
      customdata: xs,
      hovertemplate: `${options.xName ?? "α"} = %{customdata}<br>${axisLabel(m)} = %{y:.2f}<extra></extra>`,
      error_y: clippedErrors(y, stats.map((s) => s.halfWidth), metricRange(m)),
      line: { color: palette[i % palette.length] },
    };
  });
  for (const [i, m] of metrics.entries()) {
    const ref = options.reference?.[m];
    if (ref === undefined || !Number.isFinite(ref) || xs.length === 0) continue;
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${columnTitle(m)}, Retrain`,
      x: [at(xs[0]), at(xs.at(-1)!)],
      y: [ref, ref],
      line: { color: palette[i % palette.length], dash: "dot" },
    });
  }
  const axisNote = log ? ` x axis: symmetric-log, x = sign(α)·log10(1 + |α|/${log.c}), ticks at the real values.` : "";
  return captioned(
    {
      data,
      layout: {
        title: titled(options.title ?? "metrics against the swept value"),
        xaxis: log ? log.axis : { title: titled(options.xTitle ?? "value") },
        yaxis: { title: titled("value (%)"), range: [0, 102] },
        width: 820,
        height: 460,
      },
    },
    intervalCaption("Points", ns, [0, 100]) + "; dotted: Retrain's mean." + axisNote,
  );
}

/**
 * Metric values per epoch from explicit series (e.g. Table 14's UA/TA after each epoch of GA, FT,
 * UGradSL, UGradSL+): `series[name] = [{x, y, e?}]`, `e` the half-width of the 95% interval of y (drawn
 * as whiskers clipped to `range`). `caption` says what the points are and n.
 */
export function seriesLines(
  series: Record<string, { x: number; y: number; e?: number }[]>,
  options: {
    title?: string;
    xTitle?: string;
    yTitle?: string;
    colorOf?: (name: string) => string;
    caption?: string;
    range?: [number, number];
  } = {},
): PlotlyFigure {
  const colorOf = options.colorOf ?? ((name: string) => methodColor(name.split(" ")[0]));
  const fig: PlotlyFigure = {
    data: Object.entries(series).map(([name, pts]) => {
      const y = pts.map((p) => finiteOrNull(p.y));
      return {
        type: "scatter",
        mode: "lines+markers",
        name,
        x: pts.map((p) => p.x),
        y,
        ...(pts.some((p) => p.e !== undefined) ? { error_y: clippedErrors(y, pts.map((p) => p.e), options.range) } : {}),
        line: { color: colorOf(name) },
      };
    }),
    layout: {
      title: titled(options.title ?? "series"),
      xaxis: { title: titled(options.xTitle ?? "x") },
      yaxis: { title: titled(options.yTitle ?? "y"), ...(options.range ? { range: [options.range[0], options.range[1] + 2] } : {}) },
      width: 820,
      height: 460,
    },
  };
  return options.caption ? captioned(fig, options.caption) : fig;
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
  return captioned(
    { data, layout },
    `The first training image of each of ${classes} classes${c > 1 ? " (colour shown as the grey mean of its channels)" : ""}; ` +
      `${h}×${w} pixels, darker = higher intensity.`,
  );
}

/**
 * Plain bars from zero: one per label, optional whiskers (half-widths of the 95% interval, clipped to
 * `clip`), colours and a dashed reference line (e.g. an ablation's Sum per variant against Retrain's).
 */
export function labelledBars(
  bars: { label: string; value: number; error?: number; color?: string }[],
  options: {
    title?: string;
    xTitle?: string;
    yTitle?: string;
    range?: [number, number];
    clip?: [number, number];
    reference?: { value: number; label: string };
    caption?: string;
  } = {},
): PlotlyFigure {
  const y = bars.map((b) => finiteOrNull(b.value));
  const errors = clippedErrors(y, bars.map((b) => b.error), options.clip);
  const longest = Math.max(0, ...bars.map((b) => b.label.length));
  // Long category labels are drawn slanted below the axis: leave room for them.
  const bottom = 70 + 4 * longest;
  const tops = [...y.map((v, i) => (v ?? 0) + errors.array[i]), options.reference?.value ?? 0].filter(Number.isFinite);
  const range = options.range ?? [0, Math.max(1, ...tops) * 1.08];
  const ref = options.reference;
  const fig: PlotlyFigure = {
    data: [{
      type: "bar",
      name: options.yTitle ?? "value",
      x: bars.map((b) => b.label),
      y,
      error_y: errors,
      marker: { color: bars.map((b, i) => b.color ?? PALETTE[i % PALETTE.length]) },
    }],
    layout: {
      title: titled(options.title ?? "bars"),
      xaxis: { title: titled(options.xTitle ?? ""), tickangle: -35 },
      yaxis: { title: titled(options.yTitle ?? "value"), range },
      showlegend: false,
      ...(ref && Number.isFinite(ref.value)
        ? {
          shapes: [{
            type: "line",
            xref: "paper",
            x0: 0,
            x1: 1,
            y0: ref.value,
            y1: ref.value,
            line: { color: "#000000", dash: "dash", width: 1.5 },
          }],
          annotations: [{
            xref: "paper",
            x: 1,
            xanchor: "right",
            y: ref.value,
            yanchor: "bottom",
            text: ref.label,
            showarrow: false,
            font: { size: 11 },
          }],
        }
        : {}),
      margin: { l: 80, r: 30, t: 70, b: bottom },
      width: Math.max(640, 70 * bars.length + 200),
      height: 440,
    },
  };
  return options.caption ? captioned(fig, options.caption, { bottom }) : fig;
}
