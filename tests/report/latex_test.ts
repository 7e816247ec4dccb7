/**
 * Print sizes, the method palette and LaTeX beside the Markdown (lib/report/figure.ts sizedFor,
 * lib/report/latex.ts).
 */
import assert from "node:assert/strict";
import { METHODS } from "../../lib/unlearn/registry.ts";
import { blockTitle, methodColor, methodLabel, MIN_PRINT_PT, PX_PER_INCH, sizedFor } from "../../lib/report/figure.ts";
import { latexFigure, latexText, toLatex } from "../../lib/report/latex.ts";
import { columnBars, metricBars, sweepLines, tradeoffScatter } from "../../lib/report/plots.ts";
import { buildTable } from "../../lib/report/table.ts";
import { handRecords, record, withGaps } from "./_records.ts";
import type { RunRecord } from "../../lib/record.ts";

/** Every font size in a layout (and its traces), in px. */
function fontSizes(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) value.forEach((v) => fontSizes(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if ((k === "font" || k === "tickfont") && v && typeof v === "object" && "size" in v) out.push(Number((v as { size: number }).size));
      fontSizes(v, out);
    }
  }
  return out;
}

Deno.test("a sized figure has the preset's width and prints no text under 7 pt", () => {
  const table = buildTable(withGaps(handRecords()));
  for (const fig of [metricBars(table), columnBars(table, "AvgGap"), tradeoffScatter(table)]) {
    for (const [preset, inches] of [["column", 3.3], ["double", 7]] as const) {
      const s = sizedFor(fig, preset);
      assert.equal(s.layout.width, Math.round(inches * PX_PER_INCH));
      const sizes = fontSizes(s.layout);
      assert.ok(sizes.length >= 3, `fonts are set (${sizes.length})`);
      for (const px of sizes) assert.ok(px * 0.75 >= MIN_PRINT_PT, `${px} px = ${px * 0.75} pt at ${preset}`);
      assert.deepEqual(s.data.map((t) => t.x), fig.data.map((t) => t.x), "data untouched");
    }
  }
});

Deno.test("one fixed, distinct colour per method; titles in words", () => {
  const colors = Object.keys(METHODS).map(methodColor);
  assert.equal(new Set(colors.map((c) => c.toLowerCase())).size, colors.length, colors.join(" "));
  // The paper's five take Okabe–Ito's colour-blind-safe colours.
  const okabeIto = ["#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"];
  for (const m of ["retrain", "ft", "ga", "ugradsl", "ugradsl+"]) assert.ok(okabeIto.includes(methodColor(m).toLowerCase()), m);
  assert.equal(methodLabel("ugradsl+", "R"), "UGradSL+ (R)");
  assert.equal(methodLabel("ugradsl", null, "ugradsl #a1b2c3"), "UGradSL #a1b2c3");
  assert.equal(blockTitle("fashion-mnist · classwise · mlp"), "Fashion-MNIST, class-wise forgetting, MLP");
});

Deno.test("(C) and (R) are told apart by hatching and marker, not only by label", () => {
  const recs: RunRecord[] = ["R", "C"].flatMap((v) =>
    [0, 1].map((seed) => ({
      ...record("ft", seed, { UA: v === "R" ? 10 : 60, MIA: 10, RA: 99, TA: 90 }),
      variant: v,
      configHash: `ft-${v}`,
    }))
  );
  recs.push(...[0, 1].map((seed) => record("retrain", seed, { UA: 12, MIA: 12, RA: 99, TA: 90 })));
  const table = buildTable(withGaps(recs));
  const bars = metricBars(table);
  const shapes = (bars.data[0].marker as { pattern: { shape: string[] } }).pattern.shape;
  const labels = bars.data[0].y as string[];
  assert.notEqual(shapes[labels.indexOf("FT (R)")], shapes[labels.indexOf("FT (C)")]);
  const scatter = tradeoffScatter(table);
  const symbols = scatter.data.filter((t) => t.name === "FT").map((t) => (t.marker as { symbol: string }).symbol);
  assert.equal(new Set(symbols).size, 2, `one symbol per selection: ${symbols}`);
  assert.equal(scatter.data.filter((t) => t.showlegend !== false).length, 2, "one legend entry per method (FT, Retrain)");
});

