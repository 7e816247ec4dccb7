/**
 * The search's rules, declared once: how many points a method gets and what happens when a chosen value sits
 * on the edge of its range (how a point is chosen, selections R, C and C5, is lib/experiment/selection.ts
 * `SELECTION_RULES`, beside the selection file the runs read). lib/search/search.ts applies them; docs/search.md
 * and docs/evidence.md §2 give the reasons; the protocol (results/protocol.json) reads them from here.
 */
import type { Dist, Field, RangeDist, Schema, SearchSpace } from "../config.ts";
import type { SelectionName } from "../experiment/selection.ts";
import { SELECTIONS } from "../experiment/selection.ts";

/**
 * Budget: 10 points per searched dimension, at least 20. A method with more knobs needs more points to cover
 * them (random search covers each axis with as many distinct values as points, Bergstra & Bengio 2012), so an
 * equal count per method would favour the methods with fewer knobs.
 */
export const BUDGET_RULE = { pointsPerDimension: 10, minimum: 20 } as const;

/** The points a method's space gets under the budget rule. */
export function budgetFor(space: SearchSpace): number {
  return Math.max(BUDGET_RULE.minimum, BUDGET_RULE.pointsPerDimension * Object.keys(space).length);
}

/**
 * Edges: a chosen value in the outer tenth of its range (in log10 for a log range) is on an edge. That side is
 * widened (a log range by one decade, a uniform or integer range by half its width), within the range's
 * `limit` and the option's bounds, and the method's search is run again on the widened space, with the same
 * budget rule; its selections replace the earlier round's. At most `maxRounds` widenings.
 */
export const EDGE_RULE = { share: 0.1, maxRounds: 3 } as const;

export type Side = "low" | "high";

/** One chosen value on an edge, and what the range became (`to` equal to `from`: at its limit, not widened). */
export interface Edge {
  method: string;
  selection: SelectionName;
  option: string;
  side: Side;
  value: number;
  from: [number, number];
  to: [number, number];
}

/** Where `value` sits in a range, 0 at min and 1 at max (log10 for a log range). */
function position(value: number, d: RangeDist): number {
  if (d.kind === "log") return (Math.log10(value) - Math.log10(d.min)) / (Math.log10(d.max) - Math.log10(d.min));
  return (value - d.min) / (d.max - d.min);
}

/** The side of the range `value` sits on the edge of, or null. Choices have no edge. */
export function edgeSide(value: unknown, d: Dist): Side | null {
  if (d.kind === "choice" || typeof value !== "number") return null;
  const at = position(value, d);
  return at <= EDGE_RULE.share ? "low" : at >= 1 - EDGE_RULE.share ? "high" : null;
}

const round3 = (v: number) => Number(v.toPrecision(3));

/** The range with one side widened, within its limit and the option's bounds. */
export function widenRange(d: RangeDist, side: Side, field: Field): [number, number] {
  const lo = Math.max(d.limit?.min ?? -Infinity, field.type === "number" ? field.min ?? -Infinity : -Infinity);
  const hi = Math.min(d.limit?.max ?? Infinity, field.type === "number" ? field.max ?? Infinity : Infinity);
  const half = d.kind === "int" ? Math.ceil((d.max - d.min) / 2) : (d.max - d.min) / 2;
  if (side === "low") {
    const wider = d.kind === "log" ? d.min / 10 : d.min - half;
    return [d.kind === "int" ? Math.max(lo, wider) : round3(Math.max(lo, wider)), d.max];
  }
  const wider = d.kind === "log" ? d.max * 10 : d.max + half;
  return [d.min, d.kind === "int" ? Math.min(hi, wider) : round3(Math.min(hi, wider))];
}

/**
 * The edges of one method's chosen points (one per selection, null where none qualified), against the space
 * they were drawn from; each with the range it widens to.
 */
export function edgesOf(
  method: string,
  chosen: Partial<Record<SelectionName, Record<string, unknown> | null>>,
  space: SearchSpace,
  schema: Schema,
): Edge[] {
  const edges: Edge[] = [];
  for (const selection of SELECTIONS) {
    const point = chosen[selection];
    if (!point) continue;
    for (const [option, d] of Object.entries(space)) {
      const side = edgeSide(point[option], d);
      if (!side || d.kind === "choice") continue;
      edges.push({
        method,
        selection,
        option,
        side,
        value: point[option] as number,
        from: [d.min, d.max],
        to: widenRange(d, side, schema[option]),
      });
    }
  }
  return edges;
}

/** The space with every widenable edge applied (both sides where both were hit); null when nothing widens. */
export function widenedSpace(space: SearchSpace, edges: Edge[]): SearchSpace | null {
  const out: SearchSpace = { ...space };
  let changed = false;
  for (const e of edges) {
    const d = out[e.option];
    if (d.kind === "choice") continue;
    const [min, max] = e.side === "low" ? [e.to[0], d.max] : [d.min, e.to[1]];
    if (min !== d.min || max !== d.max) changed = true;
    out[e.option] = { ...d, min, max };
  }
  return changed ? out : null;
}
