/**
 * A small CNN: conv(c1, 3×3) → max-pool → conv(c2, 3×3) → max-pool → dense(hidden) → dense(K), ReLU
 * throughout. The workload ENVIRONMENT.md and the benchmark time (conv32-pool-conv64-pool-dense128).
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import type { ArchSpec } from "./types.ts";

export const cnn: ArchSpec = {
  name: "cnn",
  description: "CNN: conv32-pool-conv64-pool-dense128-dense(K)",
  input: "image",
  defaults: { conv1: 32, conv2: 64, hidden: 128 },
  build(config, seed) {
    const rng = new Rng(seed);
    const he = () => tf.initializers.heNormal({ seed: rng.seed() });
    const input = tf.input({ shape: config.inputShape });
    let h = input as tf.SymbolicTensor;
    for (const [i, key] of ["conv1", "conv2"].entries()) {
      h = tf.layers.conv2d({
        filters: Number(config.options[key]),
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        kernelInitializer: he(),
        name: `conv${i + 1}`,
      }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${i + 1}` }).apply(h) as tf.SymbolicTensor;
    }
    h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    h = tf.layers.dense({
      units: Number(config.options.hidden),
      activation: "relu",
      kernelInitializer: he(),
      name: "hidden",
    }).apply(h) as tf.SymbolicTensor;
    const logits = tf.layers.dense({
      units: config.numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      name: "logits",
    }).apply(h) as tf.SymbolicTensor;
    return { model: tf.model({ inputs: input, outputs: logits }), featureLayer: "hidden" };
  },
};
