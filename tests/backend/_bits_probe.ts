/**
 * A few training steps (lib/train.ts's Sgd: momentum, weight decay, clipping) of one of the kit's models on the native backend, in a process of
 * its own (the thread count is fixed when the native libraries load): prints the sha256 of the
 * weights after each step and the losses as JSON. tests/backend/bit_exact_test.ts runs it under
 * several UNLEARN_THREADS and UNLEARN_NATIVE_PICK settings (and the MLP with UNLEARN_DENSE_STACK off) and compares
 * the outputs.
 * "kernels" instead runs the native kernels a small model does not reach, once each on large inputs:
 * overlapping max pooling and its gradient, element-wise ops and relu above 2^20 values, batch
 * normalisation and its gradient (given statistics, and a training batch's), a sum over leading axes.
 *   deno run -A tests/backend/_bits_probe.ts mlp|cnn|resnet18|kernels
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import { batchNormTrain, nativeBatchNormTrains } from "../../lib/backend/native/batchnorm_train.ts";
import { denseStackCalls } from "../../lib/backend/native/dense_stack.ts";
import { buildNet, modelConfig, weightBytes } from "../../lib/models/registry.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { crossEntropy } from "../../lib/smoothing.ts";
import { logitsOf, Sgd } from "../../lib/train.ts";

const SHAPES = {
  mlp: { inputShape: [28, 28, 1], batch: 64, options: {} },
  cnn: { inputShape: [28, 28, 1], batch: 32, options: {} },
  // ResNet-18's blocks (3×3 convolutions, batch norm, stride-2 1×1 shortcuts) at a quarter of the width.
  resnet18: { inputShape: [32, 32, 3], batch: 8, options: { width: 16 } },
} as const;

const info = await initBackend({ backend: "native" });
const digest = async (t: tf.Tensor) => await sha256Hex(new Uint8Array((await t.data() as Float32Array).slice().buffer));

if (Deno.args[0] === "kernels") {
  const x = tf.randomUniform([4, 64, 64, 96], -1, 1, "float32", 21) as tf.Tensor4D; // 1.5M values
  const z = tf.randomUniform([4, 64, 64, 96], -1, 1, "float32", 22) as tf.Tensor4D;
  const c = 96;
  const [mean, variance] = [tf.randomUniform([c], -0.5, 0.5, "float32", 23), tf.randomUniform([c], 0.5, 2, "float32", 24)];
  const [scale, offset] = [tf.randomUniform([c], 0.5, 1.5, "float32", 25), tf.randomUniform([c], -0.5, 0.5, "float32", 26)];
  const outputs = {
    maxPool: tf.maxPool(x, 3, 2, "same"),
    maxPoolGrad: tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 3, 2, "same"), 0.3)))(x),
    add: tf.add(x, z),
    sub: tf.sub(x, z),
    multiply: tf.mul(x, z),
    divide: tf.div(x, tf.add(tf.abs(z), 1)),
    relu: tf.relu(x),
    batchNorm: tf.batchNorm(x, mean, variance, offset, scale, 1e-5),
    batchNormGrad: tf.grads((v: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(v as tf.Tensor4D, mean, variance, offset, s as tf.Tensor1D, 1e-5), z))
    )([x, scale])[1],
    sumLeading: tf.sum(x, [0, 1, 2]),
    // Training batch norm (batchnorm_train.ts): output with the batch's statistics, and the gradient for x.
    batchNormTrain: batchNormTrain(x, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-5)[0],
    batchNormTrainGrad: tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(batchNormTrain(v as tf.Tensor4D, scale as tf.Tensor1D, offset as tf.Tensor1D, 1e-5)[0], z))
    )(x),
  };
  const digests: Record<string, string> = {};
  for (const [name, t] of Object.entries(outputs)) {
    digests[name] = await digest(t);
  }
  console.log(JSON.stringify({ arch: "kernels", threads: info.native!.threads, variants: { ...info.native!.variants }, digests }));
  Deno.exit(0);
}

const arch = Deno.args[0] as keyof typeof SHAPES;
if (!(arch in SHAPES)) throw new Error(`usage: _bits_probe.ts ${Object.keys(SHAPES).join("|")}|kernels`);
const { inputShape, batch, options } = SHAPES[arch];
const net = buildNet(modelConfig(arch, [...inputShape], 10, options), 7);
const x = tf.randomUniform([batch, ...inputShape], 0, 1, "float32", 11);
const y = tf.randomUniform([batch], 0, 10, "int32", 12) as tf.Tensor1D;
// The kit's optimiser as its runs use it (on native: the fused update and gradient norm), with clipping.
const opt = new Sgd(net, { learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, clipNorm: 1 });
const steps: { loss: number; gradNorm: number; weights: string }[] = [];
for (let i = 0; i < 3; i++) {
  const { loss, gradNorm } = opt.step(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar);
  steps.push({ loss, gradNorm, weights: await sha256Hex(weightBytes(net)) });
}
const logits = await digest(logitsOf(net, x, false));
const native = info.native!;
console.log(
  JSON.stringify({
    arch,
    threads: native.threads,
    variants: { ...native.variants },
    blocks: native.gemm.blocks,
    batchNormTrains: nativeBatchNormTrains,
    denseStackCalls,
    steps,
    logits,
  }),
);
