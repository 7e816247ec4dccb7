/**
 * A stack of dense layers (matrix product, bias, relu or nothing) as ONE tfjs op on the native backend, forward and
 * backward: kernels `KitDenseStack` and `KitDenseStackGrad` and the gradient that joins them. The kit's MLP
 * (lib/models/mlp.ts) is such a stack; lib/models/dense_stack.ts recognises one and lib/train.ts's `logitsOf` calls
 * `denseStack` for it. Why: tfjs's engine costs ~20 µs a kernel call (tape, tidy, saved clones), and a step of the
 * 784-256-256-10 MLP made ~50 of them for its dense layers alone, ~2.3 ms of a ~6 ms step (docs/speed.md).
 *
 * Same bits as tfjs, by construction: inside the two kernels the native backend's own kernel functions run in the
 * order tfjs's ops call them while differentiating (gradient depth 1), on the same inputs and attributes, only
 * without the engine between them. tfjs 4.22 runs a Dense layer there as follows (tfjs-layers `Dense.call` →
 * `K.dot` → tfjs-core `fused.matMul`, whose `shouldFuse` is false while a tape records, except for a linear
 * activation):
 *   relu layer:    z = BatchMatMul(a, W); s = Add(z, b); h = Relu(s)
 *   linear layer:  y = _FusedMatMul(a, W, bias b, linear)
 * and differentiates them (tfjs-core's gradients of BatchMatMul, Add and _FusedMatMul, and the kit's Relu gradient,
 * ./relu_grad.ts, which passes relu's output):
 *   relu layer:    dS = Multiply(dH, Cast(Step(h)))  (KitReluGrad(dH, h) from 2^20 values on);
 *                  db = Sum(dS, axis 0); dA = BatchMatMul(dS, W, transposeB); dW = BatchMatMul(a, dS, transposeA)
 *   linear layer:  the same without the first line (dS = dY); the bias sum is over axes [0, 1] of the [1, B, n]
 *                  view, the products on [1, ·, ·] views: the same sgemm calls as the 2-D ones made here
 *                  (./matmul.ts and ./reduce.ts read one matrix either way).
 * Cast from float32 to float32 is a plain copy (tfjs-backend-wasm's Cast), so it is left out. The first layer's dA
 * (the input's gradient) is made only when something asks for it (an attack on the input, lib/unlearn/bs.ts).
 * Tests: tests/backend/native_kernels_test.ts (against tfjs's layers on the cpu backend and on native with the
 * stack off, bit for bit) and tests/backend/bit_exact_test.ts (training steps and a CLI run with it on and off).
 *
 * Only while one tape records (gradient depth 1: variableGrads, grad): outside a tape tfjs fuses relu into
 * _FusedMatMul (other bits, and already three kernel calls a layer), and under a second tape the stack's gradient
 * would itself have to be differentiated. `UNLEARN_DENSE_STACK=off` (lib/env.ts) or `setDenseStack(false)` turns it
 * off: tfjs's op-by-op path, the same bits.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type GradConfig, type KernelFunc, type NamedAttrMap, registerGradient, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { denseStackEnabled } from "../../env.ts";
import { type Inputs, runKernel } from "./heap.ts";
import { reluGradIsNative } from "./relu_grad.ts";

export const DENSE_STACK = "KitDenseStack";
export const DENSE_STACK_GRAD = "KitDenseStackGrad";

/** Layers one stack may hold (the gradient's `outputsToSave` is a fixed list). */
export const MAX_DENSE_LAYERS = 32;

/** The native backend's kernel functions the stack runs, as registered (./backend.ts). */
export interface StackKernels {
  batchMatMul: KernelFunc;
  fusedMatMul: KernelFunc;
  add: KernelFunc;
  relu: KernelFunc;
  step: KernelFunc;
  multiply: KernelFunc;
  sum: KernelFunc;
  /** KitReluGrad (./relu_grad.ts). */
  reluGrad: KernelFunc;
}

/** One layer of a stack: its variables and whether relu follows (else nothing: a linear layer). */
export interface DenseLayer {
  kernel: tf.Tensor;
  bias: tf.Tensor;
  relu: boolean;
}

