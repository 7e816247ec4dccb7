/**
 * Plotly figure specs (plain JSON `{data, layout}`) for the notebooks' tables, sweeps and curves. Pure
 * functions of a Table or of records: nothing here renders, reads files or needs a browser. Rendering:
 * lib/report/display.ts (in a notebook), lib/report/figures.ts (SVG/PNG through headless Chromium),
 * lib/report/svg.ts (a small pure-TS fallback). Figures of the MIA and Streisand evidence live in
 * plots_mia.ts; both share the `PlotlyFigure` type.
 */
import type { Dataset } from "../data/types.ts";
import type { PlotlyFigure } from "./figure.ts";
import {
  blockTitle,
  captioned,
  clippedErrors,
  failureNote,
  intervalCaption,
  methodColor,
  methodLabel,
  methodTitle,
  PALETTE,
  selectionStyle,
  symlogAxis,
  titled,
} from "./figure.ts";
import { axisLabel, betterNote, columnTitle, metricRange, stat } from "./table.ts";
import type { Table } from "./table.ts";

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
 * The table as small multiples: one panel per metric (UA, MIA, RA, TA), one horizontal bar per method,
 * named on the shared vertical axis in words ("UGradSL+ (R)"), so no legend is needed however many
 * methods there are. Whiskers = the 95% interval of the mean over seeds (the table cell's half-width),
 * clipped to [0, 100]. Colour = the method, hatching = the selection (R "/", C dotted). A row with runs
 * that did not finish is marked "†" with how many; a row with none finished is written, not left out.
 */
/** The frame of a figure of horizontal bars, one row per method: no legend, room for method names, 16 px a row. */
function methodBarsFrame(rows: number): Record<string, unknown> {
  const height = 110 + 16 * rows;
  return { showlegend: false, bargap: 0.25, margin: { l: 110, r: 15, t: 60, b: 50 }, width: 672, height, meta: { printHeight: height } };
}

export function metricBars(table: Table, options: Partial<MetricBarsOptions> = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const metrics = options.metrics ?? ["UA", "MIA", "RA", "TA"].filter((m) => table.columns.includes(m));
  let rows = table.rows.filter((r) => r.block === block);
  if (options.methods) rows = options.methods.flatMap((m) => rows.filter((r) => r.label === m || r.method === m));
  rows = mergeSameSelections(rows, metrics);
  const range: [number, number] = [0, 100];
  const labels = rowLabels(rows);
  const gap = 0.05;
  const width = 1 / Math.max(1, metrics.length);
  const data = metrics.map((m, i) => {
    const x = rows.map((r) => finiteOrNull(r.cells[m]?.mean));
    return {
      type: "bar",
      orientation: "h",
      name: columnTitle(m),
      x,
      y: labels,
      xaxis: i === 0 ? "x" : `x${i + 1}`,
      yaxis: "y",
      error_x: clippedErrors(x, rows.map((r) => r.cells[m]?.halfWidth), range),
      marker: { color: rows.map((r) => methodColor(r.method)), ...selectionPatterns(rows) },
      showlegend: false,
      hovertemplate: `%{y}<br>${columnTitle(m)} = %{x:.2f}<extra></extra>`,
    };
  });
  const layout: Record<string, unknown> = {
    title: titled(options.title ?? `${blockTitle(block)}: UA, MIA, RA and TA per method`),
    yaxis: { autorange: "reversed", automargin: true, tickfont: { size: 10 } },
    ...methodBarsFrame(rows.length),
    annotations: unfinished(rows, labels),
  };
  metrics.forEach((m, i) => {
    layout[i === 0 ? "xaxis" : `xaxis${i + 1}`] = {
      title: titled(axisLabel(m)),
      domain: [i * width + (i ? gap : 0), (i + 1) * width - (i < metrics.length - 1 ? gap : 0)],
      anchor: "y",
      range: [0, 105],
      tickvals: [0, 50, 100],
    };
  });
  const ns = rows.flatMap((r) => metrics.map((m) => r.cells[m]?.n ?? 0));
  return captioned(
    { data, layout },
    `${intervalCaption("Bars", ns, range)}. ${METRIC_DEFINITIONS} ${selectionNote(rows)}${failedNote(rows)}`.trim(),
  );
}

/** What the four metrics are (docs/paper.md §4; the Conventions of README.md). */
export const METRIC_DEFINITIONS = "UA (unlearning accuracy) = 100 − accuracy on the forget set D_f; MIA = MIA-efficacy on D_f " +
  "(the share of D_f a membership-inference attacker calls non-members); RA and TA = accuracy on the retain set D_r and the test set D_te.";

/**
 * One row for a method whose two search selections gave the same numbers in every shown column (the search
 * picked equivalent points): "FT (R = C)" instead of two identical bars.
 */
export function mergeSameSelections(rows: Table["rows"], columns: string[]): Table["rows"] {
  const same = (a?: { mean: number; halfWidth: number }, b?: { mean: number; halfWidth: number }) =>
    (!a && !b) ||
    (!!a && !!b && Object.is(a.mean, b.mean) && (Object.is(a.halfWidth, b.halfWidth) || a.halfWidth === b.halfWidth));
  const used = new Set<Table["rows"][number]>();
  const out: Table["rows"] = [];
  for (const r of rows) {
    if (used.has(r)) continue;
    used.add(r);
    const twin = r.variant
      ? rows.find((o) =>
        !used.has(o) && o.block === r.block && o.method === r.method && !!o.variant && o.variant !== r.variant &&
        o.epoch === r.epoch && o.failed === r.failed && columns.every((c) => same(o.cells[c], r.cells[c]))
      )
      : undefined;
    if (!twin) {
      out.push(r);
      continue;
    }
    used.add(twin);
    const variant = [r.variant!, twin.variant!].sort().reverse().join(" = ");
    out.push({ ...r, variant, label: r.label.replace(` (${r.variant})`, ` (${variant})`) });
  }
  return out;
}

/** Row labels in words, unique, with † and a count where runs did not finish. */
function rowLabels(rows: Table["rows"]): string[] {
  return rows.map((r) => {
    const note = failureNote(r);
    return methodLabel(r.method, r.variant, r.label) + (note ? ` † ${note}` : "");
  });
}

function selectionPatterns(rows: Table["rows"]): { pattern?: { shape: string[]; fillmode: string } } {
  if (!rows.some((r) => r.variant)) return {};
  return { pattern: { shape: rows.map((r) => selectionStyle(r.variant).pattern?.shape ?? ""), fillmode: "overlay" } };
}

function selectionNote(rows: Table["rows"]): string {
  const variants = new Set(rows.map((r) => r.variant).filter(Boolean));
  const parts: string[] = [];
  if (variants.has("R")) parts.push("hatched “/”: the search's selection R (closest to Retrain)");
  if (variants.has("C")) parts.push("dotted: selection C (complete forgetting under a utility bound)");
  if (variants.has("R = C")) parts.push("cross-hatched “R = C”: both selections gave the same numbers, shown once");
  return parts.length ? `Colour: the method; ${parts.join("; ")}.` : "";
}

function failedNote(rows: Table["rows"]): string {
  const bad = rows.filter((r) => r.failed > 0);
  if (!bad.length) return "";
  return ` † runs that did not finish (diverged or failed) are left out of the mean and counted beside the method;` +
    ` a method with no finished run is written as such, with no bar.`;
}

/** Text marks for rows with no finished run (all their values are missing): a bar that is absent is said to be. */
function unfinished(rows: Table["rows"], labels: string[], xref = "x"): Record<string, unknown>[] {
  return rows.flatMap((r, i) =>
    r.failed > 0 && r.failed === r.runs
      ? [{ xref, yref: "y", x: 0, y: labels[i], xanchor: "left", text: `no finished run (${r.problems.join("/")})`, showarrow: false }]
      : []
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
 * One horizontal bar per method for a single column (Avg. Gap, Sum, RTE…), the methods named in words on
 * the vertical axis; whiskers = the 95% interval of the mean over seeds, clipped to the column's range.
 * Bars start at zero; a runaway bar (a collapsed run) is cut and labelled instead of setting the scale
 * (`robustTop`). For Avg. Gap lower is better; the title says so. Rows with no finished run are written.
 */
export function columnBars(table: Table, column: string, options: { block?: string; title?: string } = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const rows = mergeSameSelections(
    table.rows.filter((r) => r.block === block && (Number.isFinite(r.cells[column]?.mean) || (r.failed > 0 && r.failed === r.runs))),
    [column],
  );
  const better = betterNote(column);
  const range = metricRange(column);
  const x = rows.map((r) => finiteOrNull(r.cells[column]?.mean));
  const errors = clippedErrors(x, rows.map((r) => r.cells[column]?.halfWidth), range);
  const { top, cut } = robustTop(x.map((v, i) => (v === null ? null : v + errors.array[i])));
  const lo = Math.min(0, ...x.map((v, i) => (v === null ? 0 : v - errors.arrayminus[i])));
  const labels = rowLabels(rows);
  const cutNote = cut.length
    ? ` Cut bars (${cut.map((i) => `${labels[i]} ${x[i]!.toFixed(1)}`).join(", ")}) run beyond the axis; their value is written at the end.`
    : "";
  return captioned(
    {
      data: [{
        type: "bar",
        orientation: "h",
        name: axisLabel(column),
        x,
        y: labels,
        error_x: errors,
        marker: { color: rows.map((r) => methodColor(r.method)), ...selectionPatterns(rows) },
        hovertemplate: `%{y}<br>${columnTitle(column)} = %{x:.2f}<extra></extra>`,
      }],
      layout: {
        title: titled(options.title ?? `${blockTitle(block)}: ${columnTitle(column)}${better}`),
        xaxis: { title: titled(axisLabel(column)), range: [lo, top] },
        yaxis: { autorange: "reversed", automargin: true },
        annotations: [
          ...cut.map((i) => ({
            x: top,
            y: labels[i],
            xanchor: "right",
            text: `${x[i]!.toFixed(1)} →`,
            showarrow: false,
            font: { size: 10, color: "#222" },
            bgcolor: "rgba(255,255,255,0.8)",
          })),
          ...unfinished(rows, labels),
        ],
        ...methodBarsFrame(rows.length),
      },
    },
    `${intervalCaption("Bars", rows.map((r) => r.cells[column]?.n ?? 0), range)}. ${
      column === "AvgGap" ? "Avg. Gap = mean |metric − Retrain's| over UA, MIA, RA and TA, against the Retrain of the same seed. " : ""
    }${selectionNote(rows)}${cutNote}${failedNote(rows)}`.trim(),
  );
}

/**
 * The forgetting/utility trade-off: UA (x) against TA (y), one marker per method (mean; whiskers = the 95%
 * interval of the mean, clipped to [0, 100]). Retrain, the target, is drawn last (on top) as a star. With
 * two search selections the figure has one panel per selection (small multiples, the same axes), so a
 * panel holds one marker per method and the legend one entry per method.
 */
export function tradeoffScatter(table: Table, options: { block?: string; x?: string; y?: string; title?: string } = {}): PlotlyFigure {
  const block = options.block ?? table.rows[0]?.block ?? "";
  const [xk, yk] = [options.x ?? "UA", options.y ?? "TA"];
  const found = table.rows.filter((r) => r.block === block && Number.isFinite(r.cells[xk]?.mean) && Number.isFinite(r.cells[yk]?.mean));
  // Retrain last: Plotly draws later traces over earlier ones.
  const rows = [...found.filter((r) => r.method !== "retrain"), ...found.filter((r) => r.method === "retrain")];
  const variants = [...new Set(rows.map((r) => r.variant).filter((v): v is string => !!v))].sort().reverse();
  const panels: (string | null)[] = variants.length > 1 ? variants : [variants[0] ?? null];
  const [xr, yr] = [metricRange(xk), metricRange(yk)];
  const span = (k: string, r: [number, number]) => {
    const lo = Math.min(...rows.map((w) => w.cells[k].mean - (w.cells[k].halfWidth || 0)));
    const hi = Math.max(...rows.map((w) => w.cells[k].mean + (w.cells[k].halfWidth || 0)));
    const pad = Math.max(1, 0.06 * (hi - lo));
    return [Math.max(r[0] - 2, lo - pad), Math.min(r[1] + 2, hi + pad)];
  };
  const [xRange, yRange] = [span(xk, xr), span(yk, yr)];
  const inLegend = new Set<string>();
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {};
  const annotations: Record<string, unknown>[] = [];
  const gap = 0.1;
  panels.forEach((panel, p) => {
    const ax = p === 0 ? "" : String(p + 1);
    const mine = rows.filter((r) => r.variant === panel || !r.variant || panels.length === 1);
    for (const r of mine) {
      const retrain = r.method === "retrain";
      const style = selectionStyle(r.variant);
      const first = !inLegend.has(r.method);
      inLegend.add(r.method);
      data.push({
        type: "scatter",
        mode: "markers",
        name: methodTitle(r.method),
        legendgroup: r.method,
        showlegend: first,
        x: [r.cells[xk].mean],
        y: [r.cells[yk].mean],
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        hovertemplate: `${methodLabel(r.method, r.variant, r.label)}${r.failed ? ` (${failureNote(r)})` : ""}<br>${
          columnTitle(xk)
        } = %{x:.2f}<br>${columnTitle(yk)} = %{y:.2f}<extra></extra>`,
        error_x: clippedErrors([r.cells[xk].mean], [r.cells[xk].halfWidth], xr),
        error_y: clippedErrors([r.cells[yk].mean], [r.cells[yk].halfWidth], yr),
        marker: {
          color: methodColor(r.method),
          size: retrain ? 14 : 9,
          symbol: retrain ? "star" : style.symbol,
          line: { color: retrain ? "#000000" : "#ffffff", width: retrain ? 1 : 0.5 },
        },
      });
    }
    const w = 1 / panels.length;
    layout[`xaxis${ax}`] = {
      title: titled(axisLabel(xk)),
      range: xRange,
      domain: [p * w + (p ? gap / 2 : 0), (p + 1) * w - (p < panels.length - 1 ? gap / 2 : 0)],
      anchor: `y${ax}`,
    };
    layout[`yaxis${ax}`] = { title: titled(p === 0 ? axisLabel(yk) : ""), range: yRange, anchor: `x${ax}`, ...(p ? { matches: "y" } : {}) };
    if (panels.length > 1) {
      annotations.push({
        xref: `x${ax} domain`,
        yref: `y${ax} domain`,
        x: 0.5,
        y: 1,
        yanchor: "bottom",
        text: `selection ${panel}`,
        showarrow: false,
      });
    }
  });
  const ns = rows.flatMap((r) => [r.cells[xk].n, r.cells[yk].n]);
  const variantNote = panels.length > 1
    ? ` One panel per search selection (R: closest to Retrain; C: complete forgetting under a utility bound);` +
      ` methods without a selection (Retrain) appear in each.`
    : "";
  return captioned(
    {
      data,
      layout: {
        ...layout,
        title: titled(options.title ?? `${blockTitle(block)}: ${columnTitle(xk)} against ${columnTitle(yk)}`),
        annotations,
        showlegend: true,
        width: 672,
        height: 400,
        margin: { l: 60, r: 15, t: 70, b: 50 },
      },
    },
    intervalCaption("Markers", ns, xr) +
      `. Retrain, the target, is the star.${variantNote} ${xk === "UA" ? "UA = 100 − accuracy on D_f (higher: more forgotten); " : ""}${
        yk === "TA" ? "TA = test accuracy (higher: more utility kept)." : ""
      }${unfinishedRowsNote(table, block)}`.trimEnd(),
  );
}

/** " Runs that did not finish: GA (R) 2/5 diverged; SCRUB (R) 5/5 diverged (no marker)." for a block, or "". */
function unfinishedRowsNote(table: Table, block: string): string {
  const rows = table.rows.filter((r) => r.block === block && r.failed > 0);
  if (!rows.length) return "";
  const one = (r: Table["rows"][number]) =>
    `${methodLabel(r.method, r.variant, r.label)} ${failureNote(r)}${r.failed === r.runs ? " (no marker)" : ""}`;
  return ` Runs that did not finish, left out of the markers: ${rows.map(one).join("; ")}.`;
}

export interface SweepPoint {
  /** The swept value (e.g. the smooth rate α). */
  x: number;
  metrics: Record<string, number>;
  /** The run did not finish (diverged or failed): drawn as a mark at its x, never averaged. */
  failed?: boolean;
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
  const all = points;
  points = points.filter((p) => !p.failed);
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
  // Values whose runs did not finish: a cross at the bottom with how many, so the gap in the lines is explained.
  const failedAt = xs.map((x) => ({ x, failed: all.filter((p) => p.x === x && p.failed).length, n: all.filter((p) => p.x === x).length }))
    .filter((f) => f.failed > 0);
  if (failedAt.length) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: "runs that diverged",
      x: failedAt.map((f) => at(f.x)),
      y: failedAt.map(() => 3),
      text: failedAt.map((f) => `${f.failed}/${f.n} diverged`),
      textposition: "top center",
      marker: { symbol: "x", size: 10, color: "#000000" },
    });
  }
  const failedNote = failedAt.length
    ? ` ×: values whose runs did not finish (${
      failedAt.map((f) => `${options.xName ?? "α"} = ${f.x}: ${f.failed} of ${f.n}`).join("; ")
    }), left out of the lines.`
    : "";
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
    intervalCaption("Points", ns, [0, 100]) + "; dotted: Retrain's mean." + failedNote + axisNote,
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
  // Horizontal bars: labels of any length read level on the vertical axis, at any print width.
  const x = bars.map((b) => finiteOrNull(b.value));
  const errors = clippedErrors(x, bars.map((b) => b.error), options.clip);
  const tops = [...x.map((v, i) => (v ?? 0) + errors.array[i]), options.reference?.value ?? 0].filter(Number.isFinite);
  const range = options.range ?? [0, Math.max(1, ...tops) * 1.08];
  const ref = options.reference;
  const height = 120 + 20 * bars.length;
  const fig: PlotlyFigure = {
    data: [{
      type: "bar",
      orientation: "h",
      name: options.yTitle ?? "value",
      x,
      y: bars.map((b) => b.label),
      error_x: errors,
      marker: { color: bars.map((b, i) => b.color ?? PALETTE[i % PALETTE.length]) },
    }],
    layout: {
      title: titled(options.title ?? "bars"),
      // The reference line is named in the axis title: a label beside it would sit on a bar or the title.
      xaxis: {
        title: titled(`${options.yTitle ?? "value"}${ref && Number.isFinite(ref.value) ? `; dashed line: ${ref.label}` : ""}`),
        range,
      },
      yaxis: { title: titled(options.xTitle ?? ""), autorange: "reversed", automargin: true },
      showlegend: false,
      bargap: 0.25,
      ...(ref && Number.isFinite(ref.value)
        ? {
          shapes: [{
            type: "line",
            yref: "paper",
            y0: 0,
            y1: 1,
            x0: ref.value,
            x1: ref.value,
            line: { color: "#000000", dash: "dash", width: 1.5 },
          }],
        }
        : {}),
      margin: { l: 120, r: 20, t: 70, b: 50 },
      width: 672,
      height,
      meta: { printHeight: height },
    },
  };
  return options.caption ? captioned(fig, options.caption) : fig;
}
