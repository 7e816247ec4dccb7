import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { adaptiveSmoothRates, crossEntropy, glsLoss, glsLossEq4, glsTargets, normalisedDistances } from "../lib/smoothing.ts";

await tf.setBackend("cpu");
const logits = tf.tensor2d([[2, -1, 0.5, 0], [0.1, 0.2, 3, -2], [-1, 4, 0, 1]]);
const labels = tf.tensor1d([0, 2, 1], "int32");

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
}

Deno.test("α = 0 is plain cross-entropy", () => {
  const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), logits, undefined, undefined, tf.Reduction.NONE);
  close(glsLoss(logits, labels, 0).dataSync(), ce.dataSync());
  close(crossEntropy(logits, labels).dataSync(), ce.dataSync());
});

Deno.test("GLS targets: (1 − α)e_y + α/K, rows sum to 1 for any α", () => {
  const t = glsTargets(labels, 4, -0.4).arraySync();
  close(t[0], [1.4 - 0.1, -0.1, -0.1, -0.1]);
  for (const row of t) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
});

Deno.test("the loss equals Eq. 4 term by term, for PLS and NLS", () => {
  for (const alpha of [0.3, -0.5, -2]) close(glsLoss(logits, labels, alpha).dataSync(), glsLossEq4(logits, labels, alpha).dataSync());
});

Deno.test("per-sample rates match the per-sample scalar loss", () => {
  const rates = tf.tensor1d([-0.5, 0, 0.2]);
  const each = [-0.5, 0, 0.2].map((a, i) => glsLoss(logits, labels, a).dataSync()[i]);
  close(glsLoss(logits, labels, rates).dataSync(), each);
});

Deno.test("ascent under NLS lowers the true logit and raises the others more than plain ascent", () => {
  // ∂ℓ/∂z = softmax(z) − y^{GLS,α}: an ascent step moves logits along it.
  const ascent = (alpha: number) =>
    tf.grad((z: tf.Tensor) => tf.sum(glsLoss(z as tf.Tensor2D, labels, alpha)))(logits).arraySync() as number[][];
  const nls = ascent(-0.8);
  const plain = ascent(0);
  const y = labels.arraySync();
  nls.forEach((row, i) =>
    row.forEach((g, k) => {
      if (k === y[i]) assert.ok(g < 0 && g < plain[i][k], `true logit of row ${i}`);
      else assert.ok(g > 0 && g > plain[i][k], `logit ${k} of row ${i}`);
    })
  );
  const p = tf.softmax(logits).arraySync();
  const t = glsTargets(labels, 4, -0.8).arraySync();
  close(nls.flat(), p.flat().map((v, j) => v - t.flat()[j]));
});

Deno.test("adaptive rate: 'dampen' keeps α alone and vanishes in a dense neighbourhood", () => {
  const forget = tf.tensor2d([[0, 0], [10, 10]]);
  const retain = tf.tensor2d([[0, 0.1], [0.1, 0], [0, 0.2]]);
  const opts = { form: "dampen" as const, space: "features" as const, metric: "euclidean" as const, threshold: 0.5 };
  close(adaptiveSmoothRates(forget, retain, -0.6, opts).dataSync(), [0, -0.6]);
  close(adaptiveSmoothRates(forget, retain, -0.6, { ...opts, form: "scale" }).dataSync(), [-0.6, 0]);
  close(adaptiveSmoothRates(forget, retain, -0.6, { ...opts, form: "summary" }).dataSync(), [1, 0]);
});

Deno.test("adaptive rate, cosine: non-zero on non-negative (ReLU) features, where the fixed (1 − cos)/2 map counted every pair", () => {
  // Two forget rows, one near the first two retain rows in angle and one near the third; all entries ≥ 0.
  const forget = tf.tensor2d([[1, 0], [0, 1]]);
  const retain = tf.tensor2d([[1, 0.05], [0.9, 0.1], [0, 1]]);
  const opts = { form: "dampen" as const, space: "features" as const, metric: "cosine" as const, threshold: 0.5 };
  const rates = Array.from(adaptiveSmoothRates(forget, retain, -0.6, opts).dataSync());
  close(rates, [-0.6 * (1 - 2 / 3), -0.6 * (1 - 1 / 3)]);
  // The mechanism of the old collapse: with non-negative rows cos ≥ 0, so (1 − cos)/2 ≤ 0.5 for every pair.
  const relu = tf.relu(tf.randomNormal([64, 16], 0, 1, "float32", 7)) as tf.Tensor2D;
  const [f, r] = [relu.slice([0, 0], [16, 16]), relu.slice([16, 0], [48, 16])] as tf.Tensor2D[];
  const cos = tf.matMul(f.div(tf.norm(f, 2, 1, true)), r.div(tf.norm(r, 2, 1, true)), false, true);
  assert.ok(tf.min(cos).dataSync()[0] >= -1e-6, "cosine of non-negative rows is ≥ 0");
  // Normalised by the batch's widest gap, the farthest pair sits at 1 and the rate varies across the batch.
  const d = normalisedDistances(f, r, "cosine");
  close([tf.max(d).dataSync()[0]], [1]);
  const spread = Array.from(adaptiveSmoothRates(f, r, -0.6, opts).dataSync());
  assert.ok(spread.some((a) => a < -1e-3), `some rate non-zero: ${spread}`);
  assert.ok(spread.every((a) => a <= 0 && a >= -0.6), `rates in [α, 0]: ${spread}`);
});

Deno.test("adaptive rate: Euclidean and cosine distances share one normalisation (the batch's largest is 1)", () => {
  const f = tf.tensor2d([[1, 2], [3, -1]]);
  const r = tf.tensor2d([[0, 1], [2, 2], [-1, 0]]);
  for (const metric of ["euclidean", "cosine"] as const) {
    const d = Array.from(normalisedDistances(f, r, metric).dataSync());
    close([Math.max(...d)], [1]);
    assert.ok(d.every((v) => v >= 0 && v <= 1 + 1e-6), `${metric}: ${d}`);
  }
});
