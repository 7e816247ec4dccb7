/**
 * A small pure-TypeScript SVG renderer for the kit's own chart types: bars (grouped or overlaid, with
 * error bars), lines and markers (with error bars, linear or log axes) and heatmaps, in side-by-side
 * subplots when traces name axes x2, x3…. It is the fallback for notebooks where no Chromium is
 * installed (lib/report/figures.ts renders with the real plotly.js): close to, not identical with,
 * Plotly's drawing. Traces of other types are listed in a note on the image instead of drawn.
 */
import type { PlotlyFigure } from "./figure.ts";
import { PALETTE } from "./figure.ts";

type Trace = Record<string, unknown>;
type Axis = { type?: string; title?: { text?: string } | string; range?: number[]; autorange?: unknown; tickvals?: number[] };

const FONT = 'font-family="Open Sans, Verdana, Arial, sans-serif"';

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
const stripTags = (s: string) => s.replace(/<\/?[a-zA-Z][^<>]*>/g, "");
const fmt = (v: number) => {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
};
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => (x === null || x === undefined ? NaN : Number(x))) : []);
const textOf = (t: unknown): string => (typeof t === "string" ? t : (t as { text?: string } | undefined)?.text ?? "");

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Scale {
  toPx(v: number): number;
  ticks: number[];
  log: boolean;
}

function linearOrLog(lo: number, hi: number, a: number, b: number, log: boolean, invert = false): Scale {
  if (log) {
    const [l0, l1] = [Math.log10(lo), Math.log10(hi)];
    const ticks: number[] = [];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) if (e >= l0 - 1e-9 && e <= l1 + 1e-9) ticks.push(10 ** e);
    const f = (v: number) => (Math.log10(Math.max(v, 1e-300)) - l0) / (l1 - l0 || 1);
    return { toPx: (v) => (invert ? b - f(v) * (b - a) : a + f(v) * (b - a)), ticks, log };
  }
  const f = (v: number) => (v - lo) / (hi - lo || 1);
  return { toPx: (v) => (invert ? b - f(v) * (b - a) : a + f(v) * (b - a)), ticks: niceTicks(lo, hi), log };
}

function extent(values: number[], pad: boolean, includeZero: boolean, log: boolean): [number, number] {
  let v = values.filter(Number.isFinite);
  if (log) v = v.filter((x) => x > 0);
  if (includeZero && !log) v.push(0);
  if (v.length === 0) return log ? [0.1, 1] : [0, 1];
  let [lo, hi] = [Math.min(...v), Math.max(...v)];
  if (log) return [lo, hi > lo ? hi : lo * 10];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  if (pad) {
    const p = (hi - lo) * 0.05;
    return [lo === 0 && includeZero ? 0 : lo - p, hi + p];
  }
  return [lo, hi];
}

/** Renders a figure to a standalone SVG string (see the module comment for what is supported). */
export function figureToSvg(fig: PlotlyFigure): string {
  fig = upright(fig);
  const layout = fig.layout as Record<string, unknown>;
  const W = Number(layout.width) || 800;
  const H = Number(layout.height) || 450;
  const traces = fig.data as Trace[];
  const supported = traces.filter((t) => ["bar", "scatter", "heatmap", undefined].includes(t.type as string | undefined));
  const skipped = traces.filter((t) => !supported.includes(t)).map((t) => String(t.type));
  const axisIndex = (t: Trace) => Math.max(0, Number(String(t.xaxis ?? "x").slice(1) || "1") - 1);
  const panels = Math.max(1, ...supported.map((t) => axisIndex(t) + 1));
  const legendItems = supported.filter((t) => t.type !== "heatmap" && t.showlegend !== false && t.name && layout.showlegend !== false);
  const legendW = legendItems.length ? Math.min(220, 40 + 7 * Math.max(...legendItems.map((t) => stripTags(String(t.name)).length))) : 0;
  // The caption is not drawn (it is text beside the figure: figure.ts `captioned`).
  const captionLines: string[] = [];
  const margin = { l: 70, r: 20 + legendW, t: 60, b: 60 + captionLines.length * 15 };
  const gap = 60;
  const panelW = (W - margin.l - margin.r - gap * (panels - 1)) / panels;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  const title = stripTags(textOf(layout.title));
  if (title) out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="16" fill="#444">${esc(title)}</text>`);

  for (let p = 0; p < panels; p++) {
    const x0 = margin.l + p * (panelW + gap);
    const x1 = x0 + panelW;
    const [y0, y1] = [margin.t, H - margin.b];
    const mine = supported.filter((t) => axisIndex(t) === p);
    const xa = (layout[p === 0 ? "xaxis" : `xaxis${p + 1}`] ?? {}) as Axis;
    const ya = (layout[p === 0 ? "yaxis" : `yaxis${p + 1}`] ?? {}) as Axis;
    const heat = mine.find((t) => t.type === "heatmap");
    if (heat) {
      drawHeatmap(out, heat, layout, { x0, x1, y0, y1 }, ya.autorange === "reversed");
    } else {
      drawXY(out, mine, traces, layout, xa, ya, { x0, x1, y0, y1 });
    }
    const xt = stripTags(textOf(xa.title));
    const yt = stripTags(textOf(ya.title));
    if (xt) out.push(`<text x="${(x0 + x1) / 2}" y="${y1 + 40}" text-anchor="middle" fill="#444">${esc(xt)}</text>`);
    if (yt) {
      out.push(`<text transform="translate(${x0 - 50},${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(yt)}</text>`);
    }
  }

  captionLines.forEach((line, i) => {
    const y = H - margin.b + 56 + i * 15;
    out.push(`<text x="12" y="${y}" font-size="11" fill="#444">${esc(stripTags(line))}</text>`);
  });
  legendItems.forEach((t, i) => {
    const lx = W - legendW + 10;
    const ly = margin.t + 10 + i * 18;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${colorOf(t, traces.indexOf(t))}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly + 1}" fill="#444">${esc(stripTags(String(t.name)))}</text>`);
  });
  if (skipped.length) {
    out.push(
      `<text x="${W / 2}" y="${H - 2}" text-anchor="middle" font-size="10" fill="#a00">not drawn here (needs plotly.js): ${
        esc(skipped.join(", "))
      }</text>`,
    );
  }
  out.push(`<text x="${W - 4}" y="${H - 4}" text-anchor="end" font-size="9" fill="#bbb">kit SVG fallback</text>`);
  out.push("</svg>");
  return out.join("\n");
}

