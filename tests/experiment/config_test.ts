/** The experiment's typed configuration: defaults, and every problem listed at once before any work. */
import assert from "node:assert/strict";
import { initBackend } from "../../lib/backend.ts";
import { KitError, KitErrors } from "../../lib/errors.ts";
import type { ExperimentInput } from "../../lib/experiment/fields.ts";
import { checkAgainstData, experimentConfig } from "../../lib/experiment/config.ts";
import { fieldName } from "../../lib/experiment/fields.ts";
import { PRESETS } from "../../lib/experiment/presets.ts";
import { ROOT } from "../../lib/env.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";
import { CORE_METHODS } from "../../lib/unlearn/registry.ts";
import { tinyInput } from "./_tiny.ts";

const dir = await Deno.makeTempDir();

/** The problems experimentConfig reports for `input` (fails if it reports none). */
function problemsOf(input: ExperimentInput): string[] {
  try {
    experimentConfig(input);
  } catch (e) {
    assert.ok(e instanceof KitErrors, `a KitErrors, not ${e}`);
    return e.problems.map((p) => p.message);
  }
  assert.fail("no problem reported");
}

Deno.test("defaults: fashion-mnist, MLP, class-wise, five seeds, the core methods, the preset's recipe and sizes", () => {
  const cfg = experimentConfig({ selection: null });
  assert.equal(cfg.dataset, "fashion-mnist");
  assert.equal(cfg.model, "mlp");
  assert.deepEqual(cfg.paradigms, ["classwise"]);
  assert.deepEqual(cfg.seeds, [0, 1, 2, 3, 4]);
  assert.deepEqual(cfg.runs.map((r) => r.method), CORE_METHODS);
  assert.deepEqual(cfg.training, PRESETS["fashion-mnist/mlp"].training);
  assert.equal(cfg.split.trainSize, PRESETS["fashion-mnist/mlp"].trainSize);
  assert.equal(cfg.split.valFraction, 0.1);
  assert.equal(cfg.out, `${ROOT}results/fashion-mnist-mlp`);
  assert.equal(cfg.name, "fashion-mnist-mlp");
  assert.equal(cfg.selection, null);
  assert.equal(cfg.sealTest, false);
  const withSelection = experimentConfig({});
  assert.deepEqual(withSelection.selection, { file: `${ROOT}results/search/selection.json`, name: "R" });
  // Seeds as a count from a first seed, or the seeds themselves; paradigms "all".
  const c = experimentConfig({ seeds: 3, firstSeed: 100, paradigms: "all", selection: null });
  assert.deepEqual(c.seeds, [100, 101, 102]);
  // Fashion-MNIST has no identities: "all" is every paradigm the data set can do.
  assert.deepEqual(c.paradigms, ["classwise", "random", "group"]);
  assert.deepEqual(experimentConfig({ seeds: [7, 3], selection: null }).seeds, [7, 3]);
  // `methods` + `methodOptions` are a shorthand for runs.
  const r = experimentConfig({ methods: ["ft", "ugradsl"], methodOptions: { ugradsl: { smoothRate: -0.8 } }, selection: null });
  assert.deepEqual(r.runs, [
    { method: "ft", selection: "R", options: undefined },
    { method: "ugradsl", selection: "R", options: { smoothRate: -0.8 } },
  ]);
  // Several selection names: each method once per name (a setting without them resolves to one run).
  const both = experimentConfig({ methods: ["retrain", "ft"], selectionName: ["R", "C"] });
  assert.deepEqual(both.runs.map((x) => `${x.method}/${x.selection}`), ["retrain/R", "retrain/C", "ft/R", "ft/C"]);
  assert.equal(both.selection!.name, "R");
});

Deno.test("several bad fields in one call: one KitErrors naming each field and its flag", () => {
  const problems = problemsOf({
    dataset: "mnist2",
    paradigms: ["classwise", "sideways" as never],
    seeds: 0,
    split: { valFraction: 0, forgetFraction: 0, trainSzie: 5 } as never,
    training: { epochs: 0, learningRate: -1 },
    metrics: ["UA", "Accuracy"],
    methods: ["ft", "magic", "ft"],
    methodOptions: { ugradsl: { smoothRate: -0.5 } },
    backend: "bogus",
    out: "",
    cacheDir: "/",
    selection: null,
  });
  const expect = [
    /^dataset \(--dataset\): unknown value\(s\) "mnist2": valid values are .*fashion-mnist/,
    /^paradigms \(--paradigm\): unknown value\(s\) "sideways": valid values are classwise, random, group, identity/,
    /^seeds \(--seeds\): 0 is below 1/,
    /^split: unknown split field "trainSzie": valid fields are trainSize, testSize, valFraction/,
    /^split\.valFraction \(--val-fraction\): 0 leaves no validation split/,
    /^split\.forgetFraction \(--forget-fraction\): 0 must be above 0/,
    /^split\.forgetFraction \(--forget-fraction\): applies to the random paradigm only/,
    /^training\.epochs \(--epochs\): 0 is below 1/,
    /^training\.learningRate \(--lr\): -1 must be above 0/,
    /^metrics \(--metrics\): unknown value\(s\) "Accuracy": valid values are UA, RA/,
    /^methods \(--methods\): unknown value\(s\) "magic"/,
    /^methodOptions \(--set\): options for ugradsl, which this run does not run/,
    /^backend \(--backend\): unknown value\(s\) "bogus": valid values are auto, tensorflow, webgpu, native, wasm, cpu/,
    /^out \(--out\): is empty/,
    /^cacheDir \(--cache\): "\/" is the filesystem root/,
  ];
  for (const re of expect) assert.ok(problems.some((p) => re.test(p)), `${re} not among:\n${problems.join("\n")}`);
  // One message lists them all, one per line.
  try {
    experimentConfig({ seeds: 0, backend: "bogus", selection: null });
  } catch (e) {
    assert.ok(e instanceof KitError);
    assert.match(e.message, /^2 problems:\n {2}- seeds \(--seeds\).*\n {2}- backend \(--backend\)/);
  }
});

