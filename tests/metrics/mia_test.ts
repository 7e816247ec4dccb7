import assert from "node:assert/strict";
import { RA, TA, UA } from "../../lib/metrics/accuracy.ts";
import {
  AdditionalMIA,
  additionalMia,
  confidence,
  correctness,
  entropy,
  featureRows,
  MIA,
  MIA_FEATURES,
  miaEfficacy,
  modifiedEntropy,
} from "../../lib/metrics/mia.ts";
import { METRICS } from "../../lib/metrics/registry.ts";
import { Rng } from "../../lib/rng.ts";
import { fakeContext, predsFromConfidence, uniformConfidence } from "./_preds.ts";

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("UA of a model that is always wrong is 100; RA/TA of an always-right one are 100", async () => {
  const wrong = predsFromConfidence([0.1, 0.2, 0.0], [0, 1, 2], 3); // p_y below the others' share
  const right = predsFromConfidence([0.9, 0.8, 1.0], [0, 1, 2], 3);
  const ctx = fakeContext({ forget: wrong, retain: right, test: right });
  assert.deepEqual(await UA.compute(ctx), { UA: 100 });
  assert.deepEqual(await RA.compute(ctx), { RA: 100 });
  assert.deepEqual(await TA.compute(ctx), { TA: 100 });
});

Deno.test("per-sample features on a hand example", () => {
  const p = {
    probs: Float32Array.of(0.7, 0.2, 0.1, 0.7, 0.2, 0.1),
    labels: Int32Array.of(0, 1),
    numClasses: 3,
    idx: Int32Array.of(0, 1),
  };
  assert.deepEqual(Array.from(correctness(p)), [1, 0]);
  close(confidence(p)[0], 0.7, 1e-7);
  close(confidence(p)[1], 0.2, 1e-7);
  const h = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1));
  close(entropy(p)[0], h);
  close(entropy(p)[1], h);
  // Song & Mittal, per row: −(1−p_y)·log p_y − Σ_{y'≠y} p_{y'}·log(1 − p_{y'}).
  // Row 0 (y = 0): 0.3·(−log 0.7) + 0.2·(−log 0.8) + 0.1·(−log 0.9) = 0.162167…
  // Row 1 (y = 1): 0.8·(−log 0.2) + 0.7·(−log 0.3) + 0.1·(−log 0.9) = 2.140869…
  const m = modifiedEntropy(p);
  close(m[0], 0.3 * -Math.log(0.7) + 0.2 * -Math.log(0.8) + 0.1 * -Math.log(0.9));
  close(m[1], 0.8 * -Math.log(0.2) + 0.7 * -Math.log(0.3) + 0.1 * -Math.log(0.9));
  close(m[0], 0.162167, 1e-5);
  close(m[1], 2.140869, 1e-5);
  // The rows share one probability vector but not a label: a per-column version (the public
  // reference code's bug) would give both rows the same value.
  assert.notEqual(m[0].toFixed(3), m[1].toFixed(3));
  // A confident correct prediction has modified entropy 0; p = 0 stays finite (floor 1e-30).
  const sure = predsFromConfidence([1, 0], [0, 0], 2);
  close(modifiedEntropy(sure)[0], 0);
  assert.ok(Number.isFinite(modifiedEntropy(sure)[1]) && modifiedEntropy(sure)[1] > 60);
  assert.equal(featureRows(p, "prob")[1].length, 3);
  assert.equal(featureRows(p, "m_entropy")[1].length, 1);
});

Deno.test("MIA-efficacy: D_f like D_te is ~100, D_f like D_r (memorised) is ~0", async () => {
  const rng = new Rng(7);
  const k = 4;
  const retain = uniformConfidence(600, 0.97, 1.0, k, rng);
  const test = uniformConfidence(200, 0.3, 0.8, k, rng);
  const unseen = uniformConfidence(150, 0.3, 0.8, k, rng);
  const memorised = uniformConfidence(150, 0.97, 1.0, k, rng);
  const a = await miaEfficacy({ forget: unseen, retain, test }, new Rng(1));
  const b = await miaEfficacy({ forget: memorised, retain, test }, new Rng(1));
  assert.equal(a.sizes.members, 200); // a sample of D_r of |D_te| rows
  assert.equal(a.sizes.nonMembers, 200);
  for (const f of ["confidence", "entropy", "m_entropy", "prob"] as const) {
    assert.ok(a.efficacy[f] >= 95, `${f} unseen: ${a.efficacy[f]}`);
    assert.ok(b.efficacy[f] <= 5, `${f} memorised: ${b.efficacy[f]}`);
  }
  // Every prediction is correct in both sets, so correctness cannot tell them apart: a constant answer.
  assert.ok([0, 100].includes(a.efficacy.correctness));
  // The cap subsamples both sides.
  const capped = await miaEfficacy({ forget: unseen, retain, test }, new Rng(1), { maxNonMembers: 50, features: ["confidence"] });
  assert.deepEqual([capped.sizes.members, capped.sizes.nonMembers], [50, 50]);
  assert.deepEqual(Object.keys(capped.efficacy), ["confidence"]);
});

Deno.test("the MIA metric reports the confidence feature as MIA, every feature, and is seeded", async () => {
  const rng = new Rng(3);
  const sets = {
    forget: uniformConfidence(80, 0.2, 1.0, 3, rng),
    retain: uniformConfidence(300, 0.6, 1.0, 3, rng),
    test: uniformConfidence(100, 0.2, 1.0, 3, rng),
  };
  const ctx = fakeContext(sets, 5);
  const out = await MIA.compute(ctx);
  assert.deepEqual(Object.keys(out).sort(), ["MIA", ...MIA_FEATURES.map((f) => `MIA_${f}`)].sort());
  assert.equal(out.MIA, out.MIA_confidence);
  for (const v of Object.values(out)) assert.ok(v >= 0 && v <= 100);
  assert.ok("MIA" in ctx.details);
  assert.deepEqual(await MIA.compute(fakeContext(sets, 5)), out);
  assert.ok(METRICS.MIA === MIA && METRICS.AdditionalMIA === AdditionalMIA);
});

Deno.test("Additional MIA: ~100 when D_f and D_te differ (class-wise), ~50 when they do not (random)", async () => {
  const rng = new Rng(11);
  const test = uniformConfidence(300, 0.5, 1.0, 5, rng);
  const forgottenClass = uniformConfidence(300, 0.0, 0.05, 5, rng); // Retrain never predicts the class
  const randomForget = uniformConfidence(300, 0.5, 1.0, 5, rng);
  const cw = await additionalMia({ forget: forgottenClass, test }, new Rng(2), { features: ["confidence"] });
  const rd = await additionalMia({ forget: randomForget, test }, new Rng(2), { features: ["confidence"] });
  assert.deepEqual(cw.sizes, { fitPerSet: 150, evalPerSet: 150 });
  assert.equal(cw.accuracy.confidence, 100);
  assert.ok(Math.abs(rd.accuracy.confidence - 50) < 12, `random: ${rd.accuracy.confidence}`);
  const out = await AdditionalMIA.compute(fakeContext({ forget: forgottenClass, test }));
  assert.equal(out.AdditionalMIA, 100);
  assert.equal(out.AdditionalMIA, out.AdditionalMIA_confidence);
});
