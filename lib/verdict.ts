/**
 * One way to state a verdict, shared by the theory checks (lib/theory/) and the experiments' verdicts
 * (lib/report/verdicts.ts). A claim is split into checks fixed before any run, each with its rule; each
 * check gets a level; the verdict combines them:
 * - every measured check holds → "holds"; every one fails → "does not hold"; every one is inconclusive
 *   (the data cannot tell) → "inconclusive"; any other mix → "partly";
 * - a check whose inputs are missing is "not measured" and does not count; with no measured check at all
 *   (an empty list included) the verdict is "not measured".
 * Rendering (text, HTML, notebook display) lives in lib/report/verdicts.ts.
 */

export type Level = "holds" | "partly" | "does not hold" | "inconclusive" | "not measured";

export interface Check {
  /** What is checked, in words. */
  claim: string;
  /** The rule that decides it, fixed before the run (e.g. "≤ 0.1 holds, ≤ 0.5 partly"). */
  rule: string;
  /** What the records or the computation show. */
  observed: string;
  level: Level;
  /** What the paper reports for it, when it reports something. */
  paper?: string;
  /** The measured number the rule reads, when there is one. */
  value?: number;
}

export interface Verdict {
  title: string;
  claim: string;
  level: Level;
  checks: Check[];
  /** Context a reader needs (sizes, seeds, what is missing, rule changes). */
  notes: string[];
}

export function levelOf(checks: Check[]): Level {
  const measured = checks.filter((c) => c.level !== "not measured");
  if (measured.length === 0) return "not measured";
  for (const level of ["holds", "does not hold", "inconclusive"] as const) {
    if (measured.every((c) => c.level === level)) return level;
  }
  return "partly";
}

export function verdictOf(title: string, claim: string, checks: Check[], notes: string[] = []): Verdict {
  return { title, claim, level: levelOf(checks), checks, notes };
}

const fmt = (v: number) =>
  Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toPrecision(4);

/** Grades `value`: at most `holds` → holds, at most `partly` → partly (or at least, with `higherIsBetter`). */
export function grade(claim: string, value: number, thresholds: { holds: number; partly: number; higherIsBetter?: boolean }): Check {
  const hi = thresholds.higherIsBetter ?? false;
  const ok = (limit: number) => (hi ? value >= limit : value <= limit);
  const cmp = hi ? "≥" : "≤";
  const level: Level = !Number.isFinite(value)
    ? "does not hold"
    : ok(thresholds.holds)
    ? "holds"
    : ok(thresholds.partly)
    ? "partly"
    : "does not hold";
  return { claim, value, observed: fmt(value), rule: `${cmp} ${thresholds.holds} holds, ${cmp} ${thresholds.partly} partly`, level };
}

/** A yes/no check. */
export function flag(claim: string, ok: boolean, rule: string): Check {
  return { claim, value: ok ? 1 : 0, observed: ok ? "yes" : "no", rule, level: ok ? "holds" : "does not hold" };
}
