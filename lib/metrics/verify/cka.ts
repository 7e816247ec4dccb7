/**
 * Linear centered kernel alignment (Kornblith, Norouzi, Lee, Hinton, "Similarity of neural network
 * representations revisited", ICML 2019, §3, eq. (2) with linear kernels):
 *
 *   CKA(X, Y) = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F),  X, Y with centred columns,
 *
 * X (n × d₁) and Y (n × d₂) the same n examples' features from two models (or layers). 1 means the
 * representations agree up to rotation and isotropic scaling; near 0, unrelated. The "does forgetting
 * reach the features?" check compares each layer of an unlearned model with the same layer of Retrain
 * on D_f (arXiv 2503.06991 uses the same similarity).
 */
import type { FeatureMatrix } from "./ensemble.ts";

function centred(m: FeatureMatrix): Float64Array {
  const { rows, cols, data } = m;
  if (data.length !== rows * cols) throw new Error(`CKA: ${data.length} values for ${rows} × ${cols}`);
  const out = Float64Array.from(data);
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += out[r * cols + c];
    const mu = s / rows;
    for (let r = 0; r < rows; r++) out[r * cols + c] -= mu;
  }
  return out;
}

/** ‖AᵀB‖²_F for row-major A (n × p) and B (n × q), summed column pair by column pair over the rows. */
function crossFrobenius2(a: Float64Array, p: number, b: Float64Array, q: number, n: number): number {
  const block = new Float64Array(p * q);
  for (let r = 0; r < n; r++) {
    const ao = r * p, bo = r * q;
    for (let i = 0; i < p; i++) {
      const v = a[ao + i];
      if (v === 0) continue;
      const o = i * q;
      for (let j = 0; j < q; j++) block[o + j] += v * b[bo + j];
    }
  }
  let s = 0;
  for (const v of block) s += v * v;
  return s;
}

/** ⟨AAᵀ, BBᵀ⟩_F through the n × n Gram matrices (cheaper than the feature form when the features are wide). */
function gramInner(a: Float64Array, p: number, b: Float64Array, q: number, n: number): number {
  const gram = (m: Float64Array, d: number) => {
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += m[i * d + k] * m[j * d + k];
        g[i * n + j] = s;
        g[j * n + i] = s;
      }
    }
    return g;
  };
  const ga = gram(a, p), gb = a === b ? ga : gram(b, q);
  let s = 0;
  for (let i = 0; i < n * n; i++) s += ga[i] * gb[i];
  return s;
}

/**
 * Linear CKA of two feature matrices over the same rows. Uses the feature form when
 * (d₁ + d₂)² ≤ n(d₁ + d₂), else the Gram form; they are equal in exact arithmetic
 * (‖YᵀX‖²_F = ⟨XXᵀ, YYᵀ⟩_F). Returns NaN when either matrix is constant.
 */
export function linearCka(x: FeatureMatrix, y: FeatureMatrix, form: "auto" | "features" | "gram" = "auto"): number {
  if (x.rows !== y.rows) throw new Error(`CKA: ${x.rows} rows vs ${y.rows}`);
  const n = x.rows;
  const a = centred(x), b = centred(y);
  const useFeatures = form === "features" || (form === "auto" && x.cols + y.cols <= n);
  const inner = useFeatures ? crossFrobenius2 : gramInner;
  const xy = inner(a, x.cols, b, y.cols, n);
  const xx = inner(a, x.cols, a, x.cols, n);
  const yy = inner(b, y.cols, b, y.cols, n);
  const denom = Math.sqrt(xx) * Math.sqrt(yy);
  return denom > 0 ? xy / denom : NaN;
}

/** CKA of layer ℓ of one model against layer ℓ of another (e.g. unlearned vs Retrain), for every ℓ. */
export function ckaPerLayer(layersA: readonly FeatureMatrix[], layersB: readonly FeatureMatrix[]): Float64Array {
  if (layersA.length !== layersB.length) throw new Error(`CKA: ${layersA.length} layers vs ${layersB.length}`);
  return Float64Array.from(layersA, (a, l) => linearCka(a, layersB[l]));
}
