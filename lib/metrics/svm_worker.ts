/**
 * A worker that fits and predicts SVCs for lib/metrics/svm.ts `svcFitPredictAll`: one job per
 * message, rows flattened (n × dim float64). Replies with the predictions of each query, or the error.
 */
import { svcFitPredict, type SvcOptions } from "./svm.ts";

/** One job as sent to the worker. */
export interface SvcJobMessage {
  id: number;
  x: Float64Array;
  dim: number;
  y: Int32Array;
  queries: Float64Array[];
  options: Partial<SvcOptions>;
}

const rows = (flat: Float64Array, dim: number) =>
  Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));

/** The worker's global scope (the kit type-checks with the window library, not the worker one). */
const scope = self as unknown as {
  onmessage: (e: MessageEvent<SvcJobMessage>) => void;
  postMessage(message: unknown, options?: { transfer: ArrayBuffer[] }): void;
};

scope.onmessage = async (e) => {
  const { id, x, dim, y, queries, options } = e.data;
  try {
    const predictions = await svcFitPredict(rows(x, dim), y, queries.map((q) => rows(q, dim)), options);
    scope.postMessage({ id, predictions }, { transfer: predictions.map((p) => p.buffer as ArrayBuffer) });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
