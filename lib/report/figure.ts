/**
 * The one figure type of the kit: a Plotly figure spec (plain JSON `{data, layout}`), what every figure
 * builder returns (plots.ts for tables and sweeps, plots_mia.ts for the MIA/Streisand evidence,
 * plots_theory.ts for the theorems), what `show` displays (display.ts), what the SVG fallback draws
 * (svg.ts) and what `deno task figures` exports (figures.ts). Colours come from here too: each method's
 * own (its file's `display.color`), and one palette for everything else.
 */
import { METHODS } from "../unlearn/registry.ts";

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Colours for series that are not methods (metrics, sets, theory curves): Plotly's default cycle. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const SPARE = ["#843c39", "#7b4173", "#5254a3", "#6b6ecf", "#9c9ede", "#cedb9c", "#e7ba52", "#ad494a"];

/** A method's colour, the same in every figure: from its file (`display.color`), else a stable spare. */
export function methodColor(method: string): string {
  const own = METHODS[method]?.display.color;
  if (own) return own;
  let h = 0;
  for (const ch of method) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return SPARE[h % SPARE.length];
}

export const titled = (text: string) => ({ text });

/** The title of a figure, or "figure". */
export function figureTitle(fig: PlotlyFigure): string {
  const t = fig.layout.title as { text?: string } | string | undefined;
  return (typeof t === "string" ? t : t?.text) ?? "figure";
}

/**
 * Error whiskers of `mean ± halfWidth`, clipped to the metric's range (a UA of 99 ± 3 draws up to 100,
 * not 102): Plotly's asymmetric error bars, `array` above the mean and `arrayminus` below. A missing
 * half-width (one seed) draws no whisker.
 */
export function clippedErrors(
  means: (number | null | undefined)[],
  halfWidths: (number | null | undefined)[],
  range: [number, number] = [-Infinity, Infinity],
): { type: "data"; symmetric: false; array: number[]; arrayminus: number[]; visible: boolean } {
  const ok = (v: number | null | undefined): v is number => typeof v === "number" && Number.isFinite(v);
  const plus = means.map((m, i) => (ok(m) && ok(halfWidths[i]) ? Math.max(0, Math.min(m + halfWidths[i]!, range[1]) - m) : 0));
  const minus = means.map((m, i) => (ok(m) && ok(halfWidths[i]) ? Math.max(0, m - Math.max(m - halfWidths[i]!, range[0])) : 0));
  return { type: "data", symmetric: false, array: plus, arrayminus: minus, visible: plus.some((v) => v > 0) || minus.some((v) => v > 0) };
}

/** "n = 5 seeds", "n = 3–5 seeds" (rows differ), "n = 1 seed". */
export function seedCount(ns: number[]): string {
  const v = ns.filter((n) => n > 0);
  if (v.length === 0) return "n = 0 seeds";
  const [lo, hi] = [Math.min(...v), Math.max(...v)];
  return lo === hi ? `n = ${lo} seed${lo === 1 ? "" : "s"}` : `n = ${lo}–${hi} seeds`;
}

const fmtBound = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? "∞" : "−∞");

/**
 * The caption of a figure of means over seeds: what the marks are, n, and what the whiskers are, e.g.
 * "bars: mean over n = 5 seeds; whiskers: 95% Student-t interval of the mean, clipped to [0, 100]".
 */
export function intervalCaption(mark: string, ns: number[], range?: [number, number]): string {
  const n = seedCount(ns);
  const clip = range && (Number.isFinite(range[0]) || Number.isFinite(range[1]))
    ? `, clipped to [${fmtBound(range[0])}, ${fmtBound(range[1])}]`
    : "";
  const whiskers = Math.max(0, ...ns) > 1
    ? `whiskers: 95% Student-t interval of the mean (docs/evidence.md §1)${clip}`
    : "no whiskers (one seed: no interval)";
  return `${mark}: mean over ${n}; ${whiskers}`;
}

