/**
 * `deno task search`: flags → SearchConfig → runSearch (one shard) → mergeSearch; and `select`, which
 * writes each method's chosen points into the selection file the runs start from.
 *
 *   deno task search --paradigm classwise [--budget rule|N] [--shard k/n] [--round r] [experiment flags]
 *   deno task search merge results/search/<name>…
 *   deno task search pending results/search/<name>   (prints the round to run next, exit 1 when none)
 *   deno task search select results/search/<name>… [--selection FILE]
 *
 * The data, model, split and training flags are `deno task unlearn`'s; `--seeds`/`--first-seed` name the
 * search tasks (default 3 tasks from seed 100, apart from the evaluation seeds 0, 1, …; `--design v2` makes the
 * forgotten class cycle with the seed as the design's evaluation does, and refuses evaluation seeds); `--set m.k=v`
 * fixes an option for every point of method m. A sharded run only writes its own shards/<k>-of-<n>/; run
 * `merge` once every shard is done (docs/cluster.md). A merge that finds a chosen value on the edge of its
 * range plans round r + 1 (lib/search/rounds.ts): the shards then run `--round r+1` with the same flags and
 * merge again. In one process (shard 0/1) the rounds run one after the other until none is planned.
 */
import { KitError } from "../lib/errors.ts";
import { SELECTION_RULES, SELECTION_SCHEMA, selectionKey, SELECTIONS } from "../lib/experiment/selection.ts";
import type { SelectionFile } from "../lib/experiment/selection.ts";
import { kitPath, kitRelative, selectionFile } from "../lib/env.ts";
import { writeFileAtomic } from "../lib/record.ts";
import type { Design } from "../lib/experiment/design.ts";
import { checkSearchSeeds, designOf } from "../lib/experiment/design.ts";
import { defaultOf } from "../lib/experiment/fields.ts";
import type { Paradigm } from "../lib/data/splits.ts";
import type { SearchConfig } from "../lib/search/search.ts";
import { runSearch } from "../lib/search/search.ts";
import { BEST_SCHEMA, mergeSearch, summaryMarkdown } from "../lib/search/merge.ts";
import { BUDGET_RULE, EDGE_RULE } from "../lib/search/rules.ts";
import { METHODS } from "../lib/unlearn/registry.ts";
import type { FlagValues } from "./flags.ts";
import { EXPERIMENT_FLAGS, experimentInput, flagHelp, HELP_FLAG, integerFlag, numberFlag, parseFlags, runCommand } from "./flags.ts";

const { methods: _m, metrics: _x, out: _o, name: _n, selection: _s, "selection-name": _sn, "no-selection": _ns, ...SHARED } =
  EXPERIMENT_FLAGS;

const FLAGS = {
  ...SHARED,
  seeds: { type: "string" as const, default: "3", fill: false, doc: "number of search tasks (seeds); with --design, the design's" },
  "first-seed": {
    type: "string" as const,
    default: "100",
    fill: false,
    doc: "first search task's seed (apart from the evaluation seeds); with --design, the design's",
  },
  methods: { type: "string" as const, doc: "methods to search (default: every method but retrain, which is the reference)" },
  budget: {
    type: "string" as const,
    default: "rule",
    doc: `points per method: rule = ${BUDGET_RULE.pointsPerDimension} per searched dimension, at least ${BUDGET_RULE.minimum} ` +
      "(lib/search/rules.ts); a number gives every method that many (small tests)",
  },
  round: {
    type: "string" as const,
    default: "0",
    doc: "which round: 0, or r ≥ 1 = the widened ranges merging round r − 1 planned",
  },
  "max-rounds": {
    type: "string" as const,
    default: String(EDGE_RULE.maxRounds),
    doc: "rounds of widened ranges after round 0 (a selection on a range's edge widens it and reruns; 0: never)",
  },
  shard: { type: "string" as const, default: "0/1", doc: "k/n: run units k, k+n, … only (0 ≤ k < n; 0/1 runs everything, then merges)" },
  "search-seed": { type: "string" as const, default: "0", doc: "seed of the random points" },
  "lr-shift": { type: "string" as const, default: "0", doc: "shift every learning-rate range by this many decades (sensitivity check)" },
  name: { type: "string" as const, doc: "search name (default <dataset>-<model>-<paradigm>)" },
  out: { type: "string" as const, doc: "search folder (default results/search/<name>)" },
  ...HELP_FLAG,
};

export function searchHelp(): string {
  return [
    "deno task search [flags]                        run (a shard of) a search",
    "deno task search merge DIR…                     score every point: summary.md, best.json (plans a round of widened ranges)",
    "deno task search pending DIR                    print the planned round not yet run (exit 1: none)",
    "deno task search select DIR… [--selection FILE] write the chosen points into the selection file",
    "",
    `Selections: ${SELECTIONS.map((n) => `${n} = ${SELECTION_RULES[n].doc}`).join("; ")}.`,
    "",
    flagHelp(FLAGS),
  ].join("\n");
}

