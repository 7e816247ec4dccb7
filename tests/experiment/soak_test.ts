/**
 * Soak: a tiny main job killed with SIGKILL at ten seeded random moments, and resumed each time, ends with
 * the same records (every metric of every run) and the same table as the job run once without
 * interruption. The kills land anywhere: while loading, training an original, running a method, or
 * appending a record (a torn last line is set aside by the next run). Then (review 2026-12-07): ten kills
 * with SIGINT, SIGTERM or SIGKILL across a search and the main job, resumed: the same chosen points, the
 * same records and table, and no temporary file or folder left anywhere.
 */
import assert from "node:assert/strict";
import { Rng } from "../../lib/rng.ts";
import type { RunRecord } from "../../lib/record.ts";
import { readRecords } from "../../lib/record.ts";
import { buildTable, toMarkdown } from "../../lib/report/table.ts";
import { KIT_ROOT } from "../_kit_copy.ts";

const FLAGS = [
  "run",
  "-A",
  "cli/unlearn.ts",
  "--dataset=synthetic",
  "--paradigm=classwise,random",
  "--methods=retrain,ft,ga,ugradsl",
  "--seeds=2",
  "--epochs=80",
  "--batch-size=16",
  "--model-opt=hidden=16",
  "--backend=wasm",
  "--no-progress",
  "--no-selection",
  "--metrics=UA,RA,TA,VA,AvgGap",
];

function job(out: string, cache: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...FLAGS, `--out=${out}`, `--cache=${cache}`],
    cwd: KIT_ROOT,
    stdout: "null",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** What must not depend on interruptions: each run's metrics, status and options, by run id. */
function essence(records: RunRecord[]): Record<string, unknown> {
  return Object.fromEntries(
    records.map((r) => [r.runId, { status: r.status, metrics: r.metrics, options: r.methodOptions, configHash: r.configHash }]),
  );
}

/** The table without its RTE column (wall time differs from run to run). */
function tableWithoutTimes(records: RunRecord[]): string {
  const t = buildTable(records);
  return toMarkdown({ ...t, columns: t.columns.filter((c) => c !== "rteSeconds") });
}

Deno.test("a job killed ten times with SIGKILL and resumed ends with the same records and table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "soak-" });
  // The uninterrupted reference, and how long it takes.
  const t0 = performance.now();
  const whole = await job(`${dir}/whole`, `${dir}/cache-whole`).status;
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(whole.code, 0);
  const reference = await readRecords([`${dir}/whole`]);
  assert.equal(reference.length, 16);
  // A process needs about half a second to start (Deno, TensorFlow.js, the data): kills land after that,
  // spread so that ten of them cannot finish the work between them.
  const startup = 0.6;
  const span = Math.max(0.2, (seconds - startup) / 10);

  const rng = new Rng(20261129);
  let killed = 0;
  for (let k = 0; k < 10; k++) {
    const child = job(`${dir}/killed`, `${dir}/cache-killed`);
    const delay = 1000 * (startup + rng.next() * span);
    // Within the first fifth of a whole run's time: a resumed run has less left to do, so later moments
    // would often find it finished (the assertion below wants at least 8 kills that land).
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
        killed++;
      } catch { /* already finished */ }
    }, delay);
    await child.status;
    clearTimeout(timer);
  }
  const last = await job(`${dir}/killed`, `${dir}/cache-killed`).status;
  assert.equal(last.code, 0);
  const resumed = await readRecords([`${dir}/killed`]);
  // Every run appears (a run killed before its record was complete ran again; repeats count once).
  assert.deepEqual(essence(resumed), essence(reference));
  assert.equal(tableWithoutTimes(resumed), tableWithoutTimes(reference));
  assert.ok(killed >= 8, `only ${killed} of 10 kills landed before the job finished`);
  await Deno.remove(dir, { recursive: true });
});

