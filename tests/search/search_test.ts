import assert from "node:assert/strict";
import type { DataBundle } from "../../lib/data/types.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import type { SearchConfig, SearchLine } from "../../lib/search/search.ts";
import { mergeSearch, runSearch, SealedTestError, sealTest, searchManifest } from "../../lib/search/search.ts";
import { parseSearchCli } from "../../lib/search/cli.ts";
import { parseCli } from "../../lib/cli.ts";
import type { ExperimentConfig } from "../../lib/experiment.ts";
import { runExperiment } from "../../lib/experiment.ts";
import { SEARCH_SPACES } from "../../lib/search/spaces.ts";
import { METHODS } from "../../lib/unlearn/registry.ts";
import { TINY_BUNDLE, TINY_TRAINING } from "../unlearn/_tiny.ts";

const ALL = Object.keys(METHODS).filter((m) => m !== "retrain");
const cache = await Deno.makeTempDir();
const root = await Deno.makeTempDir();

function config(name: string, extra: Partial<SearchConfig> = {}): SearchConfig {
  return {
    name,
    out: `${root}/${name}`,
    dataset: "synthetic",
    bundle: TINY_BUNDLE,
    paradigm: "classwise",
    model: "mlp",
    modelOptions: { hidden: 8 },
    seeds: [0],
    split: { valFraction: 0.1 },
    training: { ...TINY_TRAINING, epochs: 10 },
    methods: ALL,
    budget: 2,
    objective: "R",
    searchSeed: 0,
    fixed: { iu: { retainSamples: 32 } },
    shard: { index: 0, count: 1 },
    cacheDir: cache,
    backend: "cpu",
    progress: false,
    ...extra,
  };
}

/** What a line says about the method, without timings. */
const essence = (l: SearchLine) => JSON.stringify([l.method, l.point, l.seed, l.status, l.options, l.metrics]);

/** The tiny bundle with its test inputs NaN and every test label moved to the next class. */
function poisoned(b: DataBundle): DataBundle {
  const k = b.test.numClasses;
  return { ...b, test: { ...b.test, x: new Float32Array(b.test.x.length).fill(NaN), y: b.test.y.map((c) => (c + 1) % k) } };
}

const clean = await runSearch(config("clean"));

Deno.test("the search runs every method on a sealed task and never reads the test split", () => {
  // A read of the sealed split throws SealedTestError, which runSearch rethrows; finishing proves none.
  assert.equal(clean.length, 1 + ALL.length * 2);
  for (const l of clean) {
    assert.ok(["ok", "diverged"].includes(l.status), `${l.method} ${l.point}: ${l.error}`);
    if (l.status === "ok") assert.deepEqual(Object.keys(l.metrics).sort(), ["RA", "UA", "VA"]);
    assert.ok(!("TA" in l.metrics) && !("MIA" in l.metrics));
  }
  const task = sealTest(makeForgetTask("tiny", TINY_BUNDLE.train, TINY_BUNDLE.test, { paradigm: "classwise", seed: 0 }));
  assert.throws(() => task.test.y[0], SealedTestError);
  assert.throws(() => task.test.x, SealedTestError);
  assert.throws(() => task.testIdx.length, SealedTestError);
  assert.ok(task.valIdx.length > 0);
});

Deno.test("poisoning the test split (NaN inputs, wrong labels) changes nothing in the search", async () => {
  const dirty = await runSearch(config("poisoned", { bundle: poisoned(TINY_BUNDLE) }));
  assert.deepEqual(dirty.map(essence), clean.map(essence));
  const a = await mergeSearch(`${root}/clean`);
  const b = await mergeSearch(`${root}/poisoned`);
  assert.deepEqual(b.chosen, a.chosen);
});