Deno.test("two selections with the same numbers are drawn once, as (R = C)", () => {
  const recs: RunRecord[] = ["R", "C"].flatMap((v) =>
    [0, 1].map((seed) => ({ ...record("ga", seed, { UA: 10 + seed, MIA: 10, RA: 99, TA: 90 }), variant: v, configHash: `ga-${v}` }))
  );
  recs.push(...[0, 1].map((seed) => record("retrain", seed, { UA: 12, MIA: 12, RA: 99, TA: 90 })));
  const table = buildTable(withGaps(recs));
  assert.equal(table.rows.filter((r) => r.method === "ga").length, 2, "the table keeps both rows");
  const bars = metricBars(table);
  assert.deepEqual(bars.data[0].y, ["Retrain", "GA (R = C)"]);
  assert.match(String((bars.layout.meta as { caption: string }).caption), /“R = C”: both selections gave the same numbers/);
  assert.deepEqual(columnBars(table, "AvgGap").data[0].y, ["Retrain", "GA (R = C)"]);
});

Deno.test("a diverged run is drawn as such, not left out", () => {
  const recs = withGaps([0, 1].flatMap((seed) => [
    record("retrain", seed, { UA: 12, MIA: 12, RA: 99, TA: 90 }),
    { ...record("ga", seed, { UA: NaN, MIA: NaN, RA: NaN, TA: NaN }), status: "diverged" as const },
    record("ft", seed, { UA: 5, MIA: 5, RA: 99, TA: 90 }),
  ]));
  const table = buildTable(recs);
  const bars = metricBars(table);
  const labels = bars.data[0].y as string[];
  assert.ok(labels.some((l) => /^GA † 2\/2 diverged$/.test(l)), labels.join(" | "));
  assert.match(JSON.stringify(bars.layout.annotations), /no finished run \(diverged\)/);
  assert.match(String((bars.layout.meta as { caption: string }).caption), /† runs that did not finish/);
  // A swept value whose runs all diverged (Fig. 3's α = +1) keeps its place on the axis, marked with a cross.
  const sweep = sweepLines([
    ...[0, 1].map(() => ({ x: -0.5, metrics: { UA: 10, MIA: 10, RA: 99, TA: 90 } })),
    ...[0, 1].map(() => ({ x: 1, metrics: {}, failed: true })),
  ], { symlog: true });
  const crosses = sweep.data.find((t) => t.name === "runs that diverged")!;
  assert.deepEqual(crosses.text, ["2/2 diverged"]);
  assert.equal((sweep.data[0].y as (number | null)[])[1], null, "no mean drawn where nothing finished");
  assert.match(String((sweep.layout.meta as { caption: string }).caption), /α = 1: 2 of 2/);
});

Deno.test("LaTeX: a booktabs table of mean ± half-width, text escaped, Unicode as math", () => {
  const table = buildTable(withGaps(handRecords()));
  const tex = toLatex(table);
  assert.match(tex, /\\begin\{tabular\}\{lr+\}/);
  assert.match(tex, /\\toprule/);
  assert.match(tex, /Method & UA & MIA & RA & TA/);
  assert.match(tex, /FT & 21\.00 \$\\pm\$ 2\.48/, "mean ± the 95% half-width, as in the Markdown");
  assert.match(tex, /\\textit\{synthetic data, class-wise forgetting, MLP\}/);
  assert.equal(
    latexText("UA = 100 − acc. on D_f, α ≤ 0 & 5% #1"),
    "UA = 100 $-$ acc. on $D_{\\mathrm{f}}$, $\\alpha$ $\\leq$ 0 \\& 5\\% \\#1",
  );
  assert.equal(latexText("ℓ1-sparse_x {y}"), "$\\ell_1$-sparse\\_x \\{y\\}");
  const fig = latexFigure("a.pdf", "T", "C.", { preset: "double" });
  assert.match(fig, /\\begin\{figure\*\}/);
  assert.match(fig, /width=\\textwidth/);
});