/** A tiny search (one method, three points, two tasks) and a tiny main job over the same data. */
const SEARCH = [
  "run",
  "-A",
  "cli/search.ts",
  "--dataset=synthetic",
  "--paradigm=classwise",
  "--methods=ga",
  "--budget=3",
  "--seeds=2",
  "--epochs=40",
  "--batch-size=16",
  "--model-opt=hidden=16",
  "--backend=wasm",
  "--no-progress",
];
const MAIN = FLAGS.map((f) => f === "--paradigm=classwise,random" ? "--paradigm=classwise" : f === "--epochs=80" ? "--epochs=40" : f);

function spawn(args: string[], extra: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...args, ...extra],
    cwd: KIT_ROOT,
    stdout: "null",
    stderr: "null",
    env: { NO_COLOR: "1" },
  })
    .spawn();
}

/** best.json without wall times (they differ between runs). */
async function bestOf(dir: string): Promise<string> {
  const best = JSON.parse(await Deno.readTextFile(`${dir}/best.json`));
  return JSON.stringify(best.selections, (k, v) => (/seconds|rte/i.test(k) ? undefined : v));
}

/** Temporary files or folders anywhere below `dir` (a kill must not leave any behind after the resume). */
function temporaries(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (/\.tmp\b|\.tmp-/.test(e.name)) out.push(`${d}/${e.name}`);
      else if (e.isDirectory) walk(`${d}/${e.name}`);
    }
  };
  walk(dir);
  return out;
}

Deno.test("ten kills (SIGINT, SIGTERM, SIGKILL) across a search and the main job, resumed: the same best points, records and table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "soak-signals-" });
  const t0 = performance.now();
  assert.equal((await spawn(SEARCH, [`--out=${dir}/search-whole`, `--cache=${dir}/cache-whole`]).status).code, 0);
  const searchSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  assert.equal((await spawn(MAIN, [`--out=${dir}/main-whole`, `--cache=${dir}/cache-whole`]).status).code, 0);
  const mainSeconds = (performance.now() - t1) / 1000;
  const reference = await readRecords([`${dir}/main-whole`]);

  const rng = new Rng(20261207);
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGKILL"];
  const landed: string[] = [];
  for (let k = 0; k < 10; k++) {
    // Five kills in the search, then five in the main job; the signals take turns, the moments are random.
    const [args, out, seconds] = k < 5 ? [SEARCH, "search", searchSeconds] : [MAIN, "main", mainSeconds];
    const child = spawn(args, [`--out=${dir}/${out}`, `--cache=${dir}/cache`]);
    const signal = signals[k % signals.length];
    const timer = setTimeout(() => {
      try {
        child.kill(signal);
        landed.push(`${out} ${signal}`);
      } catch { /* already finished */ }
    }, 1000 * (0.6 + rng.next() * Math.max(0.3, seconds / 5)));
    await child.status;
    clearTimeout(timer);
  }
  assert.equal((await spawn(SEARCH, [`--out=${dir}/search`, `--cache=${dir}/cache`]).status).code, 0);
  assert.equal((await spawn(MAIN, [`--out=${dir}/main`, `--cache=${dir}/cache`]).status).code, 0);

  assert.equal(await bestOf(`${dir}/search`), await bestOf(`${dir}/search-whole`), "the same chosen points");
  const resumed = await readRecords([`${dir}/main`]);
  assert.deepEqual(essence(resumed), essence(reference));
  assert.equal(tableWithoutTimes(resumed), tableWithoutTimes(reference));
  assert.deepEqual(temporaries(dir), [], "no temporary file or folder left behind");
  for (const s of signals) assert.ok(landed.some((l) => l.endsWith(s)), `no ${s} landed (${landed.join(", ")})`);
  for (const stage of ["search", "main"]) {
    assert.ok(landed.some((l) => l.startsWith(stage)), `no kill in the ${stage} (${landed.join(", ")})`);
  }
  console.error(`kills: ${landed.join(", ")}`);
  assert.ok(landed.length >= 8, `only ${landed.length} of 10 kills landed: ${landed.join(", ")}`);
  await Deno.remove(dir, { recursive: true });
});
