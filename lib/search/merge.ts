/**
 * Merging a search: every round scored (lib/search/search.ts `scoreSearch`), each method's selections taken
 * from the last round that searched it, the edges of the last round checked (lib/search/rules.ts) and the next
 * round planned where a range widens (lib/search/rounds.ts); then summary.md and best.json, which say per
 * method the budget it got, how much of it was usable, and which ranges widened, from what to what.
 */
import { KitError } from "../errors.ts";
import { writeFileAtomic } from "../record.ts";
import { methodSpec } from "../unlearn/registry.ts";
import type { RoundPlan } from "./rounds.ts";
import { PLAN_SCHEMA, roundDir, roundsPresent, writePlan } from "./rounds.ts";
import type { Edge } from "./rules.ts";
import { edgesOf, widenedSpace } from "./rules.ts";
import type { SelectionName } from "../experiment/selection.ts";
import { SELECTION_RULES, SELECTIONS } from "../experiment/selection.ts";
import type { PointScore, SearchManifest, SearchResult, UsableBudget } from "./search.ts";
import { readSearch, scoreSearch, SEARCH_METRICS, searchSeeds } from "./search.ts";

export const BEST_SCHEMA = "unlearn-kit/search-best@3";

export interface MergedSearch {
  /** Round 0's manifest (the search's data, model, paradigm, tasks). */
  manifest: SearchManifest;
  rounds: SearchResult[];
  reference?: Record<string, number>;
  /** Each method's points under every selection, from the last round that searched it. */
  chosen: Record<SelectionName, Record<string, PointScore | null>>;
  /** Per method, its last round's budget. */
  usable: UsableBudget;
  /** Chosen values on an edge in the last round (widened in the planned round, or at their limit). */
  edges: Edge[];
  /** The next round, when a range widens and rounds are left; the search is not complete until it ran. */
  plan?: RoundPlan;
  missing: string[];
  complete: boolean;
}

/** Scores every round of a search folder, plans the next round if a range widens, writes summary.md and best.json. */
export async function mergeSearch(out: string): Promise<MergedSearch> {
  const present = await roundsPresent(out);
  if (present.length === 0) throw new KitError("no search.json: is it a search folder?", out);
  const first = await readSearch(out);
  const rounds: SearchResult[] = [];
  for (const r of present) {
    const { manifest, records } = r === 0 ? first : await readSearch(roundDir(out, r));
    rounds.push(await scoreSearch(manifest, records, first.records));
  }
  const merged = combineRounds(rounds);
  const last = rounds[rounds.length - 1];
  if (last.missing.length === 0) {
    merged.edges = lastEdges(last);
    merged.plan = nextPlan(last, merged.edges);
    if (merged.plan) await writePlan(out, merged.plan);
  }
  merged.complete = merged.missing.length === 0 && !merged.plan;
  await writeFileAtomic(`${out}/summary.md`, summaryMarkdown(merged));
  await writeFileAtomic(`${out}/best.json`, JSON.stringify(bestJson(merged), null, 2) + "\n");
  return merged;
}

/** Round by round, each method's selections and budget from the last round that searched it. */
function combineRounds(rounds: SearchResult[]): MergedSearch {
  const chosen = Object.fromEntries(SELECTIONS.map((n) => [n, {}])) as MergedSearch["chosen"];
  const usable: UsableBudget = {};
  for (const r of rounds) {
    for (const method of Object.keys(r.manifest.spaces)) {
      for (const n of SELECTIONS) chosen[n][method] = r.chosen[n][method] ?? null;
      if (r.usable[method]) usable[method] = r.usable[method];
    }
  }
  return {
    manifest: rounds[0].manifest,
    rounds,
    reference: rounds[0].reference,
    chosen,
    usable,
    edges: [],
    missing: rounds.flatMap((r) => r.missing.map((m) => (r.manifest.round ? `round ${r.manifest.round}: ${m}` : m))),
    complete: false,
  };
}

/** The edges of the last round's chosen values, per method it searched. */
function lastEdges(last: SearchResult): Edge[] {
  return Object.entries(last.manifest.spaces).flatMap(([method, space]) => {
    const points = Object.fromEntries(SELECTIONS.map((n) => [n, last.chosen[n][method]?.searched ?? null]));
    return edgesOf(method, points, space, methodSpec(method).options);
  });
}

/** The next round: the methods whose spaces widen, while rounds are left. */
function nextPlan(last: SearchResult, edges: Edge[]): RoundPlan | undefined {
  if (last.manifest.round >= last.manifest.maxRounds) return undefined;
  const spaces: RoundPlan["spaces"] = {};
  for (const [method, space] of Object.entries(last.manifest.spaces)) {
    const wider = widenedSpace(space, edges.filter((e) => e.method === method));
    if (wider) spaces[method] = wider;
  }
  const methods = Object.keys(spaces);
  if (methods.length === 0) return undefined;
  return { schema: PLAN_SCHEMA, round: last.manifest.round + 1, methods, spaces, edges: edges.filter((e) => methods.includes(e.method)) };
}

