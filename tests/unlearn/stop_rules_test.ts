import assert from "node:assert/strict";
import { disposeNet } from "../../lib/models/registry.ts";
import { forgetAccTarget } from "../../lib/unlearn/loops/forget_target.ts";
import { methodSpec } from "../../lib/unlearn/registry.ts";
import { tinyContext } from "./_tiny.ts";

Deno.test("the forget-accuracy target by paradigm: class-wise 0, random the original's validation accuracy, otherwise 5-NN", async () => {
  for (const method of ["ga", "ugradsl"]) assert.equal(methodSpec(method).options.targetEstimate.default, "auto", method);
  const random = await tinyContext("random");
  const monitor = random.task.forgetIdx;
  assert.deepEqual(forgetAccTarget(random, monitor, -1, "auto"), { target: random.originalValAcc, how: "original's validation accuracy" });
  assert.match(forgetAccTarget(random, monitor, -1, "knn").how, /^5-NN vote/);
  const classwise = await tinyContext("classwise");
  assert.deepEqual(forgetAccTarget(classwise, classwise.task.forgetIdx, -1, "auto"), { target: 0, how: "class-wise: 0" });
  const identity = await tinyContext("identity");
  assert.match(forgetAccTarget(identity, identity.task.forgetIdx, -1, "auto").how, /^5-NN vote/);
  for (const c of [random, classwise, identity]) disposeNet(c.start);
});

Deno.test("GA's forget-accuracy rule fires on random forgetting at the original's validation accuracy", async () => {
  const ctx = await tinyContext("random");
  const outcome = await methodSpec("ga").runWith(ctx, { learningRate: 0.05, epochs: 20 });
  assert.ok(outcome.stop, "the rule stopped the run");
  assert.match(outcome.stop!.reason, /^forget accuracy [\d.]+ ≤ target [\d.]+$/);
  assert.equal(outcome.notes!.forgetAccTargetHow, "original's validation accuracy");
  const steps = Math.ceil(ctx.task.forgetIdx.length / 128) * 20;
  assert.ok((outcome.notes!.steps as number) < steps, `stopped at step ${outcome.notes!.steps} of ${steps}`);
  disposeNet(outcome.net);
});

Deno.test("UGradSL+ is fixed-epoch: it runs every step of its epochs", async () => {
  const ctx = await tinyContext("random");
  const outcome = await methodSpec("ugradsl+").runWith(ctx, { epochs: 2, batchSize: 16 });
  assert.equal(outcome.stop, undefined);
  assert.equal(outcome.notes!.steps, 2 * Math.ceil(ctx.task.retainIdx.length / 16));
  disposeNet(outcome.net);
});
