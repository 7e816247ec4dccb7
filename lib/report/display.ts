/**
 * `show(...)` for notebooks and scripts. In Deno's Jupyter kernel every object goes out as a MIME bundle
 * that each front end renders (docs/notebooks.md, "What each front end shows"):
 * - a Plotly figure:
 *   - `application/vnd.plotly.v1+json`: interactive in JupyterLab (with its Plotly renderer) and VS Code;
 *   - `text/html`: an `<img>` whose data URI holds a static SVG drawn by the real plotly.js in headless
 *     Chromium (lib/report/figures.ts), or, where no Chromium is installed, by the kit's pure-TS renderer
 *     (lib/report/svg.ts), plus a script that redraws it with plotly.js in a trusted classic Notebook
 *     (lib/report/figure_html.ts). nbconvert (HTML, Markdown) and the classic Notebook pick text/html
 *     first, so this is what exports and untrusted notebooks show;
 *   - `text/plain`: the figure's numbers as text, for terminals, diffs and the LaTeX/PDF export.
 *   No `image/svg+xml` (no front end above would pick it over text/html, and it would add the image's
 *   size again) and no PNG (larger than the SVG; `deno task figures` writes PNG files);
 * - a Table (lib/report/table.ts): `text/html` + `text/plain` (Markdown);
 * - anything with a `Symbol.for("Jupyter.display")` method (danfojs frames from dataframe.ts, verdicts):
 *   its own bundle;
 * - a string: `text/markdown` + `text/plain`.
 * Outside a notebook (deno run) `show` prints the text/plain part.
 *
 * $UNLEARN_FIGURE_IMAGES picks the static image: "chromium" (SVG from plotly.js; default where Chromium is
 * found), "png" (PNG from plotly.js at 1×: about twice the SVG's size, but it survives sanitizers that
 * blank SVG data URIs, such as nbconvert's --HTMLExporter.sanitize_html=True), "svg" (the pure-TS
 * fallback), "none" (no image and no text/html: exports show the text).
 */
import type { FigureImageMode } from "../env.ts";
import { figureImageMode, jupyter } from "../env.ts";
import type { PlotlyFigure } from "./figure.ts";
import { figureCaption, figureTitle } from "./figure.ts";
import { figureHtml, figureId } from "./figure_html.ts";
import { figureSize, renderFigures } from "./figures.ts";
import { JUPYTER_DISPLAY } from "./html.ts";
import { figureToSvg } from "./svg.ts";
import type { Table } from "./table.ts";
import { toHtml, toMarkdown } from "./table.ts";

export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export function isFigure(obj: unknown): obj is PlotlyFigure {
  return typeof obj === "object" && obj !== null && Array.isArray((obj as PlotlyFigure).data) &&
    typeof (obj as PlotlyFigure).layout === "object" && (obj as PlotlyFigure).layout !== null;
}

export function isTable(obj: unknown): obj is Table {
  return typeof obj === "object" && obj !== null && Array.isArray((obj as Table).columns) && Array.isArray((obj as Table).rows) &&
    typeof (obj as Table).notes === "object";
}

const fmt = (v: unknown): string => {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    return Number.isFinite(v) ? (Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(4)) : "–";
  }
  return String(v);
};
const titleText = (t: unknown) => (typeof t === "string" ? t : (t as { text?: string } | undefined)?.text ?? "");
const strip = (s: string) => s.replace(/<\/?[a-zA-Z][^<>]*>/g, "");

/**
 * The figure's numbers as text: title, axes, then each trace's points (x → y ± error), long series
 * shortened to their ends and extremes; heatmaps as rounded matrices.
 */
