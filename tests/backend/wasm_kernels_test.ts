/**
 * The kit's wasm training kernels against tfjs's cpu backend: each kernel directly on several shapes,
 * strides, paddings, batch sizes and transposes, then through tf.grads.
 *
 * Error measure: max |wasm - cpu| / max(1, max |cpu|), i.e. the worst absolute difference relative
 * to the largest reference value (and absolute below 1), so that near-zero entries of a long float32
 * sum, whose rounding depends on summation order, do not dominate. Bound: 1e-5.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend.ts";
import { registerWasmTrainingKernels, setIm2colMaxFloats } from "../../lib/backend/wasm_kernels.ts";
import type { Output } from "./_inputs.ts";
import { matMulOperands, runOn, TRANSPOSES, values, weightedSum } from "./_inputs.ts";

await initBackend({ backend: "wasm" });

const TOLERANCE = 1e-5;
type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]];

/** Runs `compute` on cpu, then on wasm, and returns both results. */
async function onBoth(compute: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Output[]; wasm: Output[] }> {
  const cpu = await runOn("cpu", compute);
  const wasm = await runOn("wasm", compute);
  return { cpu, wasm };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length, "sizes differ");
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

async function assertMatchesCpu(label: string, compute: () => tf.Tensor | tf.Tensor[]) {
  const { cpu, wasm } = await onBoth(compute);
  cpu.forEach((expected, i) => {
    assert.deepEqual(wasm[i].shape, expected.shape, `${label} [output ${i}]: shape`);
    const err = relativeError(wasm[i].data, expected.data);
    assert.ok(err <= TOLERANCE, `${label} [output ${i}]: relative error ${err}`);
  });
}

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: "same" },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: "same" },
  { x: [3, 8, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: "valid" },
  { x: [2, 7, 9, 4], filter: [2, 3, 4, 3], strides: [1, 2], pad: "valid" },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 6, 5, 2], filter: [3, 2, 2, 3], strides: 2, pad: 1 },
  { x: [4, 10, 10, 8], filter: [5, 5, 8, 8], strides: 3, pad: "same" },
  { x: [1, 5, 5, 2], filter: [1, 1, 2, 3], strides: 2, pad: "valid" },
];

const label = (c: ConvCase) => `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${c.pad}`;

function convOutShape(c: ConvCase, depthwise = false): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, depthwise)
    .outShape as Shape4;
}

Deno.test("Conv2DBackpropFilter matches cpu", async () => {
  for (const [i, c] of convCases.entries()) {
    const dyShape = convOutShape(c);
    await assertMatchesCpu(
      `Conv2DBackpropFilter ${label(c)}`,
      () =>
        tf.engine().runKernel("Conv2DBackpropFilter", {
          x: tf.tensor(values(c.x, i + 1), c.x),
          dy: tf.tensor(values(dyShape, i + 101), dyShape),
        }, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: "NHWC",
          filterShape: c.filter,
        }) as tf.Tensor,
    );
  }
});

Deno.test("Conv2DBackpropFilter in im2col chunks (a few images each) matches cpu", async () => {
  const previous = setIm2colMaxFloats(200);
  try {
    for (const [i, c] of convCases.entries()) {
      const dyShape = convOutShape(c);
      await assertMatchesCpu(
        `chunked Conv2DBackpropFilter ${label(c)}`,
        () =>
          tf.engine().runKernel("Conv2DBackpropFilter", {
            x: tf.tensor(values(c.x, i + 1), c.x),
            dy: tf.tensor(values(dyShape, i + 101), dyShape),
          }, {
            strides: c.strides,
            pad: c.pad,
            dataFormat: "NHWC",
            filterShape: c.filter,
          }) as tf.Tensor,
      );
    }
  } finally {
    setIm2colMaxFloats(previous);
  }
});

Deno.test("Conv2DBackpropInput matches cpu", async () => {
  for (const [i, c] of convCases.entries()) {
    const dyShape = convOutShape(c);
    await assertMatchesCpu(
      `Conv2DBackpropInput ${label(c)}`,
      () =>
        tf.engine().runKernel("Conv2DBackpropInput", {
          dy: tf.tensor(values(dyShape, i + 201), dyShape),
          filter: tf.tensor(values(c.filter, i + 301), c.filter),
        }, { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x }) as tf.Tensor,
    );
  }
});

const depthwiseCases: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: "same" },
  { x: [3, 8, 6, 2], filter: [3, 3, 2, 2], strides: 2, pad: "same" },
  { x: [2, 9, 9, 4], filter: [2, 3, 4, 3], strides: 2, pad: "valid" },
];

