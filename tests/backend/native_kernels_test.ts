/**
 * Every native kernel (lib/backend/native/) against tfjs's cpu backend: directly on odd shapes,
 * strides, paddings ("same", "valid", explicit, asymmetric), dilations, batch 1, transposes and large
 * inputs, then gradients through tf.grads. Relative error ≤ 1e-4 (tests/backend/native_compare.ts).
 * Where a case is one the native kernel handles, the test also checks it did not fall back to wasm.
 * Skipped, with the reason printed, where OpenBLAS / oneDNN or FFI are missing.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { dnnlContext } from "../../lib/backend/native/backend.ts";
import { nativeBatchNormGrads } from "../../lib/backend/native/batchnorm_grad.ts";
import { nativeBatchNormTrains } from "../../lib/backend/native/batchnorm_train.ts";
import { nativeReluGrads } from "../../lib/backend/native/relu_grad.ts";
import { convChoices, type ConvLayout, setConvLayouts, setVariantPick } from "../../lib/backend/native/conv.ts";
import { matMulOperands, runOn, TRANSPOSES, values, weightedSum } from "./_inputs.ts";
import { assertMatchesCpu, nativeMissing } from "./native_compare.ts";

const ignore = nativeMissing !== undefined;

type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
}

const convCases: ConvCase[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: "same" },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: "same" },
  { x: [3, 8, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: "valid" },
  { x: [2, 7, 9, 4], filter: [2, 3, 4, 3], strides: [1, 2], pad: "valid" },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 6, 5, 2], filter: [3, 2, 2, 3], strides: 2, pad: 1 },
  { x: [1, 6, 6, 2], filter: [3, 3, 2, 2], strides: 2, pad: 1, dimRoundingMode: "ceil" },
  { x: [4, 10, 10, 8], filter: [5, 5, 8, 8], strides: 3, pad: "same" },
  { x: [1, 5, 5, 2], filter: [1, 1, 2, 3], strides: 2, pad: "valid" },
  // "same" with stride 2 on an even size pads only the bottom/right (ResNet-18's downsampling).
  { x: [2, 16, 16, 3], filter: [3, 3, 3, 16], strides: 2, pad: "same" },
  // A filter larger than the image.
  { x: [1, 3, 3, 2], filter: [5, 5, 2, 3], strides: 1, pad: "same" },
];

const dilatedCases: ConvCase[] = [
  { x: [2, 11, 11, 3], filter: [3, 3, 3, 4], strides: 1, pad: "same", dilations: 2 },
  { x: [1, 12, 10, 2], filter: [3, 2, 2, 3], strides: 1, pad: "valid", dilations: [2, 3] },
];

/** Large enough that oneDNN splits the work across threads and blocks (the CNN's layers). */
const largeCases: ConvCase[] = [
  { x: [64, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: "same" },
  { x: [16, 14, 14, 32], filter: [3, 3, 32, 64], strides: 1, pad: "same" },
];

const label = (c: ConvCase) => `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)} dil ${c.dilations ?? 1}`;

function convOutShape(c: ConvCase): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, c.dilations ?? 1, c.pad, c.dimRoundingMode).outShape as Shape4;
}

const convAttrs = (c: ConvCase) => ({
  strides: c.strides,
  pad: c.pad,
  dataFormat: "NHWC",
  ...(c.dimRoundingMode ? { dimRoundingMode: c.dimRoundingMode } : {}),
});

/**
 * assertMatchesCpu for each convolution layout alone (each must be right on its own) and for both
 * (the tuned default), against one cpu run.
 */
async function matchesCpuEachLayout(label: string, compute: () => tf.Tensor | tf.Tensor[], native: string[]) {
  const cpu = await runOn("cpu", compute);
  const options: ConvLayout[][] = [["plain"], ["blocked"], ["plain", "blocked"]];
  for (const option of options) {
    const previous = setConvLayouts(option);
    try {
      await assertMatchesCpu(`${label} [${option.join("+")}]`, compute, native, cpu);
    } finally {
      setConvLayouts(previous);
    }
  }
}

