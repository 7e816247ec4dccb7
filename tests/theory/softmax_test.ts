import assert from "node:assert/strict";
import { syntheticTheoryData } from "../../lib/theory/data.ts";
import { cholesky, cholSolve, conjugateGradient, matVec, norm, sub } from "../../lib/theory/linalg.ts";
import {
  glsTargetRows,
  gradient,
  hessian,
  hessianVector,
  makeObjective,
  minimise,
  minimiseChord,
  nonTargetTargets,
  type Objective,
  value,
} from "../../lib/theory/softmax.ts";
import { Rng } from "../../lib/rng.ts";

const data = syntheticTheoryData({ n: 40, dim: 3, numClasses: 4, separation: 1.5, seed: 7 });
const rows = Int32Array.from({ length: 40 }, (_, i) => i);
const k = data.numClasses;
const rng = new Rng(11);
const theta = Float64Array.from({ length: k * data.features.dim }, () => 0.5 * rng.normal());
const v = Float64Array.from({ length: theta.length }, () => rng.normal());

// Cross-entropy, NLS targets (negative entries, row sums 1) and non-target targets, each with and without λ.
const objectives: [string, Objective][] = [
  ["cross-entropy, λ = 0.3", makeObjective(data.features, rows, glsTargetRows(data.y, rows, k), k, 0.3)],
  ["NLS α = −0.7, λ = 0", makeObjective(data.features, rows, glsTargetRows(data.y, rows, k, -0.7), k, 0)],
  ["non-target labels, λ = 1", makeObjective(data.features, rows, nonTargetTargets(data.y, rows, k), k, 1)],
  [
    "weighted difference (Theorem 3 kind), λ = 0.1",
    (() => {
      const t = glsTargetRows(data.y, rows, k, 0, 1);
      const nls = glsTargetRows(data.y, rows, k, -0.5, 0.6);
      return makeObjective(data.features, rows, t.map((x, i) => x - nls[i]), k, 0.1);
    })(),
  ],
];

for (const [name, obj] of objectives) {
  Deno.test(`gradient matches central finite differences: ${name}`, () => {
    const g = gradient(obj, theta);
    const h = 1e-5;
    for (let q = 0; q < theta.length; q += 3) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[q] += h;
      minus[q] -= h;
      const fd = (value(obj, plus) - value(obj, minus)) / (2 * h);
      assert.ok(Math.abs(fd - g[q]) <= 1e-6 * (1 + Math.abs(g[q])), `param ${q}: fd ${fd} vs ${g[q]}`);
    }
  });

  Deno.test(`Hessian-vector product matches finite differences of the gradient: ${name}`, () => {
    const hv = hessianVector(obj, theta, v);
    const h = 1e-5;
    const fd = sub(gradient(obj, theta.map((x, q) => x + h * v[q])), gradient(obj, theta.map((x, q) => x - h * v[q])))
      .map((x) => x / (2 * h));
    assert.ok(norm(sub(hv, fd)) / norm(hv) < 1e-7, `relative error ${norm(sub(hv, fd)) / norm(hv)}`);
  });

  Deno.test(`exact Hessian is symmetric and agrees with the product: ${name}`, () => {
    const hm = hessian(obj, theta);
    const p = theta.length;
    for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(hm[i * p + j] - hm[j * p + i]) < 1e-12);
    assert.ok(norm(sub(matVec(hm, v), hessianVector(obj, theta, v))) / norm(v) < 1e-10);
  });
}

Deno.test("Newton reaches the stated gradient tolerance, and CG on the Hessian solves to tolerance", () => {
  const obj = objectives[0][1];
  const fit = minimise(obj, undefined, { gradTol: 1e-11 });
  assert.ok(fit.converged && fit.gradNorm <= 1e-11, `‖∇J‖ = ${fit.gradNorm}`);
  const h = hessian(obj, fit.theta);
  const b = gradient(objectives[2][1], fit.theta);
  const exact = cholSolve(cholesky(h, b.length), b);
  const cg = conjugateGradient((x) => hessianVector(obj, fit.theta, x), b, { relTol: 1e-12 });
  assert.ok(cg.converged, `CG residual ${cg.relResidual}`);
  assert.ok(norm(sub(cg.x, exact)) / norm(exact) < 1e-9);
});

Deno.test("chord iterations with a nearby Hessian find the same minimiser as Newton", () => {
  const full = objectives[0][1];
  const fit = minimise(full, undefined, { gradTol: 1e-11 });
  const drop = rows.filter((i) => i !== 5);
  const loo = makeObjective(data.features, drop, glsTargetRows(data.y, drop, k), k, 0.3);
  const newton = minimise(loo, fit.theta, { gradTol: 1e-11 });
  const chord = minimiseChord(loo, fit.theta, cholesky(hessian(full, fit.theta), fit.theta.length), { gradTol: 1e-11 });
  assert.ok(chord.converged);
  assert.ok(norm(sub(chord.theta, newton.theta)) < 1e-9);
});

Deno.test("a row's loss is linear in its targets (what Eq. 5's linearity in α rests on)", () => {
  const a = glsTargetRows(data.y, rows, k, 0.2);
  const b = glsTargetRows(data.y, rows, k, -0.9);
  const mix = a.map((x, i) => 0.3 * x + 0.7 * b[i]);
  const f = (t: Float64Array) => value(makeObjective(data.features, rows, t, k, 0), theta);
  assert.ok(Math.abs(f(mix) - (0.3 * f(a) + 0.7 * f(b))) < 1e-9 * Math.abs(f(mix)));
});
