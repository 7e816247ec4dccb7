/** A run's options in three named layers: the method's defaults, the search's selection, the caller's overrides. */
import assert from "node:assert/strict";
import { defaultsOf } from "../../lib/config.ts";
import { ROOT } from "../../lib/env.ts";
import { experimentConfig } from "../../lib/experiment/config.ts";
import { resolveMethodOptions } from "../../lib/experiment/options.ts";
import { clearSelectionCache, SELECTION_SCHEMA } from "../../lib/experiment/selection.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { methodSpec } from "../../lib/unlearn/registry.ts";
import { tinyConfig } from "./_tiny.ts";

const dir = await Deno.makeTempDir();
const file = `${dir}/selection.json`;
const setting = { dataset: "synthetic", model: "mlp", paradigm: "classwise" };

await Deno.writeTextFile(
  file,
  JSON.stringify({
    schema: SELECTION_SCHEMA,
    entries: {
      "synthetic/mlp": {
        classwise: {
          ugradsl: {
            R: { options: { learningRate: 0.003, smoothRate: -0.7 }, source: "search x (point 3)" },
            C: { options: { learningRate: 0.01 }, source: "search x (point 5)" },
          },
          ft: { R: { options: { learningRate: 0.02 }, source: "search x (point 1)" } },
        },
      },
    },
  }),
);

Deno.test("defaults, then the selection, then the overrides, each layer recorded", () => {
  const defaults = defaultsOf(methodSpec("ugradsl").options) as Record<string, unknown>;
  const plain = resolveMethodOptions("ugradsl", setting, null, undefined, "ugradsl");
  assert.deepEqual(plain.options, defaults);
  assert.deepEqual(plain.layers, { defaults, selection: null, overrides: {} });

  const selected = resolveMethodOptions("ugradsl", setting, { file, name: "R" }, { smoothRate: -0.2 }, "ugradsl");
  assert.deepEqual(selected.options, { ...defaults, learningRate: 0.003, smoothRate: -0.2 }, "the override wins over the selection");
  assert.deepEqual(selected.layers.selection, {
    file,
    entry: "synthetic/mlp/classwise/ugradsl",
    name: "R",
    source: "search x (point 3)",
    options: { learningRate: 0.003, smoothRate: -0.7 },
  });
  assert.deepEqual(selected.layers.overrides, { smoothRate: -0.2 });
  assert.equal(resolveMethodOptions("ugradsl", setting, { file, name: "C" }, {}, "u").options.learningRate, 0.01);

  // An override may be a function of the options after defaults and selection (ablations: "NLS = −|α|").
  const relative = resolveMethodOptions(
    "ugradsl",
    setting,
    { file, name: "R" },
    (base) => ({ smoothRate: 2 * Number(base.smoothRate) }),
    "u",
  );
  assert.equal(relative.options.smoothRate, -1.4);
  assert.deepEqual(relative.layers.overrides, { smoothRate: -1.4 });

  // No entry for this setting or name: the defaults, and no selection layer.
  for (const s of [{ ...setting, paradigm: "random" }, { ...setting, model: "cnn" }]) {
    const r = resolveMethodOptions("ugradsl", s, { file, name: "R" }, undefined, "u");
    assert.equal(r.layers.selection, null);
    assert.deepEqual(r.options, defaults);
  }
  assert.equal(resolveMethodOptions("ga", setting, { file, name: "R" }, undefined, "ga").layers.selection, null);
});

