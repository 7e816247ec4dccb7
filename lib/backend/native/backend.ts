/**
 * The `native` tfjs backend: tfjs's wasm backend (the same instance, heap and kernels, with the kit's
 * wasm training kernels) under a second name, whose heavy kernels run in OpenBLAS and oneDNN through
 * Deno's FFI (./libs.ts). tfjs's graph, autodiff, layers and every other op are unchanged; tensors
 * live on the wasm heap, and native code reads and writes them there in place.
 *
 * Because both names share one backend instance, switching between "wasm" and "native" moves no
 * data: the bench and the tests compare them in one process.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  getKernel,
  getKernelsForBackend,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  unregisterKernel,
} from "@tensorflow/tfjs-core";
import { registerWasmTrainingKernels } from "../wasm_kernels.ts";
import {
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  conv2DKernel,
  CONV_WEIGHTS_PARTITION,
  convChoices,
  fusedConv2DKernel,
  setVariantPick,
} from "./conv.ts";
import { dnnlChainTask, DnnlContext } from "./dnnl.ts";
import { DENSE_STACK, DENSE_STACK_GRAD, denseStackGradKernel, denseStackKernel, installDenseStackGradient } from "./dense_stack.ts";
import { BATCH_NORM_GRAD, batchNormGradKernel, installBatchNormGradient } from "./batchnorm_grad.ts";
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormTrainGradKernel,
  batchNormTrainKernel,
  installBatchNormTraining,
} from "./batchnorm_train.ts";
import { binaryKernel, fusedBatchNormKernel, reluKernel } from "./eltwise.ts";
import { installReluGradient, RELU_GRAD, reluGradKernel } from "./relu_grad.ts";
import { fixedSgemm, type GemmChoice, type GemmLibrary, sgemmTask } from "./gemm.ts";
import { makeRunner, type RunnerInfo, type TaskRunner } from "./parallel.ts";
import { SGD_UPDATE, sgdTask, sgdUpdateKernel, SQUARED_NORM, squaredNormKernel, sumsqTask } from "./sgd.ts";
import { loadNativeLibs, type NativeLibs } from "./libs.ts";
import { variantPick } from "../../env.ts";
import { batchMatMulKernel, fusedMatMulKernel } from "./matmul.ts";
import { maxPoolGradKernel, maxPoolKernel } from "./pool.ts";
import { meanKernel, sumKernel } from "./reduce.ts";
import { gatherV2Kernel } from "./gather.ts";
import { tileKernel } from "./tile.ts";
import { installTileGradient, TILE_GRAD, tileGradKernel } from "./tile_grad.ts";

export const NATIVE_BACKEND = "native";

/** What the native backend runs on, for run records. */
export interface NativeInfo {
  /** Kernels that run in native code (the rest are wasm's, with the kit's wasm kernels). */
  kernels: string[];
  /**
   * The library of matrix products and reductions, its threads per call (1), the fixed partition of a
   * product into blocks (./gemm.ts) and what runs the blocks (./parallel.ts; it never changes a number).
   */
  gemm: { library: GemmLibrary; threads: number; partition: string; blocks: RunnerInfo };
  /**
   * oneDNN's thread count for convolutions and element-wise primitives; a convolution runs on it only
   * where that gives the same bits as one thread (./conv.ts), so it never changes a number.
   */
  threads: number;
  threadsFrom: string;
  /** The fixed partition of a convolution's weight gradient (./conv.ts CONV_WEIGHTS_PARTITION): it decides bits. */
  convWeightsPartition: string;
  openblas: NativeLibs["openblas"];
  onednn: NativeLibs["onednn"];
  /** How first uses pick among bit-identical variants (UNLEARN_NATIVE_PICK), and what they found so far. */
  variants: VariantSummary;
}

/**
 * What the convolutions' first uses found, counted when read (a record reads it when written): shapes
 * seen, how many run on every thread, and variants discarded for differing in a bit from the canonical.
 */
export interface VariantSummary {
  pick: string;
  readonly convolutions: number;
  readonly onEveryThread: number;
  /**
   * Convolution directions run as two batch halves through the parallel runner (./conv.ts): every weight
   * gradient (its canonical form), and the forward and backward-data directions where picked.
   */
  readonly inBatchHalves: number;
  readonly discardedAsDifferent: number;
}

function variantSummary(pick: string, threads: number): VariantSummary {
  const choices = () => [...convChoices.values()];
  return {
    pick,
    get convolutions() {
      return convChoices.size;
    },
    get onEveryThread() {
      return threads > 1 ? choices().filter((c) => c.chosen.endsWith(`/${threads}t`)).length : 0;
    },
    get inBatchHalves() {
      return choices().filter((c) => c.chosen.endsWith("/halves")).length;
    },
    get discardedAsDifferent() {
      return choices().reduce((n, c) => n + c.differed.length, 0);
    },
  };
}

