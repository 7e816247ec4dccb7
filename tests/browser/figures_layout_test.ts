/**
 * Every committed figure (results/figures/*.json, the specs `deno task figures` exported) drawn by the
 * local plotly.js in headless Chromium at its print size and again at one-column width: no title, axis title, tick label, annotation or
 * legend entry is cut off, and no legend covers an axis's labels (tests/browser/_figure_layout.ts).
 */
import assert from "node:assert/strict";
import { ROOT } from "../../lib/env.ts";
import { MIN_PRINT_PT, PX_PER_INCH, SIZE_PRESETS, sizedFor } from "../../lib/report/figure.ts";
import type { PlotlyFigure } from "../../lib/report/figure.ts";
import { inspectFigures } from "./_figure_layout.ts";

Deno.test("every committed figure, at two-column and one-column width: nothing clipped or overlapping, every legend entry visible, print-size fonts", async () => {
  const dir = `${ROOT}results/figures`;
  const figs: Record<string, PlotlyFigure> = {};
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".json")) figs[e.name.slice(0, -5)] = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`));
  }
  assert.ok(Object.keys(figs).length >= 40, `${Object.keys(figs).length} committed figures`);
  const widths = Object.values(SIZE_PRESETS).map((p) => Math.round(p.inches * PX_PER_INCH));
  for (const [name, fig] of Object.entries(figs)) {
    assert.ok(widths.includes(Number(fig.layout.width)), `${name}: a print width (${fig.layout.width} px)`);
    const font = (fig.layout.font as { size?: number } | undefined)?.size ?? 12;
    assert.ok(font * 0.75 >= MIN_PRINT_PT, `${name}: ${font} px prints at ${font * 0.75} pt`);
    const caption = (fig.layout.meta as { caption?: string } | undefined)?.caption;
    const annotations = JSON.stringify(fig.layout.annotations ?? []);
    if (caption) assert.ok(!annotations.includes(caption.slice(0, 30)), `${name}: the caption is not drawn into the image`);
    await Deno.stat(`${dir}/${name}.txt`);
    await Deno.stat(`${dir}/${name}.tex`);
  }
  // The same figures at one-column width (what `--size column` exports).
  const column = Object.fromEntries(Object.entries(figs).map(([n, f]) => [`${n} (column)`, sizedFor(f, "column")]));
  const reports = await inspectFigures({ ...figs, ...column });
  const bad = reports.filter((r) => r.problems.length);
  assert.deepEqual(bad.map((r) => `${r.name}: ${r.problems.join("; ")}`), []);
  // It measured: texts in every figure, and the legends of the figures that have one.
  for (const r of reports) assert.ok(r.measured.texts > 3, `${r.name}: ${r.measured.texts} texts measured`);
  assert.ok(reports.some((r) => r.measured.legendEntries >= 10), "a legend of ten or more entries was measured");
});
