/**
 * Per-example gradients g_i = ∇_θ ℓ(θ; x_i, y_i), for the second-order baselines (IU's WoodFisher
 * inverse-Fisher–vector product, FF's diagonal Fisher). tfjs has no vmap, so two ways are offered:
 *
 * - "dense": for nets that are a chain of dense layers (flatten → dense → … → dense, the MLP), the
 *   batch trick of Goodfellow (2015, "Efficient per-example gradient computations"): one forward and
 *   one backward pass of the summed loss give, per layer l, the layer inputs A_l [n, in] and the
 *   gradients of the loss w.r.t. the layer's pre-activations D_l [n, out] (read off zero "probe"
 *   tensors added to the pre-activations). Sample i's kernel gradient is the outer product a_i ⊗ d_i,
 *   so nothing of size n × P is ever formed:
 *     ⟨g_i, g_j⟩ over the kernel = (a_i·a_j)(d_i·d_j)        → Gram matrix (A Aᵀ) ⊙ (D Dᵀ)
 *     ⟨g_i, V⟩                     = a_iᵀ V d_i               → rowsum((A V) ⊙ D)
 *     Σ_i c_i g_i                  = Aᵀ diag(c) D
 *     Σ_i w_i g_i²                 = (A²)ᵀ diag(w) (D²)        (the diagonal Fisher in one matmul)
 * - "loop": any net. One backward pass per sample; the gradients are materialised as [n, size] rows
 *   per variable (n × P floats: size the batch to the model).
 *
 * `bench/per_example.ts` measures both (results/bench/per_example.json).
 */
import { KitError } from "../../errors.ts";
import * as tf from "@tensorflow/tfjs";
import type { Net } from "../../models/types.ts";
import { crossEntropy } from "../../smoothing.ts";
import { logitsOf, trainableVariables } from "../../train.ts";
import type { PerExampleMode } from "../fields.ts";

/** Per-example gradients of one batch, in whatever form is cheapest; tensors are per trainable variable. */
export interface PerExampleGrads {
  readonly n: number;
  readonly mode: "dense" | "loop";
  /** The net's trainable variables, in `trainableVariables(net)` order; every tensor list below follows it. */
  readonly variables: tf.Variable[];
  /** S[i·n + j] = ⟨g_i, g_j⟩. */
  gram(): Float64Array;
  /** ⟨g_i, v⟩ for each sample. */
  dot(v: tf.Tensor[]): Float64Array;
  /** Σ_i c_i g_i. */
  combine(c: ArrayLike<number>): tf.Tensor[];
  /** Σ_i w_i g_i² (w = 1 by default). */
  squaredSum(weights?: ArrayLike<number>): tf.Tensor[];
  /** Every g_i as rows [n, size] per variable (tests and benchmarks; n × P floats). */
  materialize(): tf.Tensor2D[];
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// The dense chain

interface DenseLayerLike {
  getClassName(): string;
  kernel?: { read(): tf.Variable };
  bias?: { read(): tf.Variable } | null;
  activation?: { apply(x: tf.Tensor): tf.Tensor };
  useBias?: boolean;
}

interface DenseStep {
  kernel: tf.Variable;
  bias: tf.Variable | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  kernelIdx: number;
  biasIdx: number;
}

/** The dense layers of a flatten → dense… net with their variables' indices, or null for other nets. */
export function denseChain(net: Net): DenseStep[] | null {
  const vars = trainableVariables(net);
  const steps: DenseStep[] = [];
  for (const layer of net.model.layers as unknown as DenseLayerLike[]) {
    const kind = layer.getClassName();
    if (kind === "InputLayer" || kind === "Flatten") continue;
    if (kind !== "Dense" || !layer.kernel || !layer.activation) return null;
    const kernel = layer.kernel.read();
    const bias = layer.useBias && layer.bias ? layer.bias.read() : null;
    steps.push({
      kernel,
      bias,
      activation: layer.activation,
      kernelIdx: vars.indexOf(kernel),
      biasIdx: bias ? vars.indexOf(bias) : -1,
    });
  }
  // The chain must be the whole model in order, and own every trainable variable.
  const covered = steps.flatMap((s) => [s.kernelIdx, s.biasIdx]).filter((i) => i >= 0);
  if (steps.length === 0 || covered.length !== vars.length || new Set(covered).size !== vars.length) return null;
  // Layers must be a simple chain: each layer's only input is the previous layer's output.
  const layers = net.model.layers;
  for (let i = 1; i < layers.length; i++) {
    const inbound = (layers[i] as unknown as { inboundNodes: { inboundLayers: unknown[] }[] }).inboundNodes;
    if (inbound.length !== 1 || inbound[0].inboundLayers.length !== 1 || inbound[0].inboundLayers[0] !== layers[i - 1]) return null;
  }
  return steps;
}

/** The chain's forward pass; `probes` (zeros) are added to each pre-activation so its gradient is D_l. */
function denseForward(steps: DenseStep[], x: tf.Tensor, probes?: tf.Tensor[]): { inputs: tf.Tensor2D[]; logits: tf.Tensor2D } {
  const inputs: tf.Tensor2D[] = [];
  let h = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
  steps.forEach((s, l) => {
    inputs.push(h);
    let z = tf.matMul(h, s.kernel) as tf.Tensor2D;
    if (s.bias) z = z.add(s.bias);
    if (probes) z = z.add(probes[l]);
    h = s.activation.apply(z) as tf.Tensor2D;
  });
  return { inputs, logits: h };
}

class DenseGrads implements PerExampleGrads {
  readonly mode = "dense" as const;
  constructor(
    readonly n: number,
    readonly variables: tf.Variable[],
    private readonly steps: DenseStep[],
    /** Layer inputs A_l [n, in]. */
    private readonly a: tf.Tensor2D[],
    /** Pre-activation gradients D_l [n, out]. */
    private readonly d: tf.Tensor2D[],
  ) {}

