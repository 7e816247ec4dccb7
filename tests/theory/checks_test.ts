/**
 * Each check's verdict on tiny synthetic data built to hold and built to fail. "Hold" cases are strongly
 * regularised (the objective is nearly quadratic, so first-order influence is accurate); "fail" cases are
 * nearly separable with almost no regularisation (far from quadratic).
 */
import assert from "node:assert/strict";
import { syntheticTheoryData, type TheoryData } from "../../lib/theory/data.ts";
import { figure5Check } from "../../lib/theory/figure5.ts";
import { forgetSets, influence, influenceAscent, naturalAscent, trainOriginal } from "../../lib/theory/influence.ts";
import { dist, norm, sub } from "../../lib/theory/linalg.ts";
import { theorem1Check } from "../../lib/theory/theorem1.ts";
import { intervalOverlap, theorem2Check } from "../../lib/theory/theorem2.ts";
import { theorem3Check } from "../../lib/theory/theorem3.ts";
import { Rng } from "../../lib/rng.ts";

const near = syntheticTheoryData({ n: 120, dim: 4, numClasses: 3, separation: 1, seed: 1 });
const nearOriginal = trainOriginal(near, 200);
const nearSets = forgetSets(near, nearOriginal.trainRows, {
  classes: 3,
  fractions: [0.05, 0.2, 0.4],
  setsPerFraction: 2,
  seed: 1,
});

Deno.test("influence: θ_GA by the formula is one natural-ascent step, and Eq. 5 is linear in α", () => {
  const set = nearSets[3];
  const inf = influence(nearOriginal, set);
  const k = near.numClasses;
  assert.ok(
    dist(naturalAscent(nearOriginal, set.rows, -0.3, 1), influenceAscent(nearOriginal, set.rows, -0.3)) < 1e-12,
  );
  for (const alpha of [-1, -0.2, 0.5]) {
    const step = sub(influenceAscent(nearOriginal, set.rows, alpha), inf.thetaO);
    const eq5 = inf.deltaF.map((f, q) => f + ((k - 1) * alpha / k) * (inf.deltaN[q] - f));
    assert.ok(dist(step, eq5) < 1e-10 * norm(step), `α ${alpha}`);
  }
  // Sign convention: θ_r ≈ θ_o + Δθ_r (not minus) in the near-quadratic regime.
  const shift = sub(inf.thetaR, inf.thetaO);
  assert.ok(dist(shift, inf.deltaR) < 0.05 * norm(shift));
  assert.ok(dist(shift, inf.deltaR.map((v) => -v)) > norm(shift));
});

Deno.test("Theorem 1: holds when near-quadratic", () => {
  const r = theorem1Check(nearOriginal, nearSets);
  assert.equal(r.verdict, "holds", JSON.stringify(r.summary.all.criteria));
  assert.ok(r.summary.all.medianEq3RelErr < 0.1);
});

Deno.test("Theorem 1: does not hold on a nearly separable, unregularised problem", () => {
  const data = syntheticTheoryData({ n: 40, dim: 2, numClasses: 2, separation: 4, seed: 1 });
  const o = trainOriginal(data, 0.001);
  const r = theorem1Check(
    o,
    forgetSets(data, o.trainRows, { classes: 2, fractions: [0.05, 0.2, 0.4], setsPerFraction: 2, seed: 1 }),
  );
  assert.equal(r.verdict, "does not hold", JSON.stringify(r.summary.all.criteria));
  assert.ok(r.summary.all.confusionInfluence.agreement < 1, "the condition mispredicts some sets here");
});

Deno.test("Theorem 2: holds when near-quadratic (class-wise and random)", () => {
  for (const set of [nearSets[0], nearSets[5]]) {
    const r = theorem2Check(nearOriginal, set);
    assert.equal(r.verdict, "holds", `${set.label}: ${JSON.stringify(r.criteria)}`);
    assert.ok(r.inner < 0 && r.predictedInterval !== null && r.predictedAlphaStar! < 0);
  }
});

Deno.test("Theorem 2: does not hold where ⟨Δθ_r − Δθ_f, Δθ_n − Δθ_f⟩ > 0", () => {
  // Well separated, barely regularised, 40% random forget sets: ⟨a,b⟩ > 0 on every draw tried (6 of 6).
  const data = syntheticTheoryData({ n: 120, dim: 4, numClasses: 3, separation: 2, seed: 1 });
  const o = trainOriginal(data, 0.01);
  const set = forgetSets(data, o.trainRows, { classes: 0, fractions: [0.4], setsPerFraction: 1, seed: 1 })[0];
  const r = theorem2Check(o, set);
  assert.ok(r.inner > 0);
  assert.equal(r.verdict, "does not hold");
  assert.equal(r.sweepImproving.influence, null);
});

Deno.test("interval overlap", () => {
  assert.equal(intervalOverlap({ lo: -2, hi: 0 }, { lo: -1, hi: 0 }), 0.5);
  assert.equal(intervalOverlap(null, { lo: -1, hi: 0 }), 0);
});

Deno.test("Figure 5: holds when near-quadratic; not on a nearly separable, unregularised problem", () => {
  const ok = figure5Check(nearOriginal, "near-quadratic", { samples: 30 });
  assert.equal(ok.verdict, "holds");
  const data = syntheticTheoryData({ n: 120, dim: 4, numClasses: 3, separation: 3, seed: 1 });
  const bad = figure5Check(trainOriginal(data, 0.001), "separable", { samples: 40 });
  assert.notEqual(bad.verdict, "holds");
  assert.ok(bad.shareNonPositive < 0.95);
});

/**
 * Theorem 3's trained model. Built to hold: the forget samples carry a private feature no retain sample
 * has, so the model can put D_f at the per-example optimum. Built to fail: the forget samples duplicate
 * retain samples of the same class, so the γ1 term keeps them learnt.
 */
function theorem3Data(privateForget: boolean): { data: TheoryData; forget: Int32Array } {
  const rng = new Rng(5);
  const centres = [[2, 0], [0, 2], [-2, 0], [0, -2]];
  const rows: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < 20; i++) {
      rows.push([centres[c][0] + rng.normal(), centres[c][1] + rng.normal(), 0, 1]);
      y.push(c);
    }
  }
  const forget: number[] = [];
  for (let i = 0; i < 8; i++) {
    forget.push(rows.length);
    rows.push(privateForget ? [0, 0, 1, 1] : [...rows[i]]);
    y.push(0);
  }
  const data: TheoryData = {
    name: "theorem3-test",
    features: { x: Float64Array.from(rows.flat()), n: rows.length, dim: 4 },
    y: Int32Array.from(y),
    testFeatures: { x: new Float64Array(0), n: 0, dim: 4 },
    testY: new Int32Array(0),
    numClasses: 4,
    classNames: ["a", "b", "c", "d"],
    featureMap: "hand-made",
  };
  return { data, forget: Int32Array.from(forget) };
}

Deno.test("Theorem 3 (trained model): holds when D_f can reach its optimum, does not when D_f duplicates D_r", () => {
  for (const [priv, expected] of [[true, "holds"], [false, "does not hold"]] as const) {
    const { data, forget } = theorem3Data(priv);
    const r = theorem3Check(trainOriginal(data, 1e-3), { kind: "custom", label: "D_f", rows: forget });
    assert.equal(r.verdict, expected, JSON.stringify(r.criteria));
  }
});
