/**
 * IU, influence unlearning (Koh & Liang 2017; Izzo et al. 2021) with the WoodFisher approximation of
 * the inverse Hessian (Singh & Alistarh 2020), as the paper's baseline runs it (Jia et al. 2023, code
 * OPTML-Group/Unlearn-Sparse `unlearn/Wfisher.py`, README: `--unlearn wfisher --alpha 0.2`):
 *
 *   θ_u = θ_o + scale · F⁻¹ ∇L_f(θ_o),   F = damping·I + (1/N) Σ_{i≤N} g_i g_iᵀ,
 *
 * with ∇L_f the mean-loss gradient on D_f and g_i per-example gradients of N retain samples. F⁻¹v is
 * the Sherman-Morrison recursion F_k⁻¹ = F_{k−1}⁻¹ − F_{k−1}⁻¹g_k g_kᵀF_{k−1}⁻¹ / (N + g_kᵀF_{k−1}⁻¹g_k),
 * carried out exactly, in the N-dimensional span of the g_i: u_k = F_{k−1}⁻¹g_k = Σ_j C[k,j] g_j plus
 * g_k/damping, so only the Gram matrix ⟨g_i, g_j⟩ and ⟨g_i, v⟩ are needed (per_example.ts forms them
 * without materialising the gradients for dense nets). The public code keeps one running vector
 * instead of every u_k, which is not the recursion; its identity start (F_0 = I) is `damping` = 1 here,
 * and it uses mean gradients of batches of 32 where this uses per-example gradients.
 * Defaults: scale 0.2 and damping 1 from that code; retainSamples 1024 is the kit's (O(N³/3) scalar work,
 * about a second at 1024).
 */
import * as tf from "@tensorflow/tfjs";
import { int, logUniform, num } from "../config.ts";
import { DivergedError } from "../errors.ts";
import { batchOf, trainableVariables } from "../train.ts";
import { perExampleField } from "./fields.ts";
import { meanLossGradient } from "./loops/gradients.ts";
import { loopBatchLimit, perExampleGrads } from "./loops/per_example.ts";
import { defineMethod } from "./types.ts";

/**
 * Coefficients β with F⁻¹v = v/damping − Σ_j β_j g_j, for F = damping·I + (1/N) Σ g_i g_iᵀ, from the
 * Gram matrix S (N×N, row-major) and w_i = ⟨g_i, v⟩, by the Sherman-Morrison recursion over i = 1…N.
 */
export function woodFisherCoefficients(gram: Float64Array, w: Float64Array, damping: number): Float64Array {
  const n = w.length;
  // u_k = F_{k−1}⁻¹ g_k = g_k/damping − Σ_{j<k} u_j ⟨u_j, g_k⟩ / denom_j lies in span(g_1…g_k):
  // coef[k, j] are its coordinates (zero for j > k); ⟨u_k, g_m⟩ = Σ_j coef[k, j] S[j, m].
  const coef = new Float64Array(n * n); // u_k = Σ_j coef[k,j] g_j
  const uDotG = new Float64Array(n * n); // ⟨u_k, g_m⟩
  const denom = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const row = coef.subarray(k * n, (k + 1) * n);
    row[k] = 1 / damping;
    for (let j = 0; j < k; j++) {
      const f = uDotG[j * n + k] / denom[j];
      if (f === 0) continue;
      const rj = coef.subarray(j * n, j * n + k);
      for (let m = 0; m < k; m++) row[m] -= f * rj[m];
    }
    // ⟨u_k, g_m⟩ = Σ_j coef[k,j] S[j,m]; only j ≤ k are non-zero.
    const dots = uDotG.subarray(k * n, (k + 1) * n);
    for (let j = 0; j <= k; j++) {
      const c = row[j];
      if (c === 0) continue;
      const sj = gram.subarray(j * n, (j + 1) * n);
      for (let m = 0; m < n; m++) dots[m] += c * sj[m];
    }
    denom[k] = n + dots[k];
  }
  // F_N⁻¹ v = v/damping − Σ_k u_k ⟨u_k, v⟩ / denom_k, and ⟨u_k, v⟩ = Σ_j coef[k,j] w_j.
  const beta = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let uv = 0;
    for (let j = 0; j <= k; j++) uv += coef[k * n + j] * w[j];
    const f = uv / denom[k];
    for (let j = 0; j <= k; j++) beta[j] += f * coef[k * n + j];
  }
  return beta;
}

export const iu = defineMethod({
  name: "iu",
  title: "IU",
  source: "Influence unlearning with a WoodFisher inverse Fisher (Izzo et al. 2021; Jia et al. 2023 code Wfisher.py, --alpha 0.2)",
  family: "baseline",
  options: {
    scale: num(0.2, "step size α of θ + α·F⁻¹∇L_f", { min: 0, source: "public code's --alpha 0.2 (Wfisher.py README)" }),
    damping: num(1, "λ of F = λI + (1/N)Σ g gᵀ", { min: 1e-12, source: "public code starts from F_0 = I" }),
    retainSamples: int(1024, "N: retain samples whose per-example gradients form F (O(N³/3); the loop mode caps N at 64M/params)", {
      min: 1,
      max: 4096,
      source: "kit: about a second of scalar work at 1024",
    }),
    batchSize: int(256, "batch size of the forget-gradient pass", { min: 1, source: "kit" }),
    perExample: perExampleField("kit"),
  },
  searchSpace: { scale: logUniform(1e-3, 1e2), damping: logUniform(1e-4, 1e1) },
  display: { order: 3, color: "#CC79A7" },
  run(ctx, opts) {
    const { task, start: net } = ctx;
    const vars = trainableVariables(net);
    const v = meanLossGradient(net, task.train, task.forgetIdx, opts.batchSize);
    // The loop mode holds N × P floats: N is capped to its memory budget (recorded in the notes).
    const n = Math.min(opts.retainSamples, task.retainIdx.length, loopBatchLimit(net, opts.perExample));
    const sample = ctx.rng.fork("iu-retain").sample(task.retainIdx, n);
    const { x, y } = batchOf(task.train, sample);
    const pe = perExampleGrads(net, x, y, opts.perExample);
    tf.dispose([x, y]);
    try {
      const beta = woodFisherCoefficients(pe.gram(), pe.dot(v), opts.damping);
      const correction = pe.combine(beta);
      let norm = 0;
      tf.tidy(() => {
        const steps = vars.map((_, k) => v[k].div(opts.damping).sub(correction[k]).mul(opts.scale));
        norm = Math.sqrt(tf.addN(steps.map((s) => tf.sum(s.square()))).dataSync()[0]);
        if (!Number.isFinite(norm)) throw new DivergedError(`IU step is not finite (norm ${norm})`, 0);
        vars.forEach((w, k) => w.assign(w.add(steps[k])));
      });
      tf.dispose(correction);
      return { net, history: [], notes: { retainSamples: sample.length, stepNorm: norm, perExample: pe.mode } };
    } finally {
      pe.dispose();
      tf.dispose(v);
    }
  },
});
