/**
 * KLOM on constructed margins with known answers: 0 for identical ensembles, log((1 + k·eps)/eps) − H(p)
 * for fully separated ones (the largest value the ε-floored binning allows), clipping at ±100, and the
 * reference's top-edge quirk. (Agreement with EasyDUB's own code is in golden_test.ts.)
 */
import assert from "node:assert/strict";
import { Rng } from "../../../lib/rng.ts";
import { binnedKl, DEFAULT_KLOM, klomPerExample, klomSummary } from "../../../lib/metrics/verify/mod.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("KLOM: identical ensembles give 0 on every example", () => {
  const rng = new Rng(10);
  const rows = Array.from({ length: 16 }, () => Float64Array.from({ length: 25 }, () => 5 * rng.normal()));
  const k = klomPerExample(rows, rows.map((r) => r.slice()));
  assert.deepEqual([...new Set(k)], [0]);
  assert.deepEqual(klomSummary(k), { p95: 0, p99: 0, mean: 0, std: 0, examples: 25, undefinedCount: 0 });
});

Deno.test("KLOM: separated samples reach log((1 + k·eps)/eps) − H(p), the binning's ceiling", () => {
  // p: 16 values, all in the lowest bin; q: 16 values in bins ≥ 12 (its largest, the pooled maximum,
  // sits on the top edge and is not counted, as in the reference).
  const p = new Array(16).fill(0);
  const q = Array.from({ length: 16 }, (_, i) => 10 + i * 0.5);
  close(binnedKl(p, q), Math.log((1 + DEFAULT_KLOM.eps) / DEFAULT_KLOM.eps));
  // p over two empty-for-q bins with weights ½, ½: log((1 + 2 eps)/eps) − log 2.
  const p2 = [...new Array(8).fill(0), ...new Array(8).fill(1)];
  close(binnedKl(p2, q), Math.log((1 + 2 * DEFAULT_KLOM.eps) / DEFAULT_KLOM.eps) - Math.log(2));
});

Deno.test("KLOM: grows with the shift between ensembles", () => {
  const rng = new Rng(11);
  const at = (shift: number) => {
    const u = Array.from({ length: 100 }, () => Float64Array.from({ length: 30 }, () => rng.normal()));
    const r = Array.from({ length: 100 }, () => Float64Array.from({ length: 30 }, () => shift + rng.normal()));
    return klomSummary(klomPerExample(u, r)).mean;
  };
  const values = [0, 0.5, 1, 2, 4].map(at);
  for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1], values.join(", "));
});

Deno.test("KLOM: margins beyond ±100 are clipped before binning", () => {
  const u = [150, 160, 170, 180];
  const r = [200, 300, 400, 500];
  assert.equal(binnedKl(u, r), 0); // both clip to 100: identical
  assert.ok(binnedKl(u, r, { clipMax: 1000 }) > 1);
});

Deno.test("KLOM: the reference's top-edge quirk (a constant sample at the pooled maximum is not counted)", () => {
  // numpy.digitize puts a value equal to the last edge past the last bin. When one whole sample sits
  // there it drops out: as p the result is 0/0 = NaN, as q it is floored to eps everywhere, giving 0.
  const low = [0, 0.5, 1, 1.5];
  const top = [2, 2, 2, 2];
  assert.ok(Number.isNaN(binnedKl(top, low)));
  // q counts nothing, is floored to eps on p's four bins and renormalised to ¼ each: KL = Σ ¼ log(¼/¼) = 0.
  assert.equal(binnedKl(low, top), 0);
  const s = klomSummary([1, NaN, 3]);
  assert.equal(s.undefinedCount, 1);
  assert.equal(s.mean, 2);
});

Deno.test("KLOM: direction swaps the roles; shape errors are caught", () => {
  const u = [[0, 1], [0.1, 1.1], [0.2, 1.2], [5, 1.3]];
  const r = [[0, 2], [0.1, 3], [0.3, 4], [0.4, 5]];
  const a = klomPerExample(u, r), b = klomPerExample(u, r, { direction: "retrained||unlearned" });
  const col = (rows: number[][], i: number) => rows.map((x) => x[i]);
  assert.equal(a[0], binnedKl(col(u, 0), col(r, 0)));
  assert.equal(b[0], binnedKl(col(r, 0), col(u, 0)));
  assert.throws(() => klomPerExample(u, r.slice(0, 3)));
});