Deno.test({
  name: "native Conv2D matches cpu (strides, paddings, dilations, batch 1, large) in each layout",
  ignore,
  async fn() {
    for (const [i, c] of [...convCases, ...dilatedCases, ...largeCases].entries()) {
      await matchesCpuEachLayout(
        `Conv2D ${label(c)}`,
        () =>
          tf.engine().runKernel("Conv2D", {
            x: tf.tensor(values(c.x, i + 1), c.x),
            filter: tf.tensor(values(c.filter, i + 31), c.filter),
          }, { ...convAttrs(c), dilations: c.dilations ?? 1 }) as tf.Tensor,
        ["Conv2D"],
      );
    }
  },
});

Deno.test({
  name: "native convolutions in batch halves (forced pick, odd and even batches) match cpu in all three directions",
  ignore,
  async fn() {
    const cases: ConvCase[] = [
      { x: [3, 8, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: "valid" },
      { x: [5, 16, 16, 3], filter: [3, 3, 3, 16], strides: 2, pad: "same" },
      { x: [7, 9, 9, 8], filter: [1, 1, 8, 16], strides: 2, pad: "valid" },
      ...largeCases,
    ];
    const previous = setVariantPick("other");
    try {
      for (const [i, c] of cases.entries()) {
        const dyShape = convOutShape(c);
        const x = () => tf.tensor(values(c.x, i + 11), c.x);
        const filter = () => tf.tensor(values(c.filter, i + 31), c.filter);
        const dy = () => tf.tensor(values(dyShape, i + 21), dyShape);
        const attrs = convAttrs(c);
        await matchesCpuEachLayout(
          `Conv2D halves ${label(c)}`,
          () => tf.engine().runKernel("Conv2D", { x: x(), filter: filter() }, { ...attrs, dilations: 1 }) as tf.Tensor,
          ["Conv2D"],
        );
        await matchesCpuEachLayout(
          `Conv2DBackpropInput halves ${label(c)}`,
          () => tf.engine().runKernel("Conv2DBackpropInput", { dy: dy(), filter: filter() }, { ...attrs, inputShape: c.x }) as tf.Tensor,
          ["Conv2DBackpropInput"],
        );
        await matchesCpuEachLayout(
          `Conv2DBackpropFilter halves ${label(c)}`,
          () => tf.engine().runKernel("Conv2DBackpropFilter", { x: x(), dy: dy() }, { ...attrs, filterShape: c.filter }) as tf.Tensor,
          ["Conv2DBackpropFilter"],
        );
      }
    } finally {
      setVariantPick(previous);
    }
    const halves = [...convChoices.entries()].filter(([key, choice]) => key.includes("pick=other") && choice.chosen.endsWith("/halves"));
    const directions = new Set(halves.map(([key]) => key.split(" ")[1]));
    // On one thread only the weight gradient is split (its canonical form); on more, all three directions ran as halves.
    const expected = navigator.hardwareConcurrency > 1 ? ["backwardData", "backwardWeights", "forward"] : ["backwardWeights"];
    if (Deno.env.get("UNLEARN_THREADS") === undefined) assert.deepEqual([...directions].sort(), expected);
    else assert.ok(directions.has("backwardWeights"), "weight gradients ran in batch halves");
  },
});

Deno.test({
  name: "native Conv2DBackpropInput and Conv2DBackpropFilter match cpu, each layout",
  ignore,
  async fn() {
    for (const [i, c] of [...convCases, ...largeCases].entries()) {
      const dyShape = convOutShape(c);
      await matchesCpuEachLayout(
        `Conv2DBackpropInput ${label(c)}`,
        () =>
          tf.engine().runKernel("Conv2DBackpropInput", {
            dy: tf.tensor(values(dyShape, i + 201), dyShape),
            filter: tf.tensor(values(c.filter, i + 301), c.filter),
          }, { ...convAttrs(c), inputShape: c.x }) as tf.Tensor,
        ["Conv2DBackpropInput"],
      );
      await matchesCpuEachLayout(
        `Conv2DBackpropFilter ${label(c)}`,
        () =>
          tf.engine().runKernel("Conv2DBackpropFilter", {
            x: tf.tensor(values(c.x, i + 1), c.x),
            dy: tf.tensor(values(dyShape, i + 101), dyShape),
          }, { ...convAttrs(c), filterShape: c.filter }) as tf.Tensor,
        ["Conv2DBackpropFilter"],
      );
    }
  },
});

Deno.test({
  name: "native FusedConv2D fuses bias and relu; other activations and biases still match cpu, each layout",
  ignore,
  async fn() {
    const c = convCases[1];
    const co = c.filter[3];
    const variants = [
      { activation: "relu", bias: true, native: true },
      { activation: "linear", bias: true, native: true },
      { activation: "relu", bias: false, native: true },
      { activation: "elu", bias: true, native: false },
      { activation: "leakyrelu", bias: true, native: false },
    ] as const;
    for (const v of variants) {
      await matchesCpuEachLayout(
        `FusedConv2D ${v.activation} bias=${v.bias}`,
        () =>
          tf.fused.conv2d({
            x: tf.tensor(values(c.x, 1), c.x) as tf.Tensor4D,
            filter: tf.tensor(values(c.filter, 2), c.filter) as tf.Tensor4D,
            strides: c.strides,
            pad: c.pad as "same",
            bias: v.bias ? tf.tensor1d(values([co], 3)) : undefined,
            activation: v.activation,
            leakyreluAlpha: 0.3,
          }),
        v.native ? ["FusedConv2D"] : [],
      );
    }
  },
});

const matMulShapes: [number[], number[]][] = [
  [[1, 1], [1, 1]],
  [[5, 1], [1, 7]],
  [[1, 784], [784, 256]],
  [[64, 33], [33, 17]],
  [[3, 20, 12], [3, 12, 9]],
  [[1, 8, 5], [4, 5, 6]],
  [[3, 8, 5], [1, 5, 6]],
  [[2, 3, 10, 12], [12, 9]],
  [[1000, 784], [784, 256]],
];

Deno.test({
  name: "native BatchMatMul matches cpu for all transposes, ranks, batch broadcasting and sizes 1",
  ignore,
  async fn() {
    for (const [i, [a, b]] of matMulShapes.entries()) {
      for (const [tA, tB] of TRANSPOSES) {
        await assertMatchesCpu(`matMul ${a} x ${b} tA=${tA} tB=${tB}`, () => {
          const [x, y] = matMulOperands(a, b, tA, tB, 10 * i);
          return tf.matMul(x, y, tA, tB);
        }, ["BatchMatMul"]);
      }
    }
  },
});

Deno.test({
  name: "native _FusedMatMul keeps bias and activations under transposes, batched or not",
  ignore,
  async fn() {
    const activations = [
      { activation: "linear" as const },
      { activation: "relu" as const },
      { activation: "relu6" as const },
      { activation: "sigmoid" as const },
      { activation: "elu" as const },
      { activation: "leakyrelu" as const, leakyreluAlpha: 0.3 },
      { activation: "prelu" as const },
    ];
    const shapes = [
      [[1, 30, 60], [1, 60, 20]],
      [[2, 16, 24], [2, 24, 10]],
    ];
    for (const act of activations) {
      for (const [aShape, bShape] of shapes) {
        for (const [tA, tB] of TRANSPOSES) {
          for (const biasShape of [[bShape[2]], [aShape[1], bShape[2]]]) {
            const name = `fused ${act.activation} ${aShape} x ${bShape} tA=${tA} tB=${tB} bias ${biasShape}`;
            await assertMatchesCpu(name, () => {
              const [a, b] = matMulOperands(aShape, bShape, tA, tB, 7);
              const n = bShape[2];
              return tf.fused.matMul({
                a: a as tf.Tensor3D,
                b: b as tf.Tensor3D,
                transposeA: tA,
                transposeB: tB,
                bias: tf.tensor(values(biasShape, 3), biasShape),
                preluActivationWeights: act.activation === "prelu" ? tf.tensor1d(values([n], 4)) : undefined,
                ...act,
              });
            }, ["_FusedMatMul"]);
          }
        }
      }
    }
  },
});

/** `emptyWindows`: some window lies wholly in the padding, which MaxPoolGrad leaves to wasm. */
const poolCases: { x: Shape4; size: number | [number, number]; strides: number | [number, number]; pad: Pad; emptyWindows?: boolean }[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: "valid" },
  { x: [3, 7, 9, 2], size: 3, strides: 2, pad: "same" },
  { x: [1, 6, 6, 4], size: 3, strides: 1, pad: "same" },
  { x: [2, 9, 7, 5], size: [2, 3], strides: 2, pad: "valid" },
  { x: [1, 5, 7, 2], size: 2, strides: [1, 2], pad: 1, emptyWindows: true },
  { x: [32, 28, 28, 32], size: 2, strides: 2, pad: "valid" },
];