/**
 * Horizontal bars drawn as vertical ones (this fallback draws categories on x only): each horizontal
 * trace's x and y swapped, and each panel's value axis (x) becomes its y axis.
 */
function upright(fig: PlotlyFigure): PlotlyFigure {
  if (!fig.data.some((t) => t.orientation === "h")) return fig;
  const data = fig.data.map((t) =>
    t.orientation === "h" ? { ...t, x: t.y, y: t.x, error_y: t.error_x, error_x: undefined, orientation: undefined } : t
  );
  const layout: Record<string, unknown> = { ...fig.layout };
  for (const t of fig.data.filter((t) => t.orientation === "h")) {
    const n = String(t.xaxis ?? "x").slice(1);
    const value = (fig.layout[`xaxis${n}`] ?? {}) as Record<string, unknown>;
    layout[`yaxis${n}`] = { title: value.title, range: value.range };
    layout[`xaxis${n}`] = {};
  }
  return { data, layout };
}

function colorOf(t: Trace, i: number): string {
  const m = t.marker as { color?: unknown } | undefined;
  const l = t.line as { color?: unknown } | undefined;
  const c = typeof m?.color === "string" ? m.color : typeof l?.color === "string" ? l.color : undefined;
  return c ?? PALETTE[i % PALETTE.length];
}

type Box = { x0: number; x1: number; y0: number; y1: number };

/** A trace's whisker lengths (upper, or the only ones) where visible. */
function errOf(t: Trace, k: "error_y" | "error_x"): number[] {
  const e = t[k] as { array?: unknown; visible?: boolean } | undefined;
  return e && e.visible !== false ? nums(e.array) : [];
}

/** Asymmetric whiskers (clipped to a metric's range) carry the lower length in `arrayminus`. */
function errMinusOf(t: Trace): number[] {
  const e = t.error_y as { arrayminus?: unknown; symmetric?: boolean; visible?: boolean } | undefined;
  return e && e.visible !== false && e.symmetric === false ? nums(e.arrayminus) : errOf(t, "error_y");
}

/** Where a plot puts values: x position, clamped y, the bars' base line, a category's band. */
interface PlotScale {
  xPos: (v: unknown) => number;
  clampY: (v: number) => number;
  base: number;
  band: number;
  categorical: boolean;
  ylog: boolean;
}

