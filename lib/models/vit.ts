/**
 * A small Vision Transformer (Dosovitskiy et al. 2021), the paper's third image model: non-overlapping
 * patches embedded by a convolution whose stride equals its size, a learned class token, learned
 * position embeddings, `depth` pre-norm transformer blocks (./transformer.ts), a final LayerNorm, and
 * a dense head on the class token. Defaults (patch 4, dim 192, depth 6, heads 3) are a ViT-Tiny-width
 * model for 32×32 images, sized for training from scratch; the paper does not give its ViT's size.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import { ClassToken, encoderBlock, PositionEmbedding, TakeToken } from "./transformer.ts";
import type { ArchSpec } from "./types.ts";

export const vit: ArchSpec = {
  name: "vit",
  description: "ViT: patch embedding (conv, stride = patch), class token, pre-norm transformer blocks, head on [CLS]",
  input: "image",
  defaults: { patch: 4, dim: 192, depth: 6, heads: 3, mlpRatio: 4 },
  build(config, seed) {
    const rng = new Rng(seed);
    const [patch, dim, depth, heads, mlpRatio] = ["patch", "dim", "depth", "heads", "mlpRatio"].map((k) => Number(config.options[k]));
    const [h, w] = config.inputShape;
    if (h % patch !== 0 || w % patch !== 0) {
      throw new KitError(`model vit: input ${h}×${w} is not divisible into ${patch}×${patch} patches`);
    }
    const ap = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;
    const input = tf.input({ shape: config.inputShape });
    let x = ap(
      tf.layers.conv2d({
        filters: dim,
        kernelSize: patch,
        strides: patch,
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
        name: "patch_embed",
      }),
      input,
    );
    x = ap(tf.layers.reshape({ targetShape: [(h / patch) * (w / patch), dim], name: "patches" }), x);
    x = ap(new ClassToken({ seed: rng.seed(), name: "cls_token" }), x);
    x = ap(new PositionEmbedding({ seed: rng.seed(), name: "pos_embed" }), x);
    for (let i = 0; i < depth; i++) {
      x = encoderBlock(x, { dim, heads, mlpRatio, name: `block${i + 1}`, seed: () => rng.seed() });
    }
    x = ap(tf.layers.layerNormalization({ epsilon: 1e-6, name: "final_ln" }), x);
    const cls = ap(new TakeToken({ index: 0, name: "cls" }), x);
    const logits = ap(
      tf.layers.dense({
        units: config.numClasses,
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
        name: "logits",
      }),
      cls,
    );
    return { model: tf.model({ inputs: input, outputs: logits }), featureLayer: "cls" };
  },
};
