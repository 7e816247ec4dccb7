/**
 * `deno task search`: flags → SearchConfig → runSearch (one shard) → mergeSearch; and `select`, which
 * writes each method's chosen points into the selection file the runs start from.
 *
 *   deno task search --paradigm classwise --budget 12 [--shard k/n] [experiment flags]
 *   deno task search merge results/search/<name>…
 *   deno task search select results/search/<name>… [--selection FILE]
 *
 * The data, model, split and training flags are `deno task unlearn`'s; `--seeds`/`--first-seed` name the
 * search tasks (default 3 tasks from seed 100, apart from the evaluation seeds 0, 1, …); `--set m.k=v`
 * fixes an option for every point of method m. A sharded run only writes its own shards/<k>-of-<n>/; run
 * `merge` once every shard is done (docs/cluster.md).
 */
import { KitError } from "../lib/errors.ts";
import { SELECTION_SCHEMA, selectionKey } from "../lib/experiment/selection.ts";
import type { SelectionFile } from "../lib/experiment/selection.ts";
import { kitPath, selectionFile } from "../lib/env.ts";
import { writeFileAtomic } from "../lib/record.ts";
import type { SearchConfig } from "../lib/search/search.ts";
import { mergeSearch, runSearch, SELECTIONS, summaryMarkdown } from "../lib/search/search.ts";
import { METHODS } from "../lib/unlearn/registry.ts";
import { EXPERIMENT_FLAGS, experimentInput, flagHelp, HELP_FLAG, integerFlag, numberFlag, parseFlags, runCommand } from "./flags.ts";

const { methods: _m, metrics: _x, out: _o, name: _n, selection: _s, "selection-name": _sn, "no-selection": _ns, ...SHARED } =
  EXPERIMENT_FLAGS;

const FLAGS = {
  ...SHARED,
  seeds: { type: "string" as const, default: "3", doc: "number of search tasks (seeds)" },
  "first-seed": { type: "string" as const, default: "100", doc: "first search task's seed (apart from the evaluation seeds)" },
  methods: { type: "string" as const, doc: "methods to search (default: every method but retrain, which is the reference)" },
  budget: { type: "string" as const, default: "8", doc: "points per method (the same for every method)" },
  shard: { type: "string" as const, default: "0/1", doc: "k/n: run units k, k+n, … only (0 ≤ k < n; 0/1 runs everything, then merges)" },
  "search-seed": { type: "string" as const, default: "0", doc: "seed of the random points" },
  "lr-shift": { type: "string" as const, default: "0", doc: "shift every learning-rate range by this many decades (sensitivity check)" },
  "utility-drop": { type: "string" as const, default: "5", doc: "selection C: VA may fall this many points below the original's" },
  name: { type: "string" as const, doc: "search name (default <dataset>-<model>-<paradigm>)" },
  out: { type: "string" as const, doc: "search folder (default results/search/<name>)" },
  ...HELP_FLAG,
};

export function searchHelp(): string {
  return [
    "deno task search [flags]                        run (a shard of) a search",
    "deno task search merge DIR…                     score every point: summary.md, best.json",
    "deno task search select DIR… [--selection FILE] write the chosen points (R and C) into the selection file",
    "",
    flagHelp(FLAGS),
  ].join("\n");
}

export function parseSearchFlags(args: string[]): SearchConfig | "help" {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) return "help";
  const input = experimentInput({ ...values, methods: "retrain", metrics: "UA", "no-selection": true });
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
  const budget = integerFlag(values.budget as string, "budget");
  if (budget < 1) throw new KitError(`${budget} is not a positive integer`, "--budget");
  const sm = String(values.shard).match(/^(\d+)\/(\d+)$/);
  if (!sm || Number(sm[1]) >= Number(sm[2])) throw new KitError(`"${values.shard}" is not k/n with 0 ≤ k < n`, "--shard");
  const paradigm = input.paradigms[0];
  const name = (values.name as string | undefined) ?? `${input.dataset ?? "fashion-mnist"}-${input.model ?? "mlp"}-${paradigm}`;
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
    utilityDrop: numberFlag(values["utility-drop"] as string, "utility-drop"),
    shard: { index: Number(sm[1]), count: Number(sm[2]) },
  };
}

/** Writes the chosen points of finished searches into the selection file (R and C per method). */
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
    if (best.schema !== "unlearn-kit/search-best@2") throw new KitError(`best.json has schema ${JSON.stringify(best.schema)}`, dir);
    if (!best.complete) throw new KitError("the search is incomplete (a shard is missing); merge it once every shard is done", dir);
    for (const name of SELECTIONS) {
      for (
        const [method, chosen] of Object.entries(
          best.selections[name] as Record<string, { point: number; searched: Record<string, unknown> } | null>,
        )
      ) {
        if (!chosen) {
          console.error(`${dir}: ${method} (${name}): no point qualified; no selection written`);
          continue;
        }
        const byMethod = ((selection.entries[selectionKey(best.dataset, best.model)] ??= {})[best.paradigm] ??= {});
        (byMethod[method] ??= {})[name] = { options: chosen.searched, source: `${dir}/summary.md (point ${chosen.point})` };
        console.log(`${best.dataset}/${best.model} ${best.paradigm} ${method} (${name}): ${JSON.stringify(chosen.searched)}`);
      }
    }
  }
  await writeFileAtomic(file, JSON.stringify(selection, null, 2) + "\n");
  console.error(`wrote ${file}`);
}

export async function searchMain(args: string[]): Promise<number> {
  if (args[0] === "merge" || args[0] === "select") {
    const parsed = parseFlags(args.slice(1), { selection: { type: "string", doc: "" } }, true);
    const { values } = parsed;
    const positionals = parsed.positionals.map(kitPath);
    if (positionals.length === 0) throw new KitError(`deno task search ${args[0]} DIR… (search folders holding search.json and shards/)`);
    if (args[0] === "select") {
      await selectMain(positionals, values.selection ? kitPath(values.selection as string) : selectionFile());
      return 0;
    }
    for (const dir of positionals) {
      const r = await mergeSearch(dir);
      console.log(summaryMarkdown(r).split("\n## Every point")[0]);
      console.log(`wrote ${dir}/summary.md, best.json${r.missing.length ? ` (${r.missing.length} records missing)` : ""}`);
    }
    return 0;
  }
  const cfg = parseSearchFlags(args);
  if (cfg === "help") {
    console.log(searchHelp());
    return 0;
  }
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
  console.error(
    `shard ${cfg.shard.index}/${cfg.shard.count}: ${fresh} new records in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  if (cfg.shard.count === 1) return searchMain(["merge", cfg.out]);
  console.error(`when every shard is done: deno task search merge ${cfg.out}`);
  return 0;
}

if (import.meta.main) await runCommand("search", searchMain);