function drawXY(out: string[], mine: Trace[], all: Trace[], layout: Record<string, unknown>, xa: Axis, ya: Axis, box: Box): void {
  const bars = mine.filter((t) => t.type === "bar");
  const categorical = mine.some((t) => Array.isArray(t.x) && (t.x as unknown[]).some((v) => typeof v === "string"));
  const cats = categorical ? [...new Set(mine.flatMap((t) => (t.x as unknown[] ?? []).map(String)))] : [];
  const yVals = mine.flatMap((t) => {
    const y = nums(t.y);
    const e = errOf(t, "error_y");
    const em = errMinusOf(t);
    return [...y, ...y.map((v, i) => v + (e[i] || 0)), ...y.map((v, i) => v - (em[i] || 0))];
  });
  const ylog = ya.type === "log";
  const xlog = xa.type === "log";
  const [ylo, yhi] = Array.isArray(ya.range) && ya.range.length === 2 && !ylog
    ? [ya.range[0], ya.range[1]]
    : extent(yVals, true, bars.length > 0, ylog);
  const ys = linearOrLog(ylo, yhi, box.y0, box.y1, ylog, true);
  let xPos: (v: unknown) => number;
  let band = 0;
  if (categorical) {
    band = (box.x1 - box.x0) / Math.max(1, cats.length);
    xPos = (v) => box.x0 + (cats.indexOf(String(v)) + 0.5) * band;
  } else {
    const xv = mine.flatMap((t) => nums(t.x));
    const [xlo, xhi] = extent(xv, !bars.length, false, xlog);
    const xs = linearOrLog(xlo, xhi, box.x0, box.x1, xlog);
    xPos = (v) => xs.toPx(Number(v));
    // Explicit ticks (a symmetric-log axis names its real values) win over computed ones.
    const given = xa as { tickvals?: number[]; ticktext?: string[] };
    const ticks = Array.isArray(given.tickvals)
      ? given.tickvals.map((v, i) => [v, String(given.ticktext?.[i] ?? fmt(v))] as const).filter(([v]) => v >= xlo && v <= xhi)
      : xs.ticks.map((v) => [v, fmt(v)] as const);
    for (const [tk, label] of ticks) {
      const px = xs.toPx(tk);
      out.push(`<text x="${px}" y="${box.y1 + 16}" text-anchor="middle" fill="#444">${esc(label)}</text>`);
    }
  }
  for (const tk of ys.ticks) {
    const py = ys.toPx(tk);
    out.push(`<line x1="${box.x0}" x2="${box.x1}" y1="${py}" y2="${py}" stroke="#eee"/>`);
    out.push(`<text x="${box.x0 - 6}" y="${py + 4}" text-anchor="end" fill="#444">${fmt(tk)}</text>`);
  }
  out.push(`<line x1="${box.x0}" x2="${box.x1}" y1="${box.y1}" y2="${box.y1}" stroke="#444"/>`);
  if (categorical) {
    cats.forEach((c, i) => {
      const label = c.length > 14 ? c.slice(0, 13) + "…" : c;
      out.push(`<text x="${box.x0 + (i + 0.5) * band}" y="${box.y1 + 16}" text-anchor="middle" fill="#444">${esc(label)}</text>`);
    });
  }
  const clampY = (v: number) => Math.min(box.y1, Math.max(box.y0, ys.toPx(v)));
  const base = clampY(ylog ? ylo : Math.max(ylo, 0));
  const grouped = layout.barmode !== "overlay" && layout.barmode !== "stack";
  const plot: PlotScale = { xPos, clampY, base, band, categorical, ylog };
  drawBars(out, bars, all, grouped, plot);
  drawPoints(out, mine.filter((t) => t.type !== "bar"), all, plot);
}

/** Bars, grouped side by side unless overlaid or stacked, with their whiskers. */
function drawBars(out: string[], bars: Trace[], all: Trace[], grouped: boolean, plot: PlotScale): void {
  const { xPos, clampY, base, band, categorical } = plot;
  bars.forEach((t, bi) => {
    const x = (t.x as unknown[]) ?? [];
    const y = nums(t.y);
    const e = errOf(t, "error_y");
    const em = errMinusOf(t);
    const color = colorOf(t, all.indexOf(t));
    const colors = (t.marker as { color?: unknown } | undefined)?.color;
    const opacity = Number(t.opacity ?? 1);
    let w: number;
    let off: number;
    if (categorical) {
      w = grouped ? (band * 0.8) / bars.length : band * 0.8;
      off = grouped ? -band * 0.4 + bi * w : -band * 0.4;
    } else {
      const width = Number(t.width);
      const pxW = Number.isFinite(width) ? Math.abs(xPos(Number(x[0]) + width) - xPos(Number(x[0]))) : 8;
      w = grouped ? pxW / bars.length : pxW;
      off = grouped ? -pxW / 2 + bi * w : -pxW / 2;
    }
    x.forEach((xv, i) => {
      if (!Number.isFinite(y[i])) return;
      const px = xPos(xv) + off;
      const py = clampY(y[i]);
      const c = Array.isArray(colors) ? String(colors[i]) : color;
      out.push(
        `<rect x="${px}" y="${Math.min(py, base)}" width="${Math.max(0.5, w)}" height="${
          Math.abs(base - py)
        }" fill="${c}" fill-opacity="${opacity}"/>`,
      );
      if (e[i] || em[i]) errorBar(out, px + w / 2, clampY(y[i] - (em[i] || 0)), clampY(y[i] + (e[i] || 0)));
    });
  });
}

