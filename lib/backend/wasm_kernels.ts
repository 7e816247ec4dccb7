/**
 * Training kernels for tfjs's wasm backend (TensorFlow.js 4.22), registered from outside tfjs.
 *
 * The stock wasm backend is fast for inference but cannot train most models, or trains them slowly
 * (docs/toolchain.md §1). Each kernel below is built from wasm's own fast
 * kernels (XNNPACK convolution, transpose, pad) or is a plain loop over the wasm heap:
 *
 * - Conv2DBackpropFilter: missing, so conv weights get no gradient. Computed as im2col(x)ᵀ · dy: the
 *   patch matrix built transposed by a heap loop, then one XNNPACK matMul. Measured interleaved on the
 *   CNN of bench/train_step.ts against the earlier forward-convolution formulation (dW = conv2d(x_pad
 *   as [Ci,H,W,N], dy as the filter [OH,OW,N,Co], dilation = stride)): ~5× faster for the first
 *   layer (Ci = 1: 9 output rows, where XNNPACK's convolution is poor), ~1.3× for the second.
 * - Conv2DBackpropInput: present but a scalar loop (~460 ms per CNN step). Computed as a forward
 *   convolution of the zero-dilated, padded dy with the spatially flipped filter.
 * - BatchMatMul, _FusedMatMul: the stock kernel uses XNNPACK only without transposes and with batch
 *   size 1, else a scalar loop, and every dense layer's backward pass transposes. Transposes are
 *   materialised, then batches are stacked into rows or multiplied one XNNPACK call per matrix.
 *   _FusedMatMul keeps bias, activation, PReLU weights and leaky-ReLU alpha; the stock one gets
 *   the bias wrong for batch size > 1.
 * - MaxPoolGrad: present but slow. A scatter loop over the heap that sends each output's gradient to
 *   the first strict maximum of its window in row-major order, which is tfjs's tie rule. (A
 *   per-channel window loop and a write-once path for tiling windows were tried: both slower.)
 * - UnsortedSegmentSum: missing, so gather (embedding) weights get no gradient. A loop over the heap.
 * - Sum over leading axes (every bias gradient: NHWC summed over N, H, W): the stock kernel first
 *   transposes the reduced axes innermost (~35 ms per CNN step); a loop over the heap takes a third
 *   of that. Other reductions go to the stock kernel.
 * - Identity, Cast to the same dtype: stock wasm copies the data; these share it (cpu does too).
 * - DepthwiseConv2dNativeBackpropInput / ...Filter: missing. The same two tricks as for Conv2D, with
 *   wasm's depthwise convolution and a sum over the channel multiplier or the batch.
 *
 * Only NHWC, dilation 1 in the forward op (tfjs's own gradients allow nothing else) and float32.
 */
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  type _FusedMatMulAttrs,
  backend_util,
  type BatchMatMulAttrs,
  broadcast_util,
  type CastAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type NamedAttrMap,
  registerKernel,
  type SumAttrs,
  type TensorInfo,
  unregisterKernel,
  type UnsortedSegmentSumAttrs,
  util,
} from "@tensorflow/tfjs-core";

type Shape4 = [number, number, number, number];

/** Stock kernel functions of the kernels this file replaces; our versions delegate to them. */
const stock = new Map<string, KernelFunc>();

/** Kernel inputs by name; tfjs's ops always pass the ones a kernel reads. */
type Inputs = Record<string, TensorInfo>;
type Run = (name: string, inputs: Inputs, attrs?: object) => TensorInfo;

/** A KernelFunc with the wasm backend, defined inputs and typed attributes. */
function wasmKernel<A>(
  body: (inputs: Inputs, backend: BackendWasm, attrs: A) => TensorInfo,
): KernelFunc {
  return ({ inputs, backend, attrs }) => body(inputs as Inputs, backend as BackendWasm, attrs as unknown as A);
}

