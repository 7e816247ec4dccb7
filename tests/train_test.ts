import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { disposeNet } from "../lib/models/registry.ts";
import { batchOf, logitsOf, Sgd } from "../lib/train.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { tinyContext, weightsOf } from "./unlearn/_tiny.ts";

/** The global norm of the change between two sets of weights. */
function stepNorm(before: Float32Array[], after: Float32Array[]): number {
  let sum = 0;
  before.forEach((w, i) => w.forEach((v, j) => sum += (after[i][j] - v) ** 2));
  return Math.sqrt(sum);
}

Deno.test("gradient-norm clipping (one implementation, Sgd.step) bounds a diverging step; 0 is none", async () => {
  const ctx = await tinyContext("random");
  const { x, y } = batchOf(ctx.task.train, ctx.task.forgetIdx.subarray(0, 16));
  // A loss scaled up 1e6 times: its gradient's norm is far above any clip, as in an ascent that runs away.
  const loss = () => tf.mean(crossEntropy(logitsOf(ctx.start, x, true), y)).mul(1e6) as tf.Scalar;
  const step = (clipNorm: number) => {
    const net = ctx.start;
    const before = weightsOf(net);
    const sgd = new Sgd(net, { learningRate: 0.1, momentum: 0, weightDecay: 0, clipNorm });
    const { gradNorm } = sgd.step(loss);
    sgd.dispose();
    const size = stepNorm(before, weightsOf(net));
    net.model.setWeights(before.map((w, i) => tf.tensor(w, net.model.getWeights()[i].shape)));
    return { gradNorm, size };
  };
  const none = step(0);
  const clipped = step(1);
  assert.ok(none.gradNorm > 100, `a diverging gradient (norm ${none.gradNorm})`);
  assert.equal(clipped.gradNorm, none.gradNorm, "the norm reported is the one before clipping");
  // Without clipping the step is lr × ‖g‖; with clipNorm 1 it is lr × 1 (float32 rounding aside).
  assert.ok(Math.abs(none.size - 0.1 * none.gradNorm) / (0.1 * none.gradNorm) < 1e-3, `${none.size} vs ${0.1 * none.gradNorm}`);
  assert.ok(Math.abs(clipped.size - 0.1) < 1e-4, `clipped step ${clipped.size}`);
  assert.ok(clipped.size < none.size / 100);
  tf.dispose([x, y]);
  disposeNet(ctx.start);
});
