import assert from "node:assert/strict";
import { avgGap, GAP_KEYS, sumOf } from "../../lib/metrics/gaps.ts";

const retrain = { UA: 100, MIA: 100, RA: 98.19, TA: 94.5 };

Deno.test("Avg. Gap of Retrain against itself is 0", () => {
  assert.equal(avgGap(retrain, retrain), 0);
});

Deno.test("Avg. Gap is the mean absolute difference over UA, MIA, RA, TA", () => {
  const ft = { UA: 22.71, MIA: 79.21, RA: 99.82, TA: 94.13 };
  const expected = (Math.abs(22.71 - 100) + Math.abs(79.21 - 100) + Math.abs(99.82 - 98.19) + Math.abs(94.13 - 94.5)) / 4;
  assert.ok(Math.abs(avgGap(ft, retrain) - expected) < 1e-12);
  // The paper's Table 5 (class-wise, CIFAR-10) lists FT's Avg. Gap against these Retrain numbers as 25.02.
  assert.ok(Math.abs(expected - 25.02) < 0.01);
  // Without MIA, over the three keys both have.
  assert.equal(avgGap({ UA: 90, RA: 100, TA: 90 }, { UA: 100, RA: 100, TA: 94 }), (10 + 0 + 4) / 3);
  assert.ok(Number.isNaN(avgGap({ VA: 1 }, retrain)));
});

Deno.test("Sum is UA + MIA + RA + TA", () => {
  assert.equal(sumOf({ UA: 1, MIA: 2, RA: 3, TA: 4, VA: 100 }), 10);
  assert.ok(Math.abs(sumOf(retrain) - 392.69) < 1e-9); // Table 5's Retrain Sum
  assert.deepEqual([...GAP_KEYS], ["UA", "MIA", "RA", "TA"]);
});