/** Breaks `text` into lines of at most `chars` characters at spaces (Plotly does not wrap annotations). */
export function wrapText(text: string, chars: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const CAPTION_FONT = 11;
const CAPTION_LINE = 15;

/**
 * Adds a caption below the plot area (a Plotly annotation named "caption", left-aligned, wrapped to the
 * figure's width) and grows the bottom margin and the height to hold it, so the plot area keeps its size.
 * `bottom` is the room the x axis needs (tick labels and title) above the caption.
 */
export function captioned(fig: PlotlyFigure, caption: string, options: { bottom?: number } = {}): PlotlyFigure {
  const layout = fig.layout;
  const width = Number(layout.width) || 800;
  const margin = { l: 80, r: 80, t: 100, b: 80, ...(layout.margin as Record<string, number> | undefined) };
  const bottom = options.bottom ?? margin.b;
  const lines = wrapText(caption, Math.floor((width - 40) / (CAPTION_FONT * 0.55)));
  const room = lines.length * CAPTION_LINE + 12;
  const others = ((layout.annotations as Record<string, unknown>[] | undefined) ?? []).filter((a) => a.name !== "caption");
  return {
    data: fig.data,
    layout: {
      ...layout,
      margin: { ...margin, b: bottom + room },
      height: (Number(layout.height) || 450) + (bottom + room - margin.b),
      annotations: [...others, {
        name: "caption",
        text: lines.join("<br>"),
        xref: "paper",
        yref: "paper",
        x: 0,
        y: 0,
        xanchor: "left",
        yanchor: "top",
        align: "left",
        // Pixels below the plot area: under the x axis's tick labels and title.
        yshift: -bottom + 4,
        xshift: -margin.l + 20,
        showarrow: false,
        font: { size: CAPTION_FONT, color: "#444" },
      }],
    },
  };
}

/** A figure's caption (plain text, lines joined by spaces), or undefined. */
export function figureCaption(fig: PlotlyFigure): string | undefined {
  const a = ((fig.layout.annotations as Record<string, unknown>[] | undefined) ?? []).find((x) => x.name === "caption");
  return a ? String(a.text).replaceAll("<br>", " ") : undefined;
}

/**
 * A symmetric-log axis for a signed rate such as the smooth rate α (Plotly has none): a value a is drawn
 * at sign(a)·log10(1 + |a|/c), linear near 0 (within about ±c) and logarithmic beyond, so rates from
 * ±0.01 to ±4 are all apart; the ticks are labelled with the real values. `c` defaults to the smallest
 * non-zero |value|. Ticks: every value when there are at most 10, else 0 and ±1, 3 × 10^k within range.
 */
export function symlogAxis(values: number[], title: string, c?: number): {
  at: (a: number) => number;
  axis: Record<string, unknown>;
  c: number;
} {
  const finite = values.filter(Number.isFinite);
  const nonzero = finite.map(Math.abs).filter((v) => v > 0);
  const scale = c ?? (nonzero.length ? Math.min(...nonzero) : 1);
  const at = (a: number) => Math.sign(a) * Math.log10(1 + Math.abs(a) / scale);
  const distinct = [...new Set(finite)].sort((a, b) => a - b);
  let ticks = distinct;
  if (distinct.length > 10) {
    const [lo, hi] = [distinct[0], distinct.at(-1)!];
    const nice: number[] = [0];
    for (let k = Math.floor(Math.log10(scale)); k <= Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi), scale))); k++) {
      for (const m of [1, 3]) nice.push(m * 10 ** k, -m * 10 ** k);
    }
    ticks = nice.filter((t) => t >= lo && t <= hi).sort((a, b) => a - b);
  }
  const label = (t: number) => String(Number(t.toPrecision(3))).replace("-", "−");
  return {
    at,
    c: scale,
    axis: {
      title: { text: `${title} — symmetric-log scale, linear within ±${label(scale)}` },
      tickmode: "array",
      tickvals: ticks.map(at),
      ticktext: ticks.map(label),
      zeroline: true,
    },
  };
}
