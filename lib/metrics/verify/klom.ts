/**
 * KLOM, "KL divergence of margins" (Georgiev, Rinberg, Park, Garg, Ilyas, Mądry, Neel,
 * "Attribute-to-Delete: Machine Unlearning via Datamodel Matching", ICLR 2025, arXiv 2410.23232,
 * App. E.1), exactly as its reference implementation computes it: RoyRin/data-unlearning-bench
 * `unlearning_bench/eval.py` (`compute_binned_KL_div`, `kl_from_margins`) at eb261f9.
 *
 * For one example, take the margins (z_y − logsumexp_{c≠y} z_c, i.e. φ) of N unlearned and N retrained
 * models, then:
 *  1. clip both samples to [−100, 100];
 *  2. 20 equal bins over [min, max] of the two samples together (max := min + 1 if they are equal);
 *  3. count each sample into the bins as numpy.digitize does: bin i holds edges[i−1] ≤ v < edges[i], so
 *     a value equal to the top edge (the pooled maximum) falls in no bin and is not counted;
 *  4. turn counts into frequencies p (first sample) and q (second);
 *  5. where p > 0, raise q to at least 1e-5; renormalise q to sum 1 (scipy.stats.entropy does);
 *  6. KLOM = Σ p log(p/q) in nats (0 where p = 0).
 * The first sample is the unlearned one (the paper's D_KL(unlearned ‖ retrained) and the argument names
 * of `kl_from_margins`); `direction` reverses it (EasyDUB's runner `unlearning_bench/run.py` at eb261f9
 * passes the oracle margins first, which computes the reverse). Per-set summaries follow
 * `src/plots_data_processing.py` `get_klom_stats`: 95th and 99th percentiles, mean, population std.
 */
import { column, ensembleShape, linspace, mean, percentile, type PerModel, sameExamples, searchSorted } from "./ensemble.ts";

export interface KlomOptions {
  bins: number;
  /** Floor on q where p > 0 (before renormalising). */
  eps: number;
  clipMin: number;
  clipMax: number;
  /** Which ensemble plays p in D_KL(p ‖ q). */
  direction: "unlearned||retrained" | "retrained||unlearned";
}

export const DEFAULT_KLOM: KlomOptions = { bins: 20, eps: 1e-5, clipMin: -100, clipMax: 100, direction: "unlearned||retrained" };

/**
 * D_KL(p ‖ q) of two samples by binning (`compute_binned_KL_div`). NaN when no p value lands in a bin
 * (every p value equals the pooled maximum), as the reference's 0/0 gives.
 */
export function binnedKl(pSample: ArrayLike<number>, qSample: ArrayLike<number>, options: Partial<KlomOptions> = {}): number {
  const o = { ...DEFAULT_KLOM, ...options };
  const clip = (v: number) => Math.min(o.clipMax, Math.max(o.clipMin, v));
  const p = Float64Array.from(pSample, clip);
  const q = Float64Array.from(qSample, clip);
  let start = Infinity, end = -Infinity;
  for (const v of p) (start = Math.min(start, v)), (end = Math.max(end, v));
  for (const v of q) (start = Math.min(start, v)), (end = Math.max(end, v));
  if (start >= end) end = start + 1;
  const edges = linspace(start, end, o.bins + 1);
  const pc = new Float64Array(o.bins), qc = new Float64Array(o.bins);
  for (const v of p) {
    const i = searchSorted(edges, v, "right");
    if (i >= 1 && i <= o.bins) pc[i - 1]++;
  }
  for (const v of q) {
    const i = searchSorted(edges, v, "right");
    if (i >= 1 && i <= o.bins) qc[i - 1]++;
  }
  const pTotal = pc.reduce((a, b) => a + b, 0);
  const qTotal = qc.reduce((a, b) => a + b, 0);
  const pf = pc.map((c) => (pTotal > 0 ? c / pTotal : 0));
  const qf = qc.map((c) => (qTotal > 0 ? c / qTotal : 0));
  const qSafe = qf.map((v, i) => (pf[i] > 0 ? Math.max(v, o.eps) : v));
  // scipy.stats.entropy(pk, qk) normalises both before Σ pk log(pk/qk).
  const pSum = pf.reduce((a, b) => a + b, 0);
  const qSum = qSafe.reduce((a, b) => a + b, 0);
  let kl = 0;
  for (let i = 0; i < o.bins; i++) {
    const pi = pf[i] / pSum, qi = qSafe[i] / qSum;
    if (pi > 0) kl += qi > 0 ? pi * Math.log(pi / qi) : Infinity;
    else if (Number.isNaN(pi)) return NaN;
  }
  return kl;
}

/** KLOM per example (`kl_from_margins`): one value per column of the two ensembles (same N). */
export function klomPerExample(unlearned: PerModel, retrained: PerModel, options: Partial<KlomOptions> = {}): Float64Array {
  const o = { ...DEFAULT_KLOM, ...options };
  const n = sameExamples("KLOM: unlearned margins", unlearned, "retrained margins", retrained);
  ensembleShape("KLOM: unlearned margins", unlearned, 1);
  ensembleShape("KLOM: retrained margins", retrained, 1);
  if (unlearned.length !== retrained.length) {
    throw new Error(`KLOM: the margin tensors must have the same shape (${unlearned.length} vs ${retrained.length} models)`);
  }
  const out = new Float64Array(n);
  const u = new Float64Array(unlearned.length), r = new Float64Array(retrained.length);
  for (let i = 0; i < n; i++) {
    column(unlearned, i, u);
    column(retrained, i, r);
    out[i] = o.direction === "unlearned||retrained" ? binnedKl(u, r, o) : binnedKl(r, u, o);
  }
  return out;
}

export interface KlomSummary {
  /** 95th and 99th percentiles (numpy linear), mean and population std over the examples with a value. */
  p95: number;
  p99: number;
  mean: number;
  std: number;
  examples: number;
  /** Examples whose KLOM is NaN (see `binnedKl`), left out of the statistics above. */
  undefinedCount: number;
}

/** `get_klom_stats` over the examples with a defined KLOM. */
export function klomSummary(values: ArrayLike<number>): KlomSummary {
  const defined = Array.from(values).filter((v) => !Number.isNaN(v));
  const m = defined.length > 0 ? mean(defined) : NaN;
  const std = defined.length > 0 ? Math.sqrt(defined.reduce((s, v) => s + (v - m) ** 2, 0) / defined.length) : NaN;
  return {
    p95: percentile(defined, 95),
    p99: percentile(defined, 99),
    mean: m,
    std,
    examples: defined.length,
    undefinedCount: values.length - defined.length,
  };
}
