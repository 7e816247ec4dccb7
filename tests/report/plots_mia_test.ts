import assert from "node:assert/strict";
import { streisandData } from "../../lib/metrics/streisand.ts";
import { confusionFigure, distributionFigure } from "../../lib/report/plots_mia.ts";
import { predsFromConfidence } from "../metrics/_preds.ts";

const data = streisandData(
  {
    forget: predsFromConfidence([0.05, 0.1, 0.2], [1, 1, 1], 3),
    retain: predsFromConfidence([0.99, 0.98], [0, 2], 3),
    test: predsFromConfidence([0.9, 0.6, 0.3, 0.95], [0, 2, 0, 2], 3),
  },
  ["a", "b", "c"],
  { bins: 10 },
);

Deno.test("confusion figure: two row-normalised heatmaps, D_f and D_te", () => {
  const fig = confusionFigure(data);
  assert.equal(fig.data.length, 2);
  const z = fig.data[0].z as number[][];
  assert.deepEqual(z[1], [1, 0, 0]); // every D_f sample of class b predicted a
  assert.deepEqual(z[0], [0, 0, 0]); // no D_f sample of class a
  assert.deepEqual(fig.data[1].x, ["a", "b", "c"]);
  assert.equal((confusionFigure(data, { normalize: false }).data[1].z as number[][])[0][0], 1);
  JSON.stringify(fig); // plain JSON
});

Deno.test("distribution figures show each set's shares per bin", () => {
  for (const q of ["loss", "confidence"] as const) {
    const fig = distributionFigure(data, q);
    assert.equal(fig.data.length, 3);
    for (const t of fig.data) {
      const total = (t.y as number[]).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-12, `${q} ${t.name}: ${total}`);
      assert.equal((t.x as number[]).length, 10);
    }
  }
});
