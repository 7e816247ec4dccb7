/**
 * Text models on token ids ([seqLen] int32, [CLS] first, [PAD] = 0; see lib/data/tokenizer.ts).
 *
 * `text-encoder`: a BERT-style encoder (Devlin et al. 2019) TRAINED FROM SCRATCH: the paper fine-tunes a
 * pretrained BERT on 20 Newsgroups, but no pretrained weights can be fetched here (only package
 * registries are reachable), so this is the same architecture, small and randomly initialised: token +
 * learned position embeddings, `depth` pre-norm transformer blocks (./transformer.ts) that ignore
 * padding, a final LayerNorm, [CLS] pooling and a dense head. No segment embeddings (one text a sample).
 *
 * `bag-of-embeddings`: token embeddings averaged over the non-padding tokens, then a dense layer: the
 * fast baseline that shows whether the encoder's extra cost buys anything on a corpus.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import { encoderBlock, MaskedMean, PadMask, PositionEmbedding, TakeToken } from "./transformer.ts";
import type { ArchSpec, ModelConfig } from "./types.ts";

function seqLenOf(config: ModelConfig): number {
  const seqLen = config.inputShape[0];
  const asked = Number(config.options.seqLen);
  if (config.inputShape.length !== 1) {
    throw new KitError(`model ${config.arch}: input shape ${config.inputShape} is not [seqLen] token ids`);
  }
  if (asked > 0 && asked !== seqLen) {
    throw new KitError(`model ${config.arch}: option seqLen ${asked} disagrees with the data's ${seqLen}`);
  }
  return seqLen;
}

function vocabOf(config: ModelConfig): number {
  const v = Number(config.options.vocabSize);
  if (!(Number.isInteger(v) && v > 3)) {
    throw new KitError(`model ${config.arch}: vocabSize ${v} must be the tokenizer's vocabSize (an integer > 3)`);
  }
  return v;
}

export const textEncoder: ArchSpec = {
  name: "text-encoder",
  description: "BERT-style encoder from scratch: token + position embeddings, pre-norm blocks, [CLS] pooling",
  input: "tokens",
  // seqLen 0 = taken from the data's sample shape.
  defaults: { vocabSize: 10000, seqLen: 0, dim: 128, depth: 2, heads: 4, mlpRatio: 4 },
  build(config, seed) {
    const rng = new Rng(seed);
    const seqLen = seqLenOf(config);
    const [dim, depth, heads, mlpRatio] = ["dim", "depth", "heads", "mlpRatio"].map((k) => Number(config.options[k]));
    const ap = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;
    const ids = tf.input({ shape: [seqLen], dtype: "int32" });
    const mask = ap(new PadMask({ name: "pad_mask" }), ids);
    let x = ap(
      tf.layers.embedding({
        inputDim: vocabOf(config),
        outputDim: dim,
        embeddingsInitializer: tf.initializers.truncatedNormal({ stddev: 0.02, seed: rng.seed() }),
        name: "token_embed",
      }),
      ids,
    );
    x = ap(new PositionEmbedding({ seed: rng.seed(), name: "pos_embed" }), x);
    for (let i = 0; i < depth; i++) {
      x = encoderBlock(x, { dim, heads, mlpRatio, mask, name: `block${i + 1}`, seed: () => rng.seed() });
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
    return { model: tf.model({ inputs: ids, outputs: logits }), featureLayer: "cls" };
  },
};

export const bagOfEmbeddings: ArchSpec = {
  name: "bag-of-embeddings",
  description: "Bag of embeddings: token embedding → mean over non-padding tokens → dense",
  input: "tokens",
  defaults: { vocabSize: 10000, seqLen: 0, dim: 64 },
  build(config, seed) {
    const rng = new Rng(seed);
    const ids = tf.input({ shape: [seqLenOf(config)], dtype: "int32" });
    const mask = new PadMask({ name: "pad_mask" }).apply(ids) as tf.SymbolicTensor;
    const emb = tf.layers.embedding({
      inputDim: vocabOf(config),
      outputDim: Number(config.options.dim),
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: rng.seed() }),
      name: "token_embed",
    }).apply(ids) as tf.SymbolicTensor;
    const mean = new MaskedMean({ name: "mean" }).apply([emb, mask]) as tf.SymbolicTensor;
    const logits = tf.layers.dense({
      units: config.numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      name: "logits",
    }).apply(mean) as tf.SymbolicTensor;
    return { model: tf.model({ inputs: ids, outputs: logits }), featureLayer: "mean" };
  },
};
