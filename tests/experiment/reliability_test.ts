/**
 * The run path against what a full disk, a kill, a typo or an editor leaves (review 2026-12-07): a split
 * file cut short (2b), incomplete records in --out (4c), --reuse that would silently reuse nothing (4b,
 * 4d), adopted records named by source (4a), a dangling --out link (8c), a cache that cannot be written
 * (2a) and orphaned cache temporaries (1e).
 */
import assert from "node:assert/strict";
import { KitError } from "../../lib/errors.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { sweepCache } from "../../lib/experiment/model_cache.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { readRecordsWithSkips, RECORD_SCHEMA } from "../../lib/record.ts";
import { capturingErrors } from "../_console.ts";
import { lineCount, tinyConfig } from "./_tiny.ts";

const out = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();
const input = { paradigms: ["classwise" as const], methods: ["retrain", "ga"], metrics: ["UA"] };

Deno.test("a split file cut short is found by its sha256 and rewritten; the records then point to the right file", async () => {
  const dir = `${out}/split`;
  const [r] = await runExperiment(tinyConfig(dir, cache, input));
  const file = `${dir}/${r.split.indexFile}`;
  const whole = await Deno.readFile(file);
  for (const methods of [input.methods, [...input.methods, "ft"]]) {
    await Deno.truncate(file, 100); // as a full disk or a kill during the write leaves it
    // Checked on every use: when the runs are read back (the same command) and when a new run of the task
    // writes it (another method).
    const log = await capturingErrors(() => runExperiment(tinyConfig(dir, cache, { ...input, methods })));
    assert.match(log, /not the split its name and records say \(sha256 differs, e\.g\. cut short\); rewritten/);
    assert.deepEqual(await Deno.readFile(file), whole);
  }
  assert.equal(await sha256Hex(await Deno.readFile(file)), r.split.indexSha256);
  assert.deepEqual([...Deno.readDirSync(`${dir}/splits`)].map((e) => e.name), [r.split.indexFile.split("/")[1]], "no temporary file");
});

Deno.test("incomplete schema-tagged records in --out are skipped by file:line, and the run goes on", async () => {
  const dir = `${out}/incomplete`;
  await runExperiment(tinyConfig(dir, cache, input));
  const file = `${dir}/records.jsonl`;
  const [a, b] = (await Deno.readTextFile(file)).trim().split("\n");
  const tagsNull = JSON.stringify({ ...JSON.parse(b), tags: null });
  await Deno.writeTextFile(file, [a, JSON.stringify({ schema: RECORD_SCHEMA }), tagsNull, ""].join("\n"));
  let fresh = 0;
  const log = await capturingErrors(() => runExperiment(tinyConfig(dir, cache, input), { onRecord: (_r, old) => void (old || fresh++) }));
  assert.match(log, new RegExp(`${file}:2: skipped \\(not a usable record: "runId" is missing`));
  assert.match(log, new RegExp(`${file}:3: skipped \\(not a usable record: "tags" is not an object`));
  assert.equal(fresh, 1, "only the run whose record was broken is run again");
  assert.equal((await readRecordsWithSkips([dir])).records.length, 2);
});

