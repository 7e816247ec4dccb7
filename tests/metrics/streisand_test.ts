import assert from "node:assert/strict";
import { confusionMatrix, histogram, Streisand, streisandData, totalVariation } from "../../lib/metrics/streisand.ts";
import { fakeContext, predsFromConfidence } from "./_preds.ts";

Deno.test("confusion matrix: rows are true classes, columns predictions", () => {
  // Row 0: label 0, predicted 0; row 1: label 1 with p_y 0.1 → predicted the first other class (0).
  const p = predsFromConfidence([0.9, 0.1, 0.8], [0, 1, 2], 3);
  assert.deepEqual(confusionMatrix(p), [
    [1, 0, 0],
    [1, 0, 0],
    [0, 0, 1],
  ]);
});

Deno.test("histograms clamp into the range and total variation is a share", () => {
  const h = histogram({ a: [0, 0.1, 0.5, 1, 2], b: [-1] }, 0, 1, 2);
  assert.deepEqual(h.edges, [0, 0.5, 1]);
  assert.deepEqual(h.counts.a, [2, 3]);
  assert.deepEqual(h.counts.b, [1, 0]);
  assert.equal(totalVariation([1, 0], [0, 5]), 1);
  assert.equal(totalVariation([2, 2], [1, 1]), 0);
  assert.ok(Number.isNaN(totalVariation([0, 0], [1, 1])));
});

Deno.test("the Streisand metric writes its data into details and returns TV distances", async () => {
  const forget = predsFromConfidence([0.05, 0.05, 0.05, 0.05], [1, 1, 1, 1], 3); // all predicted 0
  const test = predsFromConfidence([0.9, 0.9, 0.95, 0.95], [0, 2, 0, 2], 3);
  const retain = predsFromConfidence([0.99, 0.99], [0, 2], 3);
  const ctx = fakeContext({ forget, retain, test }, 1, ["a", "b", "c"]);
  const out = await Streisand.compute(ctx);
  assert.equal(out.Streisand_TV_conf, 100);
  assert.equal(out.Streisand_TV_pred, 50); // D_f predicts class 0 always; D_te half 0, half 2
  const d = ctx.details.Streisand as ReturnType<typeof streisandData>;
  assert.deepEqual(d.classNames, ["a", "b", "c"]);
  assert.deepEqual(d.confusion.forget[1], [4, 0, 0]);
  assert.equal(d.loss.n.retain, 2);
  assert.equal(d.confidence.counts.test.reduce((a, b) => a + b), 4);
});
