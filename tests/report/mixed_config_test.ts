/**
 * The scoreboard never pairs or averages records of different configurations (review 2026-12-07, case 7d):
 * a notebook run with other sizes appended to the committed folder leaves the verdict as the committed
 * records alone give it, and says which records it left out.
 */
import assert from "node:assert/strict";
import { readRecords } from "../../lib/record.ts";
import type { RunRecord } from "../../lib/record.ts";
import { oneConfiguration, quickstartVerdict, samplesBy } from "../../lib/report/verdicts.ts";
import { KIT_ROOT } from "../_kit_copy.ts";
import { record } from "./_records.ts";

/** Copies of `records` for `seeds` as another configuration: 1,000 images, other numbers, written later. */
function otherConfiguration(records: RunRecord[], seeds: number[]): RunRecord[] {
  return records.filter((r) => seeds.includes(r.seed)).map((r) => ({
    ...r,
    configHash: `${r.configHash.slice(0, 10)}other`,
    split: { ...r.split, options: { ...r.split.options, trainSize: 1000 } },
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, r.method === "ugradsl+" && k === "UA" ? 10 : v - 30])),
    startedAt: "2026-12-08T00:00:00Z",
  }));
}

Deno.test("the quickstart's verdict on the committed records plus another configuration's seeds 0-1 is the committed one", async () => {
  const committed = await readRecords([`${KIT_ROOT}results/notebooks/00/classwise/records.jsonl`]);
  assert.ok(committed.length >= 6, "the committed quickstart records are there");
  const alone = quickstartVerdict(committed);
  const mixed = quickstartVerdict([...committed, ...otherConfiguration(committed, [0, 1])]);
  assert.equal(mixed.level, alone.level);
  assert.deepEqual(mixed.checks.map((c) => c.observed), alone.checks.map((c) => c.observed), "the same intervals, the same n");
  const note = mixed.notes.find((n) => n.includes("mixed configurations"));
  assert.ok(note, "the verdict names the mixing");
  assert.match(note!, /left out \d+ record\(s\), seeds 0,1/);
  assert.ok(!alone.notes.some((n) => n.includes("mixed configurations")), "one configuration: no warning");
});

Deno.test("one label's runs under other options (another configHash) are kept apart, the larger group read", () => {
  const a = [0, 1, 2].map((seed) => record("ga", seed, { UA: 10 }));
  const b = [0, 1].map((seed) => record("ga", seed, { UA: 90 }, { configHash: "other-options" }));
  const one = oneConfiguration([...a, ...b], (r) => r.method);
  assert.deepEqual(one.records, a);
  assert.match(one.mixed!, /left out ga #other-/);
  const m = samplesBy([...b, ...a], (r) => r.method);
  assert.deepEqual([...m.get("ga")!.values()].map((x) => x.UA), [10, 10, 10]);
});
