/** Records I/O: one flushed line per append, torn lines set aside, unreadable lines listed, atomic files. */
import assert from "node:assert/strict";
import {
  appendJsonLine,
  appendRecord,
  readRecords,
  readRecordsWithSkips,
  RECORD_SCHEMA,
  recordsFileOf,
  writeFileAtomic,
} from "../lib/record.ts";
import { canonicalJson } from "../lib/hash.ts";
import { capturingErrors } from "./_console.ts";
import { record } from "./report/_records.ts";

Deno.test("a torn last line is moved to records.jsonl.torn and the next append is a clean line", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/records.jsonl`;
  const a = record("ft", 0, { UA: 1 });
  const b = record("ga", 0, { UA: 2 });
  await appendRecord(file, a);
  // A crash mid-write leaves half a line without its newline.
  const half = JSON.stringify(b).slice(0, 40);
  await Deno.writeTextFile(file, half, { append: true });
  const log = await capturingErrors(() => appendRecord(file, b));
  assert.match(log, /records\.jsonl: its last line was torn \(40 bytes, a crash or a full disk\); moved to .*records\.jsonl\.torn/);
  const lines = (await Deno.readTextFile(file)).split("\n");
  const withoutChecksum = (line: string) => line && JSON.stringify({ ...JSON.parse(line), checksum: undefined });
  assert.deepEqual(lines.map(withoutChecksum), [JSON.stringify(a), JSON.stringify(b), ""], "two whole lines, nothing glued");
  assert.equal(await Deno.readTextFile(`${file}.torn`), `${half}\n`);
  assert.deepEqual((await readRecords([dir])).map((r) => r.method), ["ft", "ga"]);
  // A whole file is left alone; a second torn fragment is added to the same .torn file.
  assert.equal(await capturingErrors(() => appendRecord(file, a)), "");
  await Deno.writeTextFile(file, '{"sch', { append: true });
  await capturingErrors(() => appendJsonLine(file, { x: 1 }));
  assert.equal(await Deno.readTextFile(`${file}.torn`), `${half}\n{"sch\n`);
  assert.ok((await Deno.readTextFile(file)).endsWith(`"}\n{"x":1}\n`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readRecordsWithSkips lists a garbage line or another schema instead of throwing", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/records.jsonl`;
  const lines = [
    JSON.stringify(record("ft", 0, { UA: 1 })),
    "not json at all",
    "",
    JSON.stringify({ ...record("ga", 0, { UA: 2 }), schema: "unlearn-kit/run@1" }),
    JSON.stringify(record("ugradsl", 0, { UA: 3 })),
  ];
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  const { records, skipped } = await readRecordsWithSkips([dir]);
  assert.deepEqual(records.map((r) => r.method), ["ft", "ugradsl"]);
  assert.equal(skipped.length, 2);
  assert.deepEqual(skipped.map((s) => [s.file, s.line]), [[file, 2], [file, 4]]);
  assert.match(skipped[0].why, /^not JSON/);
  assert.equal(skipped[1].why, `field "schema" is "unlearn-kit/run@1", expected "${RECORD_SCHEMA}"`);
  // readRecords warns about each and returns the rest.
  let back: unknown[] = [];
  const log = await capturingErrors(async () => back = await readRecords([file]));
  assert.equal(back.length, 2);
  assert.match(log, /records\.jsonl:2: skipped \(not JSON/);
  assert.match(log, /records\.jsonl:4: skipped \(field "schema"/);
  // A path that does not exist is a user error naming it.
  await assert.rejects(readRecordsWithSkips([`${dir}/nope`]), /nope: no such file or folder/);
  assert.equal(await recordsFileOf(dir), file);
  assert.equal(await recordsFileOf(file), file);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic replaces a file whole and leaves no temporary file; canonicalJson ignores key order", async () => {
  const dir = await Deno.makeTempDir();
  await writeFileAtomic(`${dir}/a.json`, "first");
  await Promise.all([1, 2, 3, 4].map((k) => writeFileAtomic(`${dir}/a.json`, `writer ${k} `.repeat(1000))));
  const text = await Deno.readTextFile(`${dir}/a.json`);
  assert.match(text, /^(writer (\d) ){1000}$/);
  assert.equal(new Set(text.trim().split(" ").filter((_, i) => i % 2 === 1)).size, 1, "one writer's whole text");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  await assert.rejects(writeFileAtomic(`${dir}/missing/a.json`, "x"));
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.json"]);
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}');
  assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
  await Deno.remove(dir, { recursive: true });
});