Deno.test({
  name: "native MaxPool and MaxPoolGrad match cpu, ties included",
  ignore,
  async fn() {
    for (const [i, c] of poolCases.entries()) {
      for (const ties of [false, true]) {
        const what = `x ${c.x} size ${c.size} strides ${c.strides} ${c.pad} ties=${ties}`;
        await assertMatchesCpu(
          `MaxPool ${what}`,
          () => tf.maxPool(tf.tensor(values(c.x, i + 1, ties), c.x) as tf.Tensor4D, c.size, c.strides, c.pad as "same"),
          ["MaxPool"],
        );
        await assertMatchesCpu(`MaxPoolGrad ${what}`, () => {
          const x = tf.tensor(values(c.x, i + 1, ties), c.x) as tf.Tensor4D;
          const y = tf.maxPool(x, c.size, c.strides, c.pad as "same");
          const dy = tf.tensor(values(y.shape, i + 50), y.shape);
          return tf.engine().runKernel("MaxPoolGrad", { dy, input: x, output: y }, {
            filterSize: c.size,
            strides: c.strides,
            pad: c.pad,
          }) as tf.Tensor;
        }, c.emptyWindows ? [] : ["MaxPoolGrad"]);
      }
    }
  },
});

Deno.test({
  name: "native Sum and Mean match cpu on leading axes (sgemm) and elsewhere (wasm)",
  ignore,
  async fn() {
    const shape = [6, 5, 4, 3];
    const cases: { axis: number | number[]; keepDims: boolean; native: boolean }[] = [
      { axis: [0, 1, 2], keepDims: false, native: true },
      { axis: [2, 0, 1], keepDims: true, native: true },
      { axis: 0, keepDims: false, native: true },
      { axis: [0, 1, 2, 3], keepDims: false, native: false },
      { axis: [1, 2], keepDims: false, native: false },
      { axis: -1, keepDims: true, native: false },
    ];
    for (const { axis, keepDims, native } of cases) {
      const x = () => tf.tensor(values(shape, 5), shape);
      await assertMatchesCpu(`Sum axis ${axis} keepDims ${keepDims}`, () => tf.sum(x(), axis, keepDims), native ? ["Sum"] : []);
      await assertMatchesCpu(`Mean axis ${axis} keepDims ${keepDims}`, () => tf.mean(x(), axis, keepDims), native ? ["Mean"] : []);
    }
    // The CNN's first bias gradient: 100,352 rows.
    const big = [128, 28, 28, 32];
    await assertMatchesCpu("Sum over N, H, W of [128, 28, 28, 32]", () => tf.sum(tf.tensor(values(big, 8), big), [0, 1, 2]), ["Sum"]);
    await assertMatchesCpu("Sum int32 over axis 0", () => tf.sum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32"), 0).toFloat());
  },
});

Deno.test({
  name: "native Tile matches cpu (whole copies and elements repeated in place natively, other tilings by wasm)",
  ignore,
  async fn() {
    await assertMatchesCpu("Tile [1,1,1,5] by [2,3,4,1]", () => tf.tile(tf.tensor(values([1, 1, 1, 5], 1), [1, 1, 1, 5]), [2, 3, 4, 1]), [
      "Tile",
    ]);
    await assertMatchesCpu("Tile [1,4] by [3,1]", () => tf.tile(tf.tensor(values([1, 4], 2), [1, 4]), [3, 1]), ["Tile"]);
    await assertMatchesCpu("Tile [1,3] by [5,2]", () => tf.tile(tf.tensor(values([1, 3], 2), [1, 3]), [5, 2]));
    await assertMatchesCpu("Tile [2,3] by [2,2]", () => tf.tile(tf.tensor(values([2, 3], 3), [2, 3]), [2, 2]));
    await assertMatchesCpu("Tile int32 [1,2] by [3,1]", () => tf.tile(tf.tensor2d([[1, 2]], [1, 2], "int32"), [3, 1]).toFloat());
    // Each element repeated in place (layer normalisation's statistics broadcast over the features).
    await assertMatchesCpu("Tile [4,5,1] by [1,1,7]", () => tf.tile(tf.tensor(values([4, 5, 1], 4), [4, 5, 1]), [1, 1, 7]), ["Tile"]);
    await assertMatchesCpu("Tile [6,1] by [1,3]", () => tf.tile(tf.tensor(values([6, 1], 5), [6, 1]), [1, 3]), ["Tile"]);
  },
});

Deno.test({
  name: "native Add, Sub, Multiply, RealDiv, Relu and FusedBatchNorm match cpu on large tensors, broadcasting included",
  ignore,
  async fn() {
    const full = [16, 32, 32, 64]; // 2^20 elements: the native threshold
    const x = (seed: number, shape = full) => tf.tensor(values(shape, seed), shape);
    const others: { shape: number[]; native: boolean }[] = [
      { shape: full, native: true },
      { shape: [64], native: true },
      { shape: [1, 1, 1, 64], native: true },
      { shape: [], native: true },
      { shape: [16, 1, 32, 1], native: true },
    ];
    const ops = { Add: tf.add, Sub: tf.sub, Multiply: tf.mul, RealDiv: tf.div } as const;
    for (const [name, op] of Object.entries(ops)) {
      for (const { shape, native } of others) {
        // Divisors kept away from 0, so that the relative error measures arithmetic, not a pole.
        const b = () => (name === "RealDiv" ? tf.add(tf.abs(x(2, shape)), 0.5) : x(2, shape));
        await assertMatchesCpu(`${name} ${full} by ${shape}`, () => op(x(1), b()), native ? [name] : []);
        // The first operand broadcast: oneDNN takes it for Add and Multiply (swapped), wasm for the others.
        if (shape.length > 0 && shape.length < full.length) {
          await assertMatchesCpu(`${name} ${shape} by ${full}`, () => op(b(), x(1)), COMMUTES.has(name) ? [name] : []);
        }
      }
    }
    await assertMatchesCpu("small Add stays on wasm", () => tf.add(x(1, [8, 8]), x(2, [8])));
    await assertMatchesCpu("Relu", () => tf.relu(x(3)), ["Relu"]);
    const reluGradsBefore = nativeReluGrads;
    await assertMatchesCpu("Relu gradient (one oneDNN call)", () => tf.grad((t: tf.Tensor) => weightedSum(tf.relu(t), 9))(x(3)));
    assert.equal(nativeReluGrads - reluGradsBefore, 1, "the native relu gradient ran");
    const c = full[3];
    for (const withAffine of [true, false]) {
      await assertMatchesCpu(`FusedBatchNorm affine=${withAffine}`, () => {
        const { mean, variance } = tf.moments(x(4), [0, 1, 2]);
        return tf.batchNorm4d(
          x(4) as tf.Tensor4D,
          mean as tf.Tensor1D,
          variance as tf.Tensor1D,
          withAffine ? tf.tensor1d(values([c], 5)) : undefined,
          withAffine ? tf.add(tf.tensor1d(values([c], 6)), 1.5) as tf.Tensor1D : undefined,
          1e-3,
        );
      }, ["FusedBatchNorm"]);
    }
  },
});

const COMMUTES = new Set(["Add", "Multiply"]);

Deno.test({
  name: "native gradients through conv2d, fused conv2d, maxPool, matMul and dense match cpu",
  ignore,
  async fn() {
    for (const [i, c] of [convCases[1], convCases[2], convCases[4], convCases[9]].entries()) {
      await assertMatchesCpu(`grad conv2d ${label(c)}`, () => {
        const x = tf.tensor(values(c.x, i), c.x);
        const w = tf.tensor(values(c.filter, i + 5), c.filter);
        const f = (x: tf.Tensor, w: tf.Tensor) => weightedSum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad), 9);
        const { value, grads } = tf.valueAndGrads(f)([x, w]);
        return [value, ...grads];
      });
    }
    await assertMatchesCpu("grad fused conv2d + bias + relu", () => {
      const x = tf.tensor(values([4, 10, 10, 3], 1), [4, 10, 10, 3]) as tf.Tensor4D;
      const w = tf.tensor(values([3, 3, 3, 6], 2), [3, 3, 3, 6]) as tf.Tensor4D;
      const bias = tf.tensor1d(values([6], 3));
      const f = (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) =>
        weightedSum(
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: "same", bias, activation: "relu" }),
          4,
        );
      return tf.grads(f)([x, w, bias]);
    });
    await assertMatchesCpu("grad maxPool (ties)", () => {
      const x = tf.tensor(values([2, 9, 9, 3], 1, true), [2, 9, 9, 3]) as tf.Tensor4D;
      return tf.grad((x: tf.Tensor) => weightedSum(tf.maxPool(x as tf.Tensor4D, 3, 2, "same"), 2))(x);
    });
    for (const [tA, tB] of TRANSPOSES) {
      for (const [aShape, bShape] of [[[3, 12, 20], [3, 20, 7]], [[2, 40, 30], [2, 30, 24]]]) {
        await assertMatchesCpu(`grad matMul ${aShape} x ${bShape} tA=${tA} tB=${tB}`, () => {
          const [a, b] = matMulOperands(aShape, bShape, tA, tB, 5);
          return tf.grads((a, b) => weightedSum(tf.matMul(a, b, tA, tB), 8))([a, b]);
        });
      }
    }
    await assertMatchesCpu("grad dense (fused matMul + bias + relu)", () => {
      const x = tf.tensor2d(values([32, 50], 1), [32, 50]);
      const w = tf.tensor2d(values([50, 16], 2), [50, 16]);
      const bias = tf.tensor1d(values([16], 3));
      const f = (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) =>
        weightedSum(tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias, activation: "relu" }), 4);
      return tf.grads(f)([x, w, bias]);
    });
  },
});

