/** Display bundles: a figure carries Plotly JSON + meaningful text + a static image; tables HTML + text. */
import assert from "node:assert/strict";
import { bundleOf, displayBundles, figureBundle, figureText, PLOTLY_MIME, show, tableBundle } from "../../lib/report/display.ts";
import { confusionFigure } from "../../lib/report/plots_mia.ts";
import { labelledBars, metricBars, sampleImagesFigure, seriesLines, sweepLines } from "../../lib/report/plots.ts";
import { figureToSvg } from "../../lib/report/svg.ts";
import { buildTable } from "../../lib/report/table.ts";
import { streisandData } from "../../lib/metrics/streisand.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";
import { handRecords } from "./_records.ts";
import { predsFromConfidence } from "../metrics/_preds.ts";

const table = buildTable(handRecords());

Deno.test("figure bundle: Plotly JSON, text/plain with the numbers, and an SVG image (fallback renderer)", async () => {
  const fig = metricBars(table);
  const b = await figureBundle(fig, "svg");
  assert.deepEqual(b[PLOTLY_MIME], fig);
  const text = String(b["text/plain"]);
  assert.match(text, /^\[figure\] synthetic · classwise · mlp: metrics per method/);
  assert.match(text, /ugradsl \(bar, 4 points\): UA → 95, MIA → 97, RA → 97, TA → 93/);
  assert.match(text, /ft \(bar, 4 points\): UA → 21 ± 2\.48/); // mean ± the 95% half-width over the three seeds
  assert.match(text, /static image: kit SVG fallback/);
  const svg = String(b["image/svg+xml"]);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  assert.equal((svg.match(/<rect [^>]*fill-opacity/g) ?? []).length, 3 * 4); // 3 methods × 4 metrics
  assert.equal(b["image/png"], undefined);
  const none = await figureBundle(fig, "none");
  assert.equal(none["image/svg+xml"], undefined);
  assert.ok(none[PLOTLY_MIME] && none["text/plain"]);
});

Deno.test("figure text: long series shortened, heatmaps as matrices or summaries", () => {
  const xs = Array.from({ length: 40 }, (_, i) => i);
  const fig = sweepLines(xs.map((x) => ({ x, metrics: { UA: x === 17 ? 99 : x } })), { metrics: ["UA"], title: "sweep" });
  const t = figureText(fig);
  assert.match(t, /UA \(scatter, 40 points\): 0 → 0, 1 → 1, 2 → 2, …, 17 → 99, …, 37 → 37, 38 → 38, 39 → 39/);
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
