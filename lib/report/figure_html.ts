/**
 * The `text/html` part of a figure's MIME bundle (lib/report/display.ts): a static image that every HTML
 * consumer shows, plus a small script that makes the figure interactive where it can. See
 * docs/notebooks.md ("What each front end shows") for the precedence of each front end.
 *
 * - The image is an `<img src="data:image/svg+xml;base64,…">`, not inline `<svg>`: nbconvert 6.5's
 *   HTML export cleans inline SVG down to its text nodes, and sanitizers (the classic Notebook's for
 *   untrusted notebooks, GitHub's) drop `<svg>` elements, while an `<img>` with a data URI survives all
 *   of them.
 * - The script runs only in the classic Notebook 6 (it needs its `Jupyter.notebook` object and
 *   RequireJS) and only when the notebook is trusted (untrusted outputs lose their scripts). It reads
 *   the figure from the same output's `application/vnd.plotly.v1+json` part, so the figure's JSON is
 *   not stored twice, and loads plotly.js from the notebook server's `/files/` route, looking for
 *   `node_modules/plotly.js-dist/plotly.js` in the notebook's folder and then each parent folder, the
 *   way Node resolves packages. Where that file is not served (the server's root does not contain the
 *   checkout), the static image stays. Nothing is fetched from the network.
 */
import type { PlotlyFigure } from "./figure.ts";

/** The attribute that marks a figure's container; its value is the figure's id. */
export const FIGURE_ATTR = "data-unlearn-figure";

/** Where the script looks for plotly.js, relative to a folder on the notebook's path (".js" added by RequireJS). */
export const PLOTLY_MODULE_PATH = "node_modules/plotly.js-dist/plotly";

/**
 * The figure's id: a hash of its JSON, so that re-executing a notebook gives the same output (no diff
 * noise) and two identical figures may share it (the script draws either from the same JSON).
 */
export async function figureId(fig: PlotlyFigure): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(fig)));
  return "uk" + [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ES5 on purpose: it runs in whatever browser opens the classic Notebook. `setTimeout`: the Notebook
// inserts an output's HTML (running its scripts) before it attaches the element to the page and before it
// records the output's data. The copy (JSON.parse) keeps Plotly from mutating the data the Notebook saves.
const SCRIPT = `(function (id) {
  var nb = window.Jupyter && window.Jupyter.notebook, req = window.require;
  if (!nb || !nb.get_cells || typeof req !== "function" || !req.config) return;
  setTimeout(function () {
    var fig = null;
    nb.get_cells().forEach(function (cell) {
      ((cell.output_area && cell.output_area.outputs) || []).forEach(function (o) {
        var d = o.data || {};
        if (!fig && d["application/vnd.plotly.v1+json"] && [].concat(d["text/html"] || []).join("").indexOf(id) >= 0) {
          fig = d["application/vnd.plotly.v1+json"];
        }
      });
    });
    var els = [].slice.call(document.querySelectorAll("[${FIGURE_ATTR}=" + id + "]"));
    if (!fig || !els.length) return;
    if (!window.unlearnKitPlotly) {
      window.unlearnKitPlotly = new Promise(function (ok, fail) {
        var dir = nb.notebook_path.split("/").slice(0, -1).map(encodeURIComponent), urls = [];
        for (var i = dir.length; i >= 0; i--) urls.push(nb.base_url + "files/" + dir.slice(0, i).concat("${PLOTLY_MODULE_PATH}").join("/"));
        /* plotly.js 3 defines no AMD module: it sets window.Plotly, which the shim hands over. */
        req.config({ paths: { "unlearn-kit-plotly": urls }, shim: { "unlearn-kit-plotly": { exports: "Plotly" } } });
        req(["unlearn-kit-plotly"], function (P) { (P || window.Plotly) ? ok(P || window.Plotly) : fail(); }, fail);
      });
    }
    window.unlearnKitPlotly.then(function (Plotly) {
      els.forEach(function (el) {
        if (el.getAttribute("data-drawn")) return;
        el.setAttribute("data-drawn", "pending");
        var f = JSON.parse(JSON.stringify(fig)), box = document.createElement("div"), img = el.querySelector("img");
        f.layout.width = f.layout.width || +el.getAttribute("data-width");
        f.layout.height = f.layout.height || +el.getAttribute("data-height");
        el.appendChild(box);
        Plotly.newPlot(box, f.data, f.layout, { displaylogo: false }).then(function () {
          if (img) img.style.display = "none";
          el.setAttribute("data-drawn", "plotly");
        }, function () { el.removeChild(box); el.setAttribute("data-drawn", "failed"); });
      });
    }, function () { /* plotly.js is not served here: the static image stays */ });
  }, 0);
})`;

// Stored once per figure: without its indentation (so the source must hold no // comments).
const SCRIPT_COMPACT = SCRIPT.replace(/\n\s*/g, " ");

const escAttr = (s: string) => s.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export interface FigureImage {
  /** A standalone SVG document. */
  svg?: string;
  /** PNG bytes (used when there is no SVG). */
  png?: Uint8Array;
}

/** Base64 of bytes (btoa needs a binary string; done in chunks to stay within argument limits). */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * plotly.js's SVG without what an image does not use, about a fifth smaller: `class` attributes (an SVG
 * shown through `<img>` carries no style sheet that could match them), empty `style`, and the empty
 * groups and paths plotly keeps as layer placeholders. Only tags change, never text.
 */
export function compactSvg(svg: string): string {
  let out = svg.replace(
    /<[^<>]*>/g,
    (tag) => tag.replace(/\s(class|style)="[^"]*"/g, (a, name) => (name === "class" || a.endsWith('""') ? "" : a)),
  );
  for (let before = ""; before !== out;) {
    before = out;
    out = out.replace(/<g\s*\/>|<g>\s*<\/g>|<path\s*\/>/g, "");
  }
  return out;
}

/** The image as a data URI, or null when there is none. */
export function imageDataUri(image: FigureImage): string | null {
  if (image.svg) return `data:image/svg+xml;base64,${toBase64(new TextEncoder().encode(compactSvg(image.svg)))}`;
  if (image.png?.length) return `data:image/png;base64,${toBase64(image.png)}`;
  return null;
}

/**
 * The figure's `text/html`: a container with the static image (shown at most at its own size, narrower
 * where the page is) and the classic-Notebook script. Null when there is no image (then the bundle's
 * text/plain is what HTML exports show).
 */
export function figureHtml(
  image: FigureImage,
  id: string,
  opts: { title: string; width: number; height: number; caption?: string },
): string | null {
  const uri = imageDataUri(image);
  if (!uri) return null;
  const { title, width, height, caption } = opts;
  // The caption is text under the image, as in a paper, not part of the image.
  const text = caption
    ? `<div class="unlearn-caption" style="max-width:${width}px;font-size:12px;line-height:1.4;color:#444;margin:4px 0 8px">` +
      `${escAttr(caption)}</div>`
    : "";
  return `<div class="unlearn-figure" ${FIGURE_ATTR}="${id}" data-width="${width}" data-height="${height}">` +
    `<img alt="${escAttr(title)}" width="${width}" height="${height}" style="max-width:100%;height:auto" src="${uri}"></div>${text}\n` +
    `<script type="text/javascript">${SCRIPT_COMPACT}("${id}");</script>`;
}
