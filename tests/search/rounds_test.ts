import assert from "node:assert/strict";
import { searchMain, selectMain } from "../../cli/search.ts";
import type { SearchSpace } from "../../lib/config.ts";
import { choice, intRange, logUniform, uniform } from "../../lib/config.ts";
import type { SearchConfig } from "../../lib/search/search.ts";
import { runSearch, searchManifest } from "../../lib/search/search.ts";
import { mergeSearch } from "../../lib/search/merge.ts";
import { BUDGET_RULE, budgetFor, edgeSide, edgesOf, widenedSpace, widenRange } from "../../lib/search/rules.ts";
import { methodSpec } from "../../lib/unlearn/registry.ts";
import { tinySearchExperiment } from "../unlearn/_tiny.ts";

const root = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();

function config(name: string, extra: Partial<SearchConfig> = {}): SearchConfig {
  return {
    name,
    out: `${root}/${name}`,
    experiment: tinySearchExperiment(cache),
    paradigm: "classwise",
    methods: ["ft"],
    budget: "rule",
    searchSeed: 0,
    fixed: {},
    learningRateShift: 0,
    shard: { index: 0, count: 1 },
    ...extra,
  };
}

Deno.test("the budget rule: 10 points per searched dimension, at least 20; every method's budget follows its own space", () => {
  assert.deepEqual(BUDGET_RULE, { pointsPerDimension: 10, minimum: 20 });
  const space = (n: number): SearchSpace => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, uniform(0, 1)]));
  assert.deepEqual([0, 1, 2, 3, 5].map((n) => budgetFor(space(n))), [20, 20, 20, 30, 50]);
  const m = searchManifest(config("budgets", { methods: ["ft", "ugradsl+", "iu"] }));
  // FT searches learning rate, epochs and clipping (3 → 30 points); UGradSL+ adds p and α (5 → 50); IU has 2 knobs (→ 20).
  assert.deepEqual(m.budgets, { ft: 30, "ugradsl+": 50, iu: 20 });
  for (const [method, n] of Object.entries(m.budgets)) assert.equal(m.units.filter((u) => u.method === method).length, n, method);
  // Fixing an option takes it out of the space, and out of the budget.
  const fixed = searchManifest(config("fixed", { methods: ["ft"], fixed: { ft: { clipNorm: 0 } } }));
  assert.equal(fixed.budgets.ft, 20);
  // A number gives every method that many points.
  assert.deepEqual(searchManifest(config("flat", { methods: ["ft", "ugradsl+"], budget: 4 })).budgets, { ft: 4, "ugradsl+": 4 });
});

Deno.test("every method with a gradient step searches the same learning rates (1e-5 … 1) and clipping (none, 1, 10)", () => {
  for (const method of ["ft", "ga", "ugradsl", "ugradsl+", "l1-sparse", "salun", "scrub", "random-label", "be", "bs"]) {
    const space = methodSpec(method).searchSpace;
    assert.deepEqual(space.learningRate, logUniform(1e-5, 1), method);
    assert.deepEqual(space.clipNorm, choice(0, 1, 10), method);
    assert.equal(methodSpec(method).options.clipNorm.default, 0, `${method}: none by default`);
  }
  // UGradSL+ runs a fixed number of epochs: its plateau rule never fired (docs/evidence.md §3).
  assert.equal(methodSpec("ugradsl+").options.stopRule.default, "none");
});

