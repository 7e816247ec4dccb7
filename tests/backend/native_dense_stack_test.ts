/**
 * The native dense-stack op (lib/backend/native/dense_stack.ts), reached through lib/train.ts's logitsOf as every
 * loss reaches a model: logits and every gradient (weights, biases, the input) against tfjs's layers on the cpu
 * backend (relative error ≤ 1e-4, tests/backend/native_compare.ts), and bit for bit against tfjs's layers on the
 * native backend with the op off — the promise the op makes. Stacks: the MLP's form (relu, relu, linear), relu
 * last, a linear layer inside, one layer, batch 1, and one whose activations reach 2^20 values (oneDNN's add and
 * relu and the kit's KitReluGrad). Also: where the op must not run (no tape, a second tape, another model), and
 * that it frees what it makes. Skipped, with the reason printed, where the native backend cannot start.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { denseStackCalls, setDenseStack } from "../../lib/backend/native/dense_stack.ts";
import { denseStackLayers } from "../../lib/models/dense_stack.ts";
import { buildNet, modelConfig } from "../../lib/models/registry.ts";
import type { Net } from "../../lib/models/types.ts";
import { logitsOf, trainableVariables } from "../../lib/train.ts";
import { type Output, runOn, values, weightedSum } from "./_inputs.ts";
import { assertMatchesCpu, nativeMissing } from "./native_compare.ts";

const ignore = nativeMissing !== undefined;

interface StackCase {
  label: string;
  batch: number;
  /** One sample's shape (rank ≥ 2: Flatten's input). */
  sample: number[];
  units: number[];
  activations: ("relu" | "linear")[];
}

const cases: StackCase[] = [
  { label: "the MLP's form", batch: 7, sample: [2, 3, 4], units: [16, 12, 5], activations: ["relu", "relu", "linear"] },
  { label: "batch 1", batch: 1, sample: [5, 3], units: [9, 4], activations: ["relu", "linear"] },
  { label: "relu last", batch: 6, sample: [4, 4, 1], units: [10, 6], activations: ["relu", "relu"] },
  { label: "a linear layer inside", batch: 5, sample: [3, 3], units: [8, 7, 3], activations: ["linear", "relu", "linear"] },
  { label: "one linear layer", batch: 4, sample: [2, 5], units: [3], activations: ["linear"] },
  { label: "one relu layer", batch: 4, sample: [2, 5], units: [6], activations: ["relu"] },
  // 4096 × 256 = 2^20 activations: the native backend's oneDNN add and relu, and KitReluGrad.
  { label: "2^20 activations", batch: 4096, sample: [8, 1], units: [256, 3], activations: ["relu", "linear"] },
];

/** A Net of `c`'s layers (tfjs's Flatten and Dense), its weights from seeded values. */
function stackNet(c: StackCase): Net {
  const input = tf.input({ shape: c.sample });
  let h = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  c.units.forEach((units, i) => h = tf.layers.dense({ units, activation: c.activations[i] }).apply(h) as tf.SymbolicTensor);
  const model = tf.model({ inputs: input, outputs: h });
  model.layers.slice(2).forEach((layer, i) => {
    const [kernel, bias] = [[i === 0 ? c.sample.reduce((a, b) => a * b, 1) : c.units[i - 1], c.units[i]], [c.units[i]]];
    layer.setWeights([tf.tensor(values(kernel, 10 + i), kernel), tf.tensor(values(bias, 30 + i), bias)]);
  });
  return { config: { arch: "stack", inputShape: c.sample, numClasses: c.units.at(-1)!, options: {} }, model, features: model };
}

/** Logits and the gradients of a weighted sum of them for the input and every variable, in one backward pass. */
function logitsAndGradients(c: StackCase): tf.Tensor[] {
  const net = stackNet(c);
  const x = tf.tensor(values([c.batch, ...c.sample], 1), [c.batch, ...c.sample]);
  const variables = trainableVariables(net);
  let logits: tf.Tensor | undefined;
  // Kept: the forward pass's own tensors go with its scope, and the logits are one of the outputs compared.
  const grads = tf.grads((x: tf.Tensor) => weightedSum(logits = tf.keep(logitsOf(net, x, true)), 2))([x, ...variables]);
  net.model.dispose();
  return [logits!, ...grads];
}

