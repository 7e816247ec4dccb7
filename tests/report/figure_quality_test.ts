/**
 * What makes a figure paper-grade (issue 13): whiskers clipped to the metric's range, a caption naming n
 * on every figure, a symmetric-log α axis, human labels, bars from zero, Retrain drawn on top.
 */
import assert from "node:assert/strict";
import { CHAPTERS } from "../../lib/report/chapters.ts";
import { ablationFigures } from "../../lib/report/ablation_report.ts";
import { clippedErrors, figureCaption, symlogAxis } from "../../lib/report/figure.ts";
import type { PlotlyFigure } from "../../lib/report/figure.ts";
import { columnBars, labelledBars, tradeoffScatter } from "../../lib/report/plots.ts";
import { figureText } from "../../lib/report/display.ts";
import { figureToSvg } from "../../lib/report/svg.ts";
import { axisLabel, buildTable } from "../../lib/report/table.ts";
import type { RunRecord } from "../../lib/record.ts";
import { handRecords, record, withGaps } from "./_records.ts";

type Trace = { x: unknown[]; y: (number | null)[]; error_y?: { array: number[]; arrayminus?: number[] }; marker?: { symbol?: string } };
type Axis = { title?: { text?: string }; range?: number[]; tickvals?: number[]; ticktext?: string[] };

/** Five seeds of a Fig. 3 sweep and Table 8 rows, UA near 100 so that unclipped whiskers would leave [0, 100]. */
function ablationRecords(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const seed of [0, 1, 2, 3, 4]) {
    const wobble = (seed - 2) * 1.5;
    for (const a of [-4, -2, -1, -0.5, -0.25, 0, 0.25, 0.5]) {
      const r = record("ugradsl+", seed, { UA: Math.min(100, 98 + wobble - a), MIA: 50, RA: 99.5 + wobble / 10, TA: 85 }, {
        paradigm: "random",
      });
      out.push({ ...r, variant: `a${a}`, configHash: `fig3-${a}`, tags: { ablation: "fig3" }, methodOptions: { smoothRate: a } });
    }
    for (const v of ["ga", "ga+gm", "ft", "ft+gm+nls", "retrain"]) {
      const r = record(v === "retrain" ? "retrain" : "ugradsl", seed, { UA: 10 + seed, MIA: 20, RA: 99, TA: 85 }, { paradigm: "random" });
      out.push({ ...r, variant: v, configHash: `t8-${v}`, tags: { ablation: "table8", ...(v === "retrain" ? { reference: true } : {}) } });
    }
  }
  return withGaps(out);
}

const allFigures = (): Record<string, PlotlyFigure> => ({
  ...CHAPTERS["04"].figures(withGaps(handRecords())),
  ...ablationFigures(ablationRecords()),
});

Deno.test("a clipped whisker never leaves the metric's range", () => {
  const means = [99.5, 0.3, 50, 100, 0, NaN];
  const halves = [3, 2, 10, 0.5, 7, 1];
  const e = clippedErrors(means, halves, [0, 100]);
  means.forEach((m, i) => {
    if (!Number.isFinite(m)) return;
    assert.ok(m + e.array[i] <= 100 + 1e-12 && m - e.arrayminus[i] >= -1e-12, `${m} +${e.array[i]} −${e.arrayminus[i]}`);
  });
  assert.deepEqual([e.array[2], e.arrayminus[2]], [10, 10], "an interval inside the range is kept whole");
  assert.equal(e.symmetric, false);
  // Every whisker of every figure of notebooks 04 and 08 stays in [0, 100] (Sum: [0, 400]).
  for (const [name, fig] of Object.entries(allFigures())) {
    const top = name.includes("sum") ? 400 : 100;
    for (const t0 of fig.data as (Trace & { orientation?: string; error_x?: Trace["error_y"] })[]) {
      // Horizontal bars carry their values on x and their whiskers in error_x.
      const t = t0.orientation === "h" ? { y: t0.x as (number | null)[], error_y: t0.error_x } : t0;
      t.y.forEach((v, i) => {
        if (v === null || !t.error_y) return;
        assert.ok(v + t.error_y.array[i] <= top + 1e-9, `${name}: ${v} + ${t.error_y.array[i]}`);
        assert.ok(v - (t.error_y.arrayminus ?? t.error_y.array)[i] >= -1e-9, `${name}: ${v} − whisker`);
      });
    }
  }
});

Deno.test("every figure has a caption that gives n and says what the marks and whiskers are", () => {
  const figs = allFigures();
  assert.ok(Object.keys(figs).length >= 5, Object.keys(figs).join(", "));
  for (const [name, fig] of Object.entries(figs)) {
    const caption = figureCaption(fig);
    assert.ok(caption, `${name} has a caption`);
    assert.match(caption!, /n = \d/, `${name}: ${caption}`);
    assert.match(caption!, /whiskers|no whiskers/, `${name}: ${caption}`);
    assert.ok(figureText(fig).includes("caption:"), `${name}: the text fallback carries the caption`);
    // A paper sets captions in its own type: the image holds none.
    assert.ok(!figureToSvg(fig).includes(caption!.split(" ").slice(0, 4).join(" ")), `${name}: the SVG fallback leaves it out`);
    assert.ok(!JSON.stringify(fig.layout.annotations ?? []).includes(caption!.slice(0, 30)), `${name}: no caption annotation`);
    assert.doesNotMatch(caption!, /docs\/|evidence\.md/, `${name}: the caption cites no internal docs`);
    if (/UA/.test(caption!) && /accuracy on/.test(caption!)) {
      assert.doesNotMatch(caption!, /UA[^.;]*: accuracy on D_f/, `${name}: UA is not the accuracy on D_f`);
    }
  }
  assert.match(figureCaption(figs.metrics)!, /UA \(unlearning accuracy\) = 100 − accuracy on the forget set D_f/);
  assert.match(figureCaption(figs.fig3_sweep)!, /n = 5 seeds; whiskers: 95% Student-t interval .* clipped to \[0, 100\]/);
});

