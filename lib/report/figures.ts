/**
 * Static images of Plotly figures, rendered by the real plotly.js in Debian's headless Chromium
 * (docs/toolchain.md §2): a page in a fresh temporary folder loads the local copy of
 * `plotly.js-dist` from node_modules through a file:// URL, calls `Plotly.toImage` for every figure, and
 * writes the results into the DOM, which `chromium --headless --dump-dom` prints. Nothing is downloaded:
 * Chromium runs with networking, updates and sync off, in a fresh --user-data-dir that is removed after.
 * One Chromium run renders a whole batch (start-up, ~2 s, is most of the cost).
 *
 * `findChromium()` is null where no Chromium is installed (scripts/setup.sh --figures installs Debian's);
 * callers then skip export with a message, and notebooks fall back to lib/report/svg.ts.
 */
import type { PlotlyFigure, SizePreset } from "./figure.ts";
import { figureCaption, figureTitle, sizedFor } from "./figure.ts";
import { latexFigure } from "./latex.ts";
import { chromiumPath, plotlyJsPath } from "../env.ts";
import { writeFileAtomic } from "../record.ts";
import type { Browser } from "puppeteer-core";

export interface Rendered {
  /** A standalone SVG document. */
  svg: string;
  /** Empty when not asked for (`png: false`). */
  png: Uint8Array;
}

export interface RenderOptions {
  /** Chromium binary (default: findChromium()). */
  chromium: string;
  /** Pixel ratio of the PNG (the SVG is resolution-free). */
  scale: number;
  /** Also render PNG (notebooks keep only the smaller SVG). */
  png: boolean;
  /** Kill Chromium after this long. */
  timeoutMs: number;
  /** Default size for figures whose layout gives none. */
  width: number;
  height: number;
}

const DEFAULTS = { scale: 2, png: true, timeoutMs: 120_000, width: 800, height: 450 };

/** The flags the environment notes prescribe: headless, offline, no sandbox (containers run as root). */
export function chromiumArgs(userDataDir: string, url: string, budgetMs: number): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--allow-file-access-from-files",
    `--user-data-dir=${userDataDir}`,
    // Virtual time lets the page's promises (Plotly.toImage) settle before the DOM is dumped.
    `--virtual-time-budget=${budgetMs}`,
    "--dump-dom",
    url,
  ];
}

/** Where Chromium and plotly.js are (lib/env.ts reads their variables). */

/** Size the figure asks for, else the defaults. */
export function figureSize(
  fig: PlotlyFigure,
  defaults = { width: DEFAULTS.width, height: DEFAULTS.height },
): { width: number; height: number } {
  const w = Number(fig.layout.width);
  const h = Number(fig.layout.height);
  return { width: Number.isFinite(w) && w > 0 ? w : defaults.width, height: Number.isFinite(h) && h > 0 ? h : defaults.height };
}

const MARK = "unlearn-kit-figures";

