/** A multilayer perceptron on flattened inputs (docs/paper.md §7 uses 784-256-256-10). */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import type { ArchSpec } from "./types.ts";

export const mlp: ArchSpec = {
  name: "mlp",
  description: "MLP: flatten → [dense(hidden) → ReLU] × depth → dense(K)",
  input: "image",
  defaults: { hidden: 256, depth: 2 },
  build(config, seed) {
    const rng = new Rng(seed);
    const hidden = Number(config.options.hidden);
    const depth = Number(config.options.depth);
    const input = tf.input({ shape: config.inputShape });
    let h = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    for (let i = 0; i < depth; i++) {
      h = tf.layers.dense({
        units: hidden,
        activation: "relu",
        kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }),
        name: `hidden${i + 1}`,
      }).apply(h) as tf.SymbolicTensor;
    }
    const logits = tf.layers.dense({
      units: config.numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      name: "logits",
    }).apply(h) as tf.SymbolicTensor;
    return { model: tf.model({ inputs: input, outputs: logits }), featureLayer: `hidden${depth}` };
  },
};
