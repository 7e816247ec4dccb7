/**
 * Evidence v2's verdicts: the checks of one family judged on paired units, as docs/protocol.md
 * ("Statistics") fixes them. A unit is one task (seed and split: the same original model, the same forget
 * set); A and B are paired on the units both finished. For each check the differences d_i = A_i − B_i are
 * turned to the claimed direction, and three one-sided statements are tested: the claim, its reverse and the
 * tie (TOST within ±margin). Holm's adjustment runs over the family, per statement; the verdict follows the
 * protocol's order. Pure computation over records: no files, no clock.
 */
import type { RunRecord } from "../record.ts";
import type { ProtocolCheck, V2Verdict } from "./protocol.ts";
import type { DirectionCounts } from "./stats.ts";
import { bootstrapInterval, directionCounts, holm, meanInterval, oneSidedP, tostP } from "./stats.ts";
import { metricRange, rowLabel } from "./table.ts";

/** One evaluation unit: its key, seed and block (the class it forgets, class-wise; the sub-class, group). */
export interface Unit {
  key: string;
  seed: number;
  block?: number;
}

/** The end states of one family's records by unit: values by row label, and the runs that did not finish. */
export interface UnitTable {
  units: Map<string, Unit>;
  /** values.get(label)?.get(unit key): the run's metrics and its rteSeconds. */
  values: Map<string, Map<string, Record<string, number>>>;
  /** failed.get(label)?.get(unit key): "diverged" or "failed". */
  failed: Map<string, Map<string, string>>;
}

/** A unit: one seed's split (the split's index hash tells apart two forgotten classes on one seed). */
export const unitKey = (r: RunRecord) => `${r.seed}|${r.split.indexSha256}`;

/**
 * A method's end state: not a per-epoch snapshot or a search point, and a variant of the ablation named (none:
 * no ablation variant, the main runs).
 */
export const isEndState = (r: RunRecord, ablation?: string) =>
  r.tags.epoch === undefined && r.tags.search === undefined && r.tags.ablation === ablation;

/**
 * The unit table of records of one family and scale: end states only (no per-epoch snapshots or search points),
 * of the main runs or, given `ablation`, of that ablation's variants (rows "method (variant)").
 */
export function unitTable(records: RunRecord[], ablation?: string): UnitTable {
  const table: UnitTable = { units: new Map(), values: new Map(), failed: new Map() };
  const ends = records.filter((r) => isEndState(r, ablation));
  // The latest record of a label on a unit wins (a rerun replaces its run).
  const sorted = [...ends].sort((a, b) => (Date.parse(a.startedAt) || 0) - (Date.parse(b.startedAt) || 0));
  for (const r of sorted) {
    const key = unitKey(r);
    const label = rowLabel(r.method, r.variant);
    const block = r.split.forgotten.class ?? r.split.forgotten.subclass;
    table.units.set(key, { key, seed: r.seed, ...(block !== undefined ? { block } : {}) });
    const values = table.values.get(label) ?? new Map();
    const failed = table.failed.get(label) ?? new Map();
    if (r.status === "ok") {
      values.set(key, { ...r.metrics, rteSeconds: r.rteSeconds });
      failed.delete(key);
    } else {
      failed.set(key, r.status);
      values.delete(key);
    }
    table.values.set(label, values);
    table.failed.set(label, failed);
  }
  return table;
}

/** The part of a unit table whose units pass `keep` (e.g. the classes the search saw). */
export function subsetTable(t: UnitTable, keep: (u: Unit) => boolean): UnitTable {
  const units = new Map([...t.units].filter(([, u]) => keep(u)));
  const pick = <V>(m: Map<string, Map<string, V>>) =>
    new Map([...m].map(([label, byUnit]) => [label, new Map([...byUnit].filter(([k]) => units.has(k)))]));
  return { units, values: pick(t.values), failed: pick(t.failed) };
}

export type Statement = "claim" | "reverse" | "tie";
type Ps = Record<Statement, number>;

export interface CheckResult {
  check: ProtocolCheck;
  /** Units where both sides finished. */
  n: number;
  /** Units where a side diverged or failed (left out of the test, counted here). */
  failedUnits: { a: number; b: number };
  /** Mean of A − B in the claimed direction, with its Student-t and bootstrap 95% intervals. */
  mean: number;
  t: { lo: number; hi: number };
  bootstrap: { lo: number; hi: number };
  /** Units favouring A (claimed direction), against, tied. */
  counts: DirectionCounts;
  raw: Ps;
  adjusted: Ps;
  /** Why the check cannot be tested, or null. */
  notTestable: string | null;
  verdict: V2Verdict;
  /** The statement that decided the verdict (null: inconclusive or not testable). */
  decidedBy: Statement | null;
}

