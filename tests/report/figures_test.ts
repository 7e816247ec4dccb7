/**
 * Static export through the real plotly.js in headless Chromium, on one figure. Skipped, with a message,
 * where no Chromium is installed (bash scripts/setup.sh --figures installs Debian's).
 */
import assert from "node:assert/strict";
import {
  chromiumArgs,
  exportFigures,
  figureSize,
  fixedPdfDates,
  PRINT_SCALE,
  renderFigure,
  safeName,
  stableIds,
} from "../../lib/report/figures.ts";
import { chromiumPath as findChromium } from "../../lib/env.ts";
import { metricBars } from "../../lib/report/plots.ts";
import { buildTable } from "../../lib/report/table.ts";
import { handRecords } from "./_records.ts";

const chromium = findChromium();
if (!chromium) {
  console.error("figures_test: no Chromium installed: the export tests are skipped (bash scripts/setup.sh --figures installs it)");
}

const fig = metricBars(buildTable(handRecords()), { title: "export test: UA <b>&</b> TA" });

function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "PNG signature");
  const v = new DataView(png.buffer, png.byteOffset);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

Deno.test("Chromium is started headless, offline, with a fresh profile", () => {
  const args = chromiumArgs("/tmp/profile-x", "file:///tmp/page.html", 5000);
  for (
    const flag of [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--user-data-dir=/tmp/profile-x",
      "--dump-dom",
    ]
  ) {
    assert.ok(args.includes(flag), flag);
  }
  assert.ok(!args.some((a) => /^https?:/.test(a)), "nothing remote");
  // The layout's size: metricBars' two-column width, and a height that grows with the rows (3 methods).
  const { width, height } = figureSize(fig);
  assert.equal(width, 672);
  assert.ok(height > 120 && height < 200, `height ${height}`);
  assert.deepEqual(figureSize({ data: [], layout: {} }), { width: 800, height: 450 });
  assert.equal(safeName("05 random/tradeoff (R)"), "05_random_tradeoff_R");
  assert.notEqual(safeName("09_loss_ugradsl+"), safeName("09_loss_ugradsl"));
});

Deno.test({
  name: "one figure rendered by plotly.js in headless Chromium: SVG and PNG of the layout's size",
  ignore: !chromium,
  fn: async () => {
    const r = await renderFigure(fig, { scale: 2 });
    assert.match(r.svg, /^<svg[^>]*class="main-svg"/);
    const { width, height } = figureSize(fig);
    assert.ok(r.svg.includes(`width="${width}" height="${height}"`), "the SVG has the layout's size");
    assert.ok(r.svg.includes("UGradSL") && r.svg.includes("export test"), "method names and title are drawn");
    assert.ok(!r.svg.includes("Bars: mean over"), "the caption is not drawn into the image");
    assert.deepEqual(pngSize(r.png), { width: 2 * width, height: 2 * height });
    const svgOnly = await renderFigure(fig, { png: false });
    assert.equal(svgOnly.png.length, 0);
    assert.match(svgOnly.svg, /^<svg/);
  },
});

