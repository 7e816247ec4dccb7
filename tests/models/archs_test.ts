/**
 * The paper's architectures on the wasm backend: parameter counts of the full-size CIFAR models, one
 * training step of each (narrow/tiny) model that changes every trainable weight group it should, and
 * a saveNet/loadNet round-trip that reproduces the logits (custom layers included).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import { buildNet, disposeNet, loadNet, modelConfig, saveNet } from "../../lib/models/registry.ts";
import { MultiHeadSelfAttention } from "../../lib/models/transformer.ts";
import type { Net } from "../../lib/models/types.ts";

await initBackend({ backend: "wasm" });

function trainableCount(net: Net): number {
  return net.model.trainableWeights.reduce((s, w) => s + w.read().size, 0);
}

Deno.test("ResNet-18 (CIFAR form) has 11,173,962 trainable parameters with 10 classes; VGG-16-BN 14,728,266", () => {
  for (const [arch, expected] of [["resnet18", 11_173_962], ["vgg16", 14_728_266]] as const) {
    const net = buildNet(modelConfig(arch, [32, 32, 3], 10), 0);
    assert.equal(trainableCount(net), expected, arch);
    disposeNet(net);
  }
});

interface Case {
  arch: string;
  shape: number[];
  options: Record<string, number>;
  /** Weights (by layer-name prefix) whose change shows the gradient reached them. */
  mustChange: string[];
}

const CASES: Case[] = [
  { arch: "resnet18", shape: [16, 16, 3], options: { width: 4 }, mustChange: ["stem_conv", "s4b2_bn2", "logits"] },
  { arch: "vgg16", shape: [32, 32, 3], options: { width: 4 }, mustChange: ["conv1/", "conv13_bn", "logits"] },
  {
    arch: "vit",
    shape: [16, 16, 3],
    options: { patch: 4, dim: 16, depth: 2, heads: 2 },
    mustChange: ["patch_embed", "cls_token", "pos_embed", "block1_attn", "logits"],
  },
  {
    arch: "text-encoder",
    shape: [12],
    options: { vocabSize: 50, dim: 16, depth: 2, heads: 2 },
    mustChange: ["token_embed", "pos_embed", "block2_attn", "logits"],
  },
  { arch: "bag-of-embeddings", shape: [12], options: { vocabSize: 50, dim: 8 }, mustChange: ["token_embed", "logits"] },
];

const BATCH = 6;

function inputs(c: Case): tf.Tensor {
  const size = c.shape.reduce((a, b) => a * b, 1);
  if (c.shape.length === 1) {
    // [CLS] = 2, words, then padding (0) at the end of each sequence.
    const ids = Int32Array.from({ length: BATCH * size }, (_, i) => {
      const pos = i % size;
      return pos === 0 ? 2 : pos > 8 - (i % 3) ? 0 : 3 + ((i * 7) % 40);
    });
    return tf.tensor(ids, [BATCH, ...c.shape], "int32");
  }
  return tf.randomUniform([BATCH, ...c.shape], 0, 1, "float32", 11);
}

for (const c of CASES) {
  Deno.test(`${c.arch}: one SGD step on wasm gives a finite loss and moves the weights; save/load keeps the logits`, async () => {
    const net = buildNet(modelConfig(c.arch, c.shape, 3, c.options), 1);
    const x = inputs(c);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], "int32"), 3);
    const before = new Map(net.model.trainableWeights.map((w) => [w.originalName, w.read().dataSync().slice()]));
    const opt = tf.train.sgd(0.5);
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    )!;
    assert.ok(Number.isFinite(loss.dataSync()[0]), `${c.arch}: loss ${loss.dataSync()[0]}`);
    for (const prefix of c.mustChange) {
      const moved = net.model.trainableWeights.filter((w) => w.originalName.startsWith(prefix)).map((w) => {
        const old = before.get(w.originalName)!;
        const now = w.read().dataSync();
        return now.some((v, i) => v !== old[i]);
      });
      assert.ok(moved.length > 0 && moved.every(Boolean), `${c.arch}: weights ${prefix}* did not all change`);
    }
    const logits = (net.model.predict(x) as tf.Tensor).arraySync() as number[][];
    assert.ok(logits.flat().every(Number.isFinite));
    const dir = await Deno.makeTempDir({ prefix: "unlearn-kit-net-" });
    await saveNet(net, dir);
    const back = await loadNet(dir);
    const again = (back.model.predict(x) as tf.Tensor).arraySync() as number[][];
    assert.deepEqual(again, logits);
    assert.equal(back.features.outputs[0].sourceLayer.name, net.features.outputs[0].sourceLayer.name);
    tf.dispose([x, y, loss]);
    opt.dispose();
    disposeNet(net);
    disposeNet(back);
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("self-attention ignores padded positions: changing them leaves the other outputs unchanged", () => {
  const attn = new MultiHeadSelfAttention({ heads: 2, seed: 3 });
  const mask = tf.tensor2d([[1, 1, 1, 0, 0]]);
  const a = tf.randomNormal([1, 5, 8], 0, 1, "float32", 1);
  const noise = tf.mul(tf.randomNormal([1, 5, 8], 0, 5, "float32", 2), tf.reshape(tf.sub(1, mask), [1, 5, 1]));
  const b = tf.add(a, noise);
  const outA = (attn.apply([a, mask]) as tf.Tensor).slice([0, 0, 0], [1, 3, 8]);
  const outB = (attn.apply([b, mask]) as tf.Tensor).slice([0, 0, 0], [1, 3, 8]);
  assert.ok(tf.max(tf.abs(tf.sub(outA, outB))).dataSync()[0] < 1e-5);
  const unmasked = (attn.apply(b) as tf.Tensor).slice([0, 0, 0], [1, 3, 8]);
  assert.ok(tf.max(tf.abs(tf.sub(outA, unmasked))).dataSync()[0] > 1e-3);
  tf.dispose([mask, a, noise, b, outA, outB, unmasked]);
  attn.dispose();
});

Deno.test("text models check their options against the data", () => {
  assert.throws(
    () => buildNet(modelConfig("text-encoder", [12], 3, { vocabSize: 50, seqLen: 16, dim: 16, heads: 2 }), 0),
    /option seqLen 16 disagrees with the data's 12/,
  );
  assert.throws(() => buildNet(modelConfig("vit", [15, 15, 3], 3, { patch: 4 }), 0), /not divisible into 4×4 patches/);
  assert.throws(() => buildNet(modelConfig("bag-of-embeddings", [12, 2], 3), 0), /is not \[seqLen\] token ids/);
});