export function figureText(fig: PlotlyFigure, maxPoints = 14): string {
  const lines = [`[figure] ${strip(figureTitle(fig))}`];
  const xa = titleText((fig.layout.xaxis as { title?: unknown } | undefined)?.title);
  const ya = titleText((fig.layout.yaxis as { title?: unknown } | undefined)?.title);
  if (xa || ya) lines.push(`  x: ${strip(xa) || "–"}   y: ${strip(ya) || "–"}`);
  for (const t0 of fig.data) {
    // A horizontal bar reads the same as a vertical one: category → value.
    const t = t0.orientation === "h" ? { ...t0, x: t0.y, y: t0.x, error_y: t0.error_x } : t0;
    const type = String(t.type ?? "scatter");
    const name = strip(String(t.name ?? type));
    if (type === "heatmap") {
      const z = (t.z as number[][] | undefined) ?? [];
      const ys = (t.y as unknown[] | undefined) ?? [];
      const cols = Math.max(0, ...z.map((r) => r.length));
      if (z.length > 12 || cols > 12) {
        const flat = z.flat().filter(Number.isFinite);
        const mean = flat.reduce((a, b) => a + b, 0) / Math.max(1, flat.length);
        lines.push(
          `  ${name} (heatmap ${z.length}×${cols}, values ${fmt(Math.min(...flat))}…${fmt(Math.max(...flat))}, mean ${fmt(mean)})`,
        );
        continue;
      }
      lines.push(`  ${name} (heatmap ${z.length}×${cols}; rows = ${titleText((fig.layout.yaxis as { title?: unknown })?.title) || "y"}):`);
      for (const [i, row] of z.slice(0, 12).entries()) {
        lines.push(
          `    ${String(ys[i] ?? i).padEnd(12).slice(0, 12)} ${
            row.slice(0, 12).map((v) => (Number.isFinite(v) ? v.toFixed(2) : " – ").padStart(5)).join(" ")
          }`,
        );
      }
      if (z.length > 12) lines.push(`    … ${z.length - 12} more rows`);
      continue;
    }
    const x = (t.x as unknown[] | undefined) ?? [];
    const y = (t.y as unknown[] | undefined) ?? [];
    const err = ((t.error_y as { array?: unknown[]; visible?: boolean } | undefined)?.visible !== false
      ? (t.error_y as { array?: unknown[] } | undefined)?.array
      : undefined) ?? [];
    const minus = (t.error_y as { arrayminus?: unknown[]; symmetric?: boolean } | undefined)?.symmetric === false
      ? (t.error_y as { arrayminus?: unknown[] }).arrayminus ?? []
      : err;
    const ticks = fig.layout.xaxis as { tickvals?: number[]; ticktext?: string[] } | undefined;
    const custom = (t.customdata as unknown[] | undefined) ?? [];
    // A symmetric-log axis carries the real values as customdata; print those.
    const xOf = (i: number) => (ticks?.tickvals && custom[i] !== undefined ? custom[i] : x[i]);
    const whisker = (i: number) =>
      Number(err[i]) > 0 || Number(minus[i]) > 0
        ? Number(err[i]) === Number(minus[i]) ? ` ± ${fmt(err[i])}` : ` +${fmt(err[i])}/−${fmt(minus[i])}`
        : "";
    const point = (i: number) =>
      `${fmt(xOf(i))} → ${fmt(y[i])}${whisker(i)}`;
    let idx = x.map((_, i) => i);
    if (idx.length > maxPoints) {
      const yn = y.map(Number);
      const finite = idx.filter((i) => Number.isFinite(yn[i]));
      const keep = new Set([0, 1, 2, idx.length - 3, idx.length - 2, idx.length - 1]);
      if (finite.length) {
        keep.add(finite.reduce((a, b) => (yn[b] > yn[a] ? b : a)));
        keep.add(finite.reduce((a, b) => (yn[b] < yn[a] ? b : a)));
      }
      idx = [...keep].filter((i) => i >= 0 && i < x.length).sort((a, b) => a - b);
    }
    const parts: string[] = [];
    idx.forEach((i, k) => {
      if (k > 0 && i - idx[k - 1] > 1) parts.push("…");
      parts.push(point(i));
    });
    lines.push(`  ${name} (${type}, ${x.length} points): ${parts.join(", ")}`);
  }
  const caption = figureCaption(fig);
  if (caption) lines.push(`  caption: ${strip(caption)}`);
  return lines.join("\n");
}

export type ImageMode = FigureImageMode;

