/**
 * The transformer pieces the ViT (./vit.ts) and the text encoder (./text.ts) share. tfjs-layers has no
 * attention layer, so multi-head self-attention, the class token, learned position embeddings and
 * token pooling are custom `tf.layers.Layer`s here, each registered with `tf.serialization` so that
 * saveNet/loadNet round-trip them. Blocks are pre-norm (Vaswani et al. 2017 with the LayerNorm moved
 * before each sub-layer, as in ViT and GPT-2): x + MHSA(LN(x)), then x + MLP(LN(x)) with GELU.
 * No dropout: the kit's models train briefly on small data, and dropout would make steps nondeterministic.
 */
import { KitError } from "../errors.ts";
import * as tf from "@tensorflow/tfjs";

type Kwargs = Record<string, unknown>;
type LayerArgs = { name?: string; trainable?: boolean };

function firstShape(s: tf.Shape | tf.Shape[]): tf.Shape {
  return Array.isArray(s[0]) ? (s[0] as tf.Shape) : (s as tf.Shape);
}

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

const small = (seed: number) => tf.initializers.truncatedNormal({ stddev: 0.02, seed });

/**
 * Multi-head self-attention over [batch, length, dim]. Optional second input: a [batch, length] mask,
 * 1 for tokens to attend to and 0 for padding, which gets -1e9 added to its scores (so padded positions
 * receive no attention weight, whatever they hold).
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = "UnlearnKitMultiHeadSelfAttention";
  readonly heads: number;
  readonly seed: number;
  #qkv?: tf.LayerVariable;
  #qkvBias?: tf.LayerVariable;
  #out?: tf.LayerVariable;
  #outBias?: tf.LayerVariable;

  constructor(args: LayerArgs & { heads: number; seed?: number }) {
    super(args);
    this.heads = args.heads;
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dim = firstShape(inputShape).at(-1)!;
    if (dim % this.heads !== 0) throw new KitError(`${this.name}: dim ${dim} is not divisible by ${this.heads} heads`);
    const glorot = (k: number) => tf.initializers.glorotUniform({ seed: this.seed + k });
    this.#qkv = this.addWeight("qkv_kernel", [dim, 3 * dim], "float32", glorot(0));
    this.#qkvBias = this.addWeight("qkv_bias", [3 * dim], "float32", tf.initializers.zeros());
    this.#out = this.addWeight("out_kernel", [dim, dim], "float32", glorot(1));
    this.#outBias = this.addWeight("out_bias", [dim], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const mask = Array.isArray(inputs) ? inputs[1] : undefined;
      const [b, l, d] = x.shape;
      const h = this.heads;
      const dh = d / h;
      const qkv = tf.add(tf.matMul(tf.reshape(x, [b * l, d]), this.#qkv!.read()), this.#qkvBias!.read());
      // [b·l, 3d] → three [b, h, l, dh] tensors.
      const part = (i: number) => tf.transpose(tf.reshape(tf.slice(qkv, [0, i * d], [b * l, d]), [b, l, h, dh]), [0, 2, 1, 3]);
      let scores = tf.mul(tf.matMul(part(0), part(1), false, true), 1 / Math.sqrt(dh));
      if (mask) scores = tf.add(scores, tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, "float32")), -1e9), [b, 1, 1, l]));
      const att = tf.matMul(tf.softmax(scores, -1), part(2));
      const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b * l, d]);
      return tf.reshape(tf.add(tf.matMul(merged, this.#out!.read()), this.#outBias!.read()), [b, l, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, seed: this.seed };
  }
}

/** Prepends a learned class token: [b, n, d] → [b, n + 1, d]. */
export class ClassToken extends tf.layers.Layer {
  static className = "UnlearnKitClassToken";
  readonly seed: number;
  #token?: tf.LayerVariable;