/** Runs a wasm kernel: the stock one where this file replaced it. */
function call(backend: BackendWasm, name: string, inputs: Inputs, attrs: object = {}): TensorInfo {
  const kernelFunc = stock.get(name) ?? getKernel(name, "wasm")?.kernelFunc;
  if (kernelFunc === undefined) throw new Error(`wasm backend has no kernel ${name}`);
  return kernelFunc({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/**
 * Runs `body` with a `run` that calls wasm kernels and frees every intermediate it made, except the
 * tensor `body` returns (each kernel output holds one reference on the wasm heap).
 */
function scoped(
  backend: BackendWasm,
  body: (run: Run) => TensorInfo,
): TensorInfo {
  const temps: TensorInfo[] = [];
  const run: Run = (name, inputs, attrs) => {
    const out = call(backend, name, inputs, attrs);
    temps.push(out);
    return out;
  };
  const result = body(run);
  for (const t of temps) if (t !== result) backend.disposeData(t.dataId);
  return result;
}

function assertNhwc(dataFormat: "NHWC" | "NCHW" | undefined, kernel: string) {
  if (dataFormat === "NCHW") throw new Error(`kit wasm ${kernel}: only NHWC is supported`);
}

function assertNoDilation(dilations: number | [number, number] | undefined, kernel: string) {
  if (dilations !== undefined && !backend_util.tupleValuesAreOne(dilations)) {
    throw new Error(`kit wasm ${kernel}: dilations > 1 are not supported in gradients`);
  }
}

/**
 * Zero-dilates dy by the stride and pads it so that a stride-1 "valid" convolution with the flipped
 * filter yields the input gradient: row i of the result is dyDilated[i - (KH - 1 - padTop)].
 */
function dilateAndPad(
  run: Run,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const [n, outH, outW, c] = dy.shape;
  const { strideHeight: sH, strideWidth: sW, filterHeight: kH, filterWidth: kW } = info;
  let dilated = dy;
  if (sH > 1 || sW > 1) {
    // [N,OH,1,OW,1,C] padded to [N,OH,sH,OW,sW,C] puts sH-1 zero rows after each row of dy.
    const spread = run("Reshape", { x: dy }, { shape: [n, outH, 1, outW, 1, c] });
    const padded = run("PadV2", { x: spread }, {
      paddings: [[0, 0], [0, 0], [0, sH - 1], [0, 0], [0, sW - 1], [0, 0]],
      constantValue: 0,
    });
    dilated = run("Reshape", { x: padded }, { shape: [n, outH * sH, outW * sW, c] });
  }
  const height = info.inHeight + kH - 1;
  const width = info.inWidth + kW - 1;
  const top = kH - 1 - info.padInfo.top;
  const left = kW - 1 - info.padInfo.left;
  const bottom = height - top - dilated.shape[1];
  const right = width - left - dilated.shape[2];
  const rows = [Math.max(top, 0), Math.max(bottom, 0)];
  const cols = [Math.max(left, 0), Math.max(right, 0)];
  const padded = run("PadV2", { x: dilated }, {
    paddings: [[0, 0], rows, cols, [0, 0]],
    constantValue: 0,
  });
  if (top >= 0 && left >= 0 && bottom >= 0 && right >= 0) return padded;
  // Explicit padding larger than the filter, or trailing rows no window reaches: cut them off.
  return run("Slice", { x: padded }, {
    begin: [0, Math.max(-top, 0), Math.max(-left, 0), 0],
    size: [n, height, width, c],
  });
}

/** Pads x by the forward convolution's padding (no-op when there is none). */
function padInput(
  run: Run,
  x: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { top, bottom, left, right } = info.padInfo;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return x;
  return run("PadV2", { x }, {
    paddings: [[0, 0], [top, bottom], [left, right], [0, 0]],
    constantValue: 0,
  });
}

/** Cuts a [A,H',W',B] result down to [A,kH,kW,B] when the valid convolution overshot. */
function cutToFilter(
  run: Run,
  full: TensorInfo,
  kH: number,
  kW: number,
): TensorInfo {
  const [a, h, w, b] = full.shape;
  if (h === kH && w === kW) return full;
  return run("Slice", { x: full }, { begin: [0, 0, 0, 0], size: [a, kH, kW, b] });
}

/**
 * Largest im2col buffer (floats) Conv2DBackpropFilter builds at once; larger batches go in chunks of
 * whole images whose products are summed (64 MB of wasm heap).
 */
let im2colMaxFloats = 1 << 24;

/** Sets the im2col chunk limit (floats) and returns the previous one; for tests of the chunking. */
export function setIm2colMaxFloats(floats: number): number {
  const previous = im2colMaxFloats;
  im2colMaxFloats = floats;
  return previous;
}

/**
 * Writes the transposed im2col matrix of images [n0, n1) of x into `out` (a heap view), row-major
 * [KH·KW·Ci, (n1-n0)·OH·OW]: row (kh, kw, ci) holds x_pad[n, oh·sH + kh, ow·sW + kw, ci] for every
 * output position (n, oh, ow). `xT` is x transposed to [Ci, N, H, W], so that each output row reads
 * one input row of one channel; positions in the padding are zero.
 */
function fillIm2colT(
  out: Float32Array,
  xT: Float32Array,
  info: backend_util.Conv2DInfo,
  n0: number,
  n1: number,
) {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci } = info;
  const { filterHeight: kH, filterWidth: kW, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sH, strideWidth: sW } = info;
  const { top, left } = info.padInfo;
  let q = 0;
  for (let a = 0; a < kH; a++) {
    for (let b = 0; b < kW; b++) {
      // Output columns whose input column b + s·sW - left lies inside x: [c0, c1).
      const c0 = Math.min(ow, Math.max(0, Math.ceil((left - b) / sW)));
      const c1 = Math.max(c0, Math.min(ow, Math.ceil((w + left - b) / sW)));
      for (let c = 0; c < ci; c++) {
        for (let i = n0; i < n1; i++) {
          for (let r = 0; r < oh; r++, q += ow) {
            const row = r * sH + a - top;
            if (row < 0 || row >= h) {
              out.fill(0, q, q + ow);
              continue;
            }
            const src = ((c * n + i) * h + row) * w + b - left;
            for (let s = 0; s < c0; s++) out[q + s] = 0;
            if (sW === 1) { for (let s = c0; s < c1; s++) out[q + s] = xT[src + s]; }
            else for (let s = c0; s < c1; s++) out[q + s] = xT[src + s * sW];
            for (let s = c1; s < ow; s++) out[q + s] = 0;
          }
        }
      }
    }
  }
}

/**
 * dW = im2col(x)ᵀ · dy: the patches of x, built transposed on the heap ([KH·KW·Ci, N·OH·OW], rows in
 * the filter's own [KH, KW, Ci] order), times dy as [N·OH·OW, Co], one XNNPACK matMul; no output
 * transpose. ~10× faster than the forward-convolution formulation for a first layer (Ci = 1) and
 * faster for the second CNN layer too (bench/train_step.ts). Batches whose patch matrix would exceed
 * the limit (setIm2colMaxFloats, 64 MB by default) are done in chunks of whole images and summed.
 */
const conv2DBackpropFilter = wasmKernel<Conv2DBackpropFilterAttrs>((inputs, backend, attrs) => {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  assertNhwc(dataFormat, "Conv2DBackpropFilter");
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [kH, kW, ci, co] = filterShape;
  const rows = kH * kW * ci;
  const perImage = info.outHeight * info.outWidth;
  const n = info.batchSize;
  const chunk = Math.max(1, Math.min(n, Math.floor(im2colMaxFloats / (rows * perImage))));
  if (rows === 0 || perImage === 0 || co === 0) {
    throw new Error("kit wasm Conv2DBackpropFilter: empty");
  }
  return scoped(backend, (run) => {
    const xT = run("Transpose", { x }, { perm: [3, 0, 1, 2] });
    const dy2 = run("Reshape", { x: dy }, { shape: [n * perImage, co] });
    const acc = new Float32Array(rows * co);
    let whole: TensorInfo | undefined;
    for (let n0 = 0; n0 < n; n0 += chunk) {
      const n1 = Math.min(n, n0 + chunk);
      const positions = (n1 - n0) * perImage;
      // Per-chunk tensors are freed at once, so that only one patch matrix lives at a time.
      const cols = backend.makeOutput([1, rows, positions], "float32");
      // Views after every allocation: growing the heap detaches older ones.
      fillIm2colT(
        backend.typedArrayFromHeap(cols) as Float32Array,
        backend.typedArrayFromHeap(xT) as Float32Array,
        info,
        n0,
        n1,
      );
      const dyPart = chunk >= n
        ? call(backend, "Reshape", { x: dy2 }, { shape: [1, positions, co] })
        : call(backend, "Slice", { x: dy2 }, { begin: [n0 * perImage, 0], size: [positions, co] });
      const dyPart3 = call(backend, "Reshape", { x: dyPart }, { shape: [1, positions, co] });
      const product = call(backend, "BatchMatMul", { a: cols, b: dyPart3 }, {
        transposeA: false,
        transposeB: false,
      });
      for (const t of [cols, dyPart, dyPart3]) backend.disposeData(t.dataId);
      if (chunk >= n) {
        whole = product;
        break;
      }
      const values = backend.typedArrayFromHeap(product) as Float32Array;
      for (let i = 0; i < acc.length; i++) acc[i] += values[i];
      backend.disposeData(product.dataId);
    }
    if (whole === undefined) {
      whole = backend.makeOutput([rows, co], "float32");
      backend.typedArrayFromHeap(whole).set(acc);
    }
    const out = run("Reshape", { x: whole }, { shape: filterShape });
    backend.disposeData(whole.dataId); // `out` holds the only reference now
    return out;
  });
});

const conv2DBackpropInput = wasmKernel<Conv2DBackpropInputAttrs>((inputs, backend, attrs) => {
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  assertNhwc(dataFormat, "Conv2DBackpropInput");
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return scoped(backend, (run) => {
    const flipped = run("Reverse", { x: filter }, { dims: [0, 1] });
    const flippedT = run("Transpose", { x: flipped }, { perm: [0, 1, 3, 2] });
    return run("Conv2D", { x: dilateAndPad(run, dy, info), filter: flippedT }, {
      strides: [1, 1],
      pad: "valid",
      dilations: [1, 1],
      dataFormat: "NHWC",
    });
  });
});

const depthwiseBackpropInput = wasmKernel<DepthwiseConv2dNativeBackpropInputAttrs>(
  (inputs, backend, attrs) => {
    const { dy, filter } = inputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
    assertNoDilation(dilations, "DepthwiseConv2dNativeBackpropInput");
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      true,
    );
    const [kH, kW, channels, multiplier] = filter.shape;
    return scoped(backend, (run) => {
      const flipped = run("Reverse", { x: filter }, { dims: [0, 1] });
      // Each of the Ci*M dy channels convolves with its own flipped filter slice...
      const perChannel = run("Reshape", { x: flipped }, {
        shape: [kH, kW, channels * multiplier, 1],
      });
      const grads = run("DepthwiseConv2dNative", {
        x: dilateAndPad(run, dy, info),
        filter: perChannel,
      }, { strides: [1, 1], pad: "valid", dilations: [1, 1] });
      if (multiplier === 1) return grads;
      // ...and the M channels that came from one input channel add up.
      const [n, h, w] = grads.shape;
      const split = run("Reshape", { x: grads }, { shape: [n, h, w, channels, multiplier] });
      return run("Sum", { x: split }, { axis: [4], keepDims: false });
    });
  },
);

const depthwiseBackpropFilter = wasmKernel<DepthwiseConv2dNativeBackpropFilterAttrs>(
  (inputs, backend, attrs) => {
    const { x, dy } = inputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
    assertNoDilation(dilations, "DepthwiseConv2dNativeBackpropFilter");
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      true,
    );
    const [kH, kW, channels, multiplier] = filterShape;
    const [n, outH, outW] = dy.shape;
    return scoped(backend, (run) => {
      // One depthwise convolution over N*Ci channels: channel (n, ci) of x_pad meets dy[n, ..., ci, :]
      // as its filter; the batch is summed afterwards.
      const xT = run("Transpose", { x: padInput(run, x, info) }, { perm: [1, 2, 0, 3] });
      const [hP, wP] = xT.shape;
      const xFlat = run("Reshape", { x: xT }, { shape: [1, hP, wP, n * channels] });
      const dyT = run("Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
      const dyFilter = run("Reshape", { x: dyT }, {
        shape: [outH, outW, n * channels, multiplier],
      });
      const full = run("DepthwiseConv2dNative", { x: xFlat, filter: dyFilter }, {
        strides: [1, 1],
        pad: "valid",
        dilations: [info.strideHeight, info.strideWidth],
      });
      const [, h, w] = full.shape;
      const perBatch = run("Reshape", { x: full }, { shape: [h, w, n, channels * multiplier] });
      const summed = run("Sum", { x: perBatch }, { axis: [2], keepDims: false });
      const asFilter = run("Reshape", { x: summed }, { shape: [1, h, w, channels * multiplier] });
      const cut = cutToFilter(run, asFilter, kH, kW);
      return run("Reshape", { x: cut }, { shape: filterShape });
    });
  },
);

/** Swaps the last two axes of t (a materialised transpose). */
function swapInner(run: Run, t: TensorInfo): TensorInfo {
  const perm = t.shape.map((_, i) => i);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return run("Transpose", { x: t }, { perm });
}

/** Copies matrix `index` of a [batch, rows, cols] tensor into a new [1, rows, cols] tensor. */
function matrixAt(wasm: BackendWasm, t: TensorInfo, index: number): TensorInfo {
  const [, rows, cols] = t.shape;
  const out = wasm.makeOutput([1, rows, cols], "float32");
  const size = rows * cols;
  wasm.typedArrayFromHeap(out).set(
    wasm.typedArrayFromHeap(t).subarray(index * size, (index + 1) * size),
  );
  return out;
}

/**
 * Below this many multiply-adds per matrix, the stock scalar loop beats one XNNPACK call per matrix
 * (measured: ~10 µs of overhead per call; 16×16×16 is faster stock, 64×32×64 is 2.6× faster here).
 */
const MIN_WORK_PER_MATRIX = 16384;

/**
 * a·b without transposes on XNNPACK's fully-connected path. The stock kernel takes that path only
 * when both operands have batch size 1 and otherwise runs a scalar loop, so: when b is one matrix,
 * a's batches are stacked into rows; otherwise each pair of matrices is multiplied on its own.
 */
function fastMatMul(run: Run, wasm: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const outShape = [
    ...broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
    m,
    n,
  ];
  const noTranspose = { transposeA: false, transposeB: false };
  if (batchB === 1) {
    const a2 = run("Reshape", { x: a }, { shape: [1, batchA * m, k] });
    const b2 = run("Reshape", { x: b }, { shape: [1, k, n] });
    const product = run("BatchMatMul", { a: a2, b: b2 }, noTranspose);
    return run("Reshape", { x: product }, { shape: outShape });
  }
  if (m * k * n < MIN_WORK_PER_MATRIX) return run("BatchMatMul", { a, b }, noTranspose);
  const batch = Math.max(batchA, batchB);
  const a3 = run("Reshape", { x: a }, { shape: [batchA, m, k] });
  const b3 = run("Reshape", { x: b }, { shape: [batchB, k, n] });
  const raw = wasm.makeOutput([batch, m, n], "float32");
  const out = run("Reshape", { x: raw }, { shape: outShape });
  wasm.disposeData(raw.dataId); // `out` holds the only reference now
  for (let i = 0; i < batch; i++) {
    // Batches repeat cyclically, as in tfjs's cpu kernel.
    const ai = matrixAt(wasm, a3, i % batchA);
    const bi = matrixAt(wasm, b3, i % batchB);
    const product = call(wasm, "BatchMatMul", { a: ai, b: bi }, noTranspose);
    wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(product), i * m * n);
    for (const t of [ai, bi, product]) wasm.disposeData(t.dataId);
  }
  return out;
}

