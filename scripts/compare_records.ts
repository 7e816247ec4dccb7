/**
 * Compares two folders (or records.jsonl files) of run records, record by record: each record of B is
 * matched with A's record of the same configuration hash, seed and epoch, and its metrics, history,
 * weights checksum and original model compared bit for bit. Prints how many match, and a line per
 * record that does not (or has no counterpart). Exit status 0 only when every record of B matches.
 *
 *   deno run -A scripts/compare_records.ts A B
 */
import { readRecords, type RunRecord } from "../lib/record.ts";

const [a, b] = Deno.args;
if (!a || !b) {
  console.error("usage: deno run -A scripts/compare_records.ts A B   (folders or records.jsonl files)");
  Deno.exit(2);
}

const keyOf = (r: RunRecord) => `${r.configHash}|${r.seed}|${r.tags.epoch ?? "end"}`;
/** The last record of each key (a rerun appends; the latest counts). */
const byKey = (records: RunRecord[]) => new Map(records.map((r) => [keyOf(r), r]));

/** The fields that must agree bit for bit, with what each holds in a record. */
function differences(x: RunRecord, y: RunRecord): string[] {
  const fields: [string, unknown, unknown][] = [
    ["status", x.status, y.status],
    ["metrics", x.metrics, y.metrics],
    ["history", x.history, y.history],
    ["weightsSha256", x.weightsSha256, y.weightsSha256],
    ["original", [x.original.key, x.original.trainAcc, x.original.testAcc], [y.original.key, y.original.trainAcc, y.original.testAcc]],
  ];
  return fields.filter(([, u, v]) => JSON.stringify(u) !== JSON.stringify(v)).map(([name]) => name);
}

const left = byKey(await readRecords([a]));
const right = byKey(await readRecords([b]));
let same = 0;
const lines: string[] = [];
for (const [key, r] of right) {
  const l = left.get(key);
  if (!l) {
    lines.push(`${r.runId}: no record of configuration ${r.configHash} seed ${r.seed} in ${a}`);
    continue;
  }
  const diff = differences(l, r);
  if (diff.length === 0) same++;
  else {
    const ua = (rec: RunRecord) => rec.metrics.UA?.toFixed(2) ?? "-";
    lines.push(`${r.runId}: differs in ${diff.join(", ")} (UA ${ua(l)} → ${ua(r)})`);
  }
}
console.log(`${same} of ${right.size} records of ${b} are bit for bit those of ${a} (metrics, history, weights, original)`);
for (const line of lines) console.log(`  ${line}`);
Deno.exit(same === right.size && right.size > 0 ? 0 : 1);