export function parseSearchFlags(args: string[]): SearchConfig | "help" {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) return "help";
  const parsed = experimentInput({ ...values, methods: "retrain", metrics: "UA", "no-selection": true });
  // The data set, model and paradigm are named in the manifest, best.json and the selection file's keys: filled here.
  const input = {
    ...parsed,
    dataset: parsed.dataset ?? defaultOf("dataset").value as string,
    model: parsed.model ?? defaultOf("model").value as string,
    paradigms: parsed.paradigms ?? defaultOf("paradigms").value as Paradigm[],
  };
  if (!Array.isArray(input.paradigms) || input.paradigms.length !== 1) {
    throw new KitError(`one paradigm per search (got ${values.paradigm})`, "--paradigm");
  }
  const methods = values.methods
    ? String(values.methods).split(",").map((m) => m.trim()).filter((m) => m && m !== "retrain")
    : Object.keys(METHODS).filter((m) => m !== "retrain");
  for (const m of methods) {
    if (!METHODS[m]) throw new KitError(`unknown method "${m}": valid values are ${Object.keys(METHODS).join(", ")}`, "--methods");
  }
  if (methods.length === 0) throw new KitError("nothing to search (retrain is the reference, not a searched method)", "--methods");
  const { budget, maxRounds, round } = roundFlags(values);
  const sm = String(values.shard).match(/^(\d+)\/(\d+)$/);
  if (!sm || Number(sm[1]) >= Number(sm[2])) throw new KitError(`"${values.shard}" is not k/n with 0 ≤ k < n`, "--shard");
  const paradigm = input.paradigms[0];
  const design = designOf(input.design);
  const name = (values.name as string | undefined) ?? `${input.dataset}-${input.model}-${paradigm}`;
  const {
    methods: _a,
    methodOptions,
    metrics: _b,
    runs: _c,
    out: _d,
    name: _e,
    paradigms: _f,
    selection: _g,
    selectionName: _h,
    ...experiment
  } = input;
  Object.assign(experiment, searchTasks(experiment, design));
  return {
    name,
    out: kitPath((values.out as string | undefined) ?? `results/search/${name}`),
    experiment,
    paradigm,
    methods,
    budget,
    searchSeed: integerFlag(values["search-seed"] as string, "search-seed"),
    fixed: methodOptions ?? {},
    learningRateShift: numberFlag(values["lr-shift"] as string, "lr-shift"),
    shard: { index: Number(sm[1]), count: Number(sm[2]) },
    round,
    maxRounds,
  };
}

/**
 * The search tasks: the seeds given (--seeds, --first-seed), else the design's search seeds, else 3 from seed 100;
 * under a design, its target rule in the search's own split (so its manifest says it), and no evaluation seed.
 */
function searchTasks(
  experiment: SearchConfig["experiment"],
  design: Design | null,
): Pick<SearchConfig["experiment"], "seeds" | "firstSeed" | "split"> {
  const given = experiment.seeds !== undefined || experiment.firstSeed !== undefined;
  const seeds = given || !design
    ? Array.from({ length: Number(experiment.seeds ?? 3) }, (_, i) => Number(experiment.firstSeed ?? 100) + i)
    : design.searchSeeds;
  if (!design) return { seeds: seeds.length, firstSeed: seeds[0], split: experiment.split };
  checkSearchSeeds(design, seeds);
  return { seeds, firstSeed: seeds[0], split: { forgetTarget: design.forgetTarget, ...experiment.split } };
}

/** --budget (rule or a number), --max-rounds and --round, checked. */
function roundFlags(values: FlagValues): { budget: number | "rule"; maxRounds: number; round: number } {
  const budget = values.budget === "rule" ? "rule" : integerFlag(values.budget as string, "budget");
  if (budget !== "rule" && budget < 1) throw new KitError(`${budget} is not a positive integer, or rule`, "--budget");
  const maxRounds = integerFlag(values["max-rounds"] as string, "max-rounds");
  if (maxRounds < 0) throw new KitError(`${maxRounds} is below 0`, "--max-rounds");
  const round = integerFlag(values.round as string, "round");
  if (round < 0 || round > maxRounds) throw new KitError(`${round} is not a round in 0 … ${maxRounds} (--max-rounds)`, "--round");
  return { budget, maxRounds, round };
}

