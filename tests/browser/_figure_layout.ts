/**
 * Draws figures with the local plotly.js in headless Chromium (puppeteer-core, Debian's Chromium, offline)
 * and measures what a reader would see: every title, axis title, tick label, annotation and legend entry
 * must lie inside the image, every legend entry inside the legend's box (plotly clips a legend taller
 * than its room, hiding the last entries), and the legend must not cover axis titles or tick labels.
 * Returns one line per problem; an empty list means nothing is clipped.
 */
import { launchChromium } from "../../lib/report/figures.ts";
import { chromiumPath as findChromium, plotlyJsPath } from "../../lib/env.ts";
import type { PlotlyFigure } from "../../lib/report/figure.ts";

export interface LayoutReport {
  name: string;
  problems: string[];
  /** Counts of what was measured, so a test can tell that it measured something. */
  measured: { texts: number; legendEntries: number; width: number; height: number };
}

// Runs in the page: plain JS (no closures over Deno values).
const MEASURE = `async (fig) => {
  const host = document.createElement("div");
  document.body.appendChild(host);
  await Plotly.newPlot(host, fig.data, fig.layout, { staticPlot: true });
  const svg = host.querySelector("svg.main-svg").getBoundingClientRect();
  const inside = (r, box, tol) => r.left >= box.left - tol && r.right <= box.right + tol && r.top >= box.top - tol && r.bottom <= box.bottom + tol;
  const overlap = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const problems = [];
  const texts = [...host.querySelectorAll(".gtitle, .g-xtitle text, .g-ytitle text, [class*='g-x'] .xtitle, [class*='g-y'] .ytitle, .xtick text, .ytick text, .annotation-text, .legendtext, .cbaxis text")];
  let count = 0;
  for (const el of texts) {
    const text = (el.textContent || "").trim();
    if (!text) continue;
    count++;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (!inside(r, svg, 1.5)) problems.push("outside the image: " + el.getAttribute("class") + " '" + text.slice(0, 60) + "'");
  }
  // Annotations (panel titles, cut-bar values, notes) must not run into each other or into the title.
  const notes = [...host.querySelectorAll(".annotation-text, .gtitle")].filter((e) => (e.textContent || "").trim());
  for (let i = 0; i < notes.length; i++) {
    for (let j = i + 1; j < notes.length; j++) {
      if (overlap(notes[i].getBoundingClientRect(), notes[j].getBoundingClientRect()) > 4) {
        problems.push("overlapping texts: '" + notes[i].textContent.slice(0, 30) + "' and '" + notes[j].textContent.slice(0, 30) + "'");
      }
    }
  }
  const legend = host.querySelector(".legend");
  let entries = 0;
  if (legend) {
    const bg = legend.querySelector(".bg").getBoundingClientRect();
    for (const t of legend.querySelectorAll(".traces")) {
      entries++;
      const r = t.getBoundingClientRect();
      const label = (t.querySelector(".legendtext") || {}).textContent || "?";
      if (!inside(r, bg, 1.5)) problems.push("legend entry cut: '" + label + "'");
    }
    for (const el of host.querySelectorAll(".g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .gtitle")) {
      const r = el.getBoundingClientRect();
      if ((el.textContent || "").trim() && overlap(r, bg) > 4) problems.push("legend covers '" + el.textContent.trim().slice(0, 40) + "'");
    }
  }
  Plotly.purge(host);
  host.remove();
  return { problems, texts: count, legendEntries: entries, width: svg.width, height: svg.height };
}`;

/** Measures each figure at its layout's size; throws when Chromium or plotly.js is missing. */
export async function inspectFigures(figs: Record<string, PlotlyFigure>): Promise<LayoutReport[]> {
  const chromium = findChromium();
  if (!chromium) throw new Error("no Chromium: run ./kit setup --figures");
  const { browser, dir, close } = await launchChromium(chromium, "unlearn-layout-");
  try {
    const page = await browser.newPage();
    await page.goto(`file://${dir}/blank.html`).catch(() => {});
    await page.setContent(`<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0"></body></html>`);
    await page.addScriptTag({ path: plotlyJsPath() });
    const out: LayoutReport[] = [];
    for (const [name, fig] of Object.entries(figs)) {
      const r = await page.evaluate(
        `(${MEASURE})(${JSON.stringify(fig)})`,
      ) as { problems: string[]; texts: number; legendEntries: number; width: number; height: number };
      out.push({
        name,
        problems: r.problems,
        measured: { texts: r.texts, legendEntries: r.legendEntries, width: r.width, height: r.height },
      });
    }
    return out;
  } finally {
    await close();
  }
}