/** The static-image mode: $UNLEARN_FIGURE_IMAGES, else chromium where found, else the SVG fallback (lib/env.ts). */
export const imageMode = figureImageMode;

/**
 * MIME bundles of figures; the static images of all of them come from one Chromium run. If Chromium
 * fails, the SVG fallback is used and the text says so.
 */
export async function figureBundles(figs: PlotlyFigure[], mode: ImageMode = imageMode()): Promise<MimeBundle[]> {
  let images: { svg?: string; png?: Uint8Array; via: string }[] = figs.map(() => ({ via: "none" }));
  if (mode === "chromium" || mode === "png") {
    try {
      // SVG unless asked: a PNG is about twice as large at 1× (deno task figures writes both, at 2×).
      images = mode === "png"
        ? (await renderFigures(figs, { png: true, scale: 1 })).map((r) => ({ png: r.png, via: "plotly.js in headless Chromium, PNG" }))
        : (await renderFigures(figs, { png: false })).map((r) => ({ svg: r.svg, via: "plotly.js in headless Chromium" }));
    } catch (e) {
      images = figs.map((f) => ({
        svg: figureToSvg(f),
        via: `kit SVG fallback (Chromium failed: ${(e as Error).message.split("\n")[0]})`,
      }));
    }
  } else if (mode === "svg") {
    images = figs.map((f) => ({ svg: figureToSvg(f), via: "kit SVG fallback (no Chromium)" }));
  }
  return await Promise.all(figs.map(async (fig, i) => {
    const b: MimeBundle = { [PLOTLY_MIME]: fig };
    const html = figureHtml(images[i], await figureId(fig), {
      title: strip(figureTitle(fig)),
      caption: figureCaption(fig),
      ...figureSize(fig),
    });
    if (html) b["text/html"] = html;
    b["text/plain"] = `${figureText(fig)}\n  (static image: ${images[i].via})`;
    return b;
  }));
}

export async function figureBundle(fig: PlotlyFigure, mode: ImageMode = imageMode()): Promise<MimeBundle> {
  return (await figureBundles([fig], mode))[0];
}

export function tableBundle(table: Table, digits = 2): MimeBundle {
  return { "text/html": toHtml(table, digits), "text/plain": toMarkdown(table, digits) };
}

/** The bundle of any object `show` accepts, figures excepted (they need the async renderer). */
export function bundleOf(obj: unknown): MimeBundle {
  if (obj !== null && (typeof obj === "object" || typeof obj === "function") && JUPYTER_DISPLAY in (obj as object)) {
    return (obj as { [JUPYTER_DISPLAY]: () => MimeBundle })[JUPYTER_DISPLAY]();
  }
  if (isTable(obj)) return tableBundle(obj);
  if (typeof obj === "string") return { "text/markdown": obj, "text/plain": obj };
  return { "text/plain": typeof obj === "object" ? JSON.stringify(obj, null, 2) : String(obj) };
}

/** The bundles `show` would display, figures' images from one Chromium run. */
export async function displayBundles(...objs: unknown[]): Promise<MimeBundle[]> {
  const figs = objs.filter(isFigure);
  const figBundles = figs.length ? await figureBundles(figs) : [];
  return objs.map((o) => (isFigure(o) ? figBundles[figs.indexOf(o)] : bundleOf(o)));
}

/**
 * Displays each argument (figures, tables, frames, verdicts, strings…) in a notebook, or prints its text
 * outside one. Resolves to nothing, so `await show(x);` as a cell's last line adds no extra output.
 */
export async function show(...objs: unknown[]): Promise<void> {
  const bundles = await displayBundles(...objs);
  const nb = jupyter();
  for (const b of bundles) {
    if (nb) await nb.display(b, { raw: true });
    else console.log(String(b["text/plain"]));
  }
  // Deno's kernel queues display messages and sends them from another task; on a loaded machine a cell
  // could finish (and the kernel report idle) before the last ones went out, and headless runs
  // (nbconvert) lost them. A pause proportional to what was queued lets them leave first.
  if (nb && bundles.length) await new Promise((r) => setTimeout(r, 150 + JSON.stringify(bundles).length / 1000));
}
