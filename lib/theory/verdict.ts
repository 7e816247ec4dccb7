/**
 * Verdicts computed from numbers. A check grades each of its criteria against thresholds it states, then
 * combines them: every criterion holds → "holds"; none holds even partly → "does not hold"; else "partly".
 * Thresholds are fixed in the check's options before any run; nothing is tuned toward the paper's claim.
 */

export type Verdict = "holds" | "partly" | "does not hold";

/** A graded criterion: what was measured, against which thresholds, and the result. */
export interface Criterion {
  name: string;
  value: number;
  /** e.g. "≤ 0.1 holds, ≤ 0.5 partly". */
  rule: string;
  verdict: Verdict;
}

/** Grades `value`: at most `holds` → holds, at most `partly` → partly (or at least, with `higherIsBetter`). */
export function grade(
  name: string,
  value: number,
  thresholds: { holds: number; partly: number; higherIsBetter?: boolean },
): Criterion {
  const hi = thresholds.higherIsBetter ?? false;
  const ok = (limit: number) => (hi ? value >= limit : value <= limit);
  const cmp = hi ? "≥" : "≤";
  const verdict: Verdict = !Number.isFinite(value)
    ? "does not hold"
    : ok(thresholds.holds)
    ? "holds"
    : ok(thresholds.partly)
    ? "partly"
    : "does not hold";
  return { name, value, rule: `${cmp} ${thresholds.holds} holds, ${cmp} ${thresholds.partly} partly`, verdict };
}

/** A yes/no criterion. */
export function flag(name: string, ok: boolean, rule: string): Criterion {
  return { name, value: ok ? 1 : 0, rule, verdict: ok ? "holds" : "does not hold" };
}

export function combine(criteria: Criterion[]): Verdict {
  if (criteria.length === 0) return "does not hold";
  if (criteria.every((c) => c.verdict === "holds")) return "holds";
  if (criteria.every((c) => c.verdict === "does not hold")) return "does not hold";
  return "partly";
}

/** A verdict with its criteria and notes, as lines of text (the notebooks' verdict cells print it). */
export function describe(title: string, verdict: Verdict, criteria: Criterion[], notes: string[] = []): string {
  const fmt = (
    v: number,
  ) => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toPrecision(4));
  return [
    `${title}: ${verdict.toUpperCase()}`,
    ...criteria.map((c) => `  - ${c.name} = ${fmt(c.value)} (${c.rule}) → ${c.verdict}`),
    ...notes.map((n) => `  · ${n}`),
  ].join("\n");
}
