/** Notebook parameters (quick/full, JSON overrides) and a chapter's run: typed input, run or read back. */
import assert from "node:assert/strict";
import { envFlag, notebookResultsDir, ROOT } from "../lib/env.ts";
import type { NotebookSetup } from "../lib/notebook.ts";
import { describeSetup, notebookSetup, runChapter } from "../lib/notebook.ts";
import { KitErrors } from "../lib/errors.ts";
import { lineCount } from "./experiment/_tiny.ts";

const MODES = { quick: { trainSize: 100, seeds: 1 }, full: { trainSize: 10000, seeds: 2 } };

async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const set = (k: string, v: string | undefined) => (v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v));
  Object.entries(vars).forEach(([k, v]) => set(k, v));
  try {
    return await fn();
  } finally {
    Object.entries(before).forEach(([k, v]) => set(k, v));
  }
}

Deno.test("UNLEARN_QUICK picks the quick parameters and a git-ignored folder; otherwise full and results/", async () => {
  const empty = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(empty, "{}");
  await withEnv({ UNLEARN_QUICK: "1", UNLEARN_NOTEBOOK_PARAMS: empty }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.mode, "quick");
    assert.deepEqual(nb.params, MODES.quick);
    assert.equal(nb.out, `${ROOT}tmp/notebooks/04`);
    assert.match(describeSetup(nb), /^notebook 04: quick mode \(unset UNLEARN_QUICK for full mode\); results in tmp\/notebooks\/04\//);
  });
  await withEnv({ UNLEARN_QUICK: undefined, UNLEARN_NOTEBOOK_PARAMS: empty }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.mode, "full");
    assert.deepEqual(nb.params, MODES.full);
    assert.equal(nb.out, `${ROOT}results/notebooks/04`);
  });
  assert.equal(notebookResultsDir("05", "full"), `${ROOT}results/notebooks/05`);
  // One rule for booleans everywhere.
  await withEnv({ UNLEARN_QUICK: "off", UNLEARN_NOTEBOOK_PARAMS: empty }, () => assert.equal(notebookSetup("04", MODES).mode, "full"));
  await withEnv({ UNLEARN_QUICK: "Yes", UNLEARN_NOTEBOOK_PARAMS: empty }, () => assert.equal(notebookSetup("04", MODES).mode, "quick"));
  await withEnv({ UNLEARN_QUICK: "2" }, () => assert.throws(() => envFlag("UNLEARN_QUICK"), /UNLEARN_QUICK: "2" is not a boolean/));
  Deno.removeSync(empty);
});

Deno.test("a JSON file overrides parameters: '*' then the id then id.mode; unknown keys are refused", async () => {
  const file = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(file, JSON.stringify({ "*": { seeds: 3, other: 1 }, "04": { trainSize: 500 }, "04.quick": { seeds: 5 } }));
  await withEnv({ UNLEARN_QUICK: "1", UNLEARN_NOTEBOOK_PARAMS: file }, () => {
    assert.deepEqual(notebookSetup("04", MODES).params, { trainSize: 500, seeds: 5 });
    assert.deepEqual(notebookSetup("05", MODES).params, { trainSize: 100, seeds: 3 });
  });
  await withEnv({ UNLEARN_QUICK: "0", UNLEARN_NOTEBOOK_PARAMS: file }, () => {
    assert.deepEqual(notebookSetup("04", MODES).params, { trainSize: 500, seeds: 3 });
  });
  Deno.writeTextFileSync(file, JSON.stringify({ "04": { trainSzie: 1 } }));
  await withEnv({ UNLEARN_NOTEBOOK_PARAMS: file }, () => {
    assert.throws(() => notebookSetup("04", MODES), /unknown parameter "trainSzie": valid ones are trainSize, seeds/);
  });
  Deno.writeTextFileSync(file, "{not json");
  await withEnv({ UNLEARN_NOTEBOOK_PARAMS: file }, () => assert.throws(() => notebookSetup("04", MODES), /not JSON/));
  await withEnv({ UNLEARN_NOTEBOOK_PARAMS: `${file}.missing` }, () => {
    assert.throws(() => notebookSetup("04", MODES), /cannot read the file/);
  });
  Deno.removeSync(file);
});

Deno.test("runChapter: a typed input checked like the command line's; full mode reads a finished run back, quick mode and UNLEARN_RERUN rerun", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full: NotebookSetup<unknown> = { id: "t", mode: "full", out: dir, params: {} };
    const input = {
      dataset: "synthetic",
      methods: ["retrain", "ga"],
      seeds: 1,
      training: { epochs: 2 },
      cacheDir: `${dir}/cache`,
      backend: "cpu",
      progress: false,
      metrics: ["UA", "RA", "TA"],
      selection: null,
    };
    // A bad field is refused with its name before anything runs.
    await assert.rejects(runChapter(full, "bad", { ...input, methods: ["retrain", "nope"] }), (e) => {
      assert.ok(e instanceof KitErrors);
      assert.match(e.message, /methods \(--methods\): unknown value\(s\) "nope"/);
      return true;
    });
    await assert.rejects(Deno.stat(`${dir}/bad`), Deno.errors.NotFound);

    const first = await runChapter(full, "run", input);
    assert.equal(first.reused, false);
    assert.equal(first.records.length, 2);
    assert.ok(first.records.every((r) => r.experiment === "run"), "named after its folder");
    const second = await runChapter(full, "run", input);
    assert.equal(second.reused, true);
    assert.deepEqual(second.records, first.records);
    assert.equal(await lineCount(`${dir}/run/records.jsonl`), 2, "reading back never appends");
    // Quick mode always recomputes.
    const quick = await runChapter({ ...full, mode: "quick" }, "run", input);
    assert.equal(quick.reused, false);
    // A rerun's records replace the ones they repeat; those move to records.jsonl.superseded (nothing lost).
    assert.equal(await lineCount(`${dir}/run/records.jsonl`), 2);
    assert.equal(await lineCount(`${dir}/run/records.jsonl.superseded`), 2);
    // A changed configuration runs what changed; the folder keeps every configuration's record (tables keep
    // configurations apart by hash).
    const changed = await runChapter(full, "run", { ...input, methodOptions: { ga: { epochs: 1 } } });
    assert.equal(changed.reused, false);
    assert.equal(
      changed.records.find((r) => r.method === "retrain")!.startedAt,
      quick.records[0].startedAt,
      "Retrain read back (the latest)",
    );
    assert.equal(await lineCount(`${dir}/run/records.jsonl`), 3);
    await withEnv({ UNLEARN_RERUN: "1" }, async () => {
      assert.equal((await runChapter(full, "run", input)).reused, false);
    });
    assert.equal(await lineCount(`${dir}/run/records.jsonl`), 3);
    assert.equal(await lineCount(`${dir}/run/records.jsonl.superseded`), 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
