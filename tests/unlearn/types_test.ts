import assert from "node:assert/strict";
import { int, num, oneOf } from "../../lib/config.ts";
import { KitError } from "../../lib/errors.ts";
import { disposeNet } from "../../lib/models/registry.ts";
import { MIXED } from "../../lib/unlearn/fields.ts";
import { gradientMixedMethod } from "../../lib/unlearn/loops/gradient_mixed.ts";
import { KIT_STOP_RULE, NO_ADAPTIVE_RATE } from "../../lib/unlearn/loops/defaults.ts";
import { defineMethod } from "../../lib/unlearn/types.ts";
import { tinyContext } from "./_tiny.ts";

/** A method whose `run` sees its options typed (no cast in the method or at the call) and reports them. */
const echo = defineMethod({
  name: "test-echo",
  title: "Echo",
  source: "tests/unlearn/types_test.ts",
  family: "baseline",
  options: {
    steps: int(3, "steps", { min: 0, max: 10, source: "test" }),
    rate: num(0.5, "rate", { min: 0, max: 1, source: "test" }),
    mode: oneOf(["a", "b"] as const, "a", "mode", "test"),
  },
  searchSpace: {},
  display: { order: 99, color: "#000000" },
  run(ctx, opts) {
    const steps: number = opts.steps;
    const mode: "a" | "b" = opts.mode;
    return { net: ctx.start, history: [], notes: { steps, rate: opts.rate, mode } };
  },
});

Deno.test("runWith checks plain options against the method's schema: defaults filled, values checked, unknown keys refused", async () => {
  const ctx = await tinyContext("random");
  assert.deepEqual((await echo.runWith(ctx, { steps: 7 })).notes, { steps: 7, rate: 0.5, mode: "a" });
  assert.deepEqual((await echo.runWith(ctx, { mode: "b", rate: 1 })).notes, { steps: 3, rate: 1, mode: "b" });
  assert.throws(
    () => echo.runWith(ctx, { steps: 11 }),
    (e) => e instanceof KitError && /test-echo options\.steps: 11 is above/.test(e.message),
  );
  assert.throws(() => echo.runWith(ctx, { mode: "c" }), KitError);
  assert.throws(() => echo.runWith(ctx, { step: 1 }), (e) => e instanceof KitError && /unknown option "step"/.test(e.message));
  disposeNet(ctx.start);
});

Deno.test("a gradient-mixed method must expose or fix every option of the loop", async () => {
  const spec = {
    name: "test-mixed",
    title: "Mixed",
    source: "test",
    family: "baseline" as const,
    backbone: "ga" as const,
    options: { epochs: MIXED.epochs(1, "test") },
    searchSpace: {},
    display: { order: 99, color: "#000000" },
  };
  const fixed = {
    learningRate: 0.01,
    momentum: 0,
    weightDecay: 0,
    batchSize: 8,
    pairedBatchSize: 8,
    mixWeight: 0.5,
    mixSchedule: "constant" as const,
    smoothRate: 0,
    clipNorm: 0,
    ...NO_ADAPTIVE_RATE,
    ...KIT_STOP_RULE,
    stopRule: "none" as const,
  };
  const method = gradientMixedMethod({ ...spec, fixed });
  const tiny = await tinyContext("random");
  const outcome = await method.runWith(tiny, {});
  assert.equal(outcome.notes!.steps, Math.ceil(tiny.task.forgetIdx.length / 8), "one epoch over the forget set in batches of 8");
  disposeNet(outcome.net);
  const { learningRate: _, ...short } = fixed;
  // @ts-expect-error: the types already refuse a loop option that is neither exposed nor fixed
  assert.throws(() => gradientMixedMethod({ ...spec, fixed: short }), /learningRate are neither exposed nor fixed/);
});
