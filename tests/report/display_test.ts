/** Display bundles: a figure carries Plotly JSON + meaningful text + a static image; tables HTML + text. */
import assert from "node:assert/strict";
import { bundleOf, displayBundles, figureBundle, figureText, PLOTLY_MIME, show, tableBundle } from "../../lib/report/display.ts";
import { compactSvg, figureHtml, figureId, toBase64 } from "../../lib/report/figure_html.ts";
import { confusionFigure } from "../../lib/report/plots_mia.ts";
import { labelledBars, metricBars, sampleImagesFigure, seriesLines, sweepLines } from "../../lib/report/plots.ts";
import { figureToSvg } from "../../lib/report/svg.ts";
import { chromiumPath as findChromium } from "../../lib/env.ts";
import { buildTable } from "../../lib/report/table.ts";
import { streisandData } from "../../lib/metrics/streisand.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";
import { handRecords } from "./_records.ts";
import { predsFromConfidence } from "../metrics/_preds.ts";

const table = buildTable(handRecords());

Deno.test("figure bundle: Plotly JSON, an <img> with the SVG in text/html, text/plain with the numbers (fallback renderer)", async () => {
  const fig = metricBars(table);
  const b = await figureBundle(fig, "svg");
  assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, "text/html", "text/plain"]);
  assert.deepEqual(b[PLOTLY_MIME], fig);
  const text = String(b["text/plain"]);
  assert.match(text, /^\[figure\] synthetic data, class-wise forgetting, MLP: UA, MIA, RA and TA per method/);
  // Small multiples: one trace per metric, the methods named in words along it.
  assert.match(text, /UA \(bar, 3 points\): Retrain → 100, FT → 21 ± 2\.48/); // mean ± the 95% half-width over the three seeds
  assert.match(text, /UGradSL → 95/);
  assert.match(text, /caption: Bars: mean over n = 3 seeds.*UA \(unlearning accuracy\) = 100 − accuracy on the forget set D_f/);
  assert.match(text, /static image: kit SVG fallback/);
  // No image/svg+xml: nbconvert's HTML export would empty an inline SVG, and text/html wins everywhere it is read.
  const html = String(b["text/html"]);
  const uri = html.match(/<img [^>]*src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/);
  assert.ok(uri, html.slice(0, 300));
  const svg = new TextDecoder().decode(Uint8Array.from(atob(uri[1]), (c) => c.charCodeAt(0)));
  assert.equal(svg, compactSvg(figureToSvg(fig)), "the data URI holds the rendered SVG");
  assert.equal((svg.match(/<rect [^>]*fill-opacity/g) ?? []).length, 3 * 4); // 3 methods × 4 metrics
  const size = `width="${fig.layout.width}" height="${fig.layout.height}"`;
  assert.ok(
    html.includes(`<img alt="synthetic data, class-wise forgetting, MLP: UA, MIA, RA and TA per method" ${size}`),
    "the figure's own size",
  );
  assert.match(html, /<div class="unlearn-caption"[^>]*>Bars: mean over n = 3 seeds/, "the caption is text under the image");
  assert.ok(!svg.includes("Bars: mean over"), "and not in the image");
  const id = html.match(/data-unlearn-figure="(uk[0-9a-f]{16})"/)?.[1];
  assert.ok(id && html.includes(`("${id}");`), "the script is called with the container's id");
  const script = html.match(/<script type="text\/javascript">([\s\S]*)<\/script>$/)?.[1];
  assert.ok(script && !script.includes("\n"), "one line");
  new Function(script); // parses (a stray // comment would swallow the rest of the line)
  const run = new Function("window", "document", "setTimeout", script);
  run({}, {}, () => assert.fail("outside the classic Notebook it does nothing")); // no Jupyter.notebook: returns at once
  assert.equal(id, await figureId(fig), "the id is the figure's content hash: re-running a notebook changes no output");
  assert.notEqual(await figureId(sweepLines([{ x: 0, metrics: { UA: 1 } }])), id);
  const none = await figureBundle(fig, "none");
  assert.deepEqual(Object.keys(none).sort(), [PLOTLY_MIME, "text/plain"], "no image: exports fall back to the text");
});

Deno.test("figure HTML: PNG when there is no SVG; titles escaped; no image, no HTML", () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const h = figureHtml({ png }, "ukx", { title: 'a "b" <c>', width: 10, height: 20 })!;
  assert.match(h, /src="data:image\/png;base64,iVBORwECAw=="/);
  assert.match(h, /alt="a &quot;b&quot; &lt;c&gt;"/);
  assert.equal(figureHtml({}, "ukx", { title: "", width: 1, height: 1 }), null);
  assert.equal(
    compactSvg(
      '<svg class="main-svg" style=""><g class="a"><g class="b"/><path class="x"/></g><text class="t" style="fill: red">a class="b"</text></svg>',
    ),
    '<svg><text style="fill: red">a class="b"</text></svg>',
    "classes, empty styles, and groups and paths left empty go; text stays",
  );
  assert.equal(toBase64(new Uint8Array(100_000).fill(255)).length, Math.ceil(100_000 / 3) * 4);
});

