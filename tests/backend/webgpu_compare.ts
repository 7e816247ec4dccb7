/**
 * Comparison of two runs of tests/backend/webgpu_check.ts (a backend against the cpu backend), apart
 * from the check itself so that it loads without tfjs (scripts/gpu/gpu_check.ts imports it).
 *
 * Error of a quantity: max |x − x_cpu| / max(1, max |x_cpu|), i.e. the worst absolute difference
 * relative to the largest reference value (absolute below 1), as in tests/backend/wasm_kernels_test.ts:
 * float32 sums in another order differ most, relatively, on entries near zero.
 */

/** Bound on the error (module doc) of every quantity, float32 against float32 on another backend. */
export const TOLERANCE = 1e-4;

/** Values of one case: every entry is a flat list of numbers. */
export type CaseOutput = Record<string, number[]>;

export interface CheckRun {
  schema: "unlearn-kit/webgpu-check@1";
  backend: string;
  gpuAdapter: string | null;
  /** webgpu: what lib/backend/webgpu_kernels.ts replaced, and device errors no read reported. */
  webgpuKernels: string[];
  deviceErrors: string[];
  tfjsVersion: string;
  denoVersion: string;
  seconds: number;
  cases: Record<string, CaseOutput>;
}

export interface QuantityError {
  case: string;
  quantity: string;
  error: number;
  size: number;
}

/** The error (module doc) of every quantity of `other` against `reference`; a missing or resized one is Infinity. */
export function compareRuns(reference: CheckRun, other: CheckRun): QuantityError[] {
  const rows: QuantityError[] = [];
  for (const [name, ref] of Object.entries(reference.cases)) {
    for (const [quantity, want] of Object.entries(ref)) {
      const got = other.cases[name]?.[quantity];
      let error = Infinity;
      if (got && got.length === want.length) {
        let scale = 1;
        let worst = 0;
        for (let i = 0; i < want.length; i++) {
          scale = Math.max(scale, Math.abs(want[i]));
          const d = Math.abs(got[i] - want[i]);
          worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
        }
        error = worst / scale;
      }
      rows.push({ case: name, quantity, error, size: want.length });
    }
  }
  return rows;
}

/** The worst error per case and kind of quantity (logits, ce.loss, ce.grad, nls.grad, sgd…), as text lines. */
export function summarise(rows: QuantityError[], tolerance = TOLERANCE): string[] {
  const worst = new Map<string, QuantityError>();
  for (const r of rows) {
    const kind = `${r.case} ${r.quantity.replace(/\.grad\..*/, ".grad")}`;
    if (!worst.has(kind) || worst.get(kind)!.error < r.error) worst.set(kind, r);
  }
  return [...worst.entries()].map(([kind, r]) =>
    `${r.error <= tolerance ? "ok  " : "OVER"} ${kind.padEnd(22)} ${r.error.toExponential(2)}  (worst: ${r.quantity}, ${r.size} values)`
  );
}
