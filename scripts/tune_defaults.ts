/**
 * Writes results/search/tuned.json from finished searches: for each search folder's best.json, the
 * chosen point's searched options become the defaults of that method in that data set/model and
 * paradigm. Only complete searches (every unit ran) are taken. Nothing here is typed by hand.
 *
 *   deno run -A scripts/tune_defaults.ts results/search/fashion-mnist-mlp-classwise-R …
 */
interface Best {
  schema: string;
  dataset: string;
  model: string;
  paradigm: string;
  objective: string;
  complete: boolean;
  methods: Record<string, { point: number; searched: Record<string, unknown> } | null>;
}

const TUNED = "results/search/tuned.json";
if (Deno.args.length === 0) {
  console.error("usage: deno run -A scripts/tune_defaults.ts SEARCH_DIR…");
  Deno.exit(2);
}
const tuned = JSON.parse(await Deno.readTextFile(TUNED));
for (const dir of Deno.args.map((d) => d.replace(/\/+$/, ""))) {
  const file = `${dir}/best.json`;
  const best: Best = JSON.parse(await Deno.readTextFile(file));
  if (best.schema !== "unlearn-kit/search-best@1") throw new Error(`${file}: field "schema" is ${best.schema}`);
  if (!best.complete) throw new Error(`${file}: the search is incomplete (a shard is missing); merge it first`);
  const key = `${best.dataset}/${best.model}`;
  for (const [method, chosen] of Object.entries(best.methods)) {
    if (!chosen) {
      console.error(`${file}: ${method}: no point finished without diverging; no tuned default`);
      continue;
    }
    ((tuned.entries[key] ??= {})[best.paradigm] ??= {})[method] = {
      options: chosen.searched,
      source: `${dir}/summary.md (point ${chosen.point})`,
      objective: best.objective,
    };
    console.log(`${key} ${best.paradigm} ${method}: ${JSON.stringify(chosen.searched)}`);
  }
}
await Deno.writeTextFile(TUNED, JSON.stringify(tuned, null, 2) + "\n");