Deno.test("DepthwiseConv2dNative backprops match cpu", async () => {
  for (const [i, c] of depthwiseCases.entries()) {
    const dyShape = convOutShape(c, true);
    const attrs = { strides: c.strides, pad: c.pad, dilations: 1 };
    await assertMatchesCpu(
      `DepthwiseConv2dNativeBackpropFilter ${label(c)}`,
      () =>
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", {
          x: tf.tensor(values(c.x, i + 1), c.x),
          dy: tf.tensor(values(dyShape, i + 11), dyShape),
        }, { ...attrs, filterShape: c.filter }) as tf.Tensor,
    );
    await assertMatchesCpu(
      `DepthwiseConv2dNativeBackpropInput ${label(c)}`,
      () =>
        tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", {
          dy: tf.tensor(values(dyShape, i + 21), dyShape),
          filter: tf.tensor(values(c.filter, i + 31), c.filter),
        }, { ...attrs, inputShape: c.x }) as tf.Tensor,
    );
  }
});

// Covers both of the kit's batched paths: small matrices (stock loop) and one XNNPACK call per
// matrix (at least 16384 multiply-adds each), batch broadcasting, and batches stacked into rows.
const matMulShapes: [number[], number[]][] = [
  [[64, 33], [33, 17]],
  [[3, 20, 12], [3, 12, 9]],
  [[1, 8, 5], [4, 5, 6]],
  [[2, 40, 24], [2, 24, 30]],
  [[1, 32, 24], [3, 24, 32]],
  [[2, 3, 10, 12], [12, 9]],
  [[256, 784], [784, 32]],
];

Deno.test("BatchMatMul matches cpu for all transposes, ranks and batch broadcasting", async () => {
  for (const [i, [a, b]] of matMulShapes.entries()) {
    for (const [tA, tB] of TRANSPOSES) {
      await assertMatchesCpu(`matMul ${a} x ${b} tA=${tA} tB=${tB}`, () => {
        const [x, y] = matMulOperands(a, b, tA, tB, 10 * i);
        return tf.matMul(x, y, tA, tB);
      });
    }
  }
});

Deno.test("_FusedMatMul keeps bias and activations under transposes, batched or not", async () => {
  const activations = [
    { activation: "linear" as const },
    { activation: "relu" as const },
    { activation: "elu" as const },
    { activation: "leakyrelu" as const, leakyreluAlpha: 0.3 },
    { activation: "prelu" as const },
  ];
  const shapes = [
    [[1, 30, 60], [1, 60, 20]],
    [[2, 16, 24], [2, 24, 10]],
    [[2, 40, 60], [2, 60, 20]],
  ];
  for (const act of activations) {
    for (const [aShape, bShape] of shapes) {
      for (const [tA, tB] of TRANSPOSES) {
        const name = `fused ${act.activation} ${aShape} x ${bShape} tA=${tA} tB=${tB}`;
        await assertMatchesCpu(name, () => {
          const [a, b] = matMulOperands(aShape, bShape, tA, tB, 7);
          const n = bShape[2];
          return tf.fused.matMul({
            a: a as tf.Tensor3D,
            b: b as tf.Tensor3D,
            transposeA: tA,
            transposeB: tB,
            bias: tf.tensor1d(values([n], 3)),
            preluActivationWeights: act.activation === "prelu" ? tf.tensor1d(values([n], 4)) : undefined,
            ...act,
          });
        });
      }
    }
  }
});

const poolCases: { x: Shape4; size: number | [number, number]; strides: number; pad: Pad }[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: "valid" },
  { x: [3, 7, 9, 2], size: 3, strides: 2, pad: "same" },
  { x: [1, 6, 6, 4], size: 3, strides: 1, pad: "same" },
  { x: [2, 9, 7, 5], size: [2, 3], strides: 2, pad: "valid" },
];

Deno.test("MaxPoolGrad matches cpu, ties included", async () => {
  for (const [i, c] of poolCases.entries()) {
    for (const ties of [false, true]) {
      await assertMatchesCpu(`MaxPoolGrad x ${c.x} size ${c.size} ${c.pad} ties=${ties}`, () => {
        const x = tf.tensor(values(c.x, i + 1, ties), c.x) as tf.Tensor4D;
        const y = tf.maxPool(x, c.size, c.strides, c.pad);
        const dy = tf.tensor(values(y.shape, i + 50), y.shape);
        return tf.engine().runKernel("MaxPoolGrad", { dy, input: x, output: y }, {
          filterSize: c.size,
          strides: c.strides,
          pad: c.pad,
        }) as tf.Tensor;
      });
    }
  }
});

