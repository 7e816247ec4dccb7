/**
 * U-LiRA on synthetic shadow models with a known separation. With in ~ N(μ_x + Δ, 1) and
 * out ~ N(μ_x, 1), the likelihood ratio with known parameters is a shift of φ − μ_x, so the attack's
 * ROC is that of N(Δ, 1) vs N(0, 1): AUC = Φ(Δ/√2), TPR at FPR α = 1 − Φ(z_{1−α} − Δ). Fitted from
 * finite ensembles the attack can only do slightly worse. Identical ensembles give AUC ½ exactly.
 */
import assert from "node:assert/strict";
import { KitError } from "../../../lib/errors.ts";
import { Rng } from "../../../lib/rng.ts";
import { fitGaussians, likelihoodRatioScores, uliraLeaveOneOut, uliraScoreTarget } from "../../../lib/metrics/verify/mod.ts";
import { rocAuc } from "../../../lib/metrics/roc.ts";

/** Standard normal CDF by the trapezoidal rule on [−12, z] (accurate to ~1e-9, plenty for these checks). */
function phi(z: number): number {
  const steps = 20000, lo = -12;
  const h = (z - lo) / steps;
  let s = 0;
  for (let i = 0; i <= steps; i++) {
    const x = lo + i * h;
    s += (i === 0 || i === steps ? 0.5 : 1) * Math.exp(-0.5 * x * x);
  }
  return (s * h) / Math.sqrt(2 * Math.PI);
}

function shadows(models: number, means: Float64Array, shift: number, sd: number, rng: Rng): Float64Array[] {
  return Array.from({ length: models }, () => means.map((m) => m + shift + sd * rng.normal()));
}

Deno.test("U-LiRA: identical ensembles give scores 0, AUC ½ and per-example accuracy ½", () => {
  const rng = new Rng(30);
  const means = Float64Array.from({ length: 50 }, () => 3 * rng.normal());
  const rows = shadows(8, means, 0, 1, rng);
  const r = uliraLeaveOneOut(rows, rows.map((x) => x.slice()));
  assert.equal(r.roc.auc, 0.5);
  assert.ok(r.memberScores.every((s) => s.every((v) => v === 0)));
  assert.deepEqual([...new Set(r.perExample.accuracy)], [0.5]);
  assert.equal(r.accuracy, 0.5);
});

Deno.test("U-LiRA: separates members from non-members as the known Gaussian separation predicts", () => {
  const rng = new Rng(31);
  const delta = 1;
  const means = Float64Array.from({ length: 400 }, () => 4 * rng.normal()); // per-example difficulty
  const inRows = shadows(32, means, delta, 1, rng);
  const outRows = shadows(32, means, 0, 1, rng);
  const r = uliraLeaveOneOut(inRows, outRows);
  const auc = phi(delta / Math.SQRT2); // 0.760
  const tpr1 = 1 - phi(2.3263478740408408 - delta); // 0.0924
  assert.ok(r.roc.auc > auc - 0.02 && r.roc.auc <= auc + 0.01, `AUC ${r.roc.auc}, theory ${auc}`);
  assert.ok(Math.abs(r.roc.tprAt1pctFpr - tpr1) < 0.03, `TPR@1% ${r.roc.tprAt1pctFpr}, theory ${tpr1}`);
  // Per example, accuracy at Λ = 1 is Φ(Δ/2) in theory (0.691).
  assert.ok(Math.abs(r.accuracy - phi(delta / 2)) < 0.03, `accuracy ${r.accuracy}, theory ${phi(delta / 2)}`);
  // Same law on both sides: chance.
  const null_ = uliraLeaveOneOut(shadows(32, means, 0, 1, rng), shadows(32, means, 0, 1, rng));
  assert.ok(Math.abs(null_.roc.auc - 0.5) < 0.02, `null AUC ${null_.roc.auc}`);
});

Deno.test("U-LiRA: per-example variances catch a spread difference that pooled ones cannot", () => {
  const rng = new Rng(32);
  const n = 200;
  const means = Float64Array.from({ length: n }, () => rng.normal());
  // Equal means; on half the examples the in-models are tight (σ 0.2) and the out-models wide (σ 2), on
  // the other half the reverse. Pooled over examples both sides have the same σ, so a pooled test sees
  // only what the noise of the fitted means leaks; per-example σ separates the two sides.
  const sd = (i: number, side: 0 | 1) => ((i % 2) === side ? 0.2 : 2);
  const inRows = Array.from({ length: 32 }, () => means.map((m, i) => m + sd(i, 0) * rng.normal()));
  const outRows = Array.from({ length: 32 }, () => means.map((m, i) => m + sd(i, 1) * rng.normal()));
  const perExample = uliraLeaveOneOut(inRows, outRows, { variance: "per-example" });
  const pooled = uliraLeaveOneOut(inRows, outRows, { variance: "pooled" });
  assert.ok(perExample.roc.auc > 0.8, `per-example AUC ${perExample.roc.auc}`);
  assert.ok(perExample.roc.auc - pooled.roc.auc > 0.15, `per-example AUC ${perExample.roc.auc}, pooled ${pooled.roc.auc}`);
  const fits = fitGaussians(inRows, outRows, { variance: "pooled" });
  assert.equal(new Set(fits.stdIn).size, 1);
  assert.equal(new Set(fits.stdOut).size, 1);
});

Deno.test("U-LiRA: a memorised example stands out in the per-example AUC", () => {
  const rng = new Rng(33);
  const n = 40;
  const means = Float64Array.from({ length: n }, () => rng.normal());
  const gap = Float64Array.from({ length: n }, (_, i) => (i < 5 ? 6 : 0)); // examples 0–4 memorised
  const inRows = Array.from({ length: 16 }, () => means.map((m, i) => m + gap[i] + rng.normal()));
  const outRows = shadows(16, means, 0, 1, rng);
  const r = uliraLeaveOneOut(inRows, outRows);
  for (let i = 0; i < 5; i++) assert.equal(r.perExample.auc[i], 1, `example ${i}`);
  const rest = Array.from(r.perExample.auc.subarray(5));
  assert.ok(rest.reduce((s, v) => s + v, 0) / rest.length < 0.75);
});

Deno.test("U-LiRA: scoring an outside target; too few models is a KitError", () => {
  const rng = new Rng(34);
  const means = Float64Array.from({ length: 30 }, () => rng.normal());
  const inRows = shadows(10, means, 2, 1, rng), outRows = shadows(10, means, 0, 1, rng);
  const member = uliraScoreTarget(inRows, outRows, means.map((m) => m + 2));
  const nonMember = uliraScoreTarget(inRows, outRows, means);
  assert.ok(member.every((s) => s > 0) && nonMember.every((s) => s < 0));
  assert.equal(rocAuc(member, nonMember), 1);
  assert.deepEqual(likelihoodRatioScores(fitGaussians(inRows, outRows), means), nonMember);
  assert.throws(() => uliraLeaveOneOut(inRows.slice(0, 2), outRows), KitError);
});
