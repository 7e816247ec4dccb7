import assert from "node:assert/strict";
import { parseSearchFlags, selectMain } from "../../cli/search.ts";
import { defaultsOf } from "../../lib/config.ts";
import type { DataBundle } from "../../lib/data/types.ts";
import { resolveMethodOptions } from "../../lib/experiment/options.ts";
import { clearSelectionCache } from "../../lib/experiment/selection.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { experimentConfig } from "../../lib/experiment/config.ts";
import type { RunRecord } from "../../lib/record.ts";
import type { SearchConfig } from "../../lib/search/search.ts";
import { KIT_ROOT } from "../_kit_copy.ts";
import { readSearch, runSearch, scoreSearch, SEARCH_METRICS, searchManifest } from "../../lib/search/search.ts";
import { mergeSearch } from "../../lib/search/merge.ts";
import { searchPoints, shiftSpace } from "../../lib/search/spaces.ts";
import { METHODS, methodSpec } from "../../lib/unlearn/registry.ts";
import { record } from "../report/_records.ts";
import { TINY_BUNDLE, tinySearchExperiment } from "../unlearn/_tiny.ts";

const ALL = Object.keys(METHODS).filter((m) => m !== "retrain");
const cache = await Deno.makeTempDir();
const root = await Deno.makeTempDir();

function config(name: string, extra: Partial<SearchConfig> = {}, experiment: Partial<SearchConfig["experiment"]> = {}): SearchConfig {
  return {
    name,
    out: `${root}/${name}`,
    experiment: { ...tinySearchExperiment(cache), ...experiment },
    paradigm: "classwise",
    methods: ALL,
    budget: 2,
    searchSeed: 0,
    fixed: { iu: { retainSamples: 32 } },
    learningRateShift: 0,
    shard: { index: 0, count: 1 },
    // Widening rounds are tested on their own (rounds_test.ts); here a search is its round 0.
    maxRounds: 0,
    ...extra,
  };
}

/** What a record says about the point, without timings, dates and the cache flag. */
const essence = (r: RunRecord) => JSON.stringify([r.method, r.tags, r.seed, r.status, r.methodOptions, r.metrics, r.configHash]);
/** The same without the configuration hash, which covers the data's checksum (a poisoned test split changes it). */
const outcome = (r: RunRecord) => JSON.stringify([r.method, r.tags, r.seed, r.status, r.methodOptions, r.metrics]);

/** The tiny bundle with its test inputs NaN and every test label moved to the next class. */
function poisoned(b: DataBundle): DataBundle {
  const k = b.test.numClasses;
  return { ...b, test: { ...b.test, x: new Float32Array(b.test.x.length).fill(NaN), y: b.test.y.map((c) => (c + 1) % k) } };
}

const clean = await runSearch(config("clean"));

Deno.test("every method gets the same number of points from its own file's space; point 0 is its defaults", () => {
  const m = searchManifest(config("count", { budget: 3 }));
  assert.deepEqual(m.units[0], { method: "retrain", point: 0, reference: true, searched: {}, options: { epochs: 0 } });
  for (const method of ALL) {
    const spec = methodSpec(method);
    const units = m.units.filter((u) => u.method === method);
    assert.deepEqual(units.map((u) => u.point), [0, 1, 2], method);
    const space = Object.keys(spec.searchSpace).filter((k) => !(method === "iu" && k === "retainSamples"));
    assert.ok(space.length > 0, `${method} has a search space`);
    // Point 0: the defaults (with the fixed options), every point a full set of valid options.
    const defaults = { ...defaultsOf(spec.options), ...(method === "iu" ? { retainSamples: 32 } : {}) };
    assert.deepEqual(units[0].options, defaults, method);
    assert.deepEqual(Object.keys(units[0].searched).sort(), space.sort(), method);
    for (const u of units) assert.deepEqual(u.options, { ...defaults, ...u.searched }, `${method} ${u.point}`);
    assert.notDeepEqual(units[1].searched, units[0].searched, `${method}: a draw is not the defaults again`);
  }
  // The draws are seeded by the search seed and the method: every shard draws the same points.
  assert.deepEqual(searchManifest(config("again", { budget: 3 })).units, m.units);
  assert.notDeepEqual(searchManifest(config("other", { budget: 3, searchSeed: 1 })).units, m.units);
  // Fixed options leave the space; a learning-rate shift moves the range by decades.
  const ft = searchPoints("ft", { learningRate: { kind: "log", min: 1e-3, max: 1e-1 } }, { learningRate: 0.01 }, 5, 0);
  assert.equal(ft.length, 5);
  const shifted = shiftSpace({ learningRate: { kind: "log", min: 1e-3, max: 1e-1 } }, -1).learningRate as { min: number; max: number };
  assert.ok(Math.abs(shifted.min - 1e-4) < 1e-15 && Math.abs(shifted.max - 1e-2) < 1e-15, JSON.stringify(shifted));
  const fixed = searchManifest(config("fixed", { methods: ["ft"], fixed: { ft: { epochs: 2 } } }));
  assert.ok(fixed.units.filter((u) => u.method === "ft").every((u) => !("epochs" in u.searched) && u.options.epochs === 2));
});

