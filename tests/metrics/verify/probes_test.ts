/**
 * Representation probes on constructed features: linear CKA is 1 for a representation against itself
 * or a rotated, rescaled copy and near 0 for unrelated ones; k-NN and the linear probe read class
 * clusters perfectly and random labels at chance; the probe is deterministic and its subsample seeded.
 * (Agreement with scikit-learn and a numpy HSIC form is in golden_test.ts.)
 */
import assert from "node:assert/strict";
import { Rng } from "../../../lib/rng.ts";
import {
  ckaPerLayer,
  type FeatureMatrix,
  fitLinearProbe,
  knnAccuracy,
  linearCka,
  probeAccuracy,
  probeProbabilities,
} from "../../../lib/metrics/verify/mod.ts";

/** A feature matrix whose data is a Float64Array (so tests can slice it). */
interface Dense extends FeatureMatrix {
  data: Float64Array;
}

function gaussian(rows: number, cols: number, rng: Rng): Dense {
  return { data: Float64Array.from({ length: rows * cols }, () => rng.normal()), rows, cols };
}

/** x·Q·s for a random orthogonal Q (Gram-Schmidt) and scale s. */
function rotated(x: Dense, s: number, rng: Rng): Dense {
  const d = x.cols;
  const q: Float64Array[] = [];
  while (q.length < d) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (const u of q) {
      const dot = v.reduce((a, vi, i) => a + vi * u[i], 0);
      for (let i = 0; i < d; i++) v[i] -= dot * u[i];
    }
    const norm = Math.hypot(...v);
    q.push(v.map((vi) => vi / norm));
  }
  const out = new Float64Array(x.rows * d);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += x.data[r * d + k] * q[k][j];
      out[r * d + j] = s * sum;
    }
  }
  return { data: out, rows: x.rows, cols: d };
}

Deno.test("CKA: 1 against itself and a rotated, rescaled copy; near 0 for unrelated features; forms agree", () => {
  const rng = new Rng(40);
  const x = gaussian(200, 12, rng);
  assert.ok(Math.abs(linearCka(x, x) - 1) < 1e-12);
  assert.ok(Math.abs(linearCka(x, rotated(x, 7.5, rng)) - 1) < 1e-12);
  const y = gaussian(200, 9, rng);
  const unrelated = linearCka(x, y);
  assert.ok(unrelated < 0.15, `unrelated CKA ${unrelated}`);
  assert.ok(Math.abs(linearCka(x, y, "gram") - linearCka(x, y, "features")) < 1e-12);
  // Shifting features (a bias) changes nothing: CKA centres the columns.
  const shifted = { ...x, data: x.data.map((v, i) => v + (i % 12)) };
  assert.ok(Math.abs(linearCka(x, shifted) - 1) < 1e-12);
  const perLayer = ckaPerLayer([x, x], [x, y]);
  assert.equal(perLayer.length, 2);
  assert.ok(Math.abs(perLayer[0] - 1) < 1e-12 && perLayer[1] === unrelated);
});

/** Features of `rows` examples from `k` well-separated class clusters, and their labels. */
function clusters(rows: number, k: number, d: number, rng: Rng, spread = 0.3): { x: Dense; y: Int32Array } {
  const centers = Array.from({ length: k }, () => Float64Array.from({ length: d }, () => 3 * rng.normal()));
  const y = Int32Array.from({ length: rows }, () => rng.int(k));
  const data = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) for (let c = 0; c < d; c++) data[r * d + c] = centers[y[r]][c] + spread * rng.normal();
  return { x: { data, rows, cols: d }, y };
}

Deno.test("k-NN: reads class clusters perfectly, random labels at chance; cosine and Euclidean both work", () => {
  const rng = new Rng(41);
  const all = clusters(600, 5, 8, rng);
  const ref = { ...all.x, data: all.x.data.subarray(0, 400 * 8), rows: 400 };
  const qry = { ...all.x, data: all.x.data.subarray(400 * 8), rows: 200 };
  const yRef = all.y.subarray(0, 400), yQry = all.y.subarray(400);
  assert.equal(knnAccuracy(ref, yRef, qry, yQry).accuracy, 1);
  assert.equal(knnAccuracy(ref, yRef, qry, yQry, { metric: "cosine", k: 3 }).accuracy, 1);
  const shuffled = yRef.map(() => rng.int(5));
  const chance = knnAccuracy(ref, shuffled, qry, yQry).accuracy;
  assert.ok(chance < 0.4, `random-label k-NN accuracy ${chance}`);
});

Deno.test("linear probe: separates clusters, is deterministic, and its subsample is seeded", () => {
  const rng = new Rng(42);
  const { x, y } = clusters(500, 4, 10, rng, 0.5);
  const a = fitLinearProbe(x, y, 4);
  const b = fitLinearProbe(x, y, 4);
  assert.ok(a.converged);
  assert.equal(probeAccuracy(a, x, y), 1);
  assert.deepEqual(a.weights, b.weights); // no randomness without a subsample
  const s1 = fitLinearProbe(x, y, 4, { maxTrainRows: 100, seed: 7 });
  const s2 = fitLinearProbe(x, y, 4, { maxTrainRows: 100, seed: 7 });
  const s3 = fitLinearProbe(x, y, 4, { maxTrainRows: 100, seed: 8 });
  assert.deepEqual(s1.weights, s2.weights);
  assert.notDeepEqual(s1.weights, s3.weights);
  assert.equal(s1.trainRows, 100);
  const p = probeProbabilities(a, x);
  for (let i = 0; i < x.rows; i++) {
    const row = p.subarray(i * 4, i * 4 + 4);
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  }
  // Random labels: the probe cannot generalise to new rows.
  const noise = clusters(400, 4, 10, rng, 0.5);
  const labels = noise.y.map(() => rng.int(4));
  const probe = fitLinearProbe({ ...noise.x, rows: 300, data: noise.x.data.subarray(0, 3000) }, labels.subarray(0, 300), 4);
  const held = probeAccuracy(probe, { ...noise.x, rows: 100, data: noise.x.data.subarray(3000) }, labels.subarray(300));
  assert.ok(held < 0.45, `random-label probe accuracy ${held}`);
});