Deno.test({
  name: "exportFigures writes name.svg, .png, .pdf (Chromium's print), .json, and the caption beside them (.txt, .tex)",
  ignore: !chromium,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const written = await exportFigures({ "04 metrics": fig }, dir, { scale: 1, size: "column" });
      assert.deepEqual(written.map((p) => p.slice(dir.length + 1)), [
        "04_metrics.svg",
        "04_metrics.png",
        "04_metrics.pdf",
        "04_metrics.json",
        "04_metrics.txt",
        "04_metrics.tex",
      ]);
      const sized = JSON.parse(await Deno.readTextFile(`${dir}/04_metrics.json`));
      assert.equal(sized.layout.width, Math.round(3.3 * 96), "one column: 3.3 in at 96 px per inch");
      assert.deepEqual(pngSize(await Deno.readFile(`${dir}/04_metrics.png`)), figureSize(sized));
      const txt = await Deno.readTextFile(`${dir}/04_metrics.txt`);
      assert.match(txt, /^export test: UA & TA\.\nBars: mean over n = 3 seeds/);
      const tex = await Deno.readTextFile(`${dir}/04_metrics.tex`);
      assert.match(tex, /\\begin\{figure\}\[t\]/, "one column: figure, not figure*");
      assert.match(tex, /\\includegraphics\[width=\\columnwidth\]\{04_metrics\.pdf\}/);
      assert.match(tex, /\\caption\{export test: UA \\& TA\. Bars: mean over n = 3 seeds/);
      assert.match(tex, /\$D_\{\\mathrm\{f\}\}\$/, "D_f as math");
      const pdf = new TextDecoder("latin1").decode(await Deno.readFile(`${dir}/04_metrics.pdf`));
      assert.ok(pdf.startsWith("%PDF-"), "a PDF");
      assert.equal(pdf.match(/\/Type\s*\/Page\b/g)?.length, 1, "one page");
      assert.equal(PRINT_SCALE, 3, "print resolution: 3 × the layout's size, about 300 dpi");
      assert.deepEqual(sized.data, fig.data, "sizing changes the layout, never the data");
      await assert.rejects(() => exportFigures({ "a b": fig, "a_b": fig }, dir), /both be written as a_b/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "failures are errors that say what failed, never empty files",
  ignore: !chromium,
  fn: async () => {
    await assert.rejects(() => renderFigure(fig, { chromium: "/nonexistent/chromium" }), /no Chromium|did not finish|could not start/);
    const dir = await Deno.makeTempDir();
    const before = Deno.env.get("UNLEARN_PLOTLY_JS");
    try {
      Deno.env.set("UNLEARN_PLOTLY_JS", `${dir}/missing.js`);
      await assert.rejects(() => renderFigure(fig), /plotly\.js not found at/);
      await Deno.writeTextFile(`${dir}/not-plotly.js`, "// not plotly\n");
      Deno.env.set("UNLEARN_PLOTLY_JS", `${dir}/not-plotly.js`);
      await assert.rejects(() => renderFigure(fig), /plotly\.js failed on figure 0: plotly\.js did not load/);
    } finally {
      if (before === undefined) Deno.env.delete("UNLEARN_PLOTLY_JS");
      else Deno.env.set("UNLEARN_PLOTLY_JS", before);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("stableIds: the same figure with plotly's random ids writes the same bytes; another figure gets another id", () => {
  const fig = (uid: string, label: string) =>
    `<svg><defs id="defs-${uid}"><clipPath id="clip${uid}xyplot"/></defs><g clip-path="url(#clip${uid}xyplot)">${label}</g></svg>`;
  const a = stableIds(fig("e37cc7", "UA"));
  assert.equal(a, stableIds(fig("4c6eaa", "UA")));
  assert.doesNotMatch(a, /e37cc7/);
  const id = a.match(/id="defs-([0-9a-f]{6})"/)![1];
  assert.match(a, new RegExp(`url\\(#clip${id}xyplot\\)`), "every use of the id is renamed together");
  assert.notEqual(stableIds(fig("e37cc7", "TA")).match(/defs-([0-9a-f]{6})/)![1], id);
  assert.equal(stableIds("<svg></svg>"), "<svg></svg>");
});

Deno.test("fixedPdfDates: Chromium's print time is replaced in place (same length), so the same figure prints the same bytes", () => {
  const pdf = (t: string) =>
    Uint8Array.from(`%PDF-1.4\n<</CreationDate (D:${t}+00'00')\n/ModDate (D:${t}+00'00')>>\n\xe2\xe3`, (c) => c.charCodeAt(0));
  const a = fixedPdfDates(pdf("20261208004026"));
  assert.deepEqual(a, fixedPdfDates(pdf("20261208004112")));
  assert.equal(a.length, pdf("20261208004026").length);
  assert.match(new TextDecoder("latin1").decode(a), /\/CreationDate \(D:19700101000000\+00'00'\)\n\/ModDate \(D:19700101000000/);
  assert.equal(a[a.length - 1], 0xe3, "binary bytes pass through");
});