Deno.test({
  name: "native gradients of a ResNet block (conv, batch norm, relu, strided 1×1 shortcut) match cpu",
  ignore,
  async fn() {
    await assertMatchesCpu("ResNet basic block", () => {
      const x = tf.tensor4d(values([4, 8, 8, 6], 1), [4, 8, 8, 6]);
      const w1 = tf.tensor4d(values([3, 3, 6, 8], 2), [3, 3, 6, 8]);
      const w2 = tf.tensor4d(values([3, 3, 8, 8], 3), [3, 3, 8, 8]);
      const ws = tf.tensor4d(values([1, 1, 6, 8], 4), [1, 1, 6, 8]);
      const gamma = tf.tensor1d(values([8], 5).map((v) => 1 + 0.5 * v));
      const beta = tf.tensor1d(values([8], 6));
      const norm = (h: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        return tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5);
      };
      const loss = (w1: tf.Tensor, w2: tf.Tensor, ws: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        let y = tf.relu(norm(tf.conv2d(x, w1 as tf.Tensor4D, 2, "same"), g, b));
        y = norm(tf.conv2d(y, w2 as tf.Tensor4D, 1, "same"), g, b);
        const short = tf.conv2d(x, ws as tf.Tensor4D, 2, "same");
        return weightedSum(tf.mean(tf.relu(tf.add(y, short)), [1, 2]), 7);
      };
      const { value, grads } = tf.valueAndGrads(loss)([w1, w2, ws, gamma, beta]);
      return [value, ...grads];
    });
  },
});

