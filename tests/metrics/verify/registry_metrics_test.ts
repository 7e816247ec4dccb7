/**
 * The verification metrics through the registry, on constructed ensembles with known answers: an
 * ensemble scored against an identical copy of itself (Retrain against Retrain) gives ε = 0 everywhere
 * (forget score 1), KLOM 0, KS p = 1, U-LiRA at chance, CKA 1 and the same probe accuracies; two
 * ensembles whose φ on D_f never overlap give the other extreme.
 */
import assert from "node:assert/strict";
import type { ForgetTask } from "../../../lib/data/splits.ts";
import { ensembleView, type MemberOutputs } from "../../../lib/experiment/ensembles.ts";
import { ensembleSizes, evaluate, expandMetrics, metricSpec, withEnsembleSize } from "../../../lib/metrics/registry.ts";
import type { EnsembleSet, EvalSet } from "../../../lib/metrics/types.ts";
import { DEFAULT_ENSEMBLE, parseSizedName } from "../../../lib/metrics/verification.ts";
import { Rng } from "../../../lib/rng.ts";

const K = 3;
const sizes = { forget: 30, retain: 40, test: 35, val: 10 };
const range = (n: number, from = 0) => Int32Array.from({ length: n }, (_, i) => from + i);
// Train split: rows 0-29 forget, 30-69 retain, 70-79 val; test split rows 0-34.
const trainY = Int32Array.from({ length: 80 }, (_, i) => i % K);
const testY = Int32Array.from({ length: 35 }, (_, i) => i % K);
const task = {
  numClasses: K,
  train: { y: trainY },
  test: { y: testY },
  forgetIdx: range(30),
  retainIdx: range(40, 30),
  valIdx: range(10, 70),
  testIdx: range(35),
  options: { seed: 0 },
} as unknown as ForgetTask;
const rows = {
  logits: { forget: range(30), retain: range(40, 30), test: range(35), val: range(10, 70) } as Record<EvalSet, Int32Array>,
  features: { forget: range(30), reference: range(35) },
};

/** A member with logits that favour the true class by `margin` (plus noise) and features that carry the label. */
function member(rng: Rng, margin: (set: EvalSet, i: number) => number): MemberOutputs {
  const logits = {} as Record<EvalSet, Float32Array>;
  for (const set of ["forget", "retain", "test", "val"] as EvalSet[]) {
    const idx = rows.logits[set];
    const y = set === "test" ? testY : trainY;
    logits[set] = Float32Array.from({ length: idx.length * K }, (_, j) => {
      const i = Math.floor(j / K), c = j % K;
      return (c === y[idx[i]] ? margin(set, i) : 0) + 0.3 * rng.normal();
    });
  }
  const feats = (idx: Int32Array, y: Int32Array, cols: number) => ({
    data: Float32Array.from({ length: idx.length * cols }, (_, j) => (j % cols === y[idx[Math.floor(j / cols)]] ? 2 : 0) + rng.normal()),
    rows: idx.length,
    cols,
  });
  const features = new Map([
    ["features/h1/forget", feats(rows.features.forget, trainY, 6)],
    ["features/h2/forget", feats(rows.features.forget, trainY, 5)],
    ["features/penultimate/reference", feats(rows.features.reference, testY, 5)],
  ]);
  return { logits, features, layers: ["h1", "h2"], penultimate: "h2" };
}

function view(method: string, members: MemberOutputs[]) {
  return ensembleView(method, task, rows, members.map((outputs, k) => ({ outputs, seconds: 1, cached: false, key: `${method}${k}` })));
}

const N = 8;
const names = withEnsembleSize(["ULiRA", "Eps", "KLOM", "KS", "Probe"], N);

Deno.test("sized names: plain at the default size, registered at another, ensembles declared", () => {
  assert.deepEqual(names, ["ULiRA@8", "Eps@8", "KLOM@8", "KS@8", "Probe@8"]);
  assert.deepEqual(withEnsembleSize(["UA", "Eps"], DEFAULT_ENSEMBLE), ["UA", "Eps"]);
  assert.deepEqual(parseSizedName("KLOM@12"), ["KLOM", 12]);
  assert.equal(parseSizedName("UA"), null);
  assert.deepEqual(metricSpec("KS@5").needs.ensembles, { retrain: 5, unlearned: 5 });
  assert.deepEqual(ensembleSizes(["UA", "Eps@8", "KS"]), { retrain: 16, unlearned: 16 });
  assert.equal(ensembleSizes(["UA", "MIA"]), null);
  assert.deepEqual(expandMetrics(["Probe@8"]), ["Probe@8"]);
});

