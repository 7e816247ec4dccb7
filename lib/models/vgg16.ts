/**
 * VGG-16 with batch norm (Simonyan & Zisserman 2015; BN after every convolution), CIFAR form: the 13
 * 3×3 convolutions of configuration "D" in five stages (w, w, M, 2w, 2w, M, 4w ×3, M, 8w ×3, M, 8w ×3,
 * M; w = 64), then global average pooling (a no-op on 32×32 inputs, where five max-pools leave 1×1) and
 * a single dense classifier, as in the common CIFAR ports, instead of ImageNet's 4096-wide head.
 * Convolutions keep their bias, as in torchvision's vgg16_bn. 14,728,266 trainable parameters with
 * w = 64 and 10 classes (the count of the common PyTorch CIFAR port); `width` narrows it.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import { bn } from "./resnet18.ts";
import type { ArchSpec } from "./types.ts";

/** Channel multiples of w; 0 marks a 2×2 max-pool. */
const CONFIG_D = [1, 1, 0, 2, 2, 0, 4, 4, 4, 0, 8, 8, 8, 0, 8, 8, 8, 0];

export const vgg16: ArchSpec = {
  name: "vgg16",
  description: "VGG-16 with batch norm, CIFAR form (13 conv-BN-ReLU, 5 max-pools, dense classifier)",
  input: "image",
  defaults: { width: 64 },
  build(config, seed) {
    const rng = new Rng(seed);
    const w = Number(config.options.width);
    if (!(Number.isInteger(w) && w >= 1)) throw new KitError(`model vgg16: width ${w} is not a positive integer`);
    const input = tf.input({ shape: config.inputShape });
    let h = input as tf.SymbolicTensor;
    let conv = 0;
    let pool = 0;
    for (const mult of CONFIG_D) {
      if (mult === 0) {
        h = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${++pool}` }).apply(h) as tf.SymbolicTensor;
        continue;
      }
      const name = `conv${++conv}`;
      h = tf.layers.conv2d({
        filters: w * mult,
        kernelSize: 3,
        padding: "same",
        kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }),
        name,
      }).apply(h) as tf.SymbolicTensor;
      h = bn(`${name}_bn`).apply(h) as tf.SymbolicTensor;
      h = tf.layers.activation({ activation: "relu", name: `${name}_relu` }).apply(h) as tf.SymbolicTensor;
    }
    const pooled = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(h) as tf.SymbolicTensor;
    const logits = tf.layers.dense({
      units: config.numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      name: "logits",
    }).apply(pooled) as tf.SymbolicTensor;
    return { model: tf.model({ inputs: input, outputs: logits }), featureLayer: "gap" };
  },
};
