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

/**
 * Colours for series that are not methods (metrics, sets, theory curves): Paul Tol's colour-blind-safe
 * "bright" scheme (blue, red, green, yellow, cyan, purple, grey), then three of his "muted" ones.
 */
export const PALETTE = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB", "#332288", "#999933", "#882255"];

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
  const whiskers = Math.max(0, ...ns) > 1 ? `whiskers: 95% Student-t interval of the mean${clip}` : "no whiskers (one seed: no interval)";
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

/**
 * Attaches a caption to a figure without drawing it: the caption lives in `layout.meta.caption`, which
 * Plotly carries but does not draw. A paper sets its captions in its own type, so the image holds none:
 * `show` writes the caption under the image as text, and `exportFigures` writes it beside the image
 * (`<name>.txt` and a LaTeX `<name>.tex` figure snippet). `options.bottom` is the room the x axis needs
 * below the plot area (slanted tick labels), kept as the bottom margin.
 */
export function captioned(fig: PlotlyFigure, caption: string, options: { bottom?: number } = {}): PlotlyFigure {
  const layout = fig.layout;
  const meta = (layout.meta as Record<string, unknown> | undefined) ?? {};
  const margin = options.bottom === undefined
    ? layout.margin
    : { ...(layout.margin as Record<string, number> | undefined), b: options.bottom };
  return { data: fig.data, layout: { ...layout, ...(margin ? { margin } : {}), meta: { ...meta, caption } } };
}