Deno.test("Retrain scored against an identical Retrain through the registry gives the known answers", async () => {
  const rng = new Rng(3);
  const retrainMembers = Array.from({ length: N }, () => member(rng, () => 3 + rng.normal()));
  const retrain = view("retrain", retrainMembers);
  const copy = view("ft", retrainMembers); // the same models under another name: perfect unlearning
  const details: Record<string, unknown> = {};
  const ensembles: EnsembleSet = { ok: true, retrain, unlearned: copy, reference: false, originalSeconds: [] };
  const m = await evaluate(null as never, task, names, 0, { details, ensembles });
  assert.equal(m.Eps_Score, 1, "every ε = 0 earns the full point");
  assert.equal(m.Eps_Median, 0);
  assert.equal(m.Eps_Final, 1);
  for (const set of ["F", "R", "TE"]) {
    assert.equal(m[`KLOM_${set}_p95`], 0);
    assert.equal(m[`KLOM_${set}_mean`], 0);
  }
  assert.equal(m.KS_p, 1);
  assert.equal(m.ULiRA_AUC, 50, "identical in and out models: every score is 0, AUC ½");
  assert.equal(m.ULiRA_AUC_TE, 50);
  assert.equal(m.CKA_h1, 1);
  assert.equal(m.CKA_h2, 1);
  assert.equal(m.kNN_F, m.kNN_F_Retrain);
  assert.equal(m.LinProbe_F, m.LinProbe_F_Retrain);
  // The floor compares Retrain's halves, two different draws: strictly below a perfect 1, above 0.
  assert.ok(m.Eps_RetrainFloor > 0 && m.Eps_RetrainFloor < 1, `floor ${m.Eps_RetrainFloor}`);
  const eps = details["Eps@8"] as { epsilons: number[]; floor: { ensembleSize: number } };
  assert.equal(eps.epsilons.length, sizes.forget);
  assert.equal(eps.floor.ensembleSize, N / 2);
  assert.ok(eps.epsilons.every((e) => e === 0));
  assert.deepEqual((details.ensembles as { size: number }).size, N);
});

Deno.test("Retrain's own row compares its two halves (the calibration values every row shows)", async () => {
  const rng = new Rng(4);
  const retrain = view("retrain", Array.from({ length: N }, () => member(rng, () => 3 + rng.normal())));
  const ft = view("ft", Array.from({ length: N }, () => member(rng, () => 3 + rng.normal())));
  const asRetrain = await evaluate(null as never, task, names, 0, {
    ensembles: { ok: true, retrain, unlearned: retrain, reference: true, originalSeconds: [] },
  });
  const asFt = await evaluate(null as never, task, names, 0, {
    ensembles: { ok: true, retrain, unlearned: ft, reference: false, originalSeconds: [] },
  });
  assert.equal(asRetrain.Eps_Score, asRetrain.Eps_RetrainFloor);
  assert.equal(asFt.Eps_RetrainFloor, asRetrain.Eps_RetrainFloor, "the floor is the same on every row of a task");
  assert.equal(asFt.KS_p_Retrain, asRetrain.KS_p_Retrain);
  assert.equal(asRetrain.kNN_F, asRetrain.kNN_F_Retrain);
  assert.ok(asRetrain.CKA_h1 < 1, "two Retrain draws are different models");
});

Deno.test("ensembles whose D_f confidences never overlap give the other extreme", async () => {
  const rng = new Rng(5);
  const retrain = view("retrain", Array.from({ length: N }, () => member(rng, (set) => (set === "forget" ? -6 : 3))));
  const leaky = view("ga", Array.from({ length: N }, () => member(rng, (set) => (set === "forget" ? 12 : 3))));
  const details: Record<string, unknown> = {};
  const m = await evaluate(null as never, task, names, 0, {
    details,
    ensembles: { ok: true, retrain, unlearned: leaky, reference: false, originalSeconds: [] },
  });
  assert.equal(m.Eps_Score, 0, "every example separates: no points");
  assert.equal(m.ULiRA_AUC, 100);
  assert.equal(m["ULiRA_TPR@0.1%FPR"], 100);
  assert.ok(m.KS_p < 1e-10, `KS p ${m.KS_p}`);
  assert.ok(m.KLOM_F_p95 > 11, `KLOM ${m.KLOM_F_p95} (disjoint bins: log((1 + k·1e-5)/1e-5) − H(p) ≈ 11.5)`);
  const roc = (details["ULiRA@8"] as { roc: { fpr: number[]; tpr: number[] } }).roc;
  assert.equal(roc.fpr.length, roc.tpr.length);
  assert.ok(roc.tpr.every((t) => t === 1));
});

Deno.test("without ensembles (a per-epoch snapshot, a diverged member) the columns are NaN and the reason is recorded", async () => {
  const details: Record<string, unknown> = {};
  const m = await evaluate(null as never, task, ["Eps@8", "KS@8"], 0, { details, ensembles: { ok: false, why: "member 3 diverged" } });
  assert.ok(Number.isNaN(m.Eps_Score) && Number.isNaN(m.KS_p));
  assert.deepEqual(details["Eps@8"], { missing: "member 3 diverged" });
});