Deno.test("the search runs every method on a sealed task and never reads the test split", () => {
  // A read of the sealed split throws SealedTestError, which runSearch rethrows; finishing proves none.
  assert.equal(clean.length, 1 + ALL.length * 2);
  for (const r of clean) {
    assert.ok(["ok", "diverged"].includes(r.status), `${r.method} ${r.tags.point}: ${r.error}`);
    assert.equal(r.tags.search, "clean");
    assert.equal(r.variant, null);
    assert.equal(r.optionLayers.selection, null, "a search point never starts from a selection");
    if (r.status === "ok") assert.deepEqual(Object.keys(r.metrics).sort(), ["RA", "UA", "VA"]);
    assert.ok(!("TA" in r.metrics) && !("MIA" in r.metrics));
  }
  assert.equal(clean[0].method, "retrain");
  assert.equal(clean[0].tags.reference, true);
});

Deno.test("poisoning the test split (NaN inputs, wrong labels) changes nothing in the search", async () => {
  // Its own cache: the original is trained again beside the poisoned test split, not loaded.
  const dirty = await runSearch(
    config("clean", { out: `${root}/poisoned` }, { bundle: poisoned(TINY_BUNDLE), cacheDir: await Deno.makeTempDir() }),
  );
  assert.ok(dirty.every((r) => !r.original.cached));
  assert.deepEqual(dirty.map(outcome), clean.map(outcome));
  assert.ok(dirty.every((r, i) => r.configHash !== clean[i].configHash), "the data checksum is part of the configuration");
  const a = await mergeSearch(`${root}/clean`);
  const b = await mergeSearch(`${root}/poisoned`);
  assert.deepEqual(b.chosen, a.chosen);
  assert.deepEqual(b.rounds[0].points.map((p) => p.metrics), a.rounds[0].points.map((p) => p.metrics));
});