Deno.test({
  name: "native batch-norm gradient (one oneDNN call) matches cpu: through moments, and with given statistics",
  ignore,
  async fn() {
    const shape = [8, 32, 32, 32]; // 2^18 elements: above the native threshold
    const c = shape[3];
    const x = () => tf.tensor4d(values(shape, 1), shape as Shape4);
    const gamma = () => tf.tensor1d(values([c], 2).map((v) => 1 + 0.5 * v));
    const beta = () => tf.tensor1d(values([c], 3));
    const before = nativeBatchNormGrads;
    await assertMatchesCpu("batch norm through moments (the layer's form)", () => {
      const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return weightedSum(
          tf.batchNorm4d(x as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5),
          4,
        );
      };
      const { value, grads } = tf.valueAndGrads(f)([x(), gamma(), beta()]);
      return [value, ...grads];
    });
    await assertMatchesCpu("batch norm with given statistics (gradients for mean and variance too)", () => {
      const mean = tf.tensor1d(values([c], 5).map((v) => 0.1 * v));
      const variance = tf.tensor1d(values([c], 6).map((v) => 1 + 0.5 * v));
      const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        weightedSum(tf.batchNorm4d(x as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-3), 7);
      return tf.grads(f)([x(), mean, variance, gamma(), beta()]);
    });
    // (Without a scale tfjs 4.22 cannot differentiate batchNorm at all: its gradient saves the missing input.)
    assert.equal(nativeBatchNormGrads - before, 2, "the native gradient ran for each");
  },
});