/** What `deno task search select` reads: each method's chosen points, the budgets, the rounds and edges. */
function bestJson(m: MergedSearch) {
  return {
    schema: BEST_SCHEMA,
    about: "Each method's chosen points (R, C, C5): selected on UA (D_f), RA (D_r) and VA (validation split) only; see summary.md.",
    name: m.manifest.name,
    dataset: m.manifest.experiment.dataset,
    model: m.manifest.experiment.model,
    paradigm: m.manifest.paradigm,
    seeds: searchSeeds(m.manifest),
    selectionRules: SELECTION_RULES,
    complete: m.complete,
    pendingRound: m.plan?.round ?? null,
    reference: m.reference ?? null,
    usable: m.usable,
    rounds: m.rounds.map((r) => ({ round: r.manifest.round, budgets: r.manifest.budgets, usable: r.usable, widened: r.manifest.widened })),
    edges: m.edges,
    selections: Object.fromEntries(SELECTIONS.map((name) => [
      name,
      Object.fromEntries(
        Object.entries(m.chosen[name]).map(([method, p]) => [
          method,
          p ? { round: p.round, point: p.point, searched: p.searched, metrics: p.metrics } : null,
        ]),
      ),
    ])),
  };
}

const fmt = (v: unknown) => typeof v === "number" ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(3)).toString()) : String(v);
const fmtOpts = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${k}=${fmt(v)}`).join(", ") || "–";
const cell = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");
const KEYS = [...SEARCH_METRICS, "ValGap"];
const pointRow = (p: PointScore) =>
  `| ${p.method} | ${p.round}:${p.point} | ${fmtOpts(p.searched)} | ${KEYS.map((k) => cell(p.metrics[k])).join(" | ")} |`;
const pointHeader = (extra = "") => [
  `| Method | Round:point | Options | ${KEYS.join(" | ")} |${extra}`,
  `|---|---:|---|${KEYS.map(() => "---:").join("|")}|${extra ? "---|" : ""}`,
];

/** One line per edge: which selection, which option, which side, and the range before and after. */
export function edgeLine(e: Edge): string {
  const range = (r: [number, number]) => `[${fmt(r[0])}, ${fmt(r[1])}]`;
  const what = e.to[0] === e.from[0] && e.to[1] === e.from[1] ? "at its limit, not widened" : `widened to ${range(e.to)}`;
  return `- ${e.method} (${e.selection}): ${e.option} = ${fmt(e.value)} on the ${e.side} edge of ${range(e.from)}: ${what}`;
}

function budgetLines(m: MergedSearch): string[] {
  return [
    "## Budget per method",
    "",
    "Points drawn (the budget rule: 10 per searched dimension, at least 20) and usable (ok on every search task; a point",
    "that diverged or failed on any task is never chosen), per round.",
    "",
    "| Method | Round | Dimensions | Drawn | Usable | Diverged | Failed |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...m.rounds.flatMap((r) =>
      Object.entries(r.usable).map(([method, u]) =>
        `| ${method} | ${r.manifest.round} | ${Object.keys(r.manifest.spaces[method] ?? {}).length} | ${u.drawn} | ${u.usable} | ` +
        `${u.diverged} | ${u.failed} |`
      )
    ),
    "",
  ];
}

function roundLines(m: MergedSearch): string[] {
  const lines = ["## Ranges widened (a chosen value on an edge widens its range and reruns the method)", ""];
  for (const r of m.rounds.slice(1)) {
    lines.push(`Round ${r.manifest.round}, from round ${r.manifest.round - 1}:`, ...r.manifest.widened.map(edgeLine), "");
  }
  if (m.plan) {
    lines.push(`**Round ${m.plan.round} planned** (run it with --round ${m.plan.round}, then merge):`, ...m.plan.edges.map(edgeLine), "");
  } else if (m.edges.length) lines.push("Edges left after the last round (at a limit, or no rounds left):", ...m.edges.map(edgeLine), "");
  if (lines.length === 2) lines.push("None: no chosen value sat on the edge of its range.", "");
  return lines;
}

export function summaryMarkdown(m: MergedSearch): string {
  const x = m.manifest;
  const head = [
    `# Search ${x.name}`,
    "",
    `${x.experiment.dataset} · ${x.experiment.model} · ${x.paradigm} · search tasks (seeds) ${searchSeeds(x).join(", ")} · ` +
    `budget ${x.budget === "rule" ? "by the budget rule" : `${x.budget} points a method`} · search seed ${x.searchSeed}` +
    (x.learningRateShift ? ` · learning-rate ranges shifted by ${x.learningRateShift} decade(s)` : ""),
    "",
    "Metrics on D_f (UA), D_r (RA) and the validation split (VA), means over the search tasks; the test split was sealed (never read).",
    `Selections: ${SELECTIONS.map((n) => `**${n}** = ${SELECTION_RULES[n].doc}`).join("; ")}.`,
    "Point 0 is each method's defaults; the others are random draws from the space in the method's file (widened in later rounds).",
    "",
  ];
  if (m.reference) head.push(`Retrain (reference): ${SEARCH_METRICS.map((k) => `${k} ${m.reference![k].toFixed(2)}`).join(", ")}`, "");
  if (m.missing.length) {
    head.push(`**Incomplete**: ${m.missing.length} unit×task records missing (e.g. ${m.missing.slice(0, 3).join("; ")}).`, "");
  }
  const chosenRows = (name: SelectionName) =>
    Object.entries(m.chosen[name]).map(([method, p]) =>
      p ? pointRow(p) : `| ${method} | – | no point qualified on every task | ${KEYS.map(() => "–").join(" | ")} |`
    );
  return [
    ...head,
    ...budgetLines(m),
    ...roundLines(m),
    ...SELECTIONS.flatMap((n) => [`## Selection ${n}: ${SELECTION_RULES[n].doc}`, "", ...pointHeader(), ...chosenRows(n), ""]),
    "## Every point",
    "",
    ...pointHeader(" Status per task |"),
    ...m.rounds.flatMap((r) => r.points.map((p) => `${pointRow(p)} ${p.status} |`)),
    "",
  ].join("\n");
}