/** BatchMatMul with transposes materialised, then the fast path. */
const batchMatMul = wasmKernel<BatchMatMulAttrs>((inputs, wasm, attrs) =>
  scoped(wasm, (run) => {
    const a = attrs.transposeA ? swapInner(run, inputs.a) : inputs.a;
    const b = attrs.transposeB ? swapInner(run, inputs.b) : inputs.b;
    return fastMatMul(run, wasm, a, b);
  })
);

/** The wasm kernel applying each fused activation on its own. */
const activationKernels: Record<string, string> = {
  relu: "Relu",
  relu6: "Relu6",
  elu: "Elu",
  sigmoid: "Sigmoid",
  leakyrelu: "LeakyRelu",
  prelu: "Prelu",
};

/**
 * _FusedMatMul with transposes materialised. The stock fused kernel is right only for batch size 1
 * (its scalar loop adds the bias once per 48-wide block and clamps partial sums), so batched
 * products get the fast matMul, then the bias and the activation as separate wasm kernels.
 */
const fusedMatMul = wasmKernel<_FusedMatMulAttrs>((inputs, wasm, attrs) =>
  scoped(wasm, (run) => {
    const { bias, preluActivationWeights } = inputs;
    const a = attrs.transposeA ? swapInner(run, inputs.a) : inputs.a;
    const b = attrs.transposeB ? swapInner(run, inputs.b) : inputs.b;
    const fusedAttrs = { ...attrs, transposeA: false, transposeB: false };
    if (a.shape[0] === 1 && b.shape[0] === 1) {
      return run("_FusedMatMul", { ...inputs, a, b }, fusedAttrs);
    }
    let y = fastMatMul(run, wasm, a, b);
    if (bias) y = run("Add", { a: y, b: bias });
    if (attrs.activation === "linear") return y;
    const kernel = activationKernels[attrs.activation];
    if (kernel === undefined) throw new Error(`kit wasm _FusedMatMul: no ${attrs.activation}`);
    if (kernel === "LeakyRelu") return run(kernel, { x: y }, { alpha: attrs.leakyreluAlpha });
    if (kernel === "Prelu") return run(kernel, { x: y, alpha: preluActivationWeights });
    return run(kernel, { x: y });
  })
);

