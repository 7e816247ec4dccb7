/**
 * 160 CNN training steps on the native backend in a process of its own, so that its resident memory is
 * its own (under `deno test --parallel` other test files share the process): prints, after 60 and after
 * 160 steps, live tensors, wasm-heap tensors, oneDNN primitives, reorder scratch bytes and VmRSS (MiB)
 * as JSON. tests/backend/native_train_test.ts runs it and checks that nothing grows.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import { dnnlContext } from "../../lib/backend/native/backend.ts";
import { buildNet, disposeNet, modelConfig } from "../../lib/models/registry.ts";
import { Rng } from "../../lib/rng.ts";
import { crossEntropy } from "../../lib/smoothing.ts";
import { batchOf, logitsOf, Sgd } from "../../lib/train.ts";

function rssMiB(): number {
  const m = Deno.readTextFileSync("/proc/self/status").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

await initBackend({ backend: "native" });
const backend = tf.backend() as unknown as { numDataIds(): number };
const net = buildNet(modelConfig("cnn", [28, 28, 1], 10), 1);
const sgd = new Sgd(net, { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, clipNorm: 0 });
const rng = new Rng(1);
const n = 512;
const ds = {
  x: Float32Array.from({ length: n * 784 }, () => rng.next()),
  y: Int32Array.from({ length: n }, () => Math.floor(rng.next() * 10)),
  sampleShape: [28, 28, 1],
};
const at: { tensors: number; dataIds: number; primitives: number; scratchBytes: number; rss: number }[] = [];
for (let i = 0; i < 160; i++) {
  const idx = Int32Array.from({ length: 32 }, (_, j) => (i * 32 + j) % n);
  const { x, y } = batchOf(ds as never, idx);
  sgd.step(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar);
  tf.dispose([x, y]);
  if (i === 59 || i === 159) {
    const ctx = dnnlContext()!;
    at.push({
      tensors: tf.memory().numTensors,
      dataIds: backend.numDataIds(),
      primitives: ctx.size,
      scratchBytes: ctx.scratchBytes,
      rss: rssMiB(),
    });
  }
}
sgd.dispose();
disposeNet(net);
console.log(JSON.stringify({ warm: at[0], end: at[1] }));