Deno.test("UnsortedSegmentSum matches cpu (float, int, repeated and dropped ids)", async () => {
  const ids = [3, 0, 3, 1, -1, 0, 3, 5];
  for (const dtype of ["float32", "int32"] as const) {
    await assertMatchesCpu(`UnsortedSegmentSum ${dtype}`, () => {
      const x = tf.tensor(values([8, 3, 4], 9).map((v) => v * 10), [8, 3, 4], dtype);
      return tf.unsortedSegmentSum(x, tf.tensor1d(ids, "int32"), 6).toFloat();
    });
  }
});

Deno.test("Sum matches cpu on leading axes (kit loop) and elsewhere (stock)", async () => {
  const shape = [6, 5, 4, 3];
  const cases: { axis: number | number[]; keepDims: boolean }[] = [
    { axis: [0, 1, 2], keepDims: false },
    { axis: [2, 0, 1], keepDims: true },
    { axis: 0, keepDims: false },
    { axis: [1, 2], keepDims: false },
    { axis: -1, keepDims: true },
    { axis: [0, 1, 2, 3], keepDims: false },
  ];
  for (const { axis, keepDims } of cases) {
    await assertMatchesCpu(`Sum axis ${axis} keepDims ${keepDims}`, () => {
      const x = tf.tensor(values(shape, 5), shape);
      return tf.sum(x, axis, keepDims);
    });
  }
  await assertMatchesCpu(
    "Sum int32 over axis 0",
    () => tf.sum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32"), 0).toFloat(),
  );
});

Deno.test("gradients through conv2d, fused conv2d and depthwise conv match cpu", async () => {
  for (const [i, c] of [convCases[1], convCases[2], convCases[4]].entries()) {
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
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: 1,
          pad: "same",
          bias,
          activation: "relu",
        }),
        4,
      );
    return tf.grads(f)([x, w, bias]);
  });
  await assertMatchesCpu("grad depthwiseConv2d", () => {
    const c = depthwiseCases[1];
    const x = tf.tensor(values(c.x, 1), c.x) as tf.Tensor4D;
    const w = tf.tensor(values(c.filter, 2), c.filter) as tf.Tensor4D;
    const f = (x: tf.Tensor, w: tf.Tensor) => weightedSum(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad), 3);
    return tf.grads(f)([x, w]);
  });
});

Deno.test("gradients through maxPool, matMul, fused matMul and gather match cpu", async () => {
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
      weightedSum(
        tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias, activation: "relu" }),
        4,
      );
    return tf.grads(f)([x, w, bias]);
  });
  await assertMatchesCpu("grad gather (embedding)", () => {
    const table = tf.tensor2d(values([20, 8], 1), [20, 8]);
    const ids = tf.tensor2d([[1, 5, 5, 0], [19, 1, 2, 5]], [2, 4], "int32");
    return tf.grad((t: tf.Tensor) => weightedSum(tf.gather(t, ids), 2))(table);
  });
});

Deno.test("a small CNN's loss gradients match cpu", async () => {
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
});

Deno.test("registration is idempotent and frees every intermediate", async () => {
  const first = registerWasmTrainingKernels();
  const kernel = tf.getKernel("BatchMatMul", "wasm");
  assert.deepEqual(registerWasmTrainingKernels(), first);
  assert.equal(tf.getKernel("BatchMatMul", "wasm"), kernel);

  await tf.setBackend("wasm");
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const before = backend.numDataIds();
  const c = convCases[2];
  tf.tidy(() => {
    const x = tf.tensor(values(c.x, 1), c.x) as tf.Tensor4D;
    const w = tf.tensor(values(c.filter, 2), c.filter) as tf.Tensor4D;
    const b = tf.tensor2d(values([20, 7], 3), [20, 7]);
    tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      weightedSum(
        tf.maxPool(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad), 2, 1, "same"),
        4,
      )
    )([x, w]);
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, true, true).sum())([b, b.transpose()]);
    tf.grad((t: tf.Tensor) => tf.gather(t, [1, 1, 3]).sum())(b);
  });
  assert.equal(backend.numDataIds(), before);
  // Identity and same-dtype Cast share data: each copy outlives the original and frees with the last.
  const x = tf.tensor1d([1, 2, 3]);
  const copies = [x.clone(), tf.cast(x, "float32"), tf.cast(x, "int32")];
  x.dispose();
  assert.deepEqual(copies.map((t) => Array.from(t.dataSync())), [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  assert.equal(copies[2].dtype, "int32");
  tf.dispose(copies);
  assert.equal(backend.numDataIds(), before);
});