Deno.test("two shards run one after the other merge into the single run's search: same points, same selections", async () => {
  const n = 2;
  const parts: RunRecord[][] = [];
  for (let k = 0; k < n; k++) parts.push(await runSearch(config("clean", { out: `${root}/sharded`, shard: { index: k, count: n } })));
  const all = parts.flat();
  assert.equal(new Set(all.map((r) => `${r.method}#${r.tags.point}`)).size, all.length, "disjoint units");
  assert.deepEqual(all.map(essence).sort(), clean.map(essence).sort());
  for (let k = 0; k < n; k++) {
    const lines = (await Deno.readTextFile(`${root}/sharded/shards/${k}-of-${n}/records.jsonl`)).trim().split("\n");
    assert.equal(lines.length, parts[k].length);
  }
  // A shard run again resumes: nothing new is computed or written.
  let fresh = 0;
  const again = await runSearch(config("clean", { out: `${root}/sharded`, shard: { index: 1, count: n } }), {
    onRecord: (_r, resumed) => void (resumed || fresh++),
  });
  assert.equal(fresh, 0);
  assert.deepEqual(again.map(essence), parts[1].map(essence));
  const merged = await mergeSearch(`${root}/sharded`);
  const single = await mergeSearch(`${root}/clean`);
  assert.deepEqual(merged.chosen, single.chosen);
  assert.deepEqual(merged.rounds[0].points, single.rounds[0].points);
  assert.deepEqual(merged.reference, single.reference);
  assert.equal(merged.missing.length, 0);
  const best = JSON.parse(await Deno.readTextFile(`${root}/sharded/best.json`));
  assert.equal(best.complete, true);
  assert.deepEqual(Object.keys(best.selections), ["R", "C", "C5"]);
  assert.deepEqual(Object.keys(best.selections.R).sort(), [...ALL].sort());
  assert.equal(
    await Deno.readTextFile(`${root}/sharded/best.json`),
    await Deno.readTextFile(`${root}/clean/best.json`),
    "the same best.json",
  );
  const summary = await Deno.readTextFile(`${root}/sharded/summary.md`);
  assert.match(summary, /## Selection R: lowest ValGap/);
  assert.match(summary, /## Selection C: highest UA among points with VA ≥ the original's VA − 15 points/);
  assert.match(summary, /## Selection C5: highest UA among points with VA ≥ the original's VA − 5 points/);
  assert.match(summary, /## Budget per method/);
  assert.match(summary, /the test split was sealed \(never read\)/);
});

Deno.test("a shard of another search is refused in the same folder; a half-run search is incomplete", async () => {
  await assert.rejects(runSearch(config("clean", { budget: 3, methods: ["ft"] })), /search\.json: describes a different search/);
  const half = config("half", { methods: ["ft"], shard: { index: 0, count: 2 } });
  await runSearch(half);
  const r = await mergeSearch(half.out);
  assert.ok(r.missing.length > 0);
  assert.match(await Deno.readTextFile(`${half.out}/summary.md`), /\*\*Incomplete\*\*/);
  assert.equal(JSON.parse(await Deno.readTextFile(`${half.out}/best.json`)).complete, false);
  await assert.rejects(selectMain([half.out], `${root}/never.json`), /the search is incomplete/);
  await assert.rejects(Deno.stat(`${root}/never.json`), Deno.errors.NotFound);
});

/** A hand-made search record: a unit on one task. */
function point(method: string, p: number, seed: number, m: Record<string, number> | "diverged" | "failed", name = "hand"): RunRecord {
  const base = record(method, seed, typeof m === "string" ? {} : m, {
    tags: { search: name, point: p, ...(method === "retrain" ? { reference: true } : {}) },
    configHash: `${method}-${p}`,
  });
  return {
    ...base,
    status: typeof m === "string" ? m : "ok",
    original: { ...base.original, valAcc: 0.9 },
  };
}

Deno.test("selections R, C (15-point bound) and C5 (5-point bound) follow the documented rules", async () => {
  const manifest = searchManifest(config("hand", { methods: ["ft", "ga"], budget: 4 }, { seeds: [100, 101] }));
  const ref = { 100: { UA: 10, RA: 100, VA: 90 }, 101: { UA: 20, RA: 100, VA: 90 } };
  const records: RunRecord[] = [
    point("retrain", 0, 100, ref[100]),
    point("retrain", 0, 101, ref[101]),
    // ft: ValGap 6, 4, 6, 4; UA 30, 18, 30, 18; VA 87, 84, 91, 84 (the original's VA is 90, the bound 85).
    point("ft", 0, 100, { UA: 25, RA: 100, VA: 87 }),
    point("ft", 0, 101, { UA: 35, RA: 100, VA: 87 }),
    point("ft", 1, 100, { UA: 13, RA: 97, VA: 84 }),
    point("ft", 1, 101, { UA: 23, RA: 97, VA: 84 }),
    point("ft", 2, 100, { UA: 22, RA: 99, VA: 89 }),
    point("ft", 2, 101, { UA: 38, RA: 99, VA: 93 }),
    point("ft", 3, 100, { UA: 13, RA: 97, VA: 84 }),
    point("ft", 3, 101, { UA: 23, RA: 97, VA: 84 }),
    // ga: point 0 is perfect on one task and diverged on the other; point 2 lacks a task; point 3 failed on one.
    point("ga", 0, 100, ref[100]),
    point("ga", 0, 101, "diverged"),
    point("ga", 1, 100, { UA: 50, RA: 90, VA: 80 }),
    point("ga", 1, 101, { UA: 50, RA: 90, VA: 80 }),
    point("ga", 2, 100, ref[100]),
    point("ga", 3, 100, { UA: 99, RA: 100, VA: 90 }),
    point("ga", 3, 101, "failed"),
    // Ignored: another search's record, and a per-epoch snapshot.
    point("ft", 1, 100, { UA: 10, RA: 100, VA: 90 }, "other"),
    { ...point("ft", 1, 101, { UA: 20, RA: 100, VA: 90 }), tags: { search: "hand", point: 1, epoch: 1 } },
  ];
  const r = await scoreSearch(manifest, records);
  const ft = (p: number) => r.points.find((x) => x.method === "ft" && x.point === p)!;
  assert.deepEqual([0, 1, 2, 3].map((p) => ft(p).metrics.ValGap), [6, 4, 6, 4]);
  assert.deepEqual([0, 1, 2, 3].map((p) => ft(p).metrics.UA), [30, 18, 30, 18]);
  assert.equal(ft(0).metrics.originalVA, 90);
  assert.equal(ft(0).status, "ok,ok");
  // R: the lowest ValGap (mean |UA, RA, VA − Retrain's| over the tasks); a tie keeps the lower point.
  assert.equal(r.chosen.R.ft!.point, 1);
  // C5: the highest UA among points whose VA stays within 5 points of the original's (84 < 85 is out);
  // a tie on UA goes to the higher VA.
  assert.equal(r.chosen.C5.ft!.point, 2);
  // C: the same within 15 points (84 ≥ 75 is in): the same point here, as UA ties go to the higher VA.
  assert.equal(r.chosen.C.ft!.point, 2);
  // A point that diverged, failed or is missing on any task is never chosen, however good elsewhere.
  assert.equal(r.chosen.R.ga!.point, 1);
  assert.equal(r.chosen.C5.ga, null, "no ga point keeps VA within 5 points on every task");
  // The 15-point bound admits ga's point 1 (VA 80 ≥ 90 − 15), which the 5-point bound refuses.
  assert.equal(r.chosen.C.ga!.point, 1);
  // The usable budget: ga drew 4 points, of which 1 ran ok on every task (one diverged, one failed, one missing).
  assert.deepEqual(r.usable.ga, { drawn: 4, usable: 1, diverged: 1, failed: 1 });
  assert.deepEqual(r.usable.ft, { drawn: 4, usable: 4, diverged: 0, failed: 0 });
  const ga0 = r.points.find((x) => x.method === "ga" && x.point === 0)!;
  assert.equal(ga0.status, "ok,diverged");
  assert.ok(Number.isNaN(ga0.metrics.ValGap));
  assert.deepEqual(r.missing, ["ga#2#101"]);
  assert.deepEqual(r.reference, { UA: 15, RA: 100, VA: 90 });
  // A later record of a unit (a rerun) replaces the earlier.
  const rerun = await scoreSearch(manifest, [...records, point("ft", 0, 100, { UA: 10, RA: 100, VA: 90 })]);
  assert.equal(rerun.chosen.R.ft!.point, 0);
  // Without Retrain there is no ValGap and no R; C needs no reference.
  const noRef = await scoreSearch(manifest, records.filter((x) => x.method !== "retrain"));
  assert.equal(noRef.chosen.R.ft, null);
  assert.equal(noRef.chosen.C5.ft!.point, 2);
  assert.deepEqual([...SEARCH_METRICS], ["UA", "RA", "VA"]);
});

Deno.test("select writes the chosen points into a selection file that runs then start from", async () => {
  const file = `${root}/selection.json`;
  await selectMain([`${root}/clean`], file);
  const best = JSON.parse(await Deno.readTextFile(`${root}/clean/best.json`));
  const setting = { dataset: "synthetic", model: "mlp", paradigm: "classwise" };
  clearSelectionCache();
  for (const name of ["R", "C", "C5"] as const) {
    for (const method of ["ft", "ugradsl"]) {
      const chosen = best.selections[name][method];
      const resolved = resolveMethodOptions(method, setting, { file, name }, undefined, method);
      if (!chosen) {
        assert.equal(resolved.layers.selection, null, `${method} (${name}): nothing chosen, nothing selected`);
        continue;
      }
      assert.deepEqual(resolved.layers.selection!.options, chosen.searched);
      assert.match(resolved.layers.selection!.source, new RegExp(`clean/summary\\.md \\(round 0, point ${chosen.point}\\)`));
      assert.deepEqual(resolved.options, { ...defaultsOf(methodSpec(method).options), ...chosen.searched });
    }
  }
  // A second search's selections are added beside the first's, not over them.
  const { manifest } = await readSearch(`${root}/clean`);
  assert.equal(manifest.name, "clean");
  const text = JSON.parse(await Deno.readTextFile(file));
  assert.deepEqual(Object.keys(text.entries), ["synthetic/mlp"]);
  assert.deepEqual(Object.keys(text.entries["synthetic/mlp"]), ["classwise"]);
});

Deno.test("search flags: budget, shard, methods, defaults; bad values name their flag", () => {
  const cfg = parseSearchFlags(["--dataset=synthetic", "--paradigm=random", "--budget", "5", "--shard=1/4", "--set=ft.epochs=2"]);
  assert.notEqual(cfg, "help");
  const c = cfg as SearchConfig;
  assert.equal(c.budget, 5);
  assert.deepEqual(c.shard, { index: 1, count: 4 });
  assert.equal(c.paradigm, "random");
  assert.ok(!c.methods.includes("retrain") && c.methods.length === ALL.length);
  assert.equal(c.name, "synthetic-mlp-random");
  assert.equal(c.experiment.model, "mlp", "the default model is named in the manifest, best.json and the selection keys");
  assert.equal((parseSearchFlags([]) as SearchConfig).experiment.dataset, "fashion-mnist");
  assert.equal(c.out, `${KIT_ROOT}results/search/synthetic-mlp-random`, "relative to the kit's folder");
  assert.deepEqual(c.fixed, { ft: { epochs: 2 } });
  assert.equal(c.experiment.seeds, 3, "three search tasks by default");
  assert.equal(c.experiment.firstSeed, 100, "apart from the evaluation seeds");
  assert.equal(
    parseSearchFlags(["--dataset=synthetic"]) !== "help" && (parseSearchFlags(["--dataset=synthetic"]) as SearchConfig).budget,
    "rule",
  );
  assert.equal(c.maxRounds, 3, "widening rounds by default");
  assert.equal(parseSearchFlags(["--help"]), "help");
  assert.throws(() => parseSearchFlags(["--shard=4/4"]), /--shard: "4\/4" is not k\/n/);
  assert.throws(() => parseSearchFlags(["--metrics=TA"]), /--metrics: unknown flag/);
  assert.throws(() => parseSearchFlags(["--paradigm=classwise,random"]), /one paradigm per search/);
  assert.throws(() => parseSearchFlags(["--methods=retrain"]), /--methods: nothing to search/);
  assert.throws(() => parseSearchFlags(["--methods=ft,nope"]), /--methods: unknown method "nope"/);
  assert.throws(() => parseSearchFlags(["--budget=0"]), /--budget: 0 is not a positive integer, or rule/);
  assert.throws(() => parseSearchFlags(["--round=4"]), /--round: 4 is not a round in 0 … 3/);
});

Deno.test("the search and an ordinary run share the cached original and reproduce each other", async () => {
  const dir = await Deno.makeTempDir();
  const experiment = {
    dataset: "synthetic",
    modelOptions: { hidden: 8 },
    seeds: [0],
    training: { epochs: 2 },
    cacheDir: `${dir}/cache`,
    backend: "cpu",
    progress: false,
  };
  const [record] = await runExperiment(experimentConfig({
    ...experiment,
    paradigms: ["random"],
    methods: ["ft"],
    metrics: ["UA", "RA", "VA"],
    selection: null,
    out: `${dir}/run`,
  }));
  const search = config("reproduce", { out: `${dir}/search`, methods: ["ft"], budget: 1, paradigm: "random" }, {
    ...experiment,
    bundle: undefined,
  });
  const [, point0] = await runSearch(search);
  assert.equal(point0.original.key, record.original.key);
  assert.equal(point0.original.cached, true);
  // Point 0 is ft's defaults; with the same original and random stream, it is the same run.
  assert.deepEqual(point0.methodOptions, record.methodOptions);
  assert.deepEqual(point0.metrics, record.metrics);
  await Deno.remove(dir, { recursive: true });
});
