/**
 * ResNet-18 (He et al. 2016) in its CIFAR form, the paper's image model: a 3×3 stride-1 stem with no
 * max-pool (32×32 inputs would otherwise shrink too early), four stages of two BasicBlocks with widths
 * w, 2w, 4w, 8w (w = 64), stride 2 at the start of stages 2-4 with a 1×1 strided convolution + BN
 * shortcut, global average pooling, one dense layer. Convolutions have no bias (BN follows each).
 * With w = 64 and 10 classes it has 11,173,962 trainable parameters, the count of the reference
 * PyTorch CIFAR ResNet-18; `width` narrows it for CPU tests and quick runs.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import type { ArchSpec } from "./types.ts";

type S = tf.SymbolicTensor;

/** PyTorch's BN defaults (momentum 0.1 ⇒ tfjs's 0.9 on the running average, eps 1e-5). */
export function bn(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name });
}

export const resnet18: ArchSpec = {
  name: "resnet18",
  description: "ResNet-18, CIFAR form (3×3 stem, no max-pool, BasicBlocks [2,2,2,2], widths w·[1,2,4,8])",
  input: "image",
  defaults: { width: 64 },
  build(config, seed) {
    const rng = new Rng(seed);
    const w = Number(config.options.width);
    if (!(Number.isInteger(w) && w >= 1)) throw new KitError(`model resnet18: width ${w} is not a positive integer`);
    const conv = (filters: number, kernel: number, stride: number, name: string) =>
      tf.layers.conv2d({
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: "same",
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }),
        name,
      });
    const relu = (name: string) => tf.layers.activation({ activation: "relu", name });
    const ap = (layer: tf.layers.Layer, x: S | S[]) => layer.apply(x) as S;

    const input = tf.input({ shape: config.inputShape });
    let h = ap(relu("stem_relu"), ap(bn("stem_bn"), ap(conv(w, 3, 1, "stem_conv"), input)));
    let channels = w;
    [1, 2, 4, 8].forEach((mult, stage) => {
      for (let block = 0; block < 2; block++) {
        const name = `s${stage + 1}b${block + 1}`;
        const stride = stage > 0 && block === 0 ? 2 : 1;
        const out = w * mult;
        let y = ap(relu(`${name}_relu1`), ap(bn(`${name}_bn1`), ap(conv(out, 3, stride, `${name}_conv1`), h)));
        y = ap(bn(`${name}_bn2`), ap(conv(out, 3, 1, `${name}_conv2`), y));
        const shortcut = stride !== 1 || channels !== out
          ? ap(bn(`${name}_short_bn`), ap(conv(out, 1, stride, `${name}_short_conv`), h))
          : h;
        h = ap(relu(`${name}_relu2`), ap(tf.layers.add({ name: `${name}_add` }), [y, shortcut]));
        channels = out;
      }
    });
    const pooled = ap(tf.layers.globalAveragePooling2d({ name: "pool" }), h);
    const logits = ap(
      tf.layers.dense({
        units: config.numClasses,
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
        name: "logits",
      }),
      pooled,
    );
    return { model: tf.model({ inputs: input, outputs: logits }), featureLayer: "pool" };
  },
};