Deno.test("the smooth-rate axis is symmetric-log, its ticks named by the real α", () => {
  const fig = allFigures().fig3_sweep;
  const axis = fig.layout.xaxis as Axis;
  const alphas = [-4, -2, -1, -0.5, -0.25, 0, 0.25, 0.5];
  const { at } = symlogAxis(alphas, "α");
  assert.deepEqual((fig.data[0] as Trace).x, alphas.map(at));
  assert.deepEqual(axis.ticktext, ["−4", "−2", "−1", "−0.5", "−0.25", "0", "0.25", "0.5"]);
  assert.match(axis.title!.text!, /symmetric-log/);
  // Linear α squeezed six of eight points into an eighth of the axis; here neighbours are at least 0.1 apart.
  const xs = alphas.map(at);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] - xs[i - 1] > 0.1, `${alphas[i - 1]} → ${alphas[i]}`);
  assert.equal(at(0), 0);
  assert.equal(at(-2), -at(2));
  // A wide sweep gets 0 and ±1, 3 × 10^k ticks.
  const wide = symlogAxis([-3.16, -1, -0.3, -0.1, -0.03, -0.01, ...Array.from({ length: 20 }, (_, i) => -0.01 * (i + 1)), 0, 1], "α");
  assert.ok((wide.axis.ticktext as string[]).includes("0") && (wide.axis.ticktext as string[]).includes("−0.1"));
});

Deno.test("labels are human, bars start at zero, a runaway bar does not set the scale, Retrain is on top", () => {
  assert.equal(axisLabel("LiRA_AUC"), "LiRA AUC (%)");
  assert.equal(axisLabel("AvgGap"), "Avg. Gap (points)");
  assert.equal(axisLabel("rteSeconds"), "RTE (s)");
  assert.equal(axisLabel("UA"), "UA (%)");
  const raw = /\b(LiRA_AUC|AvgGap|rteSeconds|Streisand_TV_pred|AdditionalMIA)\b/;
  for (const [name, fig] of Object.entries(allFigures())) {
    for (const k of ["xaxis", "yaxis"]) {
      const t = (fig.layout[k] as Axis | undefined)?.title?.text ?? "";
      assert.ok(!raw.test(t), `${name} ${k}: ${t}`);
    }
    const first = fig.data[0] as { type?: string; orientation?: string };
    if (first.type === "bar") {
      const valueAxis = first.orientation === "h" ? "xaxis" : "yaxis";
      assert.equal((fig.layout[valueAxis] as Axis).range?.[0], 0, `${name}: bars start at zero`);
    }
  }
  // One collapsed run (Avg. Gap 61.7 against ≤ 6.3 for the rest) is cut and labelled.
  const gaps = [0, 4.2, 5.5, 6.1, 5.8, 61.7, 2.9];
  const recs = gaps.flatMap((g, i) =>
    [0, 1].map((seed) => record(i === 0 ? "retrain" : `m${i}`, seed, { UA: 1, MIA: 1, RA: 1, TA: 1, AvgGap: g + seed * 0.1 }))
  );
  const bars = columnBars(buildTable(recs), "AvgGap");
  const top = (bars.layout.xaxis as Axis).range![1];
  assert.ok(top < 20, `axis top ${top}`);
  assert.match(JSON.stringify(bars.layout.annotations), /61\.\d →/, "the cut bar's value is written");
  assert.equal((bars.layout.xaxis as Axis).title!.text, "Avg. Gap (points)");
  // Retrain is the last trace of the trade-off scatter, a star.
  const scatter = tradeoffScatter(buildTable(withGaps(handRecords())));
  const last = scatter.data.at(-1) as Trace & { name: string };
  assert.equal(last.name, "Retrain");
  assert.equal(last.marker?.symbol, "star");
  const sums = labelledBars([{ label: "a", value: 190, error: 5 }, { label: "b", value: 200, error: 300 }], { clip: [0, 400] });
  assert.equal((sums.layout.xaxis as Axis).range![0], 0);
  assert.equal((sums.data[0] as { error_x: { arrayminus: number[] } }).error_x.arrayminus[1], 200, "the lower whisker stops at 0");
});

Deno.test("the UA–TA trade-off says which runs did not finish: in the hover of a partly finished method, in the caption for all", () => {
  const diverge = (r: RunRecord): RunRecord => ({ ...r, status: "diverged", metrics: {} });
  const recs = withGaps(handRecords()).map((r) => (r.method === "ft" && r.seed === 0) || r.method === "ugradsl" ? diverge(r) : r);
  const scatter = tradeoffScatter(buildTable(recs));
  const ft = scatter.data.find((d) => (d as { name: string }).name === "FT") as { hovertemplate: string };
  assert.match(ft.hovertemplate, /\(1\/3 diverged\)/);
  assert.ok(!scatter.data.some((d) => (d as { name: string }).name === "UGradSL"), "no marker for a method with no finished run");
  assert.match(
    figureCaption(scatter) ?? "",
    /Runs that did not finish, left out of the markers: FT 1\/3 diverged; UGradSL 3\/3 diverged \(no marker\)\./,
  );
});