function pageHtml(figs: PlotlyFigure[], plotlyUrl: string, opts: { scale: number; png: boolean; width: number; height: number }): string {
  const jobs = figs.map((f) => ({ fig: f, ...figureSize(f, opts) }));
  // JSON inside <script>: escape "<" so no "</script>" in a title can end the element.
  const payload = JSON.stringify(jobs).replaceAll("<", "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"><script src="${plotlyUrl}"></script></head><body>
<script id="jobs" type="application/json">${payload}</script><pre id="${MARK}">pending</pre>
<script>
(async () => {
  const out = [];
  const jobs = JSON.parse(document.getElementById("jobs").textContent);
  for (const j of jobs) {
    try {
      if (typeof Plotly === "undefined") throw new Error("plotly.js did not load from ${plotlyUrl}");
      const o = { width: j.width, height: j.height };
      // Each trace named by its place, not by plotly's random uid (its SVG class), so the same figure gives the same file.
      (j.fig.data || []).forEach((t, i) => { if (t.uid === undefined) t.uid = "t" + i; });
      const svg = await Plotly.toImage(j.fig, { ...o, format: "svg" });
      const png = ${opts.png} ? await Plotly.toImage(j.fig, { ...o, format: "png", scale: ${opts.scale} }) : "";
      out.push({ svg, png });
    } catch (e) {
      out.push({ error: String(e && e.message || e) });
    }
  }
  const json = JSON.stringify(out);
  const bytes = new TextEncoder().encode(json);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  document.getElementById("${MARK}").textContent = "OK:" + btoa(bin) + ":END";
})();
</script></body></html>`;
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function decodeDataUrl(url: string): { mime: string; bytes: Uint8Array } {
  const m = url.match(/^data:([^;,]+)(;base64)?,(.*)$/s);
  if (!m) throw new Error(`not a data URL: ${url.slice(0, 40)}…`);
  const bytes = m[2] ? decodeBase64(m[3]) : new TextEncoder().encode(decodeURIComponent(m[3]));
  return { mime: m[1], bytes };
}

/**
 * plotly.js names a figure's clip paths and gradients after a random six-hex id (`defs-e37cc7`, `clipe37cc7x`…), so
 * the same figure drawn twice gave two different files. The id is replaced by one computed from the SVG with the id
 * blanked (FNV-1a), so the same figure always writes the same bytes and two figures on one page still differ.
 */
export function stableIds(svg: string): string {
  const uid = svg.match(/id="defs-([0-9a-f]{6})"/)?.[1];
  if (!uid) return svg;
  const parts = svg.split(uid);
  let h = 0x811c9dc5;
  for (const ch of parts.join("")) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return parts.join((h & 0xffffff).toString(16).padStart(6, "0"));
}

/**
 * Chromium stamps a PDF with the time it printed it (/CreationDate, /ModDate); both are set to 1970-01-01 in place
 * (the same number of bytes, so the cross-reference offsets hold), so the same figure prints the same file.
 */
export function fixedPdfDates(pdf: Uint8Array): Uint8Array {
  const text = new TextDecoder("latin1").decode(pdf);
  const fixed = text.replace(/(\/(?:CreationDate|ModDate) ?\(D:)\d{14}/g, "$119700101000000");
  if (fixed === text) return pdf;
  return Uint8Array.from(fixed, (c) => c.charCodeAt(0));
}

/**
 * Renders figures to SVG and PNG in one headless Chromium run. Throws (with Chromium's last stderr
 * lines) when Chromium is missing, fails, times out, or plotly.js fails on a figure.
 */
export async function renderFigures(figs: PlotlyFigure[], options: Partial<RenderOptions> = {}): Promise<Rendered[]> {
  if (figs.length === 0) return [];
  const opts = { ...DEFAULTS, ...options };
  const chromium = options.chromium ?? chromiumPath();
  if (!chromium) throw new Error("no Chromium found: install Debian's (bash scripts/setup.sh --figures) or set UNLEARN_CHROMIUM");
  const plotly = plotlyJsPath();
  try {
    await Deno.stat(plotly);
  } catch {
    throw new Error(`plotly.js not found at ${plotly}: run npm install (package.json pins plotly.js-dist)`);
  }
  const dir = await Deno.makeTempDir({ prefix: "unlearn-figures-" });
  try {
    const page = `${dir}/page.html`;
    await Deno.writeTextFile(page, pageHtml(figs, `file://${plotly}`, opts));
    const budget = Math.min(opts.timeoutMs, 10_000 + 5_000 * figs.length);
    const cmd = new Deno.Command(chromium, {
      args: chromiumArgs(`${dir}/profile`, `file://${page}`, budget),
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
      signal: AbortSignal.timeout(opts.timeoutMs),
      env: { HOME: dir },
    });
    let res: Deno.CommandOutput;
    try {
      res = await cmd.output();
    } catch (e) {
      throw new Error(`Chromium (${chromium}) did not finish within ${opts.timeoutMs} ms or could not start: ${(e as Error).message}`);
    }
    const dom = new TextDecoder().decode(res.stdout);
    const m = dom.match(/OK:([A-Za-z0-9+/=]+):END/);
    if (!m) {
      const err = new TextDecoder().decode(res.stderr).split("\n").filter((l) => l && !/dbus|Fontconfig/i.test(l)).slice(-5).join("\n");
      const state = dom.match(new RegExp(`<pre id="${MARK}">([^<]{0,200})`))?.[1] ?? "no page";
      throw new Error(`Chromium exited ${res.code} without rendering (page state: ${state})${err ? `:\n${err}` : ""}`);
    }
    const results = JSON.parse(new TextDecoder().decode(decodeBase64(m[1]))) as { svg?: string; png?: string; error?: string }[];
    return results.map((r, i) => {
      if (r.error || !r.svg || (opts.png && !r.png)) throw new Error(`plotly.js failed on figure ${i}: ${r.error ?? "no image"}`);
      return {
        svg: stableIds(new TextDecoder().decode(decodeDataUrl(r.svg).bytes)),
        png: r.png ? decodeDataUrl(r.png).bytes : new Uint8Array(),
      };
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Renders one figure. */
export async function renderFigure(fig: PlotlyFigure, options: Partial<RenderOptions> = {}): Promise<Rendered> {
  return (await renderFigures([fig], options))[0];
}

/** A file-name-safe version of a figure name ("ugradsl+" becomes "ugradsl-plus", so it stays apart from "ugradsl"). */
export function safeName(name: string): string {
  return name.replaceAll("+", "-plus").replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "") || "figure";
}

/** The PNG pixel ratio of exported figures: 3 × the layout's size, 288 dpi at print size (96 px per inch). */
export const PRINT_SCALE = 3;

/** A headless Chromium under puppeteer-core and the temporary folder holding its profile (and HOME). */
export interface HeadlessChromium {
  browser: Browser;
  dir: string;
  /** Ends the browser and removes the folder. */
  close(): Promise<void>;
}

/**
 * Starts `chromium` headless under puppeteer-core (the system Chromium, nothing downloaded) with the kit's
 * offline flags (`chromiumArgs`, without its one-shot --dump-dom run) and a fresh profile in a temporary
 * folder named by `prefix`. The printing here and the browser tests share it.
 */
export async function launchChromium(chromium: string, prefix: string): Promise<HeadlessChromium> {
  // Loaded here only: showing a figure in a notebook does not pay for the DevTools client.
  const { default: puppeteer } = await import("puppeteer-core");
  const dir = await Deno.makeTempDir({ prefix });
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: chromiumArgs(`${dir}/profile`, "about:blank", 0).filter((a) =>
      !/^--(headless|dump-dom|virtual-time-budget|user-data-dir)|^about:/.test(a)
    ),
    userDataDir: `${dir}/profile`,
    env: { ...Deno.env.toObject(), HOME: dir },
  });
  return {
    browser,
    dir,
    close: async () => {
      await browser.close().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The browser that prints PDFs (started early by `exportFigures`, while the figures render). */
function pdfBrowser(chromium = chromiumPath()): Promise<HeadlessChromium> {
  if (!chromium) throw new Error("no Chromium found: install Debian's (bash scripts/setup.sh --figures) or set UNLEARN_CHROMIUM");
  return launchChromium(chromium, "unlearn-pdf-");
}

/**
 * PDFs of rendered SVGs through Chromium's print (DevTools `Page.printToPDF`, driven by puppeteer-core with
 * the system Chromium; nothing downloaded): one page per figure, the page the figure's size, the SVG kept
 * as vector graphics. One browser prints the whole batch.
 */
export async function printPdfs(
  svgs: { svg: string; width: number; height: number }[],
  options: { chromium?: string; browser?: Promise<HeadlessChromium> } = {},
): Promise<Uint8Array[]> {
  if (svgs.length === 0) {
    await (await options.browser)?.close();
    return [];
  }
  const headless = await (options.browser ?? pdfBrowser(options.chromium));
  try {
    const page = await headless.browser.newPage();
    const out: Uint8Array[] = [];
    for (const { svg, width, height } of svgs) {
      await page.setContent(
        `<!doctype html><html><head><meta charset="utf-8"><style>@page { size: ${width}px ${height}px; margin: 0 }` +
          ` html, body { margin: 0; padding: 0; background: white } svg { display: block }</style></head><body>${svg}</body></html>`,
      );
      const pdf = await page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: "1" });
      out.push(fixedPdfDates(new Uint8Array(pdf)));
    }
    return out;
  } finally {
    await headless.close();
  }
}

/**
 * Renders named figures at a print size and writes, for each, `<dir>/<name>.svg`, `.png` (at
 * `PRINT_SCALE` unless `scale` says otherwise), `.pdf` (Chromium's print of the SVG, vector, the page the
 * figure's print size; `pdf: false` skips it), `.json` (the sized spec, so any Plotly can redraw it), and
 * the caption beside the image, never in it: `.txt` (title and caption as plain text) and `.tex` (a LaTeX
 * figure environment including the PDF, for `\input`). `size` is the print width (figure.ts
 * `SIZE_PRESETS`: "column" ≈ 3.3 in, "double" ≈ 7 in, the default; "none" keeps the layout's own size).
 * Returns the paths written.
 *
 * ```ts
 * import { exportFigures } from "./lib/report/figures.ts";
 * import { metricBars } from "./lib/report/plots.ts";
 * import { buildTable } from "./lib/report/table.ts";
 * import { readRecords } from "./lib/record.ts";
 * const table = buildTable(await readRecords(["results/main"]));
 * await exportFigures({ main_metrics: metricBars(table) }, "paper/figures", { size: "column" });
 * // paper/figures/main_metrics.{pdf,png,svg,json,txt,tex}; in the paper: \input{figures/main_metrics.tex}
 * ```
 */
export async function exportFigures(
  figs: Record<string, PlotlyFigure>,
  dir: string,
  options: Partial<RenderOptions> & { pdf?: boolean; size?: SizePreset | "none" } = {},
): Promise<string[]> {
  const size = options.size ?? "double";
  const sized: Record<string, PlotlyFigure> = Object.fromEntries(
    Object.entries(figs).map(([n, f]) => [n, size === "none" ? f : sizedFor(f, size)]),
  );
  figs = sized;
  const names = Object.keys(figs);
  const files = names.map(safeName);
  const clash = files.find((f, i) => files.indexOf(f) !== i);
  if (clash) throw new Error(`two figures would both be written as ${clash}: ${names.filter((n) => safeName(n) === clash).join(", ")}`);
  // The printing browser starts while the figures render (each start is ~2 s of the export).
  const browser = options.pdf === false || names.length === 0 ? undefined : pdfBrowser(options.chromium);
  let rendered: Rendered[];
  try {
    rendered = await renderFigures(names.map((n) => figs[n]), { scale: PRINT_SCALE, ...options });
  } catch (e) {
    await (await browser?.catch(() => undefined))?.close();
    throw e;
  }
  const pdfs = browser ? await printPdfs(names.map((n, i) => ({ svg: rendered[i].svg, ...figureSize(figs[n]) })), { browser }) : [];
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [i, n] of names.entries()) {
    const base = `${dir}/${safeName(n)}`;
    await writeFileAtomic(`${base}.svg`, rendered[i].svg);
    await writeFileAtomic(`${base}.png`, rendered[i].png);
    written.push(`${base}.svg`, `${base}.png`);
    if (pdfs[i]) {
      await writeFileAtomic(`${base}.pdf`, pdfs[i]);
      written.push(`${base}.pdf`);
    }
    await writeFileAtomic(`${base}.json`, JSON.stringify(figs[n]) + "\n");
    const title = figureTitle(figs[n]).replaceAll("<br>", " ").replace(/<[^>]+>/g, "");
    const caption = figureCaption(figs[n]);
    await writeFileAtomic(`${base}.txt`, `${title}.\n${caption ? `${caption}\n` : ""}`);
    const preset = size === "column" ? "column" : "double";
    await writeFileAtomic(`${base}.tex`, latexFigure(`${safeName(n)}${pdfs[i] ? ".pdf" : ".png"}`, title, caption, { preset }));
    written.push(`${base}.json`, `${base}.txt`, `${base}.tex`);
  }
  return written;
}
