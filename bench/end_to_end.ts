/**
 * Fills the end-to-end fields of results/bench/train_step.json from a finished run (issue 11): the
 * main job's wall time, and RTE(UGradSL) ÷ the time of one training epoch of the original model.
 *
 *   /usr/bin/time -f %e ./kit main          # note the wall seconds it prints
 *   deno run -A bench/end_to_end.ts --records results/main/records.jsonl --wall-seconds 431 \
 *     [--method ugradsl] [--out results/bench/train_step.json] [--note "how the wall time was taken"]
 *
 * One original epoch = the original's trainSeconds ÷ its epochs, from the records whose original was
 * trained in this run (not loaded from the cache: a cached original's time may come from another
 * backend or machine); RTE is each record's rteSeconds. Reports the mean ratio and every pair.
 */
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../lib/record.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    records: { type: "string", default: "results/main/records.jsonl" },
    "wall-seconds": { type: "string" },
    method: { type: "string", default: "ugradsl" },
    out: { type: "string", default: "results/bench/train_step.json" },
    note: { type: "string" },
  },
});

interface RecordLine {
  runId: string;
  method: string;
  status: string;
  paradigm: string;
  seed: number;
  rteSeconds: number;
  original: { trainSeconds: number; cached: boolean; training: { epochs: number } };
  environment?: { backend?: { name?: string } };
}

const lines = (await Deno.readTextFile(args.records!)).split("\n").filter((l) => l.trim());
const records = lines.map((l) => JSON.parse(l) as RecordLine);
const pairs = records
  .filter((r) => r.method === args.method && r.status === "ok" && !r.original.cached && r.original.training.epochs > 0)
  .map((r) => {
    const epochSeconds = r.original.trainSeconds / r.original.training.epochs;
    return { runId: r.runId, rteSeconds: r.rteSeconds, originalEpochSeconds: epochSeconds, ratio: r.rteSeconds / epochSeconds };
  });
if (pairs.length === 0) {
  throw new Error(`${args.records}: no ok ${args.method} record whose original was trained in the run (all cached?)`);
}
const mean = pairs.reduce((a, p) => a + p.ratio, 0) / pairs.length;
const wall = args["wall-seconds"] === undefined ? null : Number(args["wall-seconds"]);
if (wall !== null && !(wall > 0)) throw new Error(`--wall-seconds ${args["wall-seconds"]}: expected a positive number`);

const report = JSON.parse(await Deno.readTextFile(args.out!));
report.endToEnd = {
  mainJobWallSeconds: wall,
  wallNote: args.note ?? null,
  rteUgradslOverOriginalEpoch: Math.round(mean * 1000) / 1000,
  method: args.method,
  records: args.records,
  backends: [...new Set(records.map((r) => r.environment?.backend?.name ?? "unknown"))],
  pairs: pairs.map((p) => ({ ...p, ratio: Math.round(p.ratio * 1000) / 1000 })),
  date: new Date().toISOString(),
};
await writeFileAtomic(args.out!, JSON.stringify(report, null, 2) + "\n");
console.log(
  `RTE(${args.method}) / original epoch: mean ${mean.toFixed(3)} over ${pairs.length} runs; wall ${wall ?? "not given"} s → ${args.out}`,
);