export type NativeStart = { ok: true; info: NativeInfo } | { ok: false; why: string };

let context: DnnlContext | undefined;

/** The oneDNN context of the started backend (for leak tests: its primitive cache size). */
export function dnnlContext(): DnnlContext | undefined {
  return context;
}

function wasmKernelFor(name: string): KernelFunc {
  const config = getKernel(name, "wasm");
  if (config === undefined) throw new Error(`wasm backend has no kernel ${name}`);
  return config.kernelFunc;
}

/**
 * The native kernels, each with the wasm kernel (stock or the kit's) it falls back to for what it
 * does not handle.
 */
function nativeKernels(gemm: GemmChoice, ctx: DnnlContext, runner: TaskRunner): Record<string, KernelFunc> {
  const { sgemm } = gemm;
  const kernels: Record<string, KernelFunc> = {
    BatchMatMul: batchMatMulKernel(sgemm, wasmKernelFor("BatchMatMul")),
    _FusedMatMul: fusedMatMulKernel(sgemm, wasmKernelFor("_FusedMatMul"), wasmKernelFor),
    Conv2D: conv2DKernel(ctx, runner, wasmKernelFor("Conv2D")),
    FusedConv2D: fusedConv2DKernel(ctx, runner, wasmKernelFor("FusedConv2D")),
    Conv2DBackpropInput: conv2DBackpropInputKernel(ctx, runner, wasmKernelFor("Conv2DBackpropInput")),
    Conv2DBackpropFilter: conv2DBackpropFilterKernel(ctx, runner, wasmKernelFor("Conv2DBackpropFilter")),
    MaxPool: maxPoolKernel(ctx, wasmKernelFor("MaxPool")),
    MaxPoolGrad: maxPoolGradKernel(ctx, wasmKernelFor("MaxPoolGrad")),
    Sum: sumKernel(sgemm, wasmKernelFor("Sum")),
    Mean: meanKernel(sgemm, wasmKernelFor("Mean")),
    Tile: tileKernel(wasmKernelFor("Tile")),
    GatherV2: gatherV2Kernel(wasmKernelFor("GatherV2")),
    Add: binaryKernel(ctx, "Add", wasmKernelFor("Add")),
    Sub: binaryKernel(ctx, "Sub", wasmKernelFor("Sub")),
    Multiply: binaryKernel(ctx, "Multiply", wasmKernelFor("Multiply")),
    RealDiv: binaryKernel(ctx, "RealDiv", wasmKernelFor("RealDiv")),
    Relu: reluKernel(ctx, wasmKernelFor("Relu")),
    FusedBatchNorm: fusedBatchNormKernel(ctx, wasmKernelFor("FusedBatchNorm")),
    // The kit's own kernel, called only by the FusedBatchNorm gradient override on this backend.
    [BATCH_NORM_GRAD]: batchNormGradKernel(ctx),
    [RELU_GRAD]: reluGradKernel(ctx),
    // The kit's own kernel, called only by the Tile gradient override on this backend.
    [TILE_GRAD]: tileGradKernel(),
    // The kit's own kernels of a training batch normalisation, called by the patched layer (batchnorm_train.ts).
    [BATCH_NORM_TRAIN]: batchNormTrainKernel(ctx),
    [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGradKernel(ctx),
    // The kit's own kernel, called only by lib/train.ts's Sgd on this backend.
    [SGD_UPDATE]: sgdUpdateKernel(runner),
    [SQUARED_NORM]: squaredNormKernel(runner),
  };
  return { ...kernels, ...denseStackKernels(kernels) };
}

/**
 * The kit's kernels of a dense stack (./dense_stack.ts, called by lib/train.ts's logitsOf on this backend): they
 * run the kernel functions above, the very ones tfjs's ops would call.
 */
function denseStackKernels(kernels: Record<string, KernelFunc>): Record<string, KernelFunc> {
  const stack = {
    batchMatMul: kernels.BatchMatMul,
    fusedMatMul: kernels._FusedMatMul,
    add: kernels.Add,
    relu: kernels.Relu,
    step: wasmKernelFor("Step"),
    multiply: kernels.Multiply,
    sum: kernels.Sum,
    reluGrad: kernels[RELU_GRAD],
  };
  return { [DENSE_STACK]: denseStackKernel(stack), [DENSE_STACK_GRAD]: denseStackGradKernel(stack) };
}

let started: Promise<NativeStart> | undefined;

/**
 * Loads the libraries, registers the `native` backend and its kernels, and checks them on small
 * products against plain loops. Does not make it the current backend (tf.setBackend("native") does).
 * Idempotent; resolves { ok: false, why } where anything is missing.
 */
export function prepareNativeBackend(): Promise<NativeStart> {
  started ??= prepare();
  return started;
}

async function prepare(): Promise<NativeStart> {
  const loaded = loadNativeLibs();
  if (!loaded.ok) return loaded;
  const { libs } = loaded;
  registerWasmTrainingKernels();
  const previous = tf.getBackend();
  try {
    if (!(await tf.setBackend("wasm"))) return { ok: false, why: 'tf.setBackend("wasm") failed' };
  } catch (err) {
    return { ok: false, why: `tf.setBackend("wasm"): ${err instanceof Error ? err.message : err}` };
  }
  const wasm = tf.findBackend("wasm") as BackendWasm;
  let ctx: DnnlContext;
  try {
    ctx = new DnnlContext(libs.dnnl, libs.threads, (n) => libs.gomp.omp_set_num_threads(n));
  } catch (err) {
    return { ok: false, why: `oneDNN: ${err instanceof Error ? err.message : err}` };
  }
  context = ctx;
  if (!tf.engine().registryFactory[NATIVE_BACKEND]) {
    // Priority 0: tfjs never picks it on its own; the kit's resolver asks for it by name.
    tf.registerBackend(NATIVE_BACKEND, () => wasm, 0);
  }
  // Every wasm kernel (stock and kit) under the new name, then the native ones over them.
  for (const config of getKernelsForBackend("wasm")) {
    if (getKernel(config.kernelName, NATIVE_BACKEND) === undefined) {
      registerKernel({ ...config, backendName: NATIVE_BACKEND });
    }
  }
  const runner = makeRunner(
    libs.threads,
    { openblas: libs.openblas.path, dnnl: libs.onednn.path, gomp: "libgomp.so.1" },
    { sgemm: sgemmTask(libs.blas), sgd: sgdTask, sumsq: sumsqTask, dnnl: dnnlChainTask(libs.dnnl) },
  );
  const gemm = fixedSgemm(libs.blas, runner);
  let pick: ReturnType<typeof variantPick>;
  try {
    pick = variantPick();
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message : String(err) };
  }
  setVariantPick(pick);
  const kernels = nativeKernels(gemm, ctx, runner);
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const current: KernelConfig | undefined = getKernel(kernelName, NATIVE_BACKEND);
    if (current !== undefined) unregisterKernel(kernelName, NATIVE_BACKEND);
    registerKernel({ kernelName, backendName: NATIVE_BACKEND, kernelFunc, setupFunc: current?.setupFunc });
  }
  installBatchNormGradient(NATIVE_BACKEND);
  installBatchNormTraining(NATIVE_BACKEND);
  installReluGradient(NATIVE_BACKEND);
  installTileGradient(NATIVE_BACKEND);
  installDenseStackGradient();
  const check = await selfCheck();
  if (previous && previous !== tf.getBackend()) await tf.setBackend(previous);
  if (check !== undefined) return { ok: false, why: `native kernels failed their self-check: ${check}` };
  return {
    ok: true,
    info: {
      kernels: Object.keys(kernels),
      gemm: { library: gemm.library, threads: gemm.threads, partition: gemm.partition, blocks: runner.info },
      threads: libs.threads,
      threadsFrom: libs.threadsFrom,
      convWeightsPartition: CONV_WEIGHTS_PARTITION,
      openblas: libs.openblas,
      onednn: libs.onednn,
      variants: variantSummary(pick, libs.threads),
    },
  };
}