Deno.test("each field's own rules: repeated values, seeds, folders, sealed test split, runs with one label", async () => {
  assert.ok(problemsOf({ methods: ["ga", "ga"], selection: null }).some((p) => /methods \(--methods\): ga given more than once/.test(p)));
  assert.ok(problemsOf({ seeds: [1, 1], selection: null }).some((p) => /a seed is given twice/.test(p)));
  assert.ok(problemsOf({ seeds: [1.5], selection: null }).some((p) => /seeds \(--seeds\): 1\.5 is not an integer/.test(p)));
  assert.ok(problemsOf({ seeds: 1e9, selection: null }).some((p) => /seeds \(--seeds\): 1000000000 is above 10000/.test(p)));
  assert.ok(problemsOf({ split: { valFraction: 0.5 }, selection: null }).some((p) => /0\.5 must be below 0\.5/.test(p)));
  assert.ok(
    problemsOf({ paradigms: ["random"], split: { forgetClass: 3 }, selection: null }).some((p) =>
      /split\.forgetClass \(--forget-class\): applies to the classwise paradigm only; the run's paradigms are random/.test(p)
    ),
  );
  const file = `${dir}/a-file`;
  await Deno.writeTextFile(file, "x");
  assert.ok(
    problemsOf({ cacheDir: file, selection: null }).some((p) => /cacheDir \(--cache\): .*a-file exists and is not a folder/.test(p)),
  );
  assert.ok(problemsOf({ out: file, selection: null }).some((p) => /out \(--out\): .*a-file exists and is not a folder/.test(p)));
  assert.ok(
    problemsOf({ sealTest: true, metrics: ["UA", "AvgGap"], selection: null }).some((p) =>
      /metrics \(--metrics\): MIA, TA read the test split, which this run seals/.test(p)
    ),
  );
  assert.ok(
    problemsOf({ runs: [{ method: "ft" }, { method: "ft" }], selection: null }).some((p) =>
      /ft would run twice with the same label/.test(p)
    ),
  );
  // Two runs of one method with different labels are fine; so are two selections of it (labelled "R" and "C").
  experimentConfig({ runs: [{ method: "ft" }, { method: "ft", variant: "slow", options: { learningRate: 1e-3 } }], selection: null });
  experimentConfig({ runs: [{ method: "ugradsl" }, { method: "ugradsl", selection: "C" }] });
  assert.equal(fieldName("split.forgetClass"), "split.forgetClass (--forget-class)");
  assert.equal(fieldName("modelOptions"), "modelOptions (--model-opt)");
});

Deno.test("model options: unknown keys and wrong types are refused; values that cannot build fail against the data", () => {
  assert.ok(
    problemsOf({ modelOptions: { hiden: 8 }, selection: null }).some((p) =>
      /unknown option "hiden" of mlp: valid options are hidden/.test(p)
    ),
  );
  assert.ok(problemsOf({ modelOptions: { hidden: "8" }, selection: null }).some((p) => /hidden = "8" is not a number/.test(p)));
});

Deno.test("checks against the data: a class out of range, paradigms the data set cannot do, sizes beyond the data", async () => {
  await initBackend({ backend: "cpu" });
  const bundle = makeSynthetic();
  const check = (extra: ExperimentInput) => {
    try {
      checkAgainstData(experimentConfig(tinyInput(`${dir}/out`, `${dir}/cache`, extra)), bundle, undefined);
    } catch (e) {
      assert.ok(e instanceof KitError);
      return e.message;
    }
    return "";
  };
  assert.equal(check({}), "");
  // A registered data set: the registry's checks (lib/data/registry.ts datasetProblems).
  assert.match(
    check({ split: { forgetClass: 99 } }),
    /--forget-class: class 99 is not -1 \(drawn from the seed\) or in \[0, 4\) for synthetic/,
  );
  // A test's own bundle, which the registry does not describe: the config's own checks.
  const own = (extra: ExperimentInput) => {
    try {
      checkAgainstData(experimentConfig(tinyInput(`${dir}/out`, `${dir}/cache`, { bundle, ...extra })), bundle, undefined);
    } catch (e) {
      assert.ok(e instanceof KitError);
      return e.message;
    }
    return "";
  };
  assert.match(own({ split: { forgetClass: 99 } }), /split\.forgetClass \(--forget-class\): 99 is not a class of synthetic \(0 … 3/);
  assert.match(own({ paradigms: ["group"] }), /synthetic has no super-classes, so it cannot do group forgetting/);
  const many = check({ split: { forgetClass: 4, trainSize: 100000 } });
  assert.match(many, /^2 problems:/);
  assert.match(many, /split\.trainSize \(--train-size\): 100000 is more than the \d+ training samples/);
  // Nothing was written by any of these checks.
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a-file"]);
});

Deno.test("the ViT takes its own recipe (small batches, clipped) from the data set × model preset", () => {
  const cfg = experimentConfig({ model: "vit", selection: null });
  assert.deepEqual(cfg.training, PRESETS["fashion-mnist/vit"].training);
  assert.equal(cfg.training.batchSize, 16);
  assert.equal(cfg.training.clipNorm, 1);
  // An explicit setting still wins over the preset.
  assert.equal(experimentConfig({ model: "vit", selection: null, training: { batchSize: 64 } }).training.batchSize, 64);
});
