/**
 * The optimiser's update of every variable in one kernel call (kernel `KitSgdUpdate`, used by
 * lib/train.ts's Sgd on the native backend): SGD with momentum, weight decay and a gradient scale
 * (clipping), PyTorch's semantics in the order of operations of the tfjs ops it replaces, each
 * rounded to float32, so that its bits equal those ops' on the cpu backend
 * (tests/backend/native_sgd_test.ts):
 *   g' = g·scale (when scale ≠ 1),  g' = g' + w·decay (when decay > 0),
 *   v' = momentum·v + g',           w' = (−lr)·v' + w.
 * Inputs w0…, g0…, v0… (n each); outputs [w'0…, v'0…], new tensors (variables are then assigned).
 * The element loop runs in ./parallel.c (task kind "sgd", on the JS thread: a memory-bound pass,
 * where waking another thread costs more than it gains) or, without the helper, in `sgdTask` below.
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { at, heapBase, type Inputs } from "./heap.ts";
import { TASK_SLOTS, type TaskRunner } from "./parallel.ts";

export const SGD_UPDATE = "KitSgdUpdate";

/**
 * Σ g² over every gradient in one call (kernel `KitSquaredNorm`, the gradient norm Sgd checks and
 * clips by): each square rounded to float32, as tfjs's Square; per gradient, added in float64 to eight
 * partial sums in a fixed order (parallel.c's run_sumsq); the gradients' sums added in float64 in
 * order; the result rounded to float32. Inputs g0…; output a float32 scalar. Where every sum is exact
 * this equals tfjs's ops on the cpu backend; elsewhere it differs from them in the last bits (another
 * order of summation), the same on any thread count.
 */
export const SQUARED_NORM = "KitSquaredNorm";

/** Attributes of KitSgdUpdate; every number is used as its float32 value, as tfjs's scalars hold it. */
export interface SgdUpdateAttrs {
  count: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  gradScale: number;
}

const bits = new Int32Array(1);
const f32 = new Float32Array(bits.buffer);
function f32Bits(v: number): bigint {
  f32[0] = v;
  return BigInt(bits[0]);
}
function fromBits(slot: bigint): number {
  bits[0] = Number(slot);
  return f32[0];
}

/** Runs one sgd task on the JS thread (the runner's sequential path): the same float32 operations. */
export function sgdTask(tasks: BigInt64Array, o: number): void {
  const n = Number(tasks[o]);
  const view = (slot: number) =>
    new Float32Array(Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(tasks[o + slot])!, n * 4));
  const [w, g, v, wOut, vOut] = [1, 2, 3, 4, 5].map(view);
  const [negLr, momentum, decay, scale] = [6, 7, 8, 9].map((slot) => fromBits(tasks[o + slot]));
  const flags = Number(tasks[o + 10]);
  const fr = Math.fround;
  for (let i = 0; i < n; i++) {
    let gi = g[i];
    if (flags & 1) gi = fr(gi * scale);
    if (flags & 2) gi = fr(gi + fr(w[i] * decay));
    const vi = fr(fr(momentum * v[i]) + gi);
    vOut[i] = vi;
    wOut[i] = fr(negLr * vi) + w[i]; // the store rounds the sum to float32
  }
}

/** Runs one sumsq task on the JS thread: parallel.c's run_sumsq, operation for operation. */
export function sumsqTask(tasks: BigInt64Array, o: number): void {
  const n = Number(tasks[o]);
  const g = new Float32Array(Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(tasks[o + 1])!, n * 4));
  const p = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) p[i & 7] += Math.fround(g[i] * g[i]);
  new Float64Array(Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(tasks[o + 2])!, 8))[0] =
    ((p[0] + p[1]) + (p[2] + p[3])) +
    ((p[4] + p[5]) + (p[6] + p[7]));
}

export function squaredNormKernel(runner: TaskRunner): KernelFunc {
  let tasks = new BigInt64Array(0);
  let sums = new Float64Array(0);
  return (args) => {
    const inputs = args.inputs as Inputs;
    const wasm = args.backend as BackendWasm;
    const { count } = args.attrs as unknown as { count: number };
    if (tasks.length < count * TASK_SLOTS) [tasks, sums] = [new BigInt64Array(count * TASK_SLOTS), new Float64Array(count)];
    const out = wasm.makeOutput([], "float32");
    const base = heapBase(wasm);
    const sumsAt = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(sums)));
    for (let i = 0; i < count; i++) {
      const g = inputs[`g${i}`];
      if (g.dtype !== "float32") throw new Error(`${SQUARED_NORM}: gradient ${i} is ${g.dtype}, not float32`);
      const n = g.shape.reduce((a, b) => a * b, 1);
      tasks.set([BigInt(n), BigInt(Deno.UnsafePointer.value(at(base, wasm, g))), sumsAt + BigInt(8 * i)], i * TASK_SLOTS);
    }
    // One thread: a memory-bound pass of ~1 ms at most, where waking a second thread costs more than it gains.
    runner.run("sumsq", tasks, count, 1);
    let total = 0;
    for (let i = 0; i < count; i++) total += sums[i];
    (wasm.typedArrayFromHeap(out) as Float32Array)[0] = total; // rounded to float32 by the store
    return out;
  };
}

export function sgdUpdateKernel(runner: TaskRunner): KernelFunc {
  let tasks = new BigInt64Array(0);
  return (args) => {
    const inputs = args.inputs as Inputs;
    const wasm = args.backend as BackendWasm;
    const { count, learningRate, momentum, weightDecay, gradScale } = args.attrs as unknown as SgdUpdateAttrs;
    const ws: TensorInfo[] = [];
    const outs: TensorInfo[] = [];
    for (let i = 0; i < count; i++) {
      const [w, g, v] = [inputs[`w${i}`], inputs[`g${i}`], inputs[`v${i}`]];
      const size = w.shape.reduce((a, b) => a * b, 1);
      for (const t of [w, g, v]) {
        if (t.dtype !== "float32" || t.shape.reduce((a, b) => a * b, 1) !== size) {
          throw new Error(`${SGD_UPDATE}: variable ${i} needs float32 w, g, v of one size (shapes ${w.shape}, ${g.shape}, ${v.shape})`);
        }
      }
      ws.push(w);
    }
    for (const w of ws) outs.push(wasm.makeOutput(w.shape, "float32"));
    for (const w of ws) outs.push(wasm.makeOutput(w.shape, "float32"));
    if (tasks.length < count * TASK_SLOTS) tasks = new BigInt64Array(count * TASK_SLOTS);
    const base = heapBase(wasm); // after every allocation
    const addr = (t: TensorInfo) => BigInt(Deno.UnsafePointer.value(at(base, wasm, t)));
    const flags = (gradScale !== 1 ? 1 : 0) | (weightDecay > 0 ? 2 : 0);
    for (let i = 0; i < count; i++) {
      tasks.set([
        BigInt(ws[i].shape.reduce((a, b) => a * b, 1)),
        addr(ws[i]),
        addr(inputs[`g${i}`]),
        addr(inputs[`v${i}`]),
        addr(outs[i]),
        addr(outs[count + i]),
        f32Bits(-learningRate),
        f32Bits(momentum),
        f32Bits(weightDecay),
        f32Bits(gradScale),
        BigInt(flags),
      ], i * TASK_SLOTS);
    }
    runner.run("sgd", tasks, count, 1); // one thread, as the norm above
    return outs;
  };
}
