/**
 * The book's sweep sliders (cli/book.ts `sliderFigure`), from the committed Fig. 3 sweep: one slider step per
 * smooth rate, each step setting the bars to that rate's means, Retrain's means as marks, and the rate whose runs
 * diverged marked on the slider and written on the figure instead of showing empty bars silently.
 * (tests/browser/book_test.ts builds the whole site and opens it in Chromium.)
 */
import assert from "node:assert/strict";
import { sliderFigure } from "../../cli/book.ts";
import { ROOT } from "../../lib/env.ts";
import type { PlotlyFigure } from "../../lib/report/figure.ts";

Deno.test("the α slider: one step per committed value, bars of that value's means, diverged values marked", async () => {
  const sweep = JSON.parse(await Deno.readTextFile(`${ROOT}results/figures/08_fig3_sweep.json`)) as PlotlyFigure;
  const metrics = sweep.data.filter((t) => Array.isArray(t.customdata));
  const alphas = metrics[0].customdata as number[];
  const fig = sliderFigure(sweep, "α");
  const slider =
    (fig.layout.sliders as { steps: { label: string; args: [{ y: (number | null)[][] }, { annotations: unknown[] }] }[] }[])[0];
  assert.equal(slider.steps.length, alphas.length);
  for (const [i, step] of slider.steps.entries()) {
    assert.deepEqual(step.args[0].y[0], metrics.map((t) => (t.y as (number | null)[])[i]), `α = ${alphas[i]}: that value's means`);
  }
  assert.equal(fig.data[0].type, "bar");
  assert.equal((fig.data[1].x as string[]).length, metrics.length, "Retrain's mean of each metric");
  const crosses = sweep.data.find((t) => t.name === "runs that diverged");
  const marked = slider.steps.filter((s) => s.label.endsWith("×"));
  assert.equal(marked.length, ((crosses?.x as unknown[]) ?? []).length, "every diverged value is marked");
  for (const s of marked) assert.match(JSON.stringify(s.args[1].annotations), /diverged: no metrics/);
});