Deno.test("figure text: long series shortened, heatmaps as matrices or summaries", () => {
  const xs = Array.from({ length: 40 }, (_, i) => i);
  const fig = sweepLines(xs.map((x) => ({ x, metrics: { UA: x === 17 ? 99 : x } })), { metrics: ["UA"], title: "sweep" });
  const t = figureText(fig);
  assert.match(t, /UA \(%\) \(scatter, 40 points\): 0 → 0, 1 → 1, 2 → 2, …, 17 → 99, …, 37 → 37, 38 → 38, 39 → 39/);
  const s = streisandData(
    {
      forget: predsFromConfidence([0.2], [1], 2),
      retain: predsFromConfidence([0.9], [0], 2),
      test: predsFromConfidence([0.9, 0.8], [0, 1], 2),
    },
    ["a", "b"],
  );
  const ct = figureText(confusionFigure(s));
  assert.match(ct, /D_f \(forgotten\) \(heatmap 2×2; rows = true class\):\n\s+a\s+0\.00\s+0\.00\n\s+b\s+1\.00\s+0\.00/);
  const titled = figureText({ data: [], layout: { title: { text: "α (< 0: NLS, > 0: PLS) <b>bold</b>" } } });
  assert.equal(titled, "[figure] α (< 0: NLS, > 0: PLS) bold", "tags go, comparison signs stay");
  const img = figureText(sampleImagesFigure(makeSynthetic().train));
  assert.match(img, /\(heatmap 6×6, values .*, mean .*\)|\(heatmap 6×6; rows/);
});

Deno.test("the SVG fallback draws every kit chart type without throwing", () => {
  const s = streisandData(
    {
      forget: predsFromConfidence([0.2, 0.3], [1, 0], 2),
      retain: predsFromConfidence([0.9], [0], 2),
      test: predsFromConfidence([0.9, 0.8], [0, 1], 2),
    },
    ["a", "b"],
  );
  for (
    const fig of [
      confusionFigure(s),
      labelledBars([{ label: "a", value: 1, error: 0.5, color: "#000" }, { label: "b", value: 2 }], { title: "bars" }),
      seriesLines({ "ga TA": [{ x: 0, y: 90 }, { x: 1, y: 80 }] }, { title: "per epoch", xTitle: "epoch", yTitle: "TA (%)" }),
      sweepLines([{ x: -1, metrics: { UA: 50, TA: 80 } }, { x: 0, metrics: { UA: 10, TA: 85 } }], { reference: { UA: 40 } }),
      sampleImagesFigure(makeSynthetic().train),
      {
        data: [{ type: "scatter", x: [1e-3, 1e-2, 1], y: [1e-3, 0.1, 1], mode: "lines" }, { type: "pie", values: [1] }],
        layout: { xaxis: { type: "log" }, yaxis: { type: "log" } },
      },
    ]
  ) {
    const svg = figureToSvg(fig);
    assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
    assert.ok(!/NaN|undefined/.test(svg), svg.slice(0, 400));
  }
  assert.match(figureToSvg({ data: [{ type: "pie", values: [1] }], layout: {} }), /not drawn here \(needs plotly\.js\): pie/);
});

Deno.test("table bundle: HTML and Markdown text; strings are Markdown; objects with a Jupyter method keep theirs", () => {
  const b = tableBundle(table);
  assert.match(String(b["text/html"]), /<table>/);
  assert.match(String(b["text/plain"]), /\| ugradsl \| 95\.00 ± 0\.00 \| 97\.00 ± 0\.00/);
  assert.deepEqual(bundleOf(table), b);
  assert.deepEqual(bundleOf("**x**"), { "text/markdown": "**x**", "text/plain": "**x**" });
  const own = { [Symbol.for("Jupyter.display")]: () => ({ "text/plain": "mine" }) };
  assert.deepEqual(bundleOf(own), { "text/plain": "mine" });
});

Deno.test("show outside a notebook prints each object's text; displayBundles keeps argument order", async () => {
  const printed: string[] = [];
  const log = console.log;
  const before = Deno.env.get("UNLEARN_FIGURE_IMAGES");
  Deno.env.set("UNLEARN_FIGURE_IMAGES", "svg");
  console.log = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    await show("hello", metricBars(table), table);
    const bundles = await displayBundles(table, metricBars(table));
    assert.ok("text/html" in bundles[0] && PLOTLY_MIME in bundles[1]);
  } finally {
    console.log = log;
    if (before === undefined) Deno.env.delete("UNLEARN_FIGURE_IMAGES");
    else Deno.env.set("UNLEARN_FIGURE_IMAGES", before);
  }
  assert.equal(printed.length, 3);
  assert.equal(printed[0], "hello");
  assert.match(printed[1], /^\[figure\]/);
  assert.match(printed[2], /^\*\*synthetic · classwise · mlp\*\*/);
});

Deno.test({
  name: "figure bundle from plotly.js in Chromium: SVG by default, PNG when asked (for sanitizers that blank SVG data URIs)",
  ignore: !findChromium(),
  async fn() {
    const fig = metricBars(table);
    const [svg, png] = [await figureBundle(fig, "chromium"), await figureBundle(fig, "png")];
    assert.match(String(svg["text/html"]), /src="data:image\/svg\+xml;base64,/);
    assert.match(String(svg["text/plain"]), /static image: plotly\.js in headless Chromium\)$/);
    const b64 = String(png["text/html"]).match(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/)?.[1];
    assert.ok(b64, "a PNG data URI");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    assert.deepEqual([view.getUint32(16), view.getUint32(20)], [fig.layout.width, fig.layout.height], "PNG at 1×, the figure's size");
    assert.match(String(png["text/plain"]), /static image: plotly\.js in headless Chromium, PNG\)$/);
  },
});