Deno.test({
  name: "native training batch norm (KitBatchNormTrain: one oneDNN call each way) matches tfjs's layer on cpu",
  ignore,
  async fn() {
    // The layer in training mode: its output, the gradients of a loss for x, gamma and beta, and its
    // moving averages after the call; on cpu this is tfjs's own call (moments, then batchNorm).
    for (const shape of [[8, 32, 32, 32], [3, 5, 7, 6]] as Shape4[]) {
      const c = shape[3];
      const before = nativeBatchNormTrains;
      await assertMatchesCpu(
        `batch-norm layer, training, ${shape}`,
        () => {
          const layer = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
          layer.build(shape);
          layer.setWeights([
            tf.tensor1d(values([c], 2).map((v) => 1 + 0.5 * v)),
            tf.tensor1d(values([c], 3)),
            tf.tensor1d(values([c], 4).map((v) => 0.1 * v)),
            tf.tensor1d(values([c], 5).map((v) => 1 + 0.3 * v)),
          ]);
          const x = tf.tensor4d(values(shape, 1).map((v) => 2 + 3 * v), shape);
          const [gamma, beta] = layer.trainableWeights.map((w) => w.read());
          const f = (x: tf.Tensor) => weightedSum(layer.apply(x, { training: true }) as tf.Tensor, 6);
          const y = layer.apply(x, { training: true }) as tf.Tensor;
          const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, [gamma, beta].map((t) => t as tf.Variable));
          const dx = tf.grad(f)(x);
          const moving = layer.getWeights().slice(2).map((t) => t.clone());
          layer.weights.forEach((w) => w.dispose());
          return [y, dx, ...Object.values(grads), ...moving];
        },
        [],
        undefined,
      );
      assert.equal(nativeBatchNormTrains - before, 3, "the fused path ran for each of the three training calls on native");
    }
  },
});