  gram(): Float64Array {
    const s = tf.tidy(() =>
      tf.addN(this.steps.map((step, l) => {
        const dd = tf.matMul(this.d[l], this.d[l], false, true);
        const kernel = tf.matMul(this.a[l], this.a[l], false, true).mul(dd);
        return step.bias ? kernel.add(dd) : kernel;
      }))
    );
    const out = Float64Array.from(s.dataSync());
    s.dispose();
    return out;
  }

  dot(v: tf.Tensor[]): Float64Array {
    const r = tf.tidy(() =>
      tf.addN(this.steps.map((step, l) => {
        let part = tf.sum(tf.matMul(this.a[l], v[step.kernelIdx] as tf.Tensor2D).mul(this.d[l]), 1);
        if (step.bias) part = part.add(tf.matMul(this.d[l], v[step.biasIdx].reshape([-1, 1])).reshape([-1]));
        return part;
      }))
    );
    const out = Float64Array.from(r.dataSync());
    r.dispose();
    return out;
  }

  combine(c: ArrayLike<number>): tf.Tensor[] {
    return tf.tidy(() => {
      const col = tf.tensor2d(Float32Array.from(c), [this.n, 1]);
      const out: tf.Tensor[] = this.variables.map((v) => tf.zerosLike(v));
      this.steps.forEach((step, l) => {
        const weighted = this.d[l].mul(col);
        out[step.kernelIdx] = tf.matMul(this.a[l], weighted, true, false);
        if (step.bias) out[step.biasIdx] = tf.sum(weighted, 0);
      });
      return out;
    });
  }

  squaredSum(weights?: ArrayLike<number>): tf.Tensor[] {
    return tf.tidy(() => {
      const out: tf.Tensor[] = this.variables.map((v) => tf.zerosLike(v));
      const w = weights ? tf.tensor2d(Float32Array.from(weights), [this.n, 1]) : null;
      this.steps.forEach((step, l) => {
        const d2 = w ? this.d[l].square().mul(w) : this.d[l].square();
        out[step.kernelIdx] = tf.matMul(this.a[l].square(), d2, true, false);
        if (step.bias) out[step.biasIdx] = tf.sum(d2, 0);
      });
      return out;
    });
  }

  materialize(): tf.Tensor2D[] {
    return tf.tidy(() => {
      const out: tf.Tensor2D[] = this.variables.map((v) => tf.zeros([this.n, v.size]) as tf.Tensor2D);
      this.steps.forEach((step, l) => {
        // [n, in, 1] × [n, 1, out] → [n, in, out]: each sample's outer product.
        const outer = tf.matMul(this.a[l].expandDims(2), this.d[l].expandDims(1));
        out[step.kernelIdx] = outer.reshape([this.n, -1]) as tf.Tensor2D;
        if (step.bias) out[step.biasIdx] = this.d[l].clone();
      });
      return out;
    });
  }