/** The same outputs' bits on native with the op on or off. */
async function onNative(on: boolean, compute: () => tf.Tensor[]): Promise<Output[]> {
  const previous = setDenseStack(on);
  try {
    return await runOn("native", compute);
  } finally {
    setDenseStack(previous);
  }
}

const bits = (outputs: Output[]) => outputs.map((o) => ({ shape: o.shape, bits: Array.from(new Uint32Array(o.data.buffer)) }));

for (const c of cases) {
  Deno.test({
    name: `dense stack (${c.label}): logits and gradients match cpu, and equal tfjs's layers on native bit for bit`,
    ignore,
    async fn() {
      const compute = () => logitsAndGradients(c);
      const before = denseStackCalls;
      await assertMatchesCpu(c.label, compute, ["BatchMatMul", "_FusedMatMul"]);
      assert.equal(denseStackCalls, before + 1, "the op ran");
      const off = await onNative(false, compute);
      assert.equal(denseStackCalls, before + 1, "the op stays off when turned off");
      const on = await onNative(true, compute);
      assert.deepEqual(bits(on), bits(off));
    },
  });
}

Deno.test({
  name: "dense stack: the weights' gradients alone (a training step's variableGrads) equal tfjs's layers bit for bit",
  ignore,
  async fn() {
    const c = cases[0];
    const compute = () => {
      const net = stackNet(c);
      const x = tf.tensor(values([c.batch, ...c.sample], 1), [c.batch, ...c.sample]);
      const { value, grads } = tf.variableGrads(() => weightedSum(logitsOf(net, x, true), 2), trainableVariables(net));
      net.model.dispose();
      return [value, ...Object.values(grads)];
    };
    assert.deepEqual(bits(await onNative(true, compute)), bits(await onNative(false, compute)));
  },
});

Deno.test({
  name: "dense stack: not used without a tape, under a second tape, or for a model that is not a dense stack",
  ignore,
  async fn() {
    await tf.setBackend("native");
    const c = cases[0];
    const net = stackNet(c);
    const x = tf.tensor(values([c.batch, ...c.sample], 1), [c.batch, ...c.sample]);
    const before = denseStackCalls;
    tf.tidy(() => logitsOf(net, x, false));
    // A gradient taken inside another's function: its forward pass runs under two tapes.
    tf.tidy(() => {
      tf.grad((v: tf.Tensor) => {
        tf.grad((w: tf.Tensor) => weightedSum(logitsOf(net, w, true), 2))(v);
        return v.sum();
      })(x);
    });
    assert.equal(denseStackCalls, before);
    const cnn = buildNet(modelConfig("cnn", [28, 28, 1], 10), 1);
    assert.equal(denseStackLayers(cnn.model, tf.zeros([2, 28, 28, 1])), undefined);
    assert.equal(denseStackLayers(net.model, tf.zeros([2, 3, 2, 4])), undefined, "another sample shape");
    assert.equal(denseStackLayers(net.model, tf.zeros([2, 2, 3, 4], "int32")), undefined, "int32 samples");
    const mlp = buildNet(modelConfig("mlp", [28, 28, 1], 10), 1);
    assert.deepEqual(denseStackLayers(mlp.model, tf.zeros([2, 28, 28, 1]))?.map((l) => l.relu), [true, true, false]);
    tf.dispose(x);
    for (const n of [net, cnn, mlp]) n.model.dispose();
  },
});

Deno.test({
  name: "dense stack: a training step frees everything it makes",
  ignore,
  async fn() {
    await tf.setBackend("native");
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const c = cases[0];
    const net = stackNet(c);
    const x = tf.tensor(values([c.batch, ...c.sample], 1), [c.batch, ...c.sample]);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => weightedSum(logitsOf(net, x, true), 2), trainableVariables(net));
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(tf.grad((v: tf.Tensor) => weightedSum(logitsOf(net, v, true), 2))(x));
    };
    step();
    const [ids, tensors] = [backend.numDataIds(), tf.memory().numTensors];
    for (let i = 0; i < 3; i++) step();
    assert.equal(backend.numDataIds(), ids);
    assert.equal(tf.memory().numTensors, tensors);
    tf.dispose(x);
    net.model.dispose();
  },
});