/** A figure's caption (plain text), or undefined. */
export function figureCaption(fig: PlotlyFigure): string | undefined {
  const meta = fig.layout.meta as { caption?: unknown } | undefined;
  return typeof meta?.caption === "string" ? meta.caption : undefined;
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

// ---------------------------------------------------------------------------------------------------------
// Words instead of code slugs.

/** A method's title ("UGradSL+", "ℓ1-sparse") from its file, else its id. */
export function methodTitle(method: string): string {
  return METHODS[method]?.title ?? method;
}

/**
 * A table row's label in words: "UGradSL+ (R)" for `ugradsl+` from selection R; a row that marks its
 * configuration (`ugradsl #1a2b3c`) keeps the mark.
 */
export function methodLabel(method: string, variant: string | null = null, label?: string): string {
  const mark = label?.match(/ #[0-9a-f]{6}$/)?.[0] ?? "";
  return `${methodTitle(method)}${variant ? ` (${variant})` : ""}${mark}`;
}

const DATASET_TITLES: Record<string, string> = {
  "fashion-mnist": "Fashion-MNIST",
  cifar10: "CIFAR-10",
  cifar100: "CIFAR-100",
  svhn: "SVHN",
  celeba: "CelebA",
  imagenet: "ImageNet",
  "20newsgroups": "20 Newsgroups",
  "debian-corpus": "Debian corpus",
  synthetic: "synthetic data",
};
const PARADIGM_TITLES: Record<string, string> = {
  classwise: "class-wise forgetting",
  random: "random forgetting",
  group: "group (sub-class) forgetting",
  identity: "identity forgetting",
};
const MODEL_TITLES: Record<string, string> = {
  mlp: "MLP",
  cnn: "CNN",
  resnet18: "ResNet-18",
  vgg16: "VGG-16",
  vit: "ViT",
  "text-encoder": "text encoder",
  "bag-of-embeddings": "bag of embeddings",
};

/** A table block ("fashion-mnist · classwise · mlp") in words: "Fashion-MNIST, class-wise forgetting, MLP". */
export function blockTitle(block: string): string {
  const [dataset, paradigm, model] = block.split(" · ");
  if (paradigm === undefined) return DATASET_TITLES[block] ?? block;
  return [DATASET_TITLES[dataset] ?? dataset, PARADIGM_TITLES[paradigm] ?? paradigm, MODEL_TITLES[model] ?? model]
    .filter(Boolean).join(", ");
}

/**
 * How a search selection is drawn, on top of its method's colour: R (closest to Retrain) hatched with
 * "/", C (complete forgetting) dotted, both when they gave the same numbers ("R = C") cross-hatched, no
 * selection plain; in scatters R is a diamond, C a square. The
 * two selections of one method are then apart in print and in grey scale, not only by their labels.
 */
export function selectionStyle(variant: string | null): { pattern?: { shape: string }; symbol: string } {
  if (variant === "R") return { pattern: { shape: "/" }, symbol: "diamond" };
  if (variant === "C") return { pattern: { shape: "." }, symbol: "square" };
  if (variant === "R = C") return { pattern: { shape: "+" }, symbol: "diamond-wide" };
  if (variant) return { pattern: { shape: "x" }, symbol: "triangle-up" };
  return { symbol: "circle" };
}

/** "2/5 diverged" for a row whose runs did not all finish, else "". */
export function failureNote(row: { failed: number; runs: number; problems: string[] }): string {
  return row.failed > 0 ? `${row.failed}/${row.runs} ${row.problems.join("/") || "failed"}` : "";
}

// ---------------------------------------------------------------------------------------------------------
// Print sizes.

/** CSS pixels per inch: what Chromium's print (the PDFs) and a browser use, so 1 px prints at 0.75 pt. */
export const PX_PER_INCH = 96;

/**
 * Figure widths of a two-column paper: one column ≈ 3.3 in, the text width of both columns ≈ 7 in
 * (IEEE/ACM/NeurIPS-like templates: 3.25-3.5 in and 6.75-7.16 in).
 */
export const SIZE_PRESETS = {
  column: { inches: 3.3, title: "one column (3.3 in)" },
  double: { inches: 7, title: "two columns (7 in)" },
} as const;
export type SizePreset = keyof typeof SIZE_PRESETS;

/** Font sizes of a sized figure, in CSS px: 10 px prints at 7.5 pt, the smallest text a journal takes being 7 pt. */
export const PRINT_FONT = { base: 10, title: 11 } as const;

/** The smallest font a figure may print with, in points. */
export const MIN_PRINT_PT = 7;

const AXIS_KEY = /^[xy]axis\d*$/;

/**
 * A figure fitted to a print width: the preset's width (96 px per inch), the height scaled with it (no
 * lower than 60% of the width), every font at `PRINT_FONT` (tick labels, axis titles, legend,
 * annotations, the title), axes and the title allowed to push the margins out so nothing is cut, the
 * title wrapped to the width, and a legend of more than a few entries laid out below the plot. The data
 * are untouched.
 */
export function sizedFor(fig: PlotlyFigure, preset: SizePreset): PlotlyFigure {
  const layout = { ...fig.layout };
  const width = Math.round(SIZE_PRESETS[preset].inches * PX_PER_INCH);
  const oldW = Number(layout.width) || 800;
  const oldH = Number(layout.height) || 450;
  const s = width / oldW;
  const fixedHeight = (layout.meta as { printHeight?: number } | undefined)?.printHeight;
  const height = Math.round(fixedHeight ? fixedHeight * (preset === "column" ? 1.15 : 1) : Math.max(oldH * s, 0.6 * width));
  const m: Record<string, number> = { l: 80, r: 80, t: 100, b: 80, ...(layout.margin as Record<string, number> | undefined) };
  const fontScale = Math.min(1, s * 1.4);
  layout.margin = {
    l: Math.max(30, Math.round(m.l * fontScale)),
    r: Math.max(10, Math.round(m.r * fontScale)),
    t: Math.max(30, Math.round(m.t * fontScale)),
    b: Math.max(30, Math.round(m.b * fontScale)),
    ...(m.pad !== undefined ? { pad: m.pad } : {}),
  };
  layout.width = width;
  layout.height = height;
  layout.font = { family: "Arial, Helvetica, sans-serif", ...(layout.font as object | undefined), size: PRINT_FONT.base };
  const titleChars = Math.floor((width - 20) / (PRINT_FONT.title * 0.56));
  const title = figureTitle(fig);
  if (title !== "figure") {
    const lines = wrapText(title.replaceAll("<br>", " "), titleChars);
    layout.title = {
      ...(typeof layout.title === "object" ? layout.title : {}),
      text: lines.join("<br>"),
      font: { size: PRINT_FONT.title },
      x: 0.5,
      xanchor: "center",
      // plotly anchors a wrapped title by its first line, the others following below it: the first
      // line's baseline 16 px from the top of the image.
      yref: "container",
      y: 1 - 16 / height,
      yanchor: "bottom",
    };
    // Room for the title's lines above the plot area, and for panel titles drawn just above each panel.
    const panelTitles = ((layout.annotations as Record<string, unknown>[] | undefined) ?? [])
      .some((a) => String(a.yref ?? "").endsWith("domain") && a.yanchor === "bottom");
    (layout.margin as Record<string, number>).t = 16 + (lines.length - 1) * (PRINT_FONT.title + 4) + (panelTitles ? 26 : 12);
  }
  printAxes(fig, layout, width);
  const annotations = layout.annotations as Record<string, unknown>[] | undefined;
  if (annotations) {
    layout.annotations = annotations.map((a) => ({ ...a, font: { ...(a.font as object | undefined), size: PRINT_FONT.base } }));
  }
  printLegend(fig, layout, width, preset);
  if (layout.title && typeof layout.title === "object" && (layout.title as { yref?: string }).yref === "container") {
    (layout.title as Record<string, unknown>).y = 1 - 16 / Number(layout.height);
  }
  const colorbar = (t: Record<string, unknown>) =>
    t.colorbar ? { ...t, colorbar: { ...(t.colorbar as object), tickfont: { size: PRINT_FONT.base } } } : t;
  return { data: fig.data.map(colorbar), layout: { ...layout, meta: { ...(layout.meta as object | undefined), size: preset } } };
}

/** Every axis at the print font, log axes as powers of 10, long axis titles wrapped to the room they have. */
function printAxes(fig: PlotlyFigure, layout: Record<string, unknown>, width: number): void {
  // What the vertical axis's category labels take (horizontal bars: method names), at least the left margin.
  const categories = fig.data.filter((t) => t.orientation === "h").flatMap((t) => (t.y as unknown[] | undefined) ?? []).map(String);
  const labelRoom = Math.max(
    Number((layout.margin as Record<string, number>).l),
    10 + PRINT_FONT.base * 0.6 * Math.max(0, ...categories.map((c) => c.length)),
  );
  for (const key of Object.keys(layout).filter((k) => AXIS_KEY.test(k))) {
    const axis = { ...(layout[key] as Record<string, unknown>) };
    axis.tickfont = { ...(axis.tickfont as object | undefined), size: PRINT_FONT.base };
    axis.automargin = true;
    // Log axes in a paper read 10⁻⁴, not plotly's SI prefixes ("100μ").
    if (axis.type === "log" && axis.exponentformat === undefined) axis.exponentformat = "power";
    const t = axis.title as { text?: string } | string | undefined;
    if (t) {
      const title = typeof t === "string" ? { text: t } : t;
      // Long axis titles wrap: to the plot's width (x) or height (y), at about 0.56 em a character.
      const room = key.startsWith("x") ? width - labelRoom - 30 : Number(layout.height) - 60;
      const text = title.text ? wrapText(title.text, Math.max(16, Math.floor(room / (PRINT_FONT.base * 0.56)))).join("<br>") : title.text;
      axis.title = { ...title, text, font: { size: PRINT_FONT.base } };
    }
    layout[key] = axis;
  }
}

/** The legend at the print font; more than four entries (or one column's width): rows below the plot, all shown. */
function printLegend(fig: PlotlyFigure, layout: Record<string, unknown>, width: number, preset: SizePreset): void {
  const names = legendNames(fig);
  if (layout.showlegend !== false && names.length > 1) {
    const below = names.length > 4 || preset === "column";
    layout.legend = { ...(layout.legend as object | undefined), font: { size: PRINT_FONT.base } };
    if (below) {
      // Rows of a horizontal legend at the bottom of the image, under the x axis's labels and title: the
      // bottom margin holds both, the image grows by the legend's rows, the plot area keeps its height.
      // plotly aligns wrapped entries in columns as wide as the widest entry.
      const widest = 50 + PRINT_FONT.base * 0.62 * Math.max(...names.map((n) => n.length));
      const rows = Math.ceil(names.length / Math.max(1, Math.floor((width - 20) / widest)));
      const legendHeight = rows * 19 + 8;
      const margin = layout.margin as Record<string, number>;
      const xTitle = ((layout.xaxis as { title?: { text?: string } } | undefined)?.title?.text ?? "").split("<br>").length;
      const tilted = Math.abs(Number((layout.xaxis as { tickangle?: number } | undefined)?.tickangle ?? 0)) > 0;
      const before = margin.b;
      margin.b = Math.max(before, 28 + 14 * xTitle + (tilted ? 40 : 0)) + legendHeight;
      layout.height = Math.max(Number(layout.height) + margin.b - before, margin.t + margin.b + 0.45 * width);
      // maxheight: plotly caps a bottom legend at half the image and clips the rest; this one has its own room.
      Object.assign(layout.legend as object, {
        orientation: "h",
        x: 0,
        xanchor: "left",
        yref: "container",
        y: 0,
        yanchor: "bottom",
        maxheight: legendHeight + 40,
      });
    }
  }
}

/** The names a figure's legend shows (one per legend group), without markup. */
export function legendNames(fig: PlotlyFigure): string[] {
  const seen = new Map<string, string>();
  for (const t of fig.data) {
    if (t.showlegend === false || t.type === "heatmap") continue;
    const key = String(t.legendgroup ?? t.name ?? "");
    if (!seen.has(key)) seen.set(key, String(t.name ?? "").replace(/<[^>]+>/g, ""));
  }
  return [...seen.values()];
}