  constructor(args: LayerArgs & { seed?: number }) {
    super(args);
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.#token = this.addWeight("token", [1, 1, firstShape(inputShape).at(-1)!], "float32", small(this.seed));
    this.built = true;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, n, d] = firstShape(s);
    return [b, n === null ? null : n + 1, d];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      return tf.concat([tf.tile(this.#token!.read(), [x.shape[0], 1, 1]), x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

/** Adds a learned embedding per position: [b, l, d] + [l, d]. */
export class PositionEmbedding extends tf.layers.Layer {
  static className = "UnlearnKitPositionEmbedding";
  readonly seed: number;
  #table?: tf.LayerVariable;

  constructor(args: LayerArgs & { seed?: number }) {
    super(args);
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, l, d] = firstShape(inputShape);
    this.#table = this.addWeight("table", [l!, d!], "float32", small(this.seed));
    this.built = true;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return firstShape(s);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(one(inputs), this.#table!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

/** The vector at one position: [b, l, d] → [b, d] (the class token at 0). */
export class TakeToken extends tf.layers.Layer {
  static className = "UnlearnKitTakeToken";
  readonly index: number;

  constructor(args: LayerArgs & { index?: number }) {
    super(args);
    this.index = args.index ?? 0;
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, , d] = firstShape(s);
    return [b, d];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      return tf.reshape(tf.slice(x, [0, this.index, 0], [x.shape[0], 1, x.shape[2]!]), [x.shape[0], x.shape[2]!]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), index: this.index };
  }
}

/** Token ids → float mask, 1 where the id is not [PAD] (0). */
export class PadMask extends tf.layers.Layer {
  static className = "UnlearnKitPadMask";

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return firstShape(s);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.cast(tf.notEqual(one(inputs), 0), "float32"));
  }
}

/** Mean over the positions whose mask is 1: inputs [x [b, l, d], mask [b, l]] → [b, d]. */
export class MaskedMean extends tf.layers.Layer {
  static className = "UnlearnKitMaskedMean";

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, , d] = firstShape(s);
    return [b, d];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, mask] = inputs as tf.Tensor[];
      const m = tf.expandDims(mask, -1);
      return tf.div(tf.sum(tf.mul(x, m), 1), tf.maximum(tf.sum(m, 1), 1));
    });
  }
}

for (const cls of [MultiHeadSelfAttention, ClassToken, PositionEmbedding, TakeToken, PadMask, MaskedMean]) {
  tf.serialization.registerClass(cls);
}

export interface BlockOptions {
  dim: number;
  heads: number;
  /** MLP hidden width as a multiple of dim (4 in ViT and BERT). */
  mlpRatio: number;
  name: string;
  /** Draws initialiser seeds. */
  seed: () => number;
  /** [b, l] attention mask (text: 0 at padding). */
  mask?: tf.SymbolicTensor;
}

/** One pre-norm transformer block on a [b, l, dim] symbolic tensor. */
export function encoderBlock(x: tf.SymbolicTensor, o: BlockOptions): tf.SymbolicTensor {
  const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(input) as tf.SymbolicTensor;
  const ln1 = apply(tf.layers.layerNormalization({ epsilon: 1e-6, name: `${o.name}_ln1` }), x);
  const attn = new MultiHeadSelfAttention({ heads: o.heads, seed: o.seed(), name: `${o.name}_attn` });
  const x1 = apply(tf.layers.add({ name: `${o.name}_res1` }), [x, apply(attn, o.mask ? [ln1, o.mask] : ln1)]);
  const ln2 = apply(tf.layers.layerNormalization({ epsilon: 1e-6, name: `${o.name}_ln2` }), x1);
  const hidden = apply(
    tf.layers.dense({
      units: o.dim * o.mlpRatio,
      activation: "gelu",
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed() }),
      name: `${o.name}_mlp1`,
    }),
    ln2,
  );
  const out = apply(
    tf.layers.dense({
      units: o.dim,
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed() }),
      name: `${o.name}_mlp2`,
    }),
    hidden,
  );
  return apply(tf.layers.add({ name: `${o.name}_res2` }), [x1, out]);
}
