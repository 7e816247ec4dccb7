/**
 * Readers against the records a crash, an editor or a hand leaves (review 2026-12-07, cases 4c, 5d, 5f, 9b,
 * 4a): incomplete schema-tagged records are skipped by file:line, a byte-order mark costs nothing, an
 * edited record is named, a file over 512 MiB is read, repeats are compacted without losing a line, and a
 * null or infinite metric shows in its cell.
 */
import assert from "node:assert/strict";
import { appendRecord, compactRecords, readRecords, readRecordsWithSkips, RECORD_SCHEMA, recordProblem } from "../lib/record.ts";
import type { RunRecord } from "../lib/record.ts";
import { buildTable, toCsv, toMarkdown } from "../lib/report/table.ts";
import { capturingErrors } from "./_console.ts";
import { record } from "./report/_records.ts";

const line = (v: unknown) => JSON.stringify(v) + "\n";

Deno.test("schema-tagged but incomplete records are skipped by file:line; tables are built from the rest", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/records.jsonl`;
  const good = [0, 1, 2].map((seed) => record("ga", seed, { UA: 10 + seed }));
  const { metricNames: _m, ...noMetricNames } = good[1];
  await Deno.writeTextFile(
    file,
    line(good[0]) + line({ schema: RECORD_SCHEMA }) + line({ ...good[1], tags: null }) + line(noMetricNames) + line(good[2]) +
      line({ ...good[2], split: { ...good[2].split, indexFile: 5 } }),
  );
  const { records, skipped } = await readRecordsWithSkips([dir]);
  assert.deepEqual(records.map((r) => r.seed), [0, 2]);
  assert.deepEqual(skipped.map((s) => `${s.file}:${s.line}`), [2, 3, 4, 6].map((n) => `${file}:${n}`));
  assert.match(skipped[0].why, /"runId" is missing/);
  assert.match(skipped[1].why, /"tags" is not an object/);
  assert.match(skipped[2].why, /"metricNames" is missing/);
  assert.match(skipped[3].why, /"split" is not a split/);
  const log = await capturingErrors(async () => void buildTable(await readRecords([dir])));
  assert.equal(log.split("\n").filter((l) => l.includes("skipped")).length, 4);
  assert.equal(recordProblem(good[0]), null);
  assert.match(recordProblem(null)!, /not a JSON object \(null\)/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a UTF-8 byte-order mark at the start and CRLF line ends cost no record", async () => {
  const dir = await Deno.makeTempDir();
  const rs = [0, 1].map((seed) => record("ft", seed, { UA: 1 }));
  await Deno.writeTextFile(`${dir}/records.jsonl`, "\ufeff" + rs.map((r) => JSON.stringify(r) + "\r\n").join(""));
  const { records, skipped } = await readRecordsWithSkips([dir]);
  assert.deepEqual(skipped, []);
  assert.deepEqual(records, rs);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("records carry a checksum: an edited record is named with file:line and still read", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/records.jsonl`;
  for (const seed of [0, 1]) await appendRecord(file, record("ugradsl", seed, { UA: 50 }));
  const [first, second] = (await Deno.readTextFile(file)).trim().split("\n");
  assert.match(first, /"checksum":"[0-9a-f]{32}"/);
  await Deno.writeTextFile(file, first + "\n" + second.replace('"UA":50', '"UA":99.99') + "\n");
  const { records, edited } = await readRecordsWithSkips([dir]);
  assert.equal(records.length, 2);
  assert.ok(records.every((r) => !("checksum" in r)), "readers return records without the field");
  assert.deepEqual(edited.map((e) => `${e.file}:${e.line}`), [`${file}:2`]);
  const log = await capturingErrors(() => readRecords([dir]));
  assert.match(log, /records\.jsonl:2: synthetic\/classwise\/ugradsl\/seed1: edited after it was written/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a records file over 512 MiB (more than one string can hold) is read line by line", async () => {
  const dir = await Deno.makeTempDir();
  const free = await new Deno.Command("df", { args: ["-k", "--output=avail", dir], stdout: "piped" }).output();
  const availKiB = Number(new TextDecoder().decode(free.stdout).split("\n")[1]);
  if (!(availKiB > 1.5 * 1024 * 1024)) {
    console.error(`skipped: ${dir} has ${availKiB} KiB free, the test needs 1.5 GiB`);
    await Deno.remove(dir, { recursive: true });
    return;
  }
  const file = `${dir}/records.jsonl`;
  const f = await Deno.open(file, { write: true, create: true });
  const pad = new TextEncoder().encode(" ".repeat((1 << 20) - 1) + "\n"); // a blank line of 1 MiB
  await f.write(new TextEncoder().encode(line(record("ga", 0, { UA: 1 }))));
  for (let i = 0; i < 530; i++) for (let w = 0; w < pad.length;) w += await f.write(pad.subarray(w));
  await f.write(new TextEncoder().encode(line(record("ga", 1, { UA: 2 }))));
  f.close();
  assert.ok((await Deno.stat(file)).size > 512 * 2 ** 20);
  const { records, skipped } = await readRecordsWithSkips([file]);
  assert.deepEqual(records.map((r) => r.seed), [0, 1]);
  assert.deepEqual(skipped, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("compaction keeps the last of repeated runs, moves the others to .superseded, leaves bad lines", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/records.jsonl`;
  const key = (r: RunRecord) => `${r.configHash}|${r.seed}|${r.tags.epoch ?? "end"}`;
  const v1 = record("ga", 0, { UA: 1 }), v2 = record("ga", 0, { UA: 2 }), other = record("ft", 0, { UA: 3 });
  await Deno.writeTextFile(file, line(v1) + "not json\n" + line(other) + line(v2));
  assert.equal(await compactRecords(file, key), 1);
  assert.deepEqual((await Deno.readTextFile(file)).trim().split("\n"), ["not json", JSON.stringify(other), JSON.stringify(v2)]);
  assert.equal(await Deno.readTextFile(`${file}.superseded`), line(v1));
  assert.equal(await compactRecords(file, key), 0, "nothing left to move");
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
    ["records.jsonl", "records.jsonl.superseded"],
    "no temporary file",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a null, infinite or string metric is not silently dropped: the cell shows its n, the footnote names the seed", () => {
  for (const bad of [null, Infinity, "85.0"]) {
    const rs = [0, 1, 2].map((seed) => record("ga", seed, { UA: seed === 1 ? bad as number : 10, RA: 90, TA: 80 }));
    const table = buildTable(rs);
    const md = toMarkdown(table);
    assert.match(md, /10\.00 ± 0\.00 \(n = 2\)†/, `${bad}: the UA cell says it averages 2`);
    assert.match(md, /† a cell over fewer seeds than its row: .*ga UA: no finite value for seed\(s\) 1, mean over n = 2/);
    assert.match(md, /\| 90\.00 ± 0\.00 \| 80\.00 ± 0\.00 \|/, "the other cells are unmarked");
    assert.match(toCsv(table), /10\.0000,0\.0000,0\.0000,2,90\.0000/, "the CSV's UA n is 2");
  }
});
