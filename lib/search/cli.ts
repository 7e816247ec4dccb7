/**
 * `deno task search`: flags → SearchConfig → runSearch (one shard) → mergeSearch.
 *
 *   deno task search --paradigm classwise --objective R --budget 8 [--shard k/n] [unlearn flags]
 *   deno task search merge results/search/<name>
 *
 * The data, model, split and training flags are `deno task unlearn`'s (lib/cli.ts); `--set m.k=v`
 * fixes an option for every point of method m. A sharded run (`--shard k/n`, 0 ≤ k < n) only appends to
 * its own shards/log-k-of-n.jsonl; run `merge` once every shard is done (docs/search.md). Without
 * `--shard` the one process runs everything and merges.
 */
import { helpText, parseCli } from "../cli.ts";
import { PARADIGMS } from "../data/splits.ts";
import type { ExperimentConfig } from "../experiment.ts";
import { METHODS } from "../unlearn/registry.ts";
import type { Objective, SearchConfig } from "./search.ts";
import { mergeSearch, OBJECTIVES, runSearch, summaryMarkdown } from "./search.ts";

const OWN = {
  budget: "points per method (the same for every method; default 8)",
  objective: `${OBJECTIVES.join("|")}: maximise UA+RA+VA, or minimise the Avg. Gap to Retrain (default R)`,
  shard: "k/n: run units k, k+n, … only (0 ≤ k < n; default 0/1, everything, then merge)",
  "search-seed": "seed of the random points (default 0)",
  name: "search name (default <dataset>-<model>-<paradigm>-<objective>)",
  out: "search folder (default results/search/<name>)",
} as const;

export function searchHelp(): string {
  return [
    "deno task search [flags]          run (a shard of) a search",
    "deno task search merge DIR…       join shards into log.jsonl, summary.md, best.json",
    "",
    "Search flags:",
    ...Object.entries(OWN).map(([k, d]) => `  --${k} VALUE  ${d}`),
    "  --methods LIST  methods to search (default: every method but retrain, which is the reference)",
    "",
    "Data, model, split and training flags as deno task unlearn (--metrics is not used: the search reads UA, RA, VA):",
    helpText().split("\n").filter((l) => l.startsWith("  --")).join("\n"),
  ].join("\n");
}

/** Takes `--key value` / `--key=value` for the search's own keys out of `args`. */
function extract(args: string[], keys: readonly string[]): { own: Record<string, string>; rest: string[] } {
  const own: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = args[i].match(/^--([^=]+)(?:=(.*))?$/);
    if (m && keys.includes(m[1])) {
      const value = m[2] ?? args[++i];
      if (value === undefined) throw new Error(`--${m[1]}: missing value`);
      own[m[1]] = value;
    } else {
      rest.push(args[i]);
    }
  }
  return { own, rest };
}

export function parseSearchCli(args: string[]): SearchConfig | "help" {
  const { own, rest } = extract(args, [...Object.keys(OWN), "methods", "metrics"]);
  if (own.metrics !== undefined) throw new Error("--metrics: the search always reads UA, RA and VA (never TA or MIA)");
  const base = parseCli([...rest, ...(own.methods ? [`--methods=${own.methods}`] : [])]);
  if (base === "help") return "help";
  const cfg = base as ExperimentConfig;
  if (cfg.paradigms.length !== 1) {
    throw new Error(`--paradigm: one paradigm per search (got ${cfg.paradigms.join(", ")}); valid values are ${PARADIGMS.join(", ")}`);
  }
  const objective = (own.objective ?? "R") as Objective;
  if (!OBJECTIVES.includes(objective)) throw new Error(`--objective: "${objective}" is not one of ${OBJECTIVES.join(", ")}`);
  const budget = Number(own.budget ?? "8");
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`--budget: "${own.budget}" is not a positive integer`);
  const searchSeed = Number(own["search-seed"] ?? "0");
  if (!Number.isInteger(searchSeed)) throw new Error(`--search-seed: "${own["search-seed"]}" is not an integer`);
  const shardRaw = own.shard ?? "0/1";
  const sm = shardRaw.match(/^(\d+)\/(\d+)$/);
  if (!sm || Number(sm[1]) >= Number(sm[2])) throw new Error(`--shard: "${shardRaw}" is not k/n with 0 ≤ k < n`);
  const methods = own.methods ? cfg.methods.filter((m) => m !== "retrain") : Object.keys(METHODS).filter((m) => m !== "retrain");
  if (methods.length === 0) throw new Error("--methods: nothing to search (retrain is the reference, not a searched method)");
  const paradigm = cfg.paradigms[0];
  const name = own.name ?? `${cfg.dataset}-${cfg.model}-${paradigm}-${objective}`;
  return {
    name,
    out: own.out ?? `results/search/${name}`,
    dataset: cfg.dataset,
    dataDir: cfg.dataDir,
    paradigm,
    model: cfg.model,
    modelOptions: cfg.modelOptions,
    seeds: cfg.seeds,
    split: cfg.split,
    training: cfg.training,
    methods,
    budget,
    objective,
    searchSeed,
    fixed: cfg.methodOptions,
    shard: { index: Number(sm[1]), count: Number(sm[2]) },
    cacheDir: cfg.cacheDir,
    backend: cfg.backend,
    progress: cfg.progress,
  };
}

/** The whole command; returns the exit status. */
export async function searchMain(args: string[]): Promise<number> {
  if (args[0] === "merge") {
    if (args.length < 2) {
      console.error("error: deno task search merge DIR… (a search folder holding search.json and shards/)");
      return 2;
    }
    for (const dir of args.slice(1)) {
      const r = await mergeSearch(dir);
      console.log(summaryMarkdown(r).split("\n## Every point")[0]);
      console.log(`wrote ${dir}/log.jsonl, summary.md, best.json${r.missing.length ? ` (${r.missing.length} lines missing)` : ""}`);
    }
    return 0;
  }
  let cfg: SearchConfig | "help";
  try {
    cfg = parseSearchCli(args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n(see deno task search --help)`);
    return 2;
  }
  if (cfg === "help") {
    console.log(searchHelp());
    return 0;
  }
  const started = performance.now();
  const lines = await runSearch(cfg, {
    onLine: (l) =>
      console.error(
        `${l.method} point ${l.point} seed ${l.seed}: ${l.status}` +
          (l.status === "ok"
            ? `  UA ${l.metrics.UA.toFixed(1)} RA ${l.metrics.RA.toFixed(1)} VA ${l.metrics.VA.toFixed(1)}`
            : ` (${l.error})`) +
          `  ${l.rteSeconds.toFixed(1)}s`,
      ),
  });
  console.error(
    `shard ${cfg.shard.index}/${cfg.shard.count}: ${lines.length} new lines in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  if (cfg.shard.count === 1) return searchMain(["merge", cfg.out]);
  console.error(`when every shard is done: deno task search merge ${cfg.out}`);
  return 0;
}
