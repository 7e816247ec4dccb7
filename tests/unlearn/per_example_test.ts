import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { batchOf, trainableVariables } from "../../lib/train.ts";
import { denseChain, perExampleGrads } from "../../lib/unlearn/loops/per_example.ts";
import { woodFisherCoefficients } from "../../lib/unlearn/iu.ts";
import { Rng } from "../../lib/rng.ts";
import { tinyContext } from "./_tiny.ts";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
};

Deno.test("the dense batch trick equals one backward pass per sample", async () => {
  const ctx = await tinyContext("random");
  const net = ctx.original;
  assert.ok(denseChain(net), "the MLP is a dense chain");
  const { x, y } = batchOf(ctx.task.train, ctx.task.retainIdx.subarray(0, 12));
  const dense = perExampleGrads(net, x, y, "dense");
  const loop = perExampleGrads(net, x, y, "loop");
  assert.equal(dense.mode, "dense");
  assert.equal(loop.mode, "loop");
  const md = dense.materialize();
  const ml = loop.materialize();
  md.forEach((g, k) => close(g.dataSync(), ml[k].dataSync(), 1e-4, `gradient rows of variable ${k}`));
  close(dense.gram(), loop.gram(), 1e-4, "gram");
  const vars = trainableVariables(net);
  const v = vars.map((w, k) => tf.randomNormal(w.shape, 0, 1, "float32", k));
  close(dense.dot(v), loop.dot(v), 1e-4, "dot");
  const c = Array.from({ length: 12 }, (_, i) => Math.sin(i));
  const cd = dense.combine(c);
  const cl = loop.combine(c);
  cd.forEach((t, k) => close(t.dataSync(), cl[k].dataSync(), 1e-4, `combine ${k}`));
  const w = Array.from({ length: 12 }, (_, i) => i / 12);
  const sd = dense.squaredSum(w);
  const sl = loop.squaredSum(w);
  sd.forEach((t, k) => close(t.dataSync(), sl[k].dataSync(), 1e-4, `squaredSum ${k}`));
  tf.dispose([x, y, ...md, ...ml, ...v, ...cd, ...cl, ...sd, ...sl]);
  dense.dispose();
  loop.dispose();
});

Deno.test("the WoodFisher recursion equals the Woodbury inverse", () => {
  // F = λI + (1/N) Gᵀ G; F⁻¹v = (1/λ)(v − Gᵀ (NλI + G Gᵀ)⁻¹ G v).
  const rng = new Rng(3);
  const n = 7;
  const p = 5;
  const lambda = 0.3;
  const g = Array.from({ length: n }, () => Array.from({ length: p }, () => rng.normal()));
  const v = Array.from({ length: p }, () => rng.normal());
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram[i * n + j] = g[i].reduce((s, a, k) => s + a * g[j][k], 0);
  const w = Float64Array.from(g, (row) => row.reduce((s, a, k) => s + a * v[k], 0));
  const beta = woodFisherCoefficients(gram, w, lambda);
  const viaRecursion = v.map((vk, k) => vk / lambda - beta.reduce((s, b, i) => s + b * g[i][k], 0));
  // Direct: solve F x = v with F formed explicitly (p × p), by Gaussian elimination.
  const f = Array.from(
    { length: p },
    (_, a) => Array.from({ length: p }, (_, b) => (a === b ? lambda : 0) + g.reduce((s, row) => s + row[a] * row[b], 0) / n),
  );
  const aug = f.map((row, i) => [...row, v[i]]);
  for (let col = 0; col < p; col++) {
    for (let r = col + 1; r < p; r++) {
      const factor = aug[r][col] / aug[col][col];
      for (let c = col; c <= p; c++) aug[r][c] -= factor * aug[col][c];
    }
  }
  const direct = new Array(p).fill(0);
  for (let r = p - 1; r >= 0; r--) {
    direct[r] = (aug[r][p] - aug[r].slice(r + 1, p).reduce((s, a, i) => s + a * direct[r + 1 + i], 0)) / aug[r][r];
  }
  close(viaRecursion, direct, 1e-9, "F⁻¹v");
});