Deno.test("every method gets the same number of points; point 0 is its defaults", () => {
  const m = searchManifest(config("count"));
  for (const method of ALL) {
    const units = m.units.filter((u) => u.method === method);
    assert.equal(units.length, 2, method);
    assert.ok(method in SEARCH_SPACES, `${method} has a search space`);
  }
  const ft = m.units.find((u) => u.method === "ft" && u.point === 0)!;
  assert.equal(ft.searched.learningRate, ft.options.learningRate);
  assert.equal(m.units[0].method, "retrain");
});

Deno.test("shards run disjoint units, resume, and merge into the single run's result", async () => {
  const n = 3;
  const parts: SearchLine[][] = [];
  for (let k = 0; k < n; k++) parts.push(await runSearch(config("sharded", { name: "clean", shard: { index: k, count: n } })));
  const all = parts.flat();
  assert.equal(new Set(all.map((l) => `${l.method}#${l.point}`)).size, all.length);
  assert.deepEqual(all.map(essence).sort(), clean.map(essence).sort());
  assert.equal((await runSearch(config("sharded", { name: "clean", shard: { index: 1, count: n } }))).length, 0, "resume");
  const merged = await mergeSearch(`${root}/sharded`);
  const single = await mergeSearch(`${root}/clean`);
  assert.deepEqual(merged.chosen, single.chosen);
  assert.equal(merged.missing.length, 0);
  const best = JSON.parse(await Deno.readTextFile(`${root}/sharded/best.json`));
  assert.equal(best.objective, "R");
  assert.deepEqual(Object.keys(best.methods).sort(), [...ALL].sort());
  const log = (await Deno.readTextFile(`${root}/sharded/log.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(log.filter((l) => l.kind === "choice").length, ALL.length);
  assert.match(await Deno.readTextFile(`${root}/sharded/summary.md`), /## Chosen points/);
});

Deno.test("a shard of another search is refused in the same folder", async () => {
  await assert.rejects(runSearch(config("clean", { budget: 3, methods: ["ft"] })), /describes a different search/);
});

Deno.test("search flags: objective, budget, shard, methods", () => {
  const cfg = parseSearchCli(["--dataset=synthetic", "--paradigm=random", "--objective=complete", "--budget", "5", "--shard=2/4"]);
  assert.notEqual(cfg, "help");
  const c = cfg as SearchConfig;
  assert.equal(c.objective, "complete");
  assert.equal(c.budget, 5);
  assert.deepEqual(c.shard, { index: 2, count: 4 });
  assert.ok(!c.methods.includes("retrain") && c.methods.length === ALL.length);
  assert.equal(c.out, "results/search/synthetic-mlp-random-complete");
  assert.throws(() => parseSearchCli(["--shard=4/4"]), /--shard: "4\/4" is not k\/n/);
  assert.throws(() => parseSearchCli(["--metrics=TA"]), /never TA/);
  assert.throws(() => parseSearchCli(["--paradigm=classwise,random"]), /one paradigm per search/);
  assert.throws(() => parseSearchCli(["--objective=best"]), /--objective/);
});

Deno.test("the search and deno task unlearn share the cached original and reproduce each other", async () => {
  const dir = await Deno.makeTempDir();
  const flags = [
    "--dataset=synthetic",
    "--paradigm=random",
    "--seeds=1",
    "--epochs=2",
    "--model-opt=hidden=8",
    `--cache=${dir}/cache`,
    "--backend=cpu",
    "--no-progress",
  ];
  const run = parseCli([...flags, "--methods=ft", "--metrics=UA", `--out=${dir}/run`]) as ExperimentConfig;
  const [record] = await runExperiment({ ...run, useTuned: false });
  const search = parseSearchCli([...flags, "--methods=ft", "--budget=1", "--objective=complete", `--out=${dir}/search`]) as SearchConfig;
  const [line] = await runSearch(search);
  assert.equal(line.original.key, record.original.key);
  // Point 0 is ft's defaults; with the same original and random stream, the run reproduces it.
  assert.equal(line.metrics.UA, record.metrics.UA);
});
