/** Notebook parameters (quick/full, JSON overrides), flags, run-or-load, variants. */
import assert from "node:assert/strict";
import { asVariant, experimentConfig, notebookOut, notebookSetup, ROOT, runOrLoad, toFlags } from "../lib/notebook.ts";
import { record } from "./report/_records.ts";

const MODES = { quick: { trainSize: 100, seeds: 1 }, full: { trainSize: 10000, seeds: 2 } };

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const set = (k: string, v: string | undefined) => (v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v));
  Object.entries(vars).forEach(([k, v]) => set(k, v));
  try {
    return fn();
  } finally {
    Object.entries(before).forEach(([k, v]) => set(k, v));
  }
}

Deno.test("UNLEARN_QUICK picks the quick parameters and a git-ignored folder; otherwise full and results/", () => {
  const empty = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(empty, "{}");
  withEnv({ UNLEARN_QUICK: "1", UNLEARN_NOTEBOOK_PARAMS: empty }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.mode, "quick");
    assert.deepEqual(nb.params, MODES.quick);
    assert.equal(nb.out, `${ROOT}tmp/notebooks/04`);
  });
  withEnv({ UNLEARN_QUICK: undefined, UNLEARN_NOTEBOOK_PARAMS: empty }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.mode, "full");
    assert.deepEqual(nb.params, MODES.full);
    assert.equal(nb.out, `${ROOT}results/notebooks/04`);
  });
  assert.equal(notebookOut("05", "full"), `${ROOT}results/notebooks/05`);
  Deno.removeSync(empty);
});

Deno.test("a JSON file overrides parameters: '*' then the id then id.mode; unknown keys are refused", () => {
  const file = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(file, JSON.stringify({ "*": { seeds: 3, other: 1 }, "04": { trainSize: 500 }, "04.quick": { seeds: 5 } }));
  withEnv({ UNLEARN_QUICK: "1", UNLEARN_NOTEBOOK_PARAMS: file }, () => {
    assert.deepEqual(notebookSetup("04", MODES).params, { trainSize: 500, seeds: 5 });
    assert.deepEqual(notebookSetup("05", MODES).params, { trainSize: 100, seeds: 3 });
  });
  withEnv({ UNLEARN_QUICK: "0", UNLEARN_NOTEBOOK_PARAMS: file }, () => {
    assert.deepEqual(notebookSetup("04", MODES).params, { trainSize: 500, seeds: 3 });
  });
  Deno.writeTextFileSync(file, JSON.stringify({ "04": { trainSzie: 1 } }));
  withEnv({ UNLEARN_NOTEBOOK_PARAMS: file }, () => {
    assert.throws(() => notebookSetup("04", MODES), /unknown parameter "trainSzie": valid ones are trainSize, seeds/);
  });
  withEnv({ UNLEARN_NOTEBOOK_PARAMS: `${file}.missing` }, () => {
    assert.throws(() => notebookSetup("04", MODES), /cannot read the file/);
  });
  Deno.removeSync(file);
});

Deno.test("flags: values, repeats, booleans; the config goes through the CLI's validation", () => {
  assert.deepEqual(toFlags({ dataset: "x", seeds: 2, set: ["a.b=1", "c.d=2"], "no-tuned": true, off: false, none: undefined }), [
    "--dataset=x",
    "--seeds=2",
    "--set=a.b=1",
    "--set=c.d=2",
    "--no-tuned",
  ]);
  const cfg = experimentConfig("/tmp/nb", "classwise", { dataset: "synthetic", methods: "retrain,ga", seeds: 1 });
  assert.equal(cfg.out, "/tmp/nb/classwise");
  assert.equal(cfg.name, "classwise");
  assert.equal(cfg.cacheDir, `${ROOT}data/cache`);
  assert.throws(() => experimentConfig("/tmp/nb", "x", { methods: "retrain,nope" }), /unknown value "nope"/);
});

Deno.test("runOrLoad: full mode reads a finished run back; a changed configuration, quick mode or UNLEARN_RERUN reruns", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const flags = {
      dataset: "synthetic",
      methods: "retrain,ga",
      seeds: 1,
      epochs: 2,
      cache: `${dir}/cache`,
      "no-progress": true,
      metrics: "UA,RA,TA",
    };
    const cfg = experimentConfig(dir, "run", flags);
    const first = await runOrLoad(cfg, "full");
    assert.equal(first.reused, false);
    assert.equal(first.records.length, 2);
    const second = await runOrLoad(cfg, "full");
    assert.equal(second.reused, true);
    assert.deepEqual(second.records.map((r) => r.metrics), first.records.map((r) => r.metrics));
    const lines = (await Deno.readTextFile(`${dir}/run/records.jsonl`)).trim().split("\n");
    assert.equal(lines.length, 2, "a rerun never appends to the old records");
    assert.equal((await runOrLoad(cfg, "quick")).reused, false);
    const changed = experimentConfig(dir, "run", { ...flags, methods: "retrain" });
    assert.equal((await runOrLoad(changed, "full")).reused, false);
    assert.equal((await Deno.readTextFile(`${dir}/run/records.jsonl`)).trim().split("\n").length, 1);
    Deno.env.set("UNLEARN_RERUN", "1");
    try {
      assert.equal((await runOrLoad(changed, "full")).reused, false);
    } finally {
      Deno.env.delete("UNLEARN_RERUN");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asVariant renames the chosen methods and their run ids only", () => {
  const recs = [record("ugradsl", 0, { UA: 1 }), record("ft", 0, { UA: 2 })];
  const v = asVariant(recs, "(R)", ["ugradsl"]);
  assert.deepEqual(v.map((r) => r.method), ["ugradsl (R)", "ft"]);
  assert.equal(v[0].runId, "synthetic/classwise/ugradsl (R)/seed0");
  assert.equal(recs[0].method, "ugradsl", "inputs untouched");
});