/** A seed for a check's Monte Carlo and bootstrap draws, from its id: the same check always draws the same. */
function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

const NO_PS: Ps = { claim: NaN, reverse: NaN, tie: NaN };

/** Why the paired values cannot speak to the check, or null. */
function notTestableReason(c: ProtocolCheck, as: number[], bs: number[], nFailed: number): string | null {
  if (as.length === 0) return nFailed ? `no unit where both finished (${nFailed} diverged or failed)` : "no paired units in the records";
  if (as.every((a, i) => a === bs[i])) return `a no-op: ${c.a} equals ${c.b} on every unit`;
  if (c.kind === "superiority") {
    const [lo, hi] = metricRange(c.metric);
    const bound = c.direction === "higher" ? hi : lo;
    if (bs.every((b) => b === bound)) return `a ceiling: ${c.b} is at ${c.metric}'s bound (${bound}) on every unit`;
  }
  return null;
}

/** A check's paired differences and raw statements (Holm comes after, over the family). */
function measure(c: ProtocolCheck, t: UnitTable): Omit<CheckResult, "adjusted" | "verdict" | "decidedBy"> {
  const aValues = t.values.get(c.a) ?? new Map();
  const bValues = t.values.get(c.b) ?? new Map();
  const failedA = t.failed.get(c.a) ?? new Map();
  const failedB = t.failed.get(c.b) ?? new Map();
  const keys = [...t.units.keys()].filter((k) => Number.isFinite(aValues.get(k)?.[c.metric]) && Number.isFinite(bValues.get(k)?.[c.metric]))
    .sort();
  const as = keys.map((k) => aValues.get(k)![c.metric]);
  const bs = keys.map((k) => bValues.get(k)![c.metric]);
  const sign = c.direction === "higher" ? 1 : -1;
  const d = as.map((a, i) => sign * (a - bs[i]));
  const failedUnits = { a: failedA.size, b: failedB.size };
  const notTestable = notTestableReason(c, as, bs, new Set([...failedA.keys(), ...failedB.keys()]).size);
  const interval = meanInterval(d);
  const seed = seedOf(c.id);
  const shift = c.kind === "superiority" ? c.threshold : -c.threshold;
  const raw: Ps = notTestable ? NO_PS : {
    claim: oneSidedP(c.test, d, shift, "greater", seed),
    reverse: oneSidedP(c.test, d, shift, "less", seed),
    tie: c.margin > 0 ? tostP(c.test, d, c.margin, seed) : NaN,
  };
  return {
    check: c,
    n: d.length,
    failedUnits,
    mean: interval.mean,
    t: { lo: interval.lo, hi: interval.hi },
    bootstrap: bootstrapInterval(d, 0.95, seed),
    counts: directionCounts(d),
    raw,
    notTestable,
  };
}

/** The verdict from the adjusted statements, in the protocol's order. */
function verdictOf(
  kind: ProtocolCheck["kind"],
  adjusted: Ps,
  alpha: number,
  notTestable: string | null,
): Pick<CheckResult, "verdict" | "decidedBy"> {
  if (notTestable) return { verdict: "not testable", decidedBy: null };
  const order: [Statement, V2Verdict][] = kind === "keeps"
    ? [["tie", "equivalent"], ["claim", "holds"], ["reverse", "does not hold"]]
    : [["claim", "holds"], ["reverse", "does not hold"], ["tie", "equivalent"]];
  for (const [statement, verdict] of order) if (adjusted[statement] < alpha) return { verdict, decidedBy: statement };
  return { verdict: "inconclusive", decidedBy: null };
}

/**
 * The checks of one family on one unit table, at level `alpha`: each check measured, Holm's adjustment over
 * the family per statement (claim, reverse, tie; a not-testable check makes none), then each verdict.
 */
export function judgeFamily(checks: ProtocolCheck[], t: UnitTable, alpha: number): CheckResult[] {
  const measured = checks.map((c) => measure(c, t));
  const adjustedOf = (s: Statement) => holm(measured.map((m) => m.raw[s]));
  const [claim, reverse, tie] = [adjustedOf("claim"), adjustedOf("reverse"), adjustedOf("tie")];
  return measured.map((m, i) => {
    const adjusted = { claim: claim[i], reverse: reverse[i], tie: tie[i] };
    return { ...m, adjusted, ...verdictOf(m.check.kind, adjusted, alpha, m.notTestable) };
  });
}
