/**
 * scripts/evidence.sh's budget plumbing: `bash scripts/evidence.sh budget` sums the attempts of the steps
 * file into the budget (lib/report/budget.ts), writes it where REPRODUCTION says, prints it, and runs no step.
 * The log, the steps and the budget go to a temporary folder (EVIDENCE_LOG, EVIDENCE_STEPS, REPRODUCTION).
 * Also how the pass resumes and stops: a failed shard, a killed attempt, a search already merged, code that is
 * not the main job's, and figures with no Chromium to draw them.
 */
import assert from "node:assert/strict";
import type { StepAttempt } from "../../lib/report/budget.ts";
import { loadStats } from "../../lib/report/budget.ts";
import { numericsFingerprint } from "../../lib/experiment/fingerprint.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Runs the pass on `steps` with every file it writes in `dir`: its log, attempts, budget and scratch, the searches
 * (`dir`/search), the main job's folder (`dir`/main) and the sensitivity runs' (`dir`/sensitivity); one shard.
 */
function evidence(dir: string, steps: string[], env: Record<string, string> = {}): Promise<Deno.CommandOutput> {
  return new Deno.Command("bash", {
    args: [`${ROOT}scripts/evidence.sh`, ...steps],
    env: {
      EVIDENCE_TMP: dir,
      EVIDENCE_LOG: `${dir}/log.txt`,
      EVIDENCE_STEPS: `${dir}/steps.jsonl`,
      REPRODUCTION: `${dir}/reproduction.json`,
      SEARCH_DIR: `${dir}/search`,
      MAIN_OUT: `${dir}/main`,
      SENSITIVITY_OUT: `${dir}/sensitivity`,
      SHARDS: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("evidence.sh budget: the attempts summed into the budget file and printed, no step run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evidence-budget-" });
  try {
    const attempt = (label: string, seconds: number, within?: string): StepAttempt => ({
      label,
      seconds,
      scale: "standard",
      startedAt: "2026-12-07T00:00:00Z",
      load: loadStats([1, 2]),
      ...(within ? { within } : {}),
    });
    const attempts = [
      attempt("main job", 100),
      attempt("notebooks", 50),
      attempt("notebook 04.ipynb", 40, "notebooks"),
      attempt("main job", 20),
    ];
    await Deno.writeTextFile(`${dir}/steps.jsonl`, attempts.map((a) => JSON.stringify(a)).join("\n") + "\n");
    const out = await evidence(dir, ["budget"], { BUDGET: "7" });
    const stdout = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const budget = JSON.parse(await Deno.readTextFile(`${dir}/reproduction.json`));
    assert.equal(budget.kind, "measured");
    assert.deepEqual(budget.steps.map((s: { label: string; seconds: number; attempts: number }) => [s.label, s.seconds, s.attempts]), [
      ["main job", 120, 2],
      ["notebooks", 50, 1],
      ["notebook 04.ipynb", 40, 1],
    ]);
    assert.equal(budget.totals.standard, 170);
    assert.deepEqual([budget.design.searchBudget, budget.design.design], ["7", "five seeds"]);
    assert.match(stdout, /sum, standard\s+170/);
    assert.doesNotMatch(await Deno.readTextFile(`${dir}/log.txt`), /start /, "no step ran");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evidence.sh search: a shard that fails fails the step and the pass (no 'done', no selection)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evidence-fail-" });
  try {
    // A folder that holds another search: every shard refuses it before any work.
    const taken = `${dir}/search/fashion-mnist-mlp-classwise`;
    await Deno.mkdir(taken, { recursive: true });
    await Deno.writeTextFile(`${taken}/search.json`, JSON.stringify({ schema: "not this search" }));
    const out = await evidence(dir, ["search"]);
    assert.ok(!out.success, "the pass exits non-zero");
    const log = await Deno.readTextFile(`${dir}/log.txt`);
    assert.match(log, /FAILED search fashion-mnist-mlp-classwise/);
    assert.doesNotMatch(log, /done {2}search fashion-mnist-mlp-classwise/);
    assert.doesNotMatch(log, /start search fashion-mnist-mlp-random/, "the pass stops at the failed step");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evidence.sh: an attempt killed with its session is recorded from its load samples on the next start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evidence-killed-" });
  try {
    // What `timed` leaves when killed: its load samples (one every LOAD_EVERY s) and the attempt's fields.
    await Deno.writeTextFile(`${dir}/load.abc123`, "1.5\n2.5\n3.5\n");
    await Deno.writeTextFile(
      `${dir}/load.abc123.meta`,
      ["search fashion-mnist-mlp-random", "standard", "2026-12-07T11:57:10Z", "2 shards × 1 thread", ""].join("\x1f") + "\n",
    );
    const out = await evidence(dir, ["budget"], { LOAD_EVERY: "5" });
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const budget = JSON.parse(await Deno.readTextFile(`${dir}/reproduction.json`));
    assert.deepEqual(
      budget.steps.map((s: { label: string; seconds: number; layout?: string }) => [s.label, s.seconds, s.layout]),
      [["search fashion-mnist-mlp-random", 15, "2 shards × 1 thread"]],
    );
    assert.match(await Deno.readTextFile(`${dir}/log.txt`), /an interrupted attempt of search fashion-mnist-mlp-random: about 15 s/);
    await assert.rejects(Deno.stat(`${dir}/load.abc123.meta`), Deno.errors.NotFound, "recorded once");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evidence.sh search: a search merged earlier and complete is not run again (its rounds keep their records)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evidence-done-" });
  try {
    // Complete by its best.json; its search.json would make any shard fail, so a rerun of it fails the pass.
    const names = ["classwise", "random", "group"].map((p) => `fashion-mnist-mlp-${p}`).concat("debian-corpus-bag-of-embeddings-identity");
    for (const name of names) {
      const done = `${dir}/search/${name}`;
      await Deno.mkdir(done, { recursive: true });
      await Deno.writeTextFile(`${done}/search.json`, JSON.stringify({ schema: "not this search" }));
      await Deno.writeTextFile(`${done}/best.json`, JSON.stringify({ complete: true, pendingRound: null }, null, 2));
    }
    const out = await evidence(dir, ["search"]);
    const log = await Deno.readTextFile(`${dir}/log.txt`);
    for (const name of names) {
      assert.match(log, new RegExp(`search ${name}: complete \\(merged earlier`));
      assert.match(log, new RegExp(`done {2}search ${name}`));
    }
    assert.doesNotMatch(log, /FAILED search/, "no shard of a finished search ran");
    // The pass reaches the selection, which refuses these stand-in best.json files (no selections in them).
    assert.match(log, /FAILED select/);
    assert.ok(!out.success);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evidence.sh: a step after the main job refuses code other than the main job's, and a folder holding an earlier pass's records (numerics fingerprint)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evidence-code-" });
  try {
    await Deno.mkdir(`${dir}/main`);
    // A main job made on other code (a fingerprint no code has).
    await Deno.writeTextFile(`${dir}/main/records.jsonl`, JSON.stringify({ runId: "x", numerics: "0000000000000000" }) + "\n");
    const out = await evidence(dir, ["sensitivity"]);
    assert.ok(!out.success, "the pass stops");
    const log = await Deno.readTextFile(`${dir}/log.txt`);
    const now = await numericsFingerprint("run");
    assert.match(log, new RegExp(`step sensitivity on numerics fingerprint ${now}`));
    assert.match(log, new RegExp(`stop: .*main was made on numerics fingerprint 0000000000000000 and this code's is ${now}`));
    assert.doesNotMatch(log, /start sensitivity/, "no run started");

    // The main job's own code, but the step's folder holds an earlier pass's records: it stops before any run.
    await Deno.writeTextFile(`${dir}/main/records.jsonl`, JSON.stringify({ runId: "x", numerics: now }) + "\n");
    await Deno.mkdir(`${dir}/sensitivity/lr1`, { recursive: true });
    await Deno.writeTextFile(`${dir}/sensitivity/lr1/records.jsonl`, JSON.stringify({ runId: "y", numerics: "1111111111111111" }) + "\n");
    const mixed = await evidence(dir, ["sensitivity"]);
    assert.ok(!mixed.success, "the pass stops");
    const mixedLog = await Deno.readTextFile(`${dir}/log.txt`);
    assert.match(mixedLog, /stop: .*sensitivity holds records made on numerics fingerprint 1111111111111111 \(an earlier pass's\)/);
    assert.doesNotMatch(mixedLog, /start sensitivity/, "no run started");

    // Its folder emptied: the step starts (and fails here at once: this test has no selection files).
    await Deno.remove(`${dir}/sensitivity`, { recursive: true });
    await evidence(dir, ["sensitivity"]);
    assert.match(await Deno.readTextFile(`${dir}/log.txt`), /start sensitivity lr-1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evidence.sh notebooks / report: without headless Chromium the pass stops before any work, naming what to install", async () => {
  const dir = await Deno.makeTempDir({ prefix: "evidence-chromium-" });
  try {
    // UNLEARN_CHROMIUM names a binary that is not there: lib/env.ts chromiumPath() finds none.
    for (const step of ["notebooks", "report"]) {
      const out = await evidence(dir, [step], { UNLEARN_CHROMIUM: `${dir}/no-chromium` });
      assert.ok(!out.success, `step ${step}: the pass stops`);
      const log = await Deno.readTextFile(`${dir}/log.txt`);
      assert.match(log, /stop: steps notebooks and report draw their figures in headless Chromium .*scripts\/setup.sh --figures/);
      assert.doesNotMatch(log, /evidence pass: steps|start /, "no step started");
      await Deno.remove(`${dir}/log.txt`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