const PLAIN = { transposeA: false, transposeB: false };
const FUSED_LINEAR = { transposeA: false, transposeB: false, activation: "linear", leakyreluAlpha: 0.2 };
const COLUMN_SUM = { axis: [0], keepDims: false };

/** The `relu` attribute of both kernels: one flag a layer. */
function reluFlags(attrs: NamedAttrMap | undefined): boolean[] {
  const flags = attrs?.relu;
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === "boolean")) {
    throw new Error(`${DENSE_STACK}: attribute relu is not a list of flags`);
  }
  return flags;
}

/** A as a 2-D matrix of its first dimension's rows (the Flatten layer's reshape, which moves no data). */
function rows(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [t.shape[0], util.sizeFromShape(t.shape.slice(1))], dtype: t.dtype };
}

function free(wasm: BackendWasm, ...ts: TensorInfo[]): void {
  for (const t of ts) wasm.disposeData(t.dataId);
}

/** One layer forward, as tfjs's ops run it under a tape (the file's comment). */
function layerForward(k: StackKernels, wasm: BackendWasm, a: TensorInfo, w: TensorInfo, b: TensorInfo, relu: boolean): TensorInfo {
  if (!relu) return runKernel(k.fusedMatMul, wasm, { a, b: w, bias: b }, FUSED_LINEAR);
  const z = runKernel(k.batchMatMul, wasm, { a, b: w }, PLAIN);
  const s = runKernel(k.add, wasm, { a: z, b });
  free(wasm, z);
  const h = runKernel(k.relu, wasm, { x: s });
  free(wasm, s);
  return h;
}

/**
 * KitDenseStack. Inputs, a list: x, then each layer's kernel and bias. Outputs: the last layer's output, then
 * every other layer's output in order (saved for the gradient: each is the next layer's input, and relu's mask).
 */
export function denseStackKernel(k: StackKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const given = inputs as Inputs;
    const relu = reluFlags(attrs);
    const outs: TensorInfo[] = [];
    let a = rows(given[0]);
    relu.forEach((r, l) => {
      a = layerForward(k, wasm, a, given[1 + 2 * l], given[2 + 2 * l], r);
      outs.push(a);
    });
    return [outs.at(-1)!, ...outs.slice(0, -1)];
  };
}

/** dS from dH through relu given its output h: the kit's Relu gradient (./relu_grad.ts) as it would run here. */
function reluBackward(k: StackKernels, wasm: BackendWasm, dh: TensorInfo, h: TensorInfo): TensorInfo {
  if (reluGradIsNative(util.sizeFromShape(h.shape))) return runKernel(k.reluGrad, wasm, { dy: dh, x: h });
  const mask = runKernel(k.step, wasm, { x: h }, { alpha: 0 });
  const ds = runKernel(k.multiply, wasm, { a: dh, b: mask });
  free(wasm, mask);
  return ds;
}

/** A copy of t (the input's gradient of a one-layer linear stack is dy itself, which a kernel may not return). */
function copyOf(wasm: BackendWasm, t: TensorInfo): TensorInfo {
  const out = wasm.makeOutput(t.shape, t.dtype);
  (wasm.typedArrayFromHeap(out) as Float32Array).set(wasm.typedArrayFromHeap(t) as Float32Array);
  return out;
}

/**
 * KitDenseStackGrad. Inputs: dy (the last output's gradient), x, w0…, o0… (every layer's output). Outputs: dW and
 * db of each layer in order, then dS of the first layer (the gradient at its product's output, from which the
 * input's gradient is made if asked for).
 */
