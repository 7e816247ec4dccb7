import assert from "node:assert/strict";
import {
  admissibleRange,
  alphaForRatio,
  closedFormOptimum,
  numericOptimum,
  predictedEpsilon,
  theorem3Alphas,
  theorem3ClosedFormCheck,
} from "../../lib/theory/theorem3.ts";

Deno.test("docs/paper.md §4's worked example: K = 10, γ1 = 1, γ2 = 0.6, α = −0.5 gives p_y = 0.325, p_y' = 0.075", () => {
  const cf = closedFormOptimum(10, 1, 0.6, -0.5);
  assert.ok(Math.abs(cf.pTrue - 0.325) < 1e-12 && Math.abs(cf.pOther - 0.075) < 1e-12);
  const num = numericOptimum(10, 1, 0.6, -0.5);
  assert.ok(num.bounded);
  assert.ok(Math.abs(num.probs[0] - 0.325) < 1e-10);
  for (let c = 1; c < 10; c++) assert.ok(Math.abs(num.probs[c] - 0.075) < 1e-10);
  assert.ok(Math.abs(predictedEpsilon(10, 1, 0.6, -0.5) - Math.log(0.325 / 0.075)) < 1e-12);
});

Deno.test("closed-form optimum equals a numeric minimiser across K, γ and admissible α", () => {
  for (const [k, g1, g2] of [[10, 1, 0.6], [3, 1, 0.2], [5, 2, 1.5]]) {
    const r = admissibleRange(k, g1, g2)!;
    for (const f of [0.02, 0.3, 0.7, 0.98]) {
      const alpha = r.lo * f;
      const cf = closedFormOptimum(k, g1, g2, alpha);
      const num = numericOptimum(k, g1, g2, alpha);
      assert.ok(num.bounded, `K ${k} α ${alpha}`);
      assert.ok(Math.abs(num.probs[0] - cf.pTrue) < 1e-9, `K ${k} α ${alpha}: ${num.probs[0]} vs ${cf.pTrue}`);
      for (let c = 1; c < k; c++) assert.ok(Math.abs(num.probs[c] - cf.pOther) < 1e-9);
    }
  }
});

Deno.test("ε is 0 at α = 1 − γ1/γ2 and grows without bound toward the lower end and toward 0", () => {
  const r = admissibleRange(10, 1, 0.6)!;
  assert.ok(predictedEpsilon(10, 1, 0.6, 1 - 1 / 0.6) < 1e-12);
  assert.ok(predictedEpsilon(10, 1, 0.6, r.lo * 0.999999) > 10);
  assert.ok(predictedEpsilon(10, 1, 0.6, -1e-6) > 10);
  assert.ok(Number.isNaN(predictedEpsilon(10, 1, 0.6, r.lo * 1.2)));
  assert.equal(admissibleRange(10, 0.5, 0.6), null);
  // The grid is placed by the predicted ε, symmetric about its zero.
  assert.ok(Math.abs(predictedEpsilon(10, 1, 0.6, alphaForRatio(10, 1, 0.6, Math.exp(2))) - 2) < 1e-12);
  assert.ok(Math.abs(predictedEpsilon(10, 1, 0.6, alphaForRatio(10, 1, 0.6, Math.exp(-2))) - 2) < 1e-12);
});

Deno.test("closed-form check: holds inside the admissible range, does not hold on α outside it", () => {
  const inside = theorem3ClosedFormCheck(
    10,
    1,
    0.6,
    theorem3Alphas(10, 1, 0.6).filter((a) => a > admissibleRange(10, 1, 0.6)!.lo),
  );
  assert.equal(inside.verdict, "holds");
  const withOutside = theorem3ClosedFormCheck(10, 1, 0.6, theorem3Alphas(10, 1, 0.6));
  assert.equal(withOutside.verdict, "holds"); // outside points are unbounded, as the conditions say
  // Built to fail: γ1 < γ2 leaves no admissible α; the closed form is then not a probability vector and
  // no finite minimiser exists, so nothing inside the (empty) range can be graded.
  const bad = theorem3ClosedFormCheck(10, 0.5, 0.6, [-0.3, -0.1]);
  assert.equal(bad.verdict, "does not hold");
});