const maxPoolGrad = wasmKernel<MaxPoolGradAttrs>((inputs, wasm, attrs) => {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const dx = wasm.makeOutput(input.shape, "float32");
  // Views are taken after makeOutput: an allocation may grow the heap and detach older views.
  const out = wasm.typedArrayFromHeap(dx).fill(0);
  const xs = wasm.typedArrayFromHeap(input);
  const grads = wasm.typedArrayFromHeap(dy);
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const r0 = yR * info.strideHeight - info.padInfo.top;
      const rMin = Math.max(r0, 0);
      const rMax = Math.min(r0 + info.filterHeight, inHeight);
      for (let yC = 0; yC < outWidth; yC++, o += channels) {
        const c0 = yC * info.strideWidth - info.padInfo.left;
        const cMin = Math.max(c0, 0);
        const cMax = Math.min(c0 + info.filterWidth, inWidth);
        best.fill(-Infinity);
        where.fill(-1);
        // Row-major window order with a strict `>`: the first maximum wins, as in tfjs's cpu kernel;
        // a window of only NaN / -Infinity passes no gradient.
        for (let r = rMin; r < rMax; r++) {
          for (let c = cMin; c < cMax; c++) {
            const base = ((b * inHeight + r) * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              const v = xs[base + d];
              if (v > best[d]) {
                best[d] = v;
                where[d] = base + d;
              }
            }
          }
        }
        for (let d = 0; d < channels; d++) {
          if (where[d] >= 0) out[where[d]] += grads[o + d];
        }
      }
    }
  }
  return dx;
});