  dispose(): void {
    tf.dispose([...this.a, ...this.d]);
  }
}

// ---------------------------------------------------------------------------------------------
// The per-sample loop

class LoopGrads implements PerExampleGrads {
  readonly mode = "loop" as const;
  constructor(readonly n: number, readonly variables: tf.Variable[], private readonly rows: tf.Tensor2D[]) {}

  gram(): Float64Array {
    const s = tf.tidy(() => tf.addN(this.rows.map((g) => tf.matMul(g, g, false, true))));
    const out = Float64Array.from(s.dataSync());
    s.dispose();
    return out;
  }

  dot(v: tf.Tensor[]): Float64Array {
    const r = tf.tidy(() => tf.addN(this.rows.map((g, k) => tf.matMul(g, v[k].reshape([-1, 1])).reshape([-1]))));
    const out = Float64Array.from(r.dataSync());
    r.dispose();
    return out;
  }

  combine(c: ArrayLike<number>): tf.Tensor[] {
    return tf.tidy(() => {
      const row = tf.tensor2d(Float32Array.from(c), [1, this.n]);
      return this.rows.map((g, k) => tf.matMul(row, g).reshape(this.variables[k].shape));
    });
  }

  squaredSum(weights?: ArrayLike<number>): tf.Tensor[] {
    return tf.tidy(() => {
      const row = tf.tensor2d(weights ? Float32Array.from(weights) : new Float32Array(this.n).fill(1), [1, this.n]);
      return this.rows.map((g, k) => tf.matMul(row, g.square()).reshape(this.variables[k].shape));
    });
  }

  materialize(): tf.Tensor2D[] {
    return this.rows.map((g) => g.clone());
  }

  dispose(): void {
    tf.dispose(this.rows);
  }
}

// ---------------------------------------------------------------------------------------------

/** Floats the loop mode may hold at once (n × P; 256 MB): callers size their batches with `loopBatchLimit`. */
export const LOOP_FLOAT_BUDGET = 64e6;

/** The most samples one call may take without exceeding LOOP_FLOAT_BUDGET (Infinity for the dense mode). */
export function loopBatchLimit(net: Net, mode: PerExampleMode = "auto"): number {
  if (mode !== "loop" && denseChain(net)) return Infinity;
  const params = trainableVariables(net).reduce((s, v) => s + v.size, 0);
  return Math.max(1, Math.floor(LOOP_FLOAT_BUDGET / params));
}

/**
 * Per-example gradients of cross-entropy on `labels` (int32 [n]) at the net's current weights
 * (evaluation mode). `labels` may be any labels, e.g. every sample labelled k for the true Fisher.
 */
export function perExampleGrads(net: Net, x: tf.Tensor, labels: tf.Tensor1D, mode: PerExampleMode = "auto"): PerExampleGrads {
  const n = x.shape[0];
  const variables = trainableVariables(net);
  const steps = mode === "loop" ? null : denseChain(net);
  if (mode === "dense" && !steps) {
    throw new KitError(`per-example gradients: ${net.config.arch} is not a chain of dense layers; use mode "loop"`);
  }
  if (steps) {
    const { a, d } = tf.tidy(() => {
      const inputs = denseForward(steps, x).inputs;
      const zeros = steps.map((s) => tf.zeros([n, s.kernel.shape[1] as number]));
      const loss = (...probes: tf.Tensor[]) => tf.sum(crossEntropy(denseForward(steps, x, probes).logits, labels));
      return { a: inputs, d: tf.grads(loss)(zeros) as tf.Tensor2D[] };
    });
    return new DenseGrads(n, variables, steps, a, d);
  }
  const rows: tf.Tensor[][] = variables.map(() => []);
  for (let i = 0; i < n; i++) {
    tf.tidy(() => {
      const xi = x.slice(i, 1);
      const yi = labels.slice(i, 1);
      const { value, grads } = tf.variableGrads(() => tf.sum(crossEntropy(logitsOf(net, xi, false), yi)) as tf.Scalar, variables);
      value.dispose();
      variables.forEach((v, k) => rows[k].push(tf.keep(grads[v.name].reshape([1, -1]))));
    });
  }
  const stacked = rows.map((r) => {
    const s = tf.concat(r, 0) as tf.Tensor2D;
    tf.dispose(r);
    return s;
  });
  return new LoopGrads(n, variables, stacked);
}
