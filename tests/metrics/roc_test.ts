import assert from "node:assert/strict";
import { rocAuc, rocCurve, rocSummary, tprAtFpr } from "../../lib/metrics/roc.ts";

Deno.test("ROC helpers on hand examples", () => {
  assert.equal(rocAuc([3, 4], [1, 2]), 1);
  assert.equal(rocAuc([1, 2], [3, 4]), 0);
  assert.equal(rocAuc([1, 1], [1, 1]), 0.5);
  assert.equal(rocAuc([2, 0], [1, 1]), 0.5);
  const neg = Array.from({ length: 1000 }, (_, i) => i); // 0..999
  // At FPR ≤ 1% ten negatives may score at or above the threshold: threshold = 990.
  assert.equal(tprAtFpr(rocCurve([995, 990, 989, 500], neg), 0.01), 0.5);
  // At 0.1%, one negative may: threshold = 999.
  assert.equal(tprAtFpr(rocCurve([999.5, 998, 0], neg), 0.001), 1 / 3);
  const s = rocSummary([5], [1, 2]);
  assert.deepEqual([s.auc, s.tprAt1pctFpr, s.tprAt01pctFpr, s.positives, s.negatives], [1, 1, 1, 1, 2]);
  assert.ok(Number.isNaN(rocSummary([], [1]).auc));
});
