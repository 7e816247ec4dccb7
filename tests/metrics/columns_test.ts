/** A metric carries its own title, unit, range and direction; tables and figures read them from it. */
import assert from "node:assert/strict";
import { DEFAULT_METRICS, metricColumn, METRICS } from "../../lib/metrics/registry.ts";
import { axisLabel, betterNote, columnTitle, metricRange } from "../../lib/report/table.ts";

Deno.test("every default metric declares the column it computes, with a direction", () => {
  for (const name of DEFAULT_METRICS) {
    const column = METRICS[name].columns?.[name];
    assert.ok(column, `${name} declares its column`);
    assert.ok(["higher", "lower", "retrain"].includes(column.better));
  }
});

Deno.test("tables and figures read a column's title, unit, range and direction from its metric", () => {
  assert.equal(columnTitle("AvgGap"), "Avg. Gap");
  assert.equal(axisLabel("AvgGap"), "Avg. Gap (points)");
  assert.equal(axisLabel("UA"), "UA (%)");
  assert.equal(axisLabel("LiRA_AUC"), "LiRA AUC (%)");
  assert.equal(axisLabel("rteSeconds"), "RTE (s)");
  assert.deepEqual(metricRange("Sum"), [0, 400]);
  assert.deepEqual(metricRange("Eps_Score"), [0, 1]);
  assert.deepEqual(metricRange("TA"), [0, 100]);
  assert.deepEqual(metricRange("rteSeconds"), [0, Infinity]);
  assert.deepEqual(metricRange("somethingElse"), [-Infinity, Infinity]);
  assert.equal(betterNote("AvgGap"), " (lower is closer to Retrain)");
  assert.equal(betterNote("Sum"), " (higher is more complete)");
  assert.equal(betterNote("UA"), "");
  // A column no metric declares reads as its key.
  assert.equal(metricColumn("MIA_entropy"), undefined);
  assert.equal(columnTitle("MIA_entropy"), "MIA_entropy");
});