/**
 * A product and a convolution with known answers on the native backend: catches a library whose
 * ABI differs from the one the FFI declarations assume before any real work runs on it. Returns
 * what went wrong, or undefined.
 */
async function selfCheck(): Promise<string | undefined> {
  try {
    await tf.setBackend(NATIVE_BACKEND);
    const [product, conv] = tf.tidy(() => {
      const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
      // A 3×3 image of ones, a 2×2 filter of ones, valid: every window sums 4 ones.
      const x = tf.ones([1, 3, 3, 1]);
      const f = tf.ones([2, 2, 1, 1]);
      return [tf.matMul(a, b, false, false), tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "valid")];
    });
    const p = await product.data() as Float32Array;
    const c = await conv.data() as Float32Array;
    tf.dispose([product, conv]);
    const expectP = [1 * 1 + 2 * -1 + 3 * 0.5, 1 * 0 + 2 * 2 + 3 * 1, 4 * 1 + 5 * -1 + 6 * 0.5, 4 * 0 + 5 * 2 + 6 * 1];
    if (p.some((v, i) => Math.abs(v - expectP[i]) > 1e-5)) return `sgemm gave [${Array.from(p)}], expected [${expectP}]`;
    if (c.length !== 4 || c.some((v) => Math.abs(v - 4) > 1e-5)) return `convolution gave [${Array.from(c)}], expected [4,4,4,4]`;
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
