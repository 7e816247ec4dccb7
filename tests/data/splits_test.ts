import assert from "node:assert/strict";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";

const data = makeSynthetic({ numClasses: 4, trainPerClass: 50, testPerClass: 10 });
const superClasses = { names: ["a", "b"], ofClass: [0, 1, 0, 1] };
const task = (paradigm: "classwise" | "random" | "group" | "identity", seed = 3, extra = {}) =>
  makeForgetTask("synthetic", data.train, data.test, { paradigm, seed, ...extra }, superClasses);

function assertPartition(t: ReturnType<typeof task>) {
  const f = new Set(t.forgetIdx);
  const r = new Set(t.retainIdx);
  const v = new Set(t.valIdx);
  for (const i of f) assert.ok(!r.has(i) && !v.has(i), `forget index ${i} also in retain or val`);
  for (const i of r) assert.ok(!v.has(i), `retain index ${i} also in val`);
  assert.equal(f.size + r.size, t.trainIdx.length);
}

Deno.test("class-wise: one whole class forgotten and removed from test and validation", () => {
  const t = task("classwise", 3, { forgetClass: 2 });
  assertPartition(t);
  assert.ok(t.forgetIdx.every((i) => data.train.y[i] === 2));
  assert.equal(t.forgetIdx.length, t.trainIdx.filter((i) => data.train.y[i] === 2).length);
  assert.ok(t.retainIdx.every((i) => data.train.y[i] !== 2));
  assert.ok(t.testIdx.every((i) => data.test.y[i] !== 2));
  assert.ok(t.valIdx.every((i) => data.train.y[i] !== 2));
  assert.equal(t.testIdx.length, 30);
});

Deno.test("random: 10% of every class, test set unchanged", () => {
  const t = task("random");
  assertPartition(t);
  for (let c = 0; c < 4; c++) {
    const inClass = t.trainIdx.filter((i) => data.train.y[i] === c).length;
    const forgot = t.forgetIdx.filter((i) => data.train.y[i] === c).length;
    assert.equal(forgot, Math.round(inClass * 0.1));
  }
  assert.equal(t.testIdx.length, data.test.y.length);
});

Deno.test("group: labels become super-classes, one sub-class forgotten, test unchanged", () => {
  const t = task("group", 3, { forgetSubclass: 1 });
  assertPartition(t);
  assert.equal(t.numClasses, 2);
  assert.ok(t.forgetIdx.every((i) => data.train.y[i] === 1 && t.train.y[i] === 1));
  assert.ok(t.train.y.every((c) => c === 0 || c === 1));
  assert.equal(t.testIdx.length, data.test.y.length);
});

Deno.test("identity: every sample of the chosen identities", () => {
  const t = task("identity", 3, { identityFraction: 0.1 });
  assertPartition(t);
  const ids = new Set(t.forgotten.identities);
  assert.equal(ids.size, 2);
  assert.ok(t.trainIdx.every((i) => ids.has(data.train.identity![i]) === t.forgetIdx.includes(i)));
});

Deno.test("splits are reproducible per seed and differ across seeds", () => {
  assert.deepEqual(task("random", 5).forgetIdx, task("random", 5).forgetIdx);
  assert.notDeepEqual(task("random", 5).forgetIdx, task("random", 6).forgetIdx);
});

Deno.test("class-wise and random of one seed share D_tr (one original model)", () => {
  const a = task("classwise", 9);
  const b = task("random", 9);
  assert.deepEqual(a.trainIdx, b.trainIdx);
  assert.equal(a.originalKey, b.originalKey);
  assert.notEqual(task("group", 9).originalKey, a.originalKey);
});

Deno.test("subsets are stratified and bad options are named", () => {
  const t = task("random", 1, { trainSize: 100, testSize: 20 });
  assert.equal(t.trainIdx.length + t.valIdx.length, 100);
  assert.equal(t.testIdx.length, 20);
  assert.throws(() => task("classwise", 1, { forgetClass: 7 }), /forgetClass: 7 is not -1/);
  assert.throws(() => task("random", 1, { forgetFraction: 1.5 }), /forgetFraction/);
});
