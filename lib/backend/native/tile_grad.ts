/**
 * The gradient of Tile in one pass over dy on the native backend, instead of tfjs's, which adds one slice of dy
 * per repetition (`xGrad = zerosLike(x)`, then `xGrad = add(xGrad, slice(dy, …))` for every repetition in
 * lexicographic order): two kernel calls per repetition. Layer normalisation tiles its [1, 1, d] scale and offset to
 * [batch, tokens, 1] repetitions, so a ViT step of notebook 10 made ~25,800 Slice and Add calls (5.3 s of a 7.8 s
 * step in bench/kernel_profile.ts's form, patch 4, dim 192, depth 6, batch 16).
 *
 * Same bits: each element of the gradient is the same float32 sum in the same order, +0 first, then every
 * repetition's value in tfjs's loop order, each addition rounded to float32 (a sum of two float32 values computed
 * in float64 and rounded to float32 is the float32 sum: float64 has more than twice float32's precision). Like the
 * ReLU override (./relu_grad.ts), it is registered once for the kernel name and computes natively only on the native
 * backend for float32 tensors of rank 1-4 (tfjs's own gradient covers those ranks only); everything else, on every
 * backend, goes to tfjs's gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { getGradient, type GradConfig, type KernelFunc, registerGradient, type TileAttrs } from "@tensorflow/tfjs-core";
import { wasmKernel } from "./heap.ts";

/** The kit's kernel: input dy; attributes x's shape and the repetitions; output dx of x's shape. */
export const TILE_GRAD = "KitTileGrad";

interface TileGradAttrs {
  xShape: number[];
  reps: number[];
}

/**
 * Adds dy into dx, reading dy once in memory order: the positions of dy that repeat one element of x come in the
 * lexicographic order of their repetitions, tfjs's loop order, so every element's sum is formed in tfjs's order. Shapes
 * padded to rank 4 with leading 1s; a Float32Array store rounds each sum to float32.
 */
function addRepetitions(dy: Float32Array, dx: Float32Array, xShape: number[], reps: number[]): void {
  const [x0, x1, x2, x3] = [...Array(4 - xShape.length).fill(1), ...xShape];
  const [r0, r1, r2, r3] = [...Array(4 - reps.length).fill(1), ...reps];
  let i = 0;
  for (let c0 = 0; c0 < x0 * r0; c0++) {
    const e0 = (c0 % x0) * x1;
    for (let c1 = 0; c1 < x1 * r1; c1++) {
      const e1 = (e0 + (c1 % x1)) * x2;
      for (let c2 = 0; c2 < x2 * r2; c2++) {
        const e2 = (e1 + (c2 % x2)) * x3;
        for (let k = 0; k < r3; k++) {
          for (let e3 = 0; e3 < x3; e3++) dx[e2 + e3] += dy[i++];
        }
      }
    }
  }
}

export function tileGradKernel(): KernelFunc {
  return wasmKernel<TileGradAttrs>(({ dy }, wasm, { xShape, reps }) => {
    const dx = wasm.makeOutput(xShape, "float32");
    // Views after makeOutput: the allocation may have grown the heap.
    const to = wasm.typedArrayFromHeap(dx) as Float32Array;
    to.fill(0);
    addRepetitions(wasm.typedArrayFromHeap(dy) as Float32Array, to, xShape, reps);
    return dx;
  });
}

let installed = false;
let enabled = true;

/** Gradients computed natively so far (tests check the native path ran). */
export let nativeTileGrads = 0;

/** Turns the native path off and on (tests compare it with tfjs's gradient on the same backend). */
export function setNativeTileGrad(on: boolean): void {
  enabled = on;
}

/** Overrides Tile's gradient as described above; idempotent. */
export function installTileGradient(nativeBackend: string): void {
  if (installed) return;
  const original: GradConfig | undefined = getGradient("Tile");
  if (original === undefined) return;
  installed = true;
  registerGradient({
    kernelName: "Tile",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const dyT = dy as tf.Tensor;
      const { reps } = attrs as unknown as TileAttrs;
      const native = enabled && tf.getBackend() === nativeBackend && x.dtype === "float32" && dyT.dtype === "float32" &&
        x.rank >= 1 && x.rank <= 4 && reps.length === x.rank;
      if (!native) return original.gradFunc(dy, [x], attrs);
      nativeTileGrads++;
      return { x: () => tf.engine().runKernel(TILE_GRAD, { dy: dyT }, { xShape: x.shape, reps: [...reps] }) as tf.Tensor };
    },
  });
}