const unsortedSegmentSum = wasmKernel<UnsortedSegmentSumAttrs>((inputs, wasm, attrs) => {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  const rows = util.sizeFromShape(segmentIds.shape);
  const inner = util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const result = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const out = wasm.typedArrayFromHeap(result).fill(0);
  const xs = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < rows; i++) {
    const seg = ids[i];
    // Ids outside [0, numSegments) are dropped, as in TensorFlow.
    if (seg < 0 || seg >= numSegments) continue;
    const from = i * inner;
    const to = seg * inner;
    for (let k = 0; k < inner; k++) out[to + k] += xs[from + k];
  }
  return result;
});

const sum = wasmKernel<SumAttrs>((inputs, wasm, attrs) => {
  const { x } = inputs;
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.every((axis, i) => axis === i) && axes.length < x.shape.length;
  if (x.dtype !== "float32" || axes.length === 0 || !leading) {
    return call(wasm, "Sum", inputs, attrs);
  }
  const kept = x.shape.slice(axes.length);
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const inner = util.sizeFromShape(kept);
  const result = wasm.makeOutput(
    attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept,
    "float32",
  );
  const xs = wasm.typedArrayFromHeap(x);
  // Float64 accumulation, as tfjs's cpu kernel.
  const acc = new Float64Array(inner);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let j = 0; j < inner; j++, i++) acc[j] += xs[i];
  }
  wasm.typedArrayFromHeap(result).set(acc);
  return result;
});

