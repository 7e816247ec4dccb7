/** Notebook parameters (schema-checked, with their sources), where an execution writes, a chapter's run, and a run beside the committed one. */
import assert from "node:assert/strict";
import { experimentConfig } from "../lib/experiment/config.ts";
import { envFlag, notebookResultsDir, ROOT } from "../lib/env.ts";
import type { NotebookSetup } from "../lib/notebook.ts";
import { describeSetup, notebookInput, notebookSetup, parametersHash, runChapter, verdictFor } from "../lib/notebook.ts";
import { KitErrors } from "../lib/errors.ts";
import { besideCommitted, compareRuns, comparisonMarkdown, sameRecords } from "../lib/report/compare.ts";
import { makeVerdict } from "../lib/report/verdicts.ts";
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

/** Runs `fn` with a parameter file holding `value` (JSON text when a string). */
async function withParams<T>(value: unknown, vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const file = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  try {
    return await withEnv({ UNLEARN_NOTEBOOK_PARAMS: file, UNLEARN_NOTEBOOK_OUT: undefined, UNLEARN_EVIDENCE: undefined, ...vars }, fn);
  } finally {
    Deno.removeSync(file);
  }
}

const refused = (value: unknown, pattern: RegExp, modes: Parameters<typeof notebookSetup>[1] = MODES) =>
  withParams(value, {}, () => assert.throws(() => notebookSetup("04", modes), pattern));

Deno.test("quick mode without overrides writes tmp/ (CI); full mode writes scratch/, never results/, unless the evidence pass says so", async () => {
  await withParams({}, { UNLEARN_QUICK: "1" }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.mode, "quick");
    assert.equal(nb.params.trainSize, 100);
    assert.equal(nb.kind, "ci");
    assert.equal(nb.out, `${ROOT}tmp/notebooks/04`);
    assert.match(describeSetup(nb), /^notebook 04: quick mode \(unset UNLEARN_QUICK for full mode\); results in tmp\/notebooks\/04\//);
  });
  await withParams({}, { UNLEARN_QUICK: undefined }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.mode, "full");
    assert.equal(nb.kind, "scratch");
    assert.equal(nb.out, `${ROOT}scratch/04_classwise/${parametersHash("04_classwise", false, {})}/records`);
  });
  await withParams({}, { UNLEARN_QUICK: undefined, UNLEARN_EVIDENCE: "1" }, () => {
    const nb = notebookSetup("04", MODES);
    assert.equal(nb.kind, "committed");
    assert.equal(nb.out, `${ROOT}results/notebooks/04`);
  });
  // Overrides in quick mode: a scratch folder named by them; ./kit run names its own.
  await withParams({ "04": { seeds: 2 } }, { UNLEARN_QUICK: "1" }, () => {
    assert.equal(
      notebookSetup("04", MODES).out,
      `${ROOT}scratch/04_classwise/${parametersHash("04_classwise", true, { seeds: 2 })}/records`,
    );
  });
  await withParams(
    {},
    { UNLEARN_QUICK: "1", UNLEARN_NOTEBOOK_OUT: "/tmp/given" },
    () => assert.equal(notebookSetup("04", MODES).out, "/tmp/given"),
  );
  assert.equal(notebookResultsDir("05", "full"), `${ROOT}results/notebooks/05`);
  // One rule for booleans everywhere.
  await withParams({}, { UNLEARN_QUICK: "off" }, () => assert.equal(notebookSetup("04", MODES).mode, "full"));
  await withParams({}, { UNLEARN_QUICK: "Yes" }, () => assert.equal(notebookSetup("04", MODES).mode, "quick"));
  await withEnv({ UNLEARN_QUICK: "2" }, () => assert.throws(() => envFlag("UNLEARN_QUICK"), /UNLEARN_QUICK: "2" is not a boolean/));
});

