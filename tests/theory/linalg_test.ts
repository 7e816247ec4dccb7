import assert from "node:assert/strict";
import { cholesky, cholSolve, conjugateGradient, largestEigenvalue, matVec, norm, spearman, sub } from "../../lib/theory/linalg.ts";
import { Rng } from "../../lib/rng.ts";

/** A random symmetric positive-definite matrix M = AᵀA + shift·I. */
function spd(n: number, shift: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: n * n }, () => rng.normal());
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[k * n + i] * a[k * n + j];
      m[i * n + j] = s + (i === j ? shift : 0);
    }
  }
  return m;
}

Deno.test("Cholesky solve has a residual at rounding level", () => {
  const n = 30;
  const m = spd(n, 0.5, 1);
  const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const x = cholSolve(cholesky(m, n), b);
  assert.ok(norm(sub(matVec(m, x), b)) / norm(b) < 1e-12);
});

Deno.test("Cholesky refuses a matrix that is not positive definite", () => {
  assert.throws(() => cholesky(Float64Array.of(1, 2, 2, 1), 2), /not positive definite/);
});

Deno.test("conjugate gradient reaches its tolerance and agrees with Cholesky", () => {
  const n = 40;
  const m = spd(n, 1, 2);
  const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  for (const relTol of [1e-6, 1e-12]) {
    const cg = conjugateGradient((v) => matVec(m, v), b, { relTol });
    assert.ok(cg.converged, `relTol ${relTol}: residual ${cg.relResidual}`);
    assert.ok(cg.relResidual <= relTol * 10);
  }
  const exact = cholSolve(cholesky(m, n), b);
  const cg = conjugateGradient((v) => matVec(m, v), b, { relTol: 1e-13 });
  assert.ok(norm(sub(cg.x, exact)) / norm(exact) < 1e-9);
});

Deno.test("PCG with the exact inverse as preconditioner converges in one step", () => {
  const n = 20;
  const m = spd(n, 1, 3);
  const f = cholesky(m, n);
  const b = Float64Array.from({ length: n }, (_, i) => i - 3);
  const cg = conjugateGradient((v) => matVec(m, v), b, { relTol: 1e-12, precond: (r) => cholSolve(f, r) });
  assert.ok(cg.iterations <= 2, `${cg.iterations} iterations`);
  assert.ok(cg.converged);
});

Deno.test("largest eigenvalue of a diagonal operator", () => {
  const d = Float64Array.of(1, 5, 3, 2);
  const lambda = largestEigenvalue((v) => v.map((x, i) => x * d[i]), 4, 2000);
  assert.ok(Math.abs(lambda - 5) < 1e-6, `${lambda}`);
});

Deno.test("Spearman: monotone → 1, reversed → −1, ties averaged", () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 400]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Math.abs(spearman([1, 1, 2], [1, 1, 2]) - 1) < 1e-12);
});