export function denseStackGradKernel(k: StackKernels): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const given = inputs as Inputs;
    const relu = reluFlags(attrs);
    const grads: TensorInfo[] = [];
    let dOut = given.dy;
    for (let l = relu.length - 1; l >= 0; l--) {
      const ds = relu[l] ? reluBackward(k, wasm, dOut, given[`o${l}`]) : dOut;
      const w = given[`w${l}`];
      const a = l === 0 ? rows(given.x) : given[`o${l - 1}`];
      const db = runKernel(k.sum, wasm, { x: ds }, COLUMN_SUM);
      const dw = runKernel(k.batchMatMul, wasm, { a, b: ds }, { transposeA: true, transposeB: false });
      grads.unshift(dw, db);
      if (l === 0) {
        grads.push(ds === given.dy ? copyOf(wasm, ds) : ds);
        if (dOut !== given.dy && dOut !== ds) free(wasm, dOut);
        break;
      }
      const da = runKernel(k.batchMatMul, wasm, { a: ds, b: w }, { transposeA: false, transposeB: true });
      if (dOut !== given.dy) free(wasm, dOut);
      if (ds !== dOut) free(wasm, ds);
      dOut = da;
    }
    return grads;
  };
}

let enabled: boolean | undefined;

/** Stacks run through the op so far (tests check the op ran, or did not). */
export let denseStackCalls = 0;

/** Turns the stack off or on (tests compare both); returns the previous setting. */
export function setDenseStack(on: boolean): boolean {
  const previous = enabled ?? denseStackEnabled();
  enabled = on;
  return previous;
}

/** Whether `denseStack` may run now: on, one tape recording, the current backend the native one (it has the kernel). */
export function denseStackApplies(): boolean {
  enabled ??= denseStackEnabled();
  return enabled && tf.engine().state.gradientDepth === 1 && tf.getKernel(DENSE_STACK, tf.getBackend()) !== undefined;
}

/**
 * The stack's output for x ([B, ...], float32, flattened to [B, k] as by tfjs's Flatten layer) through `layers`,
 * recorded on the tape as one node. The caller checks `denseStackApplies` and the shapes.
 */
export function denseStack(x: tf.Tensor, layers: DenseLayer[]): tf.Tensor2D {
  // saveAllInputs (every input saved for the gradient) reads the inputs only as a list, as tfjs's AddN passes
  // them; tfjs's types name only the map form.
  const list = [x, ...layers.flatMap((l) => [l.kernel, l.bias])] as unknown as tf.NamedTensorMap;
  const outs = tf.engine().runKernel(DENSE_STACK, list, { relu: layers.map((l) => l.relu) }) as tf.Tensor[];
  denseStackCalls++;
  tf.dispose(outs.slice(1)); // the other layers' outputs live on as the tape's saved copies
  return outs[0] as tf.Tensor2D;
}

/**
 * The gradient of KitDenseStack: one KitDenseStackGrad call for every layer's dW and db; the input's gradient
 * (BatchMatMul(dS0, W0, transposeB), as tfjs's, then Flatten's reshape undone) only when asked for.
 */
function denseStackGradient(dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) {
  const relu = reluFlags(attrs);
  const layers = relu.length;
  const [x, ...params] = saved.slice(0, 1 + 2 * layers);
  const [y, ...hidden] = saved.slice(1 + 2 * layers);
  const inputs: tf.NamedTensorMap = { dy: Array.isArray(dys) ? dys[0] : dys, x };
  [...hidden, y].forEach((o, l) => inputs[`o${l}`] = o);
  for (let l = 0; l < layers; l++) inputs[`w${l}`] = params[2 * l];
  const grads = tf.engine().runKernel(DENSE_STACK_GRAD, inputs, { relu }) as tf.Tensor[];
  const ds0 = grads[2 * layers];
  const map: Record<string, () => tf.Tensor> = {
    0: () => tf.reshape(tf.matMul(ds0, params[0], false, true), x.shape),
  };
  for (let i = 0; i < 2 * layers; i++) map[1 + i] = () => grads[i];
  return map;
}

const gradient: GradConfig = {
  kernelName: DENSE_STACK,
  saveAllInputs: true,
  outputsToSave: Array(MAX_DENSE_LAYERS).fill(true),
  gradFunc: denseStackGradient,
};

let installed = false;

/** Registers the stack's gradient (tfjs's gradient registry is global; only the native kernel is under its name). */
export function installDenseStackGradient(): void {
  if (installed) return;
  installed = true;
  registerGradient(gradient);
}
