/**
 * The method of the tutorial notebook 12_add_a_method.ipynb (notebooks/methods/ga_gm.ts): it type-checks
 * against the method interface (this import makes `deno check tests/` check it), registers with one call,
 * and runs beside Retrain through the one run path, its forget targets one-hot where UGradSL's are smoothed.
 */
import assert from "node:assert/strict";
import { gaGm } from "../../notebooks/methods/ga_gm.ts";
import { methodOrder, METHODS, methodSpec, registerMethod } from "../../lib/unlearn/registry.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { methodColor } from "../../lib/report/figure.ts";
import { tinyConfig } from "../experiment/_tiny.ts";

Deno.test("the tutorial's method registers with one line and runs against Retrain", async () => {
  assert.equal(METHODS["ga-gm"], undefined, "not in the kit's own registry");
  registerMethod(gaGm);
  assert.equal(methodSpec("ga-gm").title, "GA+GM");
  assert.ok(!Object.keys(gaGm.options).includes("smoothRate"), "α is fixed, not an option");
  assert.ok(methodOrder().indexOf("ga-gm") > methodOrder().indexOf("salun"), "its table place from its file");
  const colors = Object.keys(METHODS).map(methodColor);
  assert.equal(new Set(colors).size, colors.length, "its own colour");
  const out = await Deno.makeTempDir();
  try {
    const records = await runExperiment(tinyConfig(`${out}/run`, `${out}/cache`, { methods: ["retrain", "ga-gm", "ugradsl"] }));
    const mine = records.find((r) => r.method === "ga-gm")!;
    assert.equal(mine.status, "ok", String(mine.error));
    assert.equal(mine.methodOptions.mixWeight, 0.5, "its default, from its file");
    assert.ok(Number.isFinite(mine.metrics.UA) && Number.isFinite(mine.metrics.AvgGap), JSON.stringify(mine.metrics));
    const ugradsl = records.find((r) => r.method === "ugradsl")!;
    assert.equal(ugradsl.methodOptions.smoothRate, -0.5, "UGradSL smooths; GA+GM does not");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