Deno.test("every knob is a parameter: sources in order (kit default, preset, notebook, '*', id, id.mode), method options as method.option, a table of what is in force", async () => {
  const modes = {
    common: { paradigms: ["classwise"], methods: ["retrain", "ugradsl"] },
    quick: { trainSize: 100, seeds: 1, rates: [0.5, 0] },
    full: MODES.full,
  };
  await withParams({ "*": { seeds: 3 }, "04": { trainSize: 500, "ugradsl.smoothRate": -0.5, rates: "0.1,-1" }, "04.quick": { seeds: 5 } }, {
    UNLEARN_QUICK: "1",
  }, () => {
    const nb = notebookSetup("04", modes);
    assert.equal(nb.params.trainSize, 500);
    assert.equal(nb.params.seeds, 5);
    assert.deepEqual(nb.params.rates, [0.1, -1], "a notebook's own list, typed by its value");
    assert.deepEqual(nb.methodOptions, { ugradsl: { smoothRate: -0.5 } });
    assert.equal(nb.params.testSize, 5000);
    assert.match(nb.from.testSize, /^preset fashion-mnist\/mlp$/);
    assert.equal(nb.from.methods, "notebook");
    assert.equal(nb.from.dataset, "kit default");
    assert.match(nb.from.seeds, /"04\.quick"$/);
    assert.equal(nb.from.quick, "UNLEARN_QUICK");
    const text = describeSetup(nb);
    assert.match(text, /\| ugradsl\.smoothRate \| -0\.5 \| .*"04" \|/);
    assert.match(text, /\| trainSize \| 500 \| .*"04" \|/);
    assert.match(text, /\| forgetClass \| -1 \| kit default \|/);
    // The run path gets them as one typed input.
    const input = notebookInput(nb, { metrics: ["UA"] });
    assert.deepEqual(input.methodOptions, { ugradsl: { smoothRate: -0.5 } });
    assert.deepEqual(input.split, { trainSize: 500, testSize: 5000 });
    assert.equal(input.seeds, 5);
    assert.deepEqual(input.selectionName, ["R"]);
    assert.match(text, /Method options not listed come from the selection \(R\) where the selection file has an entry/);
  });
  // A notebook that runs every method from its defaults says so, and its runs read no selection file.
  await withParams({}, { UNLEARN_QUICK: "1" }, () => {
    const nb = notebookSetup("04", { ...modes, common: { ...modes.common, selection: "none" } });
    assert.match(describeSetup(nb), /\| selection \| none \| notebook \|/);
    assert.match(describeSetup(nb), /Method options not listed are each method's defaults, as the selection is none \(the options table/);
    assert.equal(notebookInput(nb).selection, null);
  });
  // "quick" may be set by a file; forgetClass reaches the split only where it applies.
  await withParams({ "04": { quick: true, forgetClass: 3 } }, { UNLEARN_QUICK: undefined }, () => {
    const nb = notebookSetup("04", modes);
    assert.equal(nb.mode, "quick");
    assert.equal(notebookInput(nb).split?.forgetClass, 3);
  });
  // A design fills what the notebook leaves at the kit's default; what the notebook or a file sets stays.
  await withParams({ "04": { design: "v2" } }, { UNLEARN_QUICK: undefined }, () => {
    const nb = notebookSetup("04", modes);
    const input = notebookInput(nb);
    assert.equal(input.design, "v2");
    assert.equal(input.seeds, nb.from.seeds === "kit default" ? undefined : nb.params.seeds, `seeds from ${nb.from.seeds}`);
    assert.deepEqual(input.paradigms, ["classwise"], "the notebook's paradigms");
    assert.equal(input.selectionName, undefined, "the design's selections");
    assert.deepEqual(experimentConfig({ ...input, selection: null }).split.forgetTarget, "cycle");
  });
  await withParams({ "04": { forgetTarget: "cycle" } }, { UNLEARN_QUICK: undefined }, () => {
    assert.equal(notebookInput(notebookSetup("04", modes)).split?.forgetTarget, "cycle");
  });
});

Deno.test("bad notebook parameters are refused in the parameter cell, naming the file, section and key (#27: typos, null, wrong shapes)", async () => {
  await refused({ "04": { trainSzie: 1 } }, /"04": trainSzie: unknown parameter "trainSzie": valid ones are dataset, .*trainSize/);
  await refused({ "*": { seedz: 3 } }, /"\*": seedz: unknown parameter "seedz"/);
  await refused({ "04": { rates: [1] } }, /unknown parameter "rates"/);
  await refused({ "0": {} }, /unknown section "0"/);
  await refused({ "00.quik": {} }, /unknown section "00\.quik"/);
  await refused({ "00_quickstart": {} }, /unknown section "00_quickstart"/);
  await refused({ "99": {} }, /section "99": there is no notebook notebooks\/99_\*\.ipynb/);
  await refused([1, 2], /holds a list; notebook parameters are an object/);
  await refused("null", /\.json: holds null; notebook parameters are an object/);
  await refused({ "04": 5 }, /section "04" holds number, not an object of parameters/);
  await refused({ "04": { seeds: null } }, /"04": seeds: null is not a value/);
  await refused({ "04": { seeds: "3" } }, /"04": seeds: "3" is not a finite number/);
  await refused({ "04": { seeds: 2.5 } }, /"04": seeds: 2\.5 is not an integer/);
  await refused({ "04": { methods: ["retrain", "nope"] } }, /"04": methods: unknown value\(s\) "nope"/);
  await refused({ "04": { "ugradsl.smoothRat": 1 } }, /ugradsl has no option "smoothRat": its options are .*smoothRate/);
  await refused({ "04": { "ugradsl.smoothRate": "x" } }, /"04": ugradsl\.smoothRate: "x" is not a finite number/);
  await refused({ "04": { "scrub.epochs": 1 } }, /parameter scrub\.epochs .*: scrub is not among this notebook's methods/, {
    common: { methods: ["retrain", "ga"] },
    quick: {},
    full: {},
  });
  await refused(
    { "04": { forgetFraction: 0.2 } },
    /parameter forgetFraction .*: applies to the random paradigm; this notebook runs classwise/,
  );
  await refused({ "04": { forgetClass: 12 } }, /parameter forgetClass .*"04"\): 12 is not a class of fashion-mnist \(0 … 9/);
  await refused({ "04": { model: "cnn" } }, /"04": model: notebook 04 sets model itself \(one per block\); it is not a parameter here/, {
    quick: {},
    full: {},
    fixed: { model: "one per block" },
  });
  await refused({ "04.quick": { quick: false } }, /"quick" cannot be set in a mode's own section/);
  await refused("{not json", /not JSON/);
  await withEnv({ UNLEARN_NOTEBOOK_PARAMS: "/nonexistent/params.json" }, () => {
    assert.throws(() => notebookSetup("04", MODES), /UNLEARN_NOTEBOOK_PARAMS=\/nonexistent\/params\.json: cannot read the file/);
  });
  // What only the run path checks is reported under the parameter's name, not a command-line flag (#27 case 21).
  await withParams({ "04": { paradigms: ["group"], dataset: "debian-corpus", model: "bag-of-embeddings" } }, { UNLEARN_QUICK: "1" }, () => {
    assert.throws(() => notebookSetup("04", MODES), (e) => {
      assert.ok(e instanceof KitErrors);
      assert.match(e.message, /notebook 04 parameter paradigms \(.*"04"\): .*group/);
      assert.doesNotMatch(e.message, /--paradigm/);
      return true;
    });
  });
  await withParams({ "04": { "ga.epochs": -1 } }, { UNLEARN_QUICK: "1" }, () => {
    assert.throws(
      () => notebookSetup("04", { common: { methods: ["retrain", "ga"] }, quick: {}, full: {} }),
      /"04": ga\.epochs: -1 is below the minimum 0/,
    );
  });
});

/** A notebook's setup as runChapter reads it, with no parameters: notebook "t", the fields given. */
function testNotebook(fields: Pick<NotebookSetup, "kind" | "out" | "mode"> & { name?: string }): NotebookSetup<unknown> {
  return { id: "t", name: "t", params: {}, from: {}, methodOptions: {}, overrides: {}, runs: [], ...fields };
}

Deno.test("runChapter: a typed input checked like the command line's; read back unless CI; a run beside the committed one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const nb = (kind: NotebookSetup["kind"], out = dir) => testNotebook({ kind, out, mode: kind === "ci" ? "quick" : "full" });
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
    await assert.rejects(runChapter(nb("scratch"), "bad", { ...input, methods: ["retrain", "nope"] }), (e) => {
      assert.ok(e instanceof KitErrors);
      assert.match(e.message, /notebook t parameter methods \(notebook\): unknown value\(s\) "nope"/);
      return true;
    });
    await assert.rejects(Deno.stat(`${dir}/bad`), Deno.errors.NotFound);

    const scratch = nb("scratch");
    const first = await runChapter(scratch, "run", input);
    assert.equal(first.reused, false);
    assert.equal(first.records.length, 2);
    assert.ok(first.records.every((r) => r.experiment === "run"), "named after its folder");
    const second = await runChapter(nb("scratch"), "run", input);
    assert.equal(second.reused, true);
    assert.deepEqual(second.records, first.records);
    assert.equal(await lineCount(`${dir}/run/records.jsonl`), 2, "reading back never appends");
    // CI (quick mode, no overrides) always recomputes.
    const quick = await runChapter(nb("ci"), "run", input);
    assert.equal(quick.reused, false);
    // A rerun's records replace the ones they repeat; those move to records.jsonl.superseded (nothing lost).
    assert.equal(await lineCount(`${dir}/run/records.jsonl`), 2);
    assert.equal(await lineCount(`${dir}/run/records.jsonl.superseded`), 2);
    await withEnv({ UNLEARN_RERUN: "1" }, async () => {
      assert.equal((await runChapter(nb("scratch"), "run", input)).reused, false);
    });

    // Beside the committed run: the same records are "the committed ones"; changed options are not.
    assert.ok(sameRecords(first.records, second.records));
    const changed = await runChapter(nb("scratch", `${dir}/other`), "run", { ...input, methodOptions: { ga: { epochs: 1 } } });
    assert.ok(!sameRecords(changed.records, first.records));
    const table = besideCommitted(changed.records, first.records);
    assert.match(table, /\| method \| n \(this \/ committed\) \| UA: this \/ committed \(Δ\) \|/);
    assert.match(table, /\| retrain \| 1 \/ 1 \| (\S+) \/ \1 \(\+0\.00\)/, "Retrain read back: identical, difference 0");
    const c = compareRuns(changed.records, first.records);
    assert.equal(c.total, 2);
    assert.equal(c.identical, 1, "Retrain, bit for bit");
    assert.equal(c.unmatched.length, 1, "ga with other options has another configuration hash");
    assert.match(
      comparisonMarkdown(changed.records, first.records, { fresh: "this run", committed: "committed" }),
      /\*\*1 of 2\*\* records/,
    );
    // A differing outcome under the same configuration hash and seed is listed metric by metric.
    const edited = first.records.map((r) => (r.method === "ga" ? { ...r, metrics: { ...r.metrics, UA: r.metrics.UA + 1 } } : r));
    const md = comparisonMarkdown(edited, first.records, { fresh: "this run", committed: "committed" });
    assert.match(md, /\*\*1 of 2\*\* records .* 1 differ; 0 have no committed record/);
    assert.match(md, /\| synthetic\/classwise\/ga\/seed0 \| ok \/ ok \| UA \| .* \| 1\.00 \|/);
    // Nothing matches (committed records predate a change of the configuration hash): said, with the runs by name.
    const renamed = first.records.map((r) => ({ ...r, configHash: `x${r.configHash}`, numerics: "new-fingerprint" }));
    assert.match(
      comparisonMarkdown(renamed, first.records, { fresh: "this run", committed: "committed" }),
      /committed records predate a change/,
    );

    // The verdict cell: the committed run shows its verdict alone; another run is labelled and set beside it.
    const v = makeVerdict("a claim", "claim", []);
    const committedRun = { ...nb("committed"), runs: [{ sub: "run", records: first.records, committed: null, same: false }] };
    assert.deepEqual(verdictFor(committedRun, v), [v]);
    const same = { ...nb("scratch"), runs: [{ sub: "run", records: second.records, committed: first.records, same: true }] };
    assert.deepEqual(verdictFor(same, v), [v]);
    const other = { ...nb("scratch"), runs: [{ sub: "run", records: changed.records, committed: first.records, same: false }] };
    const parts = verdictFor(other, v);
    assert.match(String(parts[0]), /This run beside the committed run/);
    assert.match((parts.find((p) => typeof p === "object") as { title: string }).title, /^THIS RUN \(full mode, not the committed run\)/);
    assert.match(String(parts.at(-1)), /Stale below:.*Reading reads the committed run/);
    // A Reading written from the records (notebook 00) reads this run: no stale note.
    const computed = verdictFor(other, v, { readingFromRecords: true });
    assert.match(String(computed.at(-1)), /^The Reading below is written from this run's records/);
    assert.ok(!computed.some((p) => /Stale below/.test(String(p))));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a scratch run reads back finished runs of earlier scratch runs of the same notebook (Retrain is not recomputed when only an unlearning option changes)", async () => {
  const name = `test-reuse-${crypto.randomUUID().slice(0, 8)}`;
  const base = `${ROOT}scratch/${name}`;
  const cache = await Deno.makeTempDir();
  try {
    const nb = (hash: string) => testNotebook({ name, mode: "quick", out: `${base}/${hash}/records`, kind: "scratch" });
    const input = {
      dataset: "synthetic",
      methods: ["retrain", "ga"],
      seeds: 1,
      training: { epochs: 2 },
      cacheDir: cache,
      backend: "cpu",
      progress: false,
      metrics: ["UA", "RA", "TA"],
      selection: null,
    };
    const a = await runChapter(nb("a"), "run", input);
    const b = await runChapter(nb("b"), "run", { ...input, methodOptions: { ga: { epochs: 1 } } });
    const retrain = (r: typeof a) => r.records.find((x) => x.method === "retrain")!;
    assert.equal(retrain(b).startedAt, retrain(a).startedAt, "Retrain read back from the other scratch folder");
    assert.notEqual(b.records.find((x) => x.method === "ga")!.configHash, a.records.find((x) => x.method === "ga")!.configHash);
    assert.equal(await lineCount(`${base}/b/records/run/records.jsonl`), 2, "the adopted Retrain is copied into this run's folder");
  } finally {
    await Deno.remove(base, { recursive: true }).catch(() => {});
    await Deno.remove(cache, { recursive: true });
  }
});