/** Lines, markers and text labels of the other traces, with their whiskers. */
function drawPoints(out: string[], traces: Trace[], all: Trace[], plot: PlotScale): void {
  const { xPos, clampY, ylog } = plot;
  traces.forEach((t) => {
    const x = (t.x as unknown[]) ?? [];
    const y = nums(t.y);
    const e = errOf(t, "error_y");
    const em = errMinusOf(t);
    const color = colorOf(t, all.indexOf(t));
    const mode = String(t.mode ?? "lines+markers");
    const dash = (t.line as { dash?: string } | undefined)?.dash;
    const pts = x.map((xv, i) => [xPos(xv), y[i]] as const).filter(([, v]) => Number.isFinite(v) && (!ylog || v > 0));
    if (mode.includes("lines") && pts.length > 1) {
      const d = pts.map(([px, v], i) => `${i ? "L" : "M"}${px.toFixed(1)},${clampY(v).toFixed(1)}`).join("");
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${
          dash ? ` stroke-dasharray="${dash === "dot" ? "2,3" : "6,4"}"` : ""
        }/>`,
      );
    }
    if (mode.includes("markers")) { for (const [px, v] of pts) out.push(`<circle cx="${px}" cy="${clampY(v)}" r="4" fill="${color}"/>`); }
    if (mode.includes("text")) {
      const labels = (t.text as unknown[] | undefined) ?? [];
      pts.forEach(([px, v], i) =>
        labels[i] !== undefined &&
        out.push(`<text x="${px}" y="${clampY(v) - 8}" text-anchor="middle" font-size="11" fill="#444">${esc(String(labels[i]))}</text>`)
      );
    }
    x.forEach((xv, i) =>
      (e[i] || em[i]) && Number.isFinite(y[i]) && errorBar(out, xPos(xv), clampY(y[i] - (em[i] || 0)), clampY(y[i] + (e[i] || 0)))
    );
  });
}

function errorBar(out: string[], x: number, ya: number, yb: number): void {
  out.push(`<path d="M${x},${ya}L${x},${yb}M${x - 3},${ya}L${x + 3},${ya}M${x - 3},${yb}L${x + 3},${yb}" stroke="#444" stroke-width="1"/>`);
}

function drawHeatmap(out: string[], t: Trace, layout: Record<string, unknown>, box: Box, reversed: boolean): void {
  const z = (t.z as number[][] | undefined) ?? [];
  const rows = z.length;
  const cols = Math.max(0, ...z.map((r) => r.length));
  const ca = (layout.coloraxis ?? {}) as { cmin?: number; cmax?: number };
  const flat = z.flat().filter(Number.isFinite);
  const lo = Number(t.zmin ?? ca.cmin ?? Math.min(0, ...flat));
  const hi = Number(t.zmax ?? ca.cmax ?? Math.max(1, ...flat));
  const cw = (box.x1 - box.x0) / Math.max(1, cols);
  const ch = (box.y1 - box.y0) / Math.max(1, rows);
  // Plotly's "Greys" runs black → white; reversed, high values are dark.
  const grey = t.colorscale === "Greys";
  const xl = (t.x as unknown[] | undefined) ?? [];
  const yl = (t.y as unknown[] | undefined) ?? [];
  z.forEach((row, r) => {
    const ry = reversed ? box.y0 + r * ch : box.y1 - (r + 1) * ch;
    row.forEach((v, c) => {
      const f = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))) : 0;
      // White → Plotly's "Blues" dark end, or white → black for "Greys" (reversed: black → white).
      const mix = (a: number, b: number) => Math.round(a + (b - a) * f);
      const fill = grey ? `rgb(${mix(255, 0)},${mix(255, 0)},${mix(255, 0)})` : `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
      out.push(`<rect x="${box.x0 + c * cw}" y="${ry}" width="${cw + 0.3}" height="${ch + 0.3}" fill="${fill}"/>`);
      if (rows <= 12 && cols <= 12 && Number.isFinite(v)) {
        out.push(
          `<text x="${box.x0 + (c + 0.5) * cw}" y="${ry + ch / 2 + 4}" text-anchor="middle" font-size="10" fill="${
            f > 0.5 ? "white" : "#333"
          }">${Number.isInteger(v) ? v : v.toFixed(2)}</text>`,
        );
      }
    });
    if (yl[r] !== undefined) {
      out.push(
        `<text x="${box.x0 - 4}" y="${ry + ch / 2 + 4}" text-anchor="end" font-size="10" fill="#444">${
          esc(String(yl[r]).slice(0, 10))
        }</text>`,
      );
    }
  });
  xl.forEach((l, c) =>
    out.push(
      `<text x="${box.x0 + (c + 0.5) * cw}" y="${box.y1 + 14}" text-anchor="middle" font-size="10" fill="#444">${
        esc(String(l).slice(0, 8))
      }</text>`,
    )
  );
}