/** Writes the chosen points of finished searches into the selection file (R, C and C5 per method). */
export async function selectMain(dirs: string[], file: string): Promise<void> {
  let selection: SelectionFile;
  try {
    selection = JSON.parse(await Deno.readTextFile(file));
  } catch {
    selection = { schema: SELECTION_SCHEMA, entries: {} };
  }
  for (const dir of dirs.map((d) => d.replace(/\/+$/, ""))) {
    const best = JSON.parse(
      await Deno.readTextFile(`${dir}/best.json`).catch(() => {
        throw new KitError("no best.json: run `deno task search merge` on it first", dir);
      }),
    );
    if (best.schema !== BEST_SCHEMA) throw new KitError(`best.json has schema ${JSON.stringify(best.schema)}, not ${BEST_SCHEMA}`, dir);
    if (best.pendingRound !== null) {
      throw new KitError(
        `round ${best.pendingRound} is planned (a range widens) and has not run: run it with --round ${best.pendingRound}, then merge`,
        dir,
      );
    }
    if (!best.complete) throw new KitError("the search is incomplete (a shard is missing); merge it once every shard is done", dir);
    for (const name of SELECTIONS) {
      for (
        const [method, chosen] of Object.entries(
          best.selections[name] as Record<string, { round?: number; point: number; searched: Record<string, unknown> } | null>,
        )
      ) {
        if (!chosen) {
          console.error(`${dir}: ${method} (${name}): no point qualified; no selection written`);
          continue;
        }
        const byMethod = ((selection.entries[selectionKey(best.dataset, best.model)] ??= {})[best.paradigm] ??= {});
        (byMethod[method] ??= {})[name] = {
          options: chosen.searched,
          source: `${kitRelative(kitPath(dir))}/summary.md (round ${chosen.round ?? 0}, point ${chosen.point})`,
        };
        console.log(`${best.dataset}/${best.model} ${best.paradigm} ${method} (${name}): ${JSON.stringify(chosen.searched)}`);
      }
    }
  }
  await writeFileAtomic(file, JSON.stringify(selection, null, 2) + "\n");
  console.error(`wrote ${file}`);
}

export async function searchMain(args: string[]): Promise<number> {
  if (args[0] === "pending") return await pendingMain(args.slice(1));
  if (args[0] === "merge" || args[0] === "select") {
    const parsed = parseFlags(args.slice(1), { selection: { type: "string", doc: "" } }, true);
    const positionals = parsed.positionals.map(kitPath);
    if (positionals.length === 0) throw new KitError(`deno task search ${args[0]} DIR… (search folders holding search.json and shards/)`);
    if (args[0] === "select") {
      await selectMain(positionals, parsed.values.selection ? kitPath(parsed.values.selection as string) : selectionFile());
    } else {
      for (const dir of positionals) await mergeMain(dir);
    }
    return 0;
  }
  const cfg = parseSearchFlags(args);
  if (cfg === "help") {
    console.log(searchHelp());
    return 0;
  }
  // One process runs every round: each merge may plan the next (a range on whose edge a selection landed).
  for (let round = cfg.round ?? 0;;) {
    await runShard({ ...cfg, round });
    if (cfg.shard.count > 1) {
      console.error(`when every shard is done: deno task search merge ${cfg.out}`);
      return 0;
    }
    const merged = await mergeMain(cfg.out);
    if (!merged.plan) return 0;
    round = merged.plan.round;
    console.error(`round ${round}: ${merged.plan.methods.join(", ")} again on widened ranges`);
  }
}

/**
 * `deno task search pending DIR`: the round a merged search has planned and not yet run, printed, exit 0; exit 1
 * when none is pending. A sharded pass loops on it: run every shard with --round N, merge, ask again.
 */
async function pendingMain(args: string[]): Promise<number> {
  const [dir] = parseFlags(args, {}, true).positionals.map(kitPath);
  if (!dir) throw new KitError("deno task search pending DIR (a merged search folder)");
  let best: { pendingRound?: number | null };
  try {
    best = JSON.parse(await Deno.readTextFile(`${dir}/best.json`));
  } catch {
    throw new KitError("no best.json: merge the search first (deno task search merge DIR)", dir);
  }
  if (best.pendingRound === undefined || best.pendingRound === null) return 1;
  console.log(best.pendingRound);
  return 0;
}

/** Merges a search folder and prints its summary up to the list of every point. */
async function mergeMain(dir: string) {
  const r = await mergeSearch(dir);
  console.log(summaryMarkdown(r).split("\n## Every point")[0]);
  console.log(`wrote ${dir}/summary.md, best.json${r.missing.length ? ` (${r.missing.length} records missing)` : ""}`);
  if (r.plan) console.log(`round ${r.plan.round} planned: run the search again with --round ${r.plan.round} (every shard), then merge`);
  return r;
}

/** Runs one shard of one round, printing each new record. */
async function runShard(cfg: SearchConfig): Promise<void> {
  const started = performance.now();
  let fresh = 0;
  await runSearch(cfg, {
    onRecord: (r, resumed) => {
      if (resumed) return;
      fresh++;
      console.error(
        `${r.method} point ${r.tags.point} task ${r.seed}: ${r.status}` +
          (r.status === "ok"
            ? `  UA ${r.metrics.UA.toFixed(1)} RA ${r.metrics.RA.toFixed(1)} VA ${r.metrics.VA.toFixed(1)}`
            : ` (${r.error})`) +
          `  ${r.rteSeconds.toFixed(1)}s`,
      );
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.error(`round ${cfg.round ?? 0}, shard ${cfg.shard.index}/${cfg.shard.count}: ${fresh} new records in ${seconds} s`);
}

if (import.meta.main) await runCommand("search", searchMain);
