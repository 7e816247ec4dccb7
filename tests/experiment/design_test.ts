import assert from "node:assert/strict";
import { configFromFlags, EXPERIMENT_FLAGS, parseFlags } from "../../cli/flags.ts";
import { parseSearchFlags } from "../../cli/search.ts";
import { datasetSpec } from "../../lib/data/registry.ts";
import { makeForgetTask, subclassCycle } from "../../lib/data/splits.ts";
import { experimentConfig } from "../../lib/experiment/config.ts";
import { DESIGNS, designUnits, searchCoverage } from "../../lib/experiment/design.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { SELECTIONS } from "../../lib/experiment/selection.ts";
import { CORE_METHODS } from "../../lib/unlearn/registry.ts";
import { ROOT } from "../../lib/env.ts";
import { TINY_BUNDLE, TINY_TRAINING } from "../unlearn/_tiny.ts";

const v2 = DESIGNS.v2;
const FASHION = datasetSpec("fashion-mnist").superClasses!;

Deno.test("design v2: class-wise units cycle the class with the seed, every class twice, once in the interim look", () => {
  assert.deepEqual(v2.looks, { interim: 10, final: 20 });
  const units = designUnits(v2, "classwise", 10);
  assert.equal(units.length, 20);
  assert.deepEqual(units.map((u) => u.seed), Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(units.map((u) => u.block), [...Array(10).keys(), ...Array(10).keys()]);
  assert.deepEqual(new Set(units.slice(0, v2.looks.interim).map((u) => u.block)).size, 10, "the interim look holds every class");
  assert.deepEqual(designUnits(v2, "random", 10).map((u) => u.block), Array(20).fill(null));
  assert.deepEqual(v2.selections, [...SELECTIONS]);
  assert.deepEqual(v2.methods, CORE_METHODS);
});

Deno.test("design v2: group sub-classes in turn over every super-class, each sub-class twice", () => {
  assert.deepEqual(subclassCycle(FASHION.ofClass), [0, 5, 1, 2, 7, 3, 4, 9, 8, 6]);
  const units = designUnits(v2, "group", 10, FASHION.ofClass);
  const subs = units.map((u) => u.block!);
  for (let c = 0; c < 10; c++) assert.equal(subs.filter((s) => s === c).length, 2, `sub-class ${c}`);
  // The first three units forget one sub-class of each super-class (evidence v1's five forgot two sub-classes).
  assert.deepEqual(new Set(subs.slice(0, 3).map((s) => FASHION.ofClass[s])).size, 3);
  assert.deepEqual(new Set(subs.slice(0, 10)).size, 10, "the interim look forgets every sub-class once");
});

Deno.test("design v2: the search runs on seeds apart from evaluation and states which classes it saw", () => {
  assert.deepEqual(v2.searchSeeds, [100, 101, 102]);
  assert.ok(v2.searchSeeds.every((s) => s >= v2.seeds), "disjoint from the evaluation seeds 0 … 19");
  assert.deepEqual(searchCoverage(v2, "classwise", 10), { seen: [0, 1, 2], unseen: [3, 4, 5, 6, 7, 8, 9] });
  assert.deepEqual(searchCoverage(v2, "group", 10, FASHION.ofClass), { seen: [0, 1, 5], unseen: [2, 3, 4, 6, 7, 8, 9] });
  assert.deepEqual(searchCoverage(v2, "random", 10), { seen: [], unseen: [] });
  // The search CLI applies the design's target rule and refuses evaluation seeds.
  const search = parseSearchFlags(["--design=v2", "--dataset=synthetic", "--paradigm=classwise"]);
  assert.ok(search !== "help");
  assert.equal(search.experiment.design, "v2");
  assert.equal(search.experiment.split?.forgetTarget, "cycle");
  assert.deepEqual(search.experiment.seeds, v2.searchSeeds, "the design's search seeds");
  const own = parseSearchFlags(["--design=v2", "--seeds=2", "--first-seed=200"]);
  assert.ok(own !== "help");
  assert.deepEqual(own.experiment.seeds, [200, 201], "seeds given win");
  assert.throws(
    () => parseSearchFlags(["--design=v2", "--first-seed=18"]),
    /--seeds\/--first-seed: search task seed\(s\) 18, 19 are evaluation seeds/,
  );
});

Deno.test("the split's forgetTarget: cycle takes class seed mod K and the sub-class cycle; a given class wins", () => {
  const { train, test } = TINY_BUNDLE;
  const task = (paradigm: "classwise" | "group", seed: number, extra = {}) =>
    makeForgetTask("tiny", train, test, { paradigm, seed, forgetTarget: "cycle", ...extra }, { names: ["a", "b"], ofClass: [0, 1, 0] });
  assert.deepEqual([3, 4, 5].map((s) => task("classwise", s).forgotten.class), [0, 1, 2]);
  assert.equal(task("classwise", 4, { forgetClass: 2 }).forgotten.class, 2);
  // Super-classes a = {0, 2}, b = {1}: the cycle is 0, 1, 2.
  assert.deepEqual([0, 1, 2, 3].map((s) => task("group", s).forgotten.subclass), [0, 1, 2, 0]);
  assert.throws(
    () => makeForgetTask("tiny", train, test, { paradigm: "classwise", seed: 0, forgetTarget: "nope" as "draw" }),
    /split option forgetTarget: "nope" is not draw or cycle/,
  );
});

Deno.test("--design v2 fills what is not given; flags given narrow it (a slice of the design)", () => {
  const full = experimentConfig({ design: "v2", selection: null });
  assert.equal(full.design, "v2");
  assert.deepEqual(full.paradigms, ["classwise", "random", "group"]);
  assert.deepEqual(full.seeds, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(full.split.forgetTarget, "cycle");
  assert.equal(full.protocol?.file, `${ROOT}results/protocol.json`, "the runs are made under the v2 protocol");
  assert.deepEqual(full.runs.map((r) => `${r.method}:${r.selection}`), CORE_METHODS.flatMap((m) => SELECTIONS.map((s) => `${m}:${s}`)));
  const slice = configFromFlags(
    parseFlags(["--design", "v2", "--paradigm", "classwise,random", "--seeds", "3", "--methods", "retrain,ugradsl"], EXPERIMENT_FLAGS)
      .values,
  );
  assert.deepEqual(slice.paradigms, ["classwise", "random"]);
  assert.deepEqual(slice.seeds, [0, 1, 2]);
  assert.equal(slice.split.forgetTarget, "cycle");
  assert.deepEqual([...new Set(slice.runs.map((r) => r.method))], ["retrain", "ugradsl"]);
  assert.equal(experimentConfig({}).design, "none");
  assert.equal(experimentConfig({}).split.forgetTarget, "draw");
  assert.throws(() => experimentConfig({ design: "v9" }), /design \(--design\): unknown value\(s\) "v9": valid values are none, v2/);
});

Deno.test("a design's units of one method share one configuration hash; run ids carry the class", async () => {
  const out = await Deno.makeTempDir();
  const records = await runExperiment(experimentConfig({
    design: "v2",
    dataset: "synthetic",
    bundle: TINY_BUNDLE,
    modelOptions: { hidden: 8 },
    paradigms: ["classwise"],
    seeds: 4,
    methods: ["retrain", "ft"],
    selection: null,
    metrics: ["UA", "RA", "VA"],
    training: { ...TINY_TRAINING, epochs: 3 },
    cacheDir: `${out}/cache`,
    out,
    backend: "cpu",
    progress: false,
  }));
  assert.equal(records.length, 8);
  for (const r of records) {
    assert.equal(r.split.options.forgetTarget, "cycle");
    assert.equal(r.split.forgotten.class, r.seed % 3);
    assert.equal(r.runId, `synthetic/classwise/class${r.seed % 3}/${r.method}/seed${r.seed}`);
    assert.ok(r.protocol?.sha256, "made under the protocol");
  }
  // The class varies with the unit (seed), not the configuration: a table averages a method over every unit.
  for (const method of ["retrain", "ft"]) {
    assert.equal(new Set(records.filter((r) => r.method === method).map((r) => r.configHash)).size, 1);
  }
  await Deno.remove(out, { recursive: true });
});