Deno.test("--reuse: a missing folder or a file is a named error before work; other-schema folders and adoption are said", async () => {
  const src = `${out}/reuse-src`;
  await runExperiment(tinyConfig(src, cache, input));
  assert.throws(() => tinyConfig(`${out}/r1`, cache, { ...input, reuse: [`${src}-typo`] }), (e: KitError) => {
    assert.match(e.message, /reuse \(--reuse\): .*reuse-src-typo does not exist/);
    return true;
  });
  assert.throws(() => tinyConfig(`${out}/r1`, cache, { ...input, reuse: [`${src}/records.jsonl`] }), /is a file; give the folder/);
  const empty = await Deno.makeTempDir();
  assert.match(
    await capturingErrors(() => Promise.resolve(tinyConfig(`${out}/r1`, cache, { ...input, reuse: [empty] }))),
    /holds no records\.jsonl/,
  );
  // Adopted records are reported with the folder they came from.
  const from: (string | undefined)[] = [];
  await runExperiment(tinyConfig(`${out}/r2`, cache, { ...input, reuse: [src] }), { onRecord: (_r, _old, f) => void from.push(f) });
  assert.deepEqual(from, [src, src]);
  // A folder of another schema contributes nothing, and says so.
  const old = `${out}/reuse-old`;
  await Deno.mkdir(old);
  await Deno.writeTextFile(
    `${old}/records.jsonl`,
    (await Deno.readTextFile(`${src}/records.jsonl`)).replaceAll(RECORD_SCHEMA, "unlearn-kit/run@1"),
  );
  const log = await capturingErrors(() => runExperiment(tinyConfig(`${out}/r3`, cache, { ...input, reuse: [old] })));
  assert.match(log, /records\.jsonl:1: skipped \(field "schema" is "unlearn-kit\/run@1"/);
  assert.match(log, /--reuse .*reuse-old: none of its 2 line\(s\) is a usable unlearn-kit\/run@2 record: nothing reused from it/);
  assert.match(log, /--reuse: no finished run of this configuration in .*reuse-old; nothing reused/);
  assert.equal(await lineCount(`${out}/r3/records.jsonl`), 2);
});

Deno.test("an edited record in a --reuse folder is named and run again, not adopted", async () => {
  const src = `${out}/edit-src`;
  await runExperiment(tinyConfig(src, cache, input));
  const file = `${src}/records.jsonl`;
  await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace(/"UA":[0-9.e-]+/, '"UA":99.99'));
  let fresh = 0;
  const log = await capturingErrors(() =>
    runExperiment(tinyConfig(`${out}/edit-out`, cache, { ...input, reuse: [src] }), { onRecord: (_r, old) => void (old || fresh++) })
  );
  assert.match(log, /edit-src\/records\.jsonl:1: .*: edited after it was written \(its checksum differs\); not reused, run again/);
  assert.equal(fresh, 1);
  assert.ok((await Deno.readTextFile(`${out}/edit-out/records.jsonl`)).indexOf("99.99") < 0);
});

Deno.test("a dangling symbolic link as --out is a named error before any work", async () => {
  const link = `${out}/dangling`;
  await Deno.symlink(`${out}/nonexistent/deeper`, link);
  assert.throws(() => tinyConfig(link, cache, input), (e: KitError) => {
    assert.ok(e instanceof KitError);
    assert.match(e.message, /out \(--out\): .*dangling is a symbolic link to .*nonexistent\/deeper, which does not exist/);
    return true;
  });
});

Deno.test("a cache that cannot be written is a warning, the run goes on; temporaries of dead processes are swept", async () => {
  if (Deno.uid() === 0) {
    // root writes through file modes: a read-only folder says nothing there; the tmpfs test covers it.
    console.error("skipped the read-only cache half: running as root (tests/experiment/disk_full_test.ts fills a tmpfs instead)");
  } else {
    const ro = await Deno.makeTempDir();
    await Deno.chmod(ro, 0o555);
    const log = await capturingErrors(() => runExperiment(tinyConfig(`${out}/ro-cache`, ro, input)));
    assert.match(log, /warning: the model was not cached .*cannot write/);
    assert.equal(await lineCount(`${out}/ro-cache/records.jsonl`), 2);
    await Deno.chmod(ro, 0o755);
  }
  // A temporary folder of a process that no longer runs (a Ctrl-C during a save) is removed at the next start.
  const dead = await new Deno.Command("true").spawn().status.then(() => 999_999); // beyond pid_max: never alive
  const orphan = `${cache}/originals/0123456789abcdef.tmp-${dead}-1a2b3c4d`;
  await Deno.mkdir(orphan, { recursive: true });
  await Deno.writeTextFile(`${orphan}/weights.bin.${dead}.1a2b3c4d.tmp`, "half");
  const mine = `${cache}/originals/fedcba9876543210.tmp-${Deno.pid}-1a2b3c4d`;
  await Deno.mkdir(mine);
  await sweepCache(cache);
  assert.equal(await Deno.stat(orphan).then(() => true, () => false), false, "the dead process's folder is gone");
  assert.ok(await Deno.stat(mine), "a live process's folder stays");
  await Deno.remove(mine);
});
