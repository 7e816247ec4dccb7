/** Hand-made predictions for metric tests: no model, known answers. */
import type { ForgetTask } from "../../lib/data/splits.ts";
import type { Net } from "../../lib/models/types.ts";
import { Rng } from "../../lib/rng.ts";
import type { EvalSet, MetricContext, Predictions } from "../../lib/metrics/types.ts";

/** Rows whose true-label probability is `py[i]`, the rest spread evenly over the other classes. */
export function predsFromConfidence(py: ArrayLike<number>, labels: ArrayLike<number>, k: number): Predictions {
  const n = py.length;
  const probs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) probs[i * k + c] = c === labels[i] ? py[i] : (1 - py[i]) / (k - 1);
  }
  return { probs, labels: Int32Array.from(labels), numClasses: k, idx: Int32Array.from({ length: n }, (_, i) => i) };
}

/** n rows with labels cycling over k classes and p_y uniform in [lo, hi). */
export function uniformConfidence(n: number, lo: number, hi: number, k: number, rng: Rng): Predictions {
  const py = Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  return predsFromConfidence(py, Int32Array.from({ length: n }, (_, i) => i % k), k);
}

/** A metric context over fixed predictions (no net, no data). */
export function fakeContext(
  sets: Partial<Record<EvalSet, Predictions>>,
  seed = 1,
  classNames: string[] = [],
): MetricContext & { details: Record<string, unknown> } {
  return {
    net: undefined as unknown as Net,
    task: { classNames } as unknown as ForgetTask,
    rng: new Rng(seed),
    predictions: (set) => {
      const p = sets[set];
      if (!p) throw new Error(`no predictions for ${set}`);
      return p;
    },
    measured: {},
    details: {},
  };
}