Deno.test("an edge is the outer tenth of a range; it widens by a decade (log) or half the width, within its limits", () => {
  const lr = logUniform(1e-5, 1);
  assert.equal(edgeSide(0.5, lr), "high");
  assert.equal(edgeSide(2e-5, lr), "low");
  assert.equal(edgeSide(1e-3, lr), null);
  assert.equal(edgeSide(0.01, choice(0, 1)), null, "a choice has no edge");
  const field = methodSpec("ft").options.learningRate;
  assert.deepEqual(widenRange(lr, "high", field), [1e-5, 10]);
  assert.deepEqual(widenRange(logUniform(1e-5, 10), "high", field), [1e-5, 10], "the option's maximum (10) stops it");
  assert.deepEqual(widenRange(lr, "low", field), [1e-6, 1]);
  const alpha = uniform(-1, -0.05, { min: -100, max: -0.01 });
  assert.deepEqual(methodSpec("ugradsl").searchSpace.smoothRate, alpha);
  const alphaField = methodSpec("ugradsl").options.smoothRate;
  assert.deepEqual(widenRange(alpha, "low", alphaField), [-1.48, -0.05], "α at −0.97 widens to −1.475 (3 digits)");
  assert.deepEqual(widenRange(alpha, "high", alphaField), [-1, -0.01], "never into positive smoothing");
  const epochs = intRange(1, 10, { min: 1, max: 50 });
  assert.deepEqual(widenRange(epochs, "high", methodSpec("ft").options.epochs), [1, 15]);
  assert.deepEqual(widenRange(epochs, "low", methodSpec("ft").options.epochs), [1, 10], "at its limit");
  // The class-wise α of evidence v1 (−0.974) sits on the low edge of −1 … −0.05: widened.
  const edges = edgesOf("ugradsl", { R: { smoothRate: -0.974, learningRate: 1e-3 }, C: null }, { smoothRate: alpha, learningRate: lr }, {
    smoothRate: alphaField,
    learningRate: field,
  });
  assert.deepEqual(edges.map((e) => [e.selection, e.option, e.side, e.to]), [["R", "smoothRate", "low", [-1.48, -0.05]]]);
  assert.deepEqual(widenedSpace({ smoothRate: alpha }, edges)!.smoothRate, { ...alpha, min: -1.48 });
  const stuck = edgesOf("ft", { R: { epochs: 1 } }, { epochs }, { epochs: methodSpec("ft").options.epochs });
  assert.equal(stuck.length, 1);
  assert.equal(widenedSpace({ epochs }, stuck), null, "an edge at its limit widens nothing");
});

Deno.test("a selection on a range edge plans a round on the widened range; its rerun replaces the method's selections", async () => {
  // Every value of epochs 3 … 4 is on an edge, and point 0 (FT's default, 5 epochs) lies above the range: whatever is
  // chosen sits on the high edge, so merging plans round 1 with epochs 3 … 5.
  const spaces = { ft: { epochs: intRange(3, 4, { min: 3, max: 8 }) } };
  const cfg = config("edge", { spaces, budget: 2, maxRounds: 1 });
  await runSearch(cfg);
  const first = await mergeSearch(cfg.out);
  assert.equal(first.plan?.round, 1);
  assert.deepEqual(first.plan!.methods, ["ft"]);
  assert.deepEqual(first.plan!.spaces.ft.epochs, { kind: "int", min: 3, max: 5, limit: { min: 3, max: 8 } });
  assert.ok(first.plan!.edges.length >= 3 && first.plan!.edges.every((e) => e.side === "high" && e.to[1] === 5));
  assert.equal(first.complete, false);
  const best0 = JSON.parse(await Deno.readTextFile(`${cfg.out}/best.json`));
  assert.equal(best0.pendingRound, 1);
  await assert.rejects(selectMain([cfg.out], `${root}/never.json`), /round 1 is planned/);
  assert.equal(await searchMain(["pending", cfg.out]), 0, "a round is pending (its number is printed)");
  assert.match(await Deno.readTextFile(`${cfg.out}/summary.md`), /\*\*Round 1 planned\*\*/);
  // Round 1: FT alone, on the widened space, under its own name; Retrain is round 0's reference.
  const round1 = await runSearch({ ...cfg, round: 1 });
  assert.ok(round1.length === 2 && round1.every((r) => r.method === "ft" && r.tags.search === "edge/round-1"));
  assert.ok(round1.every((r) => (r.methodOptions.epochs as number) >= 3 && (r.methodOptions.epochs as number) <= 5));
  const done = await mergeSearch(cfg.out);
  assert.equal(done.plan, undefined, "no rounds left (maxRounds 1)");
  assert.equal(done.complete, true);
  assert.equal(await searchMain(["pending", cfg.out]), 1, "nothing pending");
  assert.equal(done.chosen.R.ft!.round, 1, "the selection comes from the widened round");
  assert.ok(Number.isFinite(done.chosen.R.ft!.metrics.ValGap), "measured against round 0's Retrain");
  const summary = await Deno.readTextFile(`${cfg.out}/summary.md`);
  assert.match(summary, /Round 1, from round 0:\n- ft \(R\): epochs = \d on the high edge of \[3, 4\]: widened to \[3, 5\]/);
  const best = JSON.parse(await Deno.readTextFile(`${cfg.out}/best.json`));
  assert.deepEqual(best.rounds.map((r: { round: number }) => r.round), [0, 1]);
  assert.equal(best.rounds[1].widened[0].to[1], 5);
  await selectMain([cfg.out], `${root}/selection.json`);
  const selection = JSON.parse(await Deno.readTextFile(`${root}/selection.json`));
  assert.match(selection.entries["synthetic/mlp"].classwise.ft.R.source, /\(round 1, point \d\)/);
});