Deno.test({
  name: "a small CNN's loss gradients on native match cpu",
  ignore,
  async fn() {
    await assertMatchesCpu("CNN conv-pool-conv-pool-dense", () => {
      const x = tf.tensor4d(values([8, 12, 12, 1], 1), [8, 12, 12, 1]);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], "int32"), 5);
      const w1 = tf.tensor4d(values([3, 3, 1, 4], 2), [3, 3, 1, 4]);
      const w2 = tf.tensor4d(values([3, 3, 4, 6], 3), [3, 3, 4, 6]);
      const w3 = tf.tensor2d(values([54, 5], 4), [54, 5]);
      const loss = (w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
        let h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, "same"));
        h = tf.maxPool(h, 2, 2, "valid");
        h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 1, "same"));
        h = tf.maxPool(h, 2, 2, "valid");
        const logits = tf.matMul(h.reshape([8, 54]), w3 as tf.Tensor2D);
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(loss)([w1, w2, w3]);
      return [value, ...grads];
    });
  },
});

Deno.test({
  name: "native kernels free every intermediate and keep a bounded primitive cache",
  ignore,
  async fn() {
    await tf.setBackend("native");
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const c = convCases[2];
    const once = () =>
      tf.tidy(() => {
        const x = tf.tensor(values(c.x, 1), c.x) as tf.Tensor4D;
        const w = tf.tensor(values(c.filter, 2), c.filter) as tf.Tensor4D;
        const b = tf.tensor2d(values([20, 7], 3), [20, 7]);
        tf.grads((x: tf.Tensor, w: tf.Tensor) =>
          weightedSum(tf.maxPool(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad), 2, 1, "same"), 4)
        )([x, w]);
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, true, true).sum())([b, b.transpose()]);
        tf.tile(tf.sum(b, 0, true), [3, 1]).dataSync();
      });
    once();
    const cached = dnnlContext()!.size;
    once();
    assert.equal(backend.numDataIds(), before);
    assert.equal(dnnlContext()!.size, cached, "the same shapes reuse their primitives");
  },
});