Deno.test("bad values are refused and named, wherever they come from", async () => {
  assert.throws(
    () => resolveMethodOptions("ugradsl", setting, null, { smoothness: 1 }, "--set ugradsl"),
    /--set ugradsl: unknown option "smoothness": valid options are .*smoothRate/,
  );
  assert.throws(
    () => resolveMethodOptions("ugradsl", setting, null, { mixWeight: 2 }, "ugradsl"),
    /ugradsl\.mixWeight: 2 is above the maximum 1/,
  );
  assert.throws(() => resolveMethodOptions("nope", setting, null, {}, "x"), /unknown method "nope": valid values are retrain, /);
  // A selection file that does not exist or is not one names the file.
  assert.throws(
    () => resolveMethodOptions("ft", setting, { file: `${dir}/missing.json`, name: "R" }, {}, "ft"),
    /missing\.json: cannot read/,
  );
  const bad = `${dir}/bad.json`;
  await Deno.writeTextFile(bad, JSON.stringify({ schema: "other", entries: {} }));
  assert.throws(() => resolveMethodOptions("ft", setting, { file: bad, name: "R" }, {}, "ft"), /bad\.json: not a selection file/);
  // An out-of-range value in the selection names the file, the method and the selection.
  const wrong = `${dir}/wrong.json`;
  await Deno.writeTextFile(
    wrong,
    JSON.stringify({
      schema: SELECTION_SCHEMA,
      entries: { "synthetic/mlp": { classwise: { ft: { R: { options: { learningRate: -1 }, source: "s" } } } } },
    }),
  );
  assert.throws(
    () => resolveMethodOptions("ft", setting, { file: wrong, name: "R" }, {}, "ft"),
    /wrong\.json: ft \(R\)\.learningRate: -1 is below/,
  );
  // experimentConfig checks every run on every paradigm before anything runs.
  assert.throws(
    () => experimentConfig({ dataset: "synthetic", methods: ["ft"], selection: wrong, paradigms: ["random", "classwise"] }),
    /wrong\.json: ft \(R\)\.learningRate/,
  );
  clearSelectionCache();
});

Deno.test("a run starts from the selection: the record's variant is the selection's name and its layers say where each value came from", async () => {
  const out = `${dir}/run`;
  const records = await runExperiment(tinyConfig(out, `${dir}/cache`, {
    selection: file,
    paradigms: ["classwise"],
    runs: [
      { method: "retrain" },
      { method: "ugradsl", options: { epochs: 1 } },
      { method: "ugradsl", selection: "C", options: { epochs: 1 } },
      { method: "ft", selection: null, variant: "defaults", options: { epochs: 1 } },
    ],
    metrics: ["UA"],
  }));
  assert.deepEqual(records.map((r) => `${r.method}|${r.variant}`), ["retrain|null", "ugradsl|R", "ugradsl|C", "ft|defaults"]);
  const [, r, c, ft] = records;
  assert.equal(r.methodOptions.learningRate, 0.003);
  assert.equal(r.methodOptions.smoothRate, -0.7);
  assert.equal(r.methodOptions.epochs, 1);
  assert.equal(r.optionLayers.selection!.source, "search x (point 3)");
  assert.deepEqual(r.optionLayers.overrides, { epochs: 1 });
  assert.equal(c.methodOptions.learningRate, 0.01);
  assert.equal(ft.optionLayers.selection, null);
  assert.equal(ft.methodOptions.learningRate, defaultsOf(methodSpec("ft").options).learningRate);
  assert.notEqual(r.configHash, c.configHash);
  assert.equal(r.runId, "synthetic/classwise/ugradsl[R]/seed0");
});

Deno.test("a selection file inside the kit's folder is recorded relative to it (a clone elsewhere writes the same record)", async () => {
  await Deno.mkdir(`${ROOT}tmp`, { recursive: true });
  const inside = await Deno.makeTempDir({ dir: `${ROOT}tmp`, prefix: "selection-" });
  try {
    await Deno.copyFile(file, `${inside}/selection.json`);
    clearSelectionCache();
    const r = resolveMethodOptions("ugradsl", setting, { file: `${inside}/selection.json`, name: "R" }, undefined, "ugradsl");
    assert.equal(r.layers.selection!.file, `${inside.slice(ROOT.length)}/selection.json`);
    assert.ok(!r.layers.selection!.file.startsWith("/"));
    // A file outside the kit's folder keeps its absolute path.
    assert.equal(resolveMethodOptions("ugradsl", setting, { file, name: "R" }, undefined, "ugradsl").layers.selection!.file, file);
  } finally {
    await Deno.remove(inside, { recursive: true });
  }
});
