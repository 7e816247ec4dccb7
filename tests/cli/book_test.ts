/**
 * The book's sweep sliders (cli/book.ts `sliderFigure`), from the committed Fig. 3 sweep: one slider step per
 * smooth rate, each step setting the bars to that rate's means, Retrain's means as marks, and the rate whose runs
 * diverged marked on the slider and written on the figure instead of showing empty bars silently.
 * A malformed or missing --claims-v2 file is refused, naming the file and the field, before anything is built.
 * (tests/browser/book_test.ts builds the whole site and opens it in Chromium.)
 */
import assert from "node:assert/strict";
import { bookMain, sliderFigure } from "../../cli/book.ts";
import { KitError } from "../../lib/errors.ts";
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

Deno.test("./kit book refuses a malformed or missing --claims-v2 file with the file and field named, before building", async () => {
  const dir = await Deno.makeTempDir({ prefix: "unlearn-book-" });
  const file = `${dir}/claims-v2.json`;
  await Deno.writeTextFile(file, JSON.stringify({ protocol: { file: "results/protocol.json", version: 1, sha256: "x" }, read: 1 }));
  const out = `${dir}/book`;
  await assert.rejects(
    bookMain(["--out", out, "--claims-v2", file]),
    (e: unknown) =>
      e instanceof KitError &&
      e.message === `${file}: field accepted is not a number (is this a claims-v2.json written by deno task claims-v2?)`,
  );
  await assert.rejects(
    bookMain(["--out", out, "--claims-v2", `${dir}/absent.json`]),
    (e: unknown) => e instanceof KitError && e.message === `--claims-v2: ${dir}/absent.json does not exist`,
  );
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound, "nothing was built");
});
