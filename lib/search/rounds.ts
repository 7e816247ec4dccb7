/**
 * Rounds of a search. Round 0 runs in the search folder itself. When merging finds a chosen value on the edge
 * of its range (lib/search/rules.ts `EDGE_RULE`), it writes `round-<r>/plan.json`: the methods whose spaces
 * widen, their widened spaces and the edges that widened them. `deno task search --round r` (every shard, with
 * the same flags) runs the plan as a search of its own in `round-<r>/`; merging again reads every round, takes
 * each method's selections from the last round that searched it, and plans the next round while edges remain
 * and rounds are left.
 */
import type { SearchSpace } from "../config.ts";
import { KitError } from "../errors.ts";
import { canonicalJson } from "../hash.ts";
import { writeFileAtomic } from "../record.ts";
import type { Edge } from "./rules.ts";

export const PLAN_SCHEMA = "unlearn-kit/search-plan@1";

export interface RoundPlan {
  schema: typeof PLAN_SCHEMA;
  round: number;
  methods: string[];
  spaces: Record<string, SearchSpace>;
  /** The edges of the round before that widen these spaces (and those at their limit, which do not). */
  edges: Edge[];
}

export const roundDir = (out: string, round: number) => round === 0 ? out : `${out}/round-${round}`;
export const roundName = (name: string, round: number) => round === 0 ? name : `${name}/round-${round}`;

/** The plan of round `round` (≥ 1), written when round − 1 was merged. */
export async function readPlan(out: string, round: number): Promise<RoundPlan> {
  const file = `${roundDir(out, round)}/plan.json`;
  let plan: RoundPlan;
  try {
    plan = JSON.parse(await Deno.readTextFile(file));
  } catch {
    throw new KitError(
      `no plan for round ${round}: merge round ${round - 1} first (deno task search merge ${out}); a round is planned only ` +
        "when a chosen value sits on the edge of its range",
      file,
    );
  }
  if (plan.schema !== PLAN_SCHEMA) throw new KitError(`not a round plan (schema should be "${PLAN_SCHEMA}")`, file);
  return plan;
}

/** Writes the plan, or checks that the one there is the same (a merge run twice plans the same round). */
export async function writePlan(out: string, plan: RoundPlan): Promise<void> {
  const dir = roundDir(out, plan.round);
  const file = `${dir}/plan.json`;
  await Deno.mkdir(dir, { recursive: true });
  try {
    const existing = await Deno.readTextFile(file);
    if (canonicalJson(JSON.parse(existing)) !== canonicalJson(plan)) {
      throw new KitError(`a different plan for round ${plan.round} is already there (round ${plan.round - 1} changed?)`, file);
    }
    return;
  } catch (e) {
    if (e instanceof KitError) throw e;
  }
  await writeFileAtomic(file, JSON.stringify(plan, null, 2) + "\n");
}

/** The rounds whose search.json exists, in order (round 0 first; a gap ends the list). */
export async function roundsPresent(out: string): Promise<number[]> {
  const rounds: number[] = [];
  for (let r = 0;; r++) {
    try {
      await Deno.stat(`${roundDir(out, r)}/search.json`);
      rounds.push(r);
    } catch {
      return rounds;
    }
  }
}
