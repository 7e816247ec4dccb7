/**
 * Soak: a tiny main job killed with SIGKILL at ten seeded random moments, and resumed each time, ends with
 * the same records (every metric of every run) and the same table as the job run once without
 * interruption. The kills land anywhere: while loading, training an original, running a method, or
 * appending a record (a torn last line is set aside by the next run).
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
  "--epochs=12",
  "--batch-size=32",
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
