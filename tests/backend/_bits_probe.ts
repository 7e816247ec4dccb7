/**
 * A few plain-SGD training steps of one of the kit's models on the native backend, in a process of
 * its own (the thread count is fixed when the native libraries load): prints the sha256 of the
 * weights after each step and the losses as JSON. tests/backend/bit_exact_test.ts runs it under
 * several UNLEARN_THREADS and UNLEARN_NATIVE_PICK settings and compares the outputs.
 *   deno run -A tests/backend/_bits_probe.ts mlp|cnn|resnet18
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import { buildNet, modelConfig, weightBytes } from "../../lib/models/registry.ts";
import { sha256Hex } from "../../lib/record.ts";
import { crossEntropy } from "../../lib/smoothing.ts";
import { logitsOf } from "../../lib/train.ts";

const SHAPES = {
  mlp: { inputShape: [28, 28, 1], batch: 64, options: {} },
  cnn: { inputShape: [28, 28, 1], batch: 32, options: {} },
  // ResNet-18's blocks (3×3 convolutions, batch norm, stride-2 1×1 shortcuts) at a quarter of the width.
  resnet18: { inputShape: [32, 32, 3], batch: 8, options: { width: 16 } },
} as const;

const arch = Deno.args[0] as keyof typeof SHAPES;
if (!(arch in SHAPES)) throw new Error(`usage: _bits_probe.ts ${Object.keys(SHAPES).join("|")}`);
const info = await initBackend({ backend: "native" });
const { inputShape, batch, options } = SHAPES[arch];
const net = buildNet(modelConfig(arch, [...inputShape], 10, options), 7);
const x = tf.randomUniform([batch, ...inputShape], 0, 1, "float32", 11);
const y = tf.randomUniform([batch], 0, 10, "int32", 12) as tf.Tensor1D;
const opt = tf.train.sgd(0.05);
const steps: { loss: number; weights: string }[] = [];
for (let i = 0; i < 3; i++) {
  const cost = opt.minimize(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar, true)!;
  steps.push({ loss: cost.dataSync()[0], weights: await sha256Hex(weightBytes(net)) });
  cost.dispose();
}
const evalLogits = logitsOf(net, x, false);
const logits = await sha256Hex(new Uint8Array((await evalLogits.data() as Float32Array).buffer));
const native = info.native!;
console.log(JSON.stringify({ arch, threads: native.threads, variants: { ...native.variants }, steps, logits }));