/**
 * Identity, and Cast to the same dtype, share the input's data (a reference more), as tfjs's cpu
 * backend does; stock wasm copies it (~8 ms per CNN step). No wasm kernel writes into its inputs.
 */
const identity = wasmKernel<NamedAttrMap>((inputs, wasm) => {
  const { x } = inputs;
  if (x.dtype === "string") return call(wasm, "Identity", inputs);
  wasm.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});

const cast = wasmKernel<CastAttrs>((inputs, wasm, attrs) => {
  const { x } = inputs;
  if (x.dtype !== attrs.dtype || x.dtype === "string") return call(wasm, "Cast", inputs, attrs);
  wasm.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});

const kitKernels: Record<string, KernelFunc> = {
  Identity: identity,
  Cast: cast,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  MaxPoolGrad: maxPoolGrad,
  UnsortedSegmentSum: unsortedSegmentSum,
  Sum: sum,
};

/**
 * Registers the kit's training kernels on the "wasm" backend, replacing the stock ones where they
 * exist (their setup function is kept, so it still runs if the backend initialises later).
 * Idempotent. Returns the names of the kit kernels in place (the same list on every call).
 */
export function registerWasmTrainingKernels(): string[] {
  for (const [kernelName, kernelFunc] of Object.entries(kitKernels)) {
    const current: KernelConfig | undefined = getKernel(kernelName, "wasm");
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) {
      stock.set(kernelName, current.kernelFunc);
      unregisterKernel(kernelName, "wasm");
    }
    registerKernel({ kernelName, backendName: "wasm", kernelFunc, setupFunc: current?.setupFunc });
  }
  return Object.keys(kitKernels);
}
