/**
 * The bounds of the split options (lib/data/splits.ts), in the data room so that both the splits and the
 * experiment's fields (lib/experiment/fields.ts) can read them: the experiment's split fields are declared
 * with these bounds, so a flag, a notebook parameter and the split agree on them. An experiment may be
 * stricter than a split (it needs a validation split: `valFraction > 0`).
 * splits.ts checks a split's options with these same bounds.
 */

/** Bounds of a number: `min`/`max` inclusive, `above`/`below` exclusive. */
export interface Bounds {
  integer?: boolean;
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

/** What a split can be made with, per numeric option (the class indices also lie below the data set's class count). */
export const SPLIT_BOUNDS = {
  trainSize: { integer: true, min: 0 },
  testSize: { integer: true, min: 0 },
  valFraction: { min: 0, below: 0.5 },
  forgetClass: { integer: true, min: -1 },
  forgetFraction: { above: 0, below: 1 },
  forgetSubclass: { integer: true, min: -1 },
  identityFraction: { above: 0, below: 1 },
} as const satisfies Record<string, Bounds>;

/** Whether `v` is a finite number within `b`. */
export function withinBounds(v: number, b: Bounds): boolean {
  if (!Number.isFinite(v) || (b.integer && !Number.isInteger(v))) return false;
  if ((b.min !== undefined && v < b.min) || (b.max !== undefined && v > b.max)) return false;
  return !(b.above !== undefined && !(v > b.above)) && !(b.below !== undefined && !(v < b.below));
}

/** `[0, 0.5)`, `(0, 1)`, `[-1, ∞)`. */
export function describeBounds(b: Bounds): string {
  const lo = b.above !== undefined ? `(${b.above}` : b.min !== undefined ? `[${b.min}` : "(-∞";
  const hi = b.below !== undefined ? `${b.below})` : b.max !== undefined ? `${b.max}]` : "∞)";
  return `${lo}, ${hi}`;
}
