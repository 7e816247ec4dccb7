/**
 * Where each notebook's time goes, from what the last evidence pass left behind: each notebook's logged
 * execution (results/evidence-log.txt, its longest attempt), the executed notebook's execution marks for the
 * kernel's start-up (when the committed notebook is that execution; lib/report/cell_timings.ts) and the
 * timings in the records that execution wrote (results/notebooks/<id>/…). No rerun.
 *
 *   deno run -A bench/notebook_profile.ts [--out results/bench/notebook_profile.json]
 *
 * A record counts as computed by the execution when it started inside the execution's logged window; records
 * read back from the main job or an earlier run are not counted, nor twice a run copied to the other selection. Per
 * notebook (seconds): the cells in all; originals trained (each original key once: a fresh original's
 * trainSeconds); Retrain's runs (rteSeconds of end states); the other unlearning runs (the same); evaluation (evalSeconds, snapshots too:
 * UA/RA/TA, MIA's SVMs, LiRA's reference models, verification metrics); the rest of the cells (figures and
 * tables shown, data loading, reading records back, ensembles of the verification metrics, which run
 * outside the records' timings).
 */
import { parseArgs } from "node:util";
import { ROOT } from "../lib/env.ts";
import type { RunRecord } from "../lib/record.ts";
import { kitVersion, readRecords, writeFileAtomic } from "../lib/record.ts";
import { cellTimings } from "../lib/report/cell_timings.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string", default: "results/bench/notebook_profile.json" },
    log: { type: "string", default: "results/evidence-log.txt" },
  },
});

/** Every folder under `dir` that holds a records.jsonl. */
function recordFolders(dir: string): string[] {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isFile && e.name === "records.jsonl") out.push(dir);
      if (e.isDirectory) out.push(...recordFolders(`${dir}/${e.name}`));
    }
  } catch { /* no records */ }
  return out;
}

interface Part {
  count: number;
  seconds: number;
}

interface Row {
  notebook: string;
  /** The execution's wall seconds in the evidence log (its longest attempt). */
  loggedSeconds: number;
  /** Seconds from nbconvert's start to the first cell (kernel start-up); null when the committed notebook is another execution. */
  startupSeconds: number | null;
  originals: Part;
  retrain: Part;
  unlearning: Part;
  evaluation: Part;
  /** The logged time not in the records' timings: start-up, data, reading back, ensembles, figures shown. */
  restSeconds: number;
  recordsReadBack: number;
}

const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 10) / 10;

/** Each notebook's longest logged execution in the evidence log: [start, end] in epoch ms. */
function loggedWindows(log: string): Map<string, { from: number; to: number }> {
  const out = new Map<string, { from: number; to: number }>();
  for (const m of log.matchAll(/^\[([^\]]+)\] done {1,2}notebook (\S+)\.ipynb(?: \(side process\))? in (\d+) s/gm)) {
    const to = Date.parse(m[1]);
    const seconds = Number(m[3]);
    const had = out.get(m[2]);
    if (!had || had.to - had.from < seconds * 1000) out.set(m[2], { from: to - seconds * 1000, to });
  }
  return out;
}

/** The records an execution computed: started in its window; a run copied to the other selection (same numbers) counted once. */
function computedIn(records: RunRecord[], w: { from: number; to: number }): RunRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const t = Date.parse(r.startedAt);
    const key = [r.paradigm, r.seed, r.method, r.rteSeconds, r.evalSeconds, r.weightsSha256].join("|");
    if (t < w.from || t > w.to || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function profile(name: string, w: { from: number; to: number }): Promise<Row> {
  const nb = JSON.parse(await Deno.readTextFile(`${ROOT}notebooks/${name}.ipynb`));
  const t = cellTimings(nb, w.from);
  const folders = recordFolders(`${ROOT}results/notebooks/${name.slice(0, 2)}`);
  const records = folders.length ? await readRecords(folders) : [];
  const mine = computedIn(records, w);
  const originals = new Map<string, number>();
  for (const r of mine) if (!r.original.cached && r.original.trainSeconds > 0) originals.set(r.original.key, r.original.trainSeconds);
  // A per-epoch snapshot's rteSeconds is the time up to that epoch: the end state's alone is the run's.
  const ends = mine.filter((r) => r.tags.epoch === undefined);
  const retrain = ends.filter((r) => r.method === "retrain");
  const others = ends.filter((r) => r.method !== "retrain");
  const parts = {
    originals: { count: originals.size, seconds: sum([...originals.values()]) },
    retrain: { count: retrain.length, seconds: sum(retrain.map((r) => r.rteSeconds ?? 0)) },
    unlearning: { count: others.length, seconds: sum(others.map((r) => r.rteSeconds ?? 0)) },
    evaluation: { count: mine.length, seconds: sum(mine.map((r) => r.evalSeconds ?? 0)) },
  };
  const logged = (w.to - w.from) / 1000;
  const accounted = parts.originals.seconds + parts.retrain.seconds + parts.unlearning.seconds + parts.evaluation.seconds;
  const sameExecution = t.startupSeconds !== null && t.startupSeconds >= 0 && t.startupSeconds < logged;
  return {
    notebook: name,
    loggedSeconds: logged,
    startupSeconds: sameExecution ? t.startupSeconds : null,
    ...parts,
    restSeconds: Math.round((logged - accounted) * 10) / 10,
    recordsReadBack: records.length - mine.length,
  };
}

const windows = loggedWindows(await Deno.readTextFile(`${ROOT}${args.log}`));
const rows = await Promise.all([...windows.keys()].sort().map((name) => profile(name, windows.get(name)!)));
const report = {
  schema: "unlearn-kit/notebook-profile@1",
  what: "each committed notebook's last full-mode execution: cells' wall time split by the timings of the records it computed",
  rows,
  commit: kitVersion().gitCommit,
  date: new Date().toISOString(),
};
await writeFileAtomic(args.out!.startsWith("/") ? args.out! : `${ROOT}${args.out}`, JSON.stringify(report, null, 2) + "\n");
const cell = (p: Part) => (p.count ? `${p.seconds.toFixed(0)} (${p.count})` : "–");
console.log(
  "| notebook | wall, s | kernel start, s | originals trained, s (n) | Retrain, s (n) | unlearning, s (runs) | evaluation, s (records) | rest, s |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  const start = r.startupSeconds === null ? "–" : r.startupSeconds.toFixed(1);
  console.log(
    `| ${r.notebook} | ${r.loggedSeconds} | ${start} | ${cell(r.originals)} | ${cell(r.retrain)} | ${cell(r.unlearning)} | ${
      cell(r.evaluation)
    } | ${r.restSeconds.toFixed(0)} |`,
  );
}
