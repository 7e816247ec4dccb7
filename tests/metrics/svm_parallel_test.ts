/** svcFitPredictAll: the worker pool gives exactly the sequential predictions, and reports a job's error. */
import assert from "node:assert/strict";
import { svcFitPredict, svcFitPredictAll, type SvcJob } from "../../lib/metrics/svm.ts";
import { Rng } from "../../lib/rng.ts";

function jobs(): SvcJob[] {
  const rng = new Rng(3);
  return [1, 2, 3].map((dim) => {
    const x = Array.from({ length: 300 }, (_, i) => Float64Array.from({ length: dim }, () => rng.normal() + (i < 150 ? 0.8 : 0)));
    const y = Int32Array.from({ length: 300 }, (_, i) => (i < 150 ? 1 : 0));
    const q = Array.from({ length: 50 }, () => Float64Array.from({ length: dim }, () => rng.normal() + 0.4));
    return { x, y, queries: [q, q.slice(0, 10)] };
  });
}

Deno.test("SVC jobs on two workers predict what they predict one after another", async () => {
  const list = jobs();
  const sequential = [];
  for (const j of list) sequential.push(await svcFitPredict(j.x, j.y, j.queries));
  const parallel = await svcFitPredictAll(list, {}, 2);
  assert.deepEqual(parallel.map((p) => p.map((a) => Array.from(a))), sequential.map((p) => p.map((a) => Array.from(a))));
  const here = await svcFitPredictAll(list, {}, 1);
  assert.deepEqual(here.map((p) => p.map((a) => Array.from(a))), sequential.map((p) => p.map((a) => Array.from(a))));
});

Deno.test("a job's error comes back from its worker", async () => {
  const list = jobs();
  list[1] = { ...list[1], y: Int32Array.from(list[1].y).slice(1) };
  await assert.rejects(svcFitPredictAll(list, {}, 2), /rows but/);
});
