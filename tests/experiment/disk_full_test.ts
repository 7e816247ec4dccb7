/**
 * A full disk (review 2026-12-07, cases 2a-2d), on a small tmpfs: the error names the file, no stack
 * trace, every record already written is kept and whole, the rerun completes the folder; a table rewrite on
 * a full disk leaves the old table; a cache that cannot be written costs only the cache entry and leaves no
 * temporary folder. Needs root to mount the tmpfs; skipped with the reason otherwise.
 */
import assert from "node:assert/strict";
import { deno } from "../_kit_copy.ts";
import { readRecordsWithSkips } from "../../lib/record.ts";
import { TINY_FLAGS } from "./_tiny.ts";

async function sh(cmd: string): Promise<{ ok: boolean; text: string }> {
  const o = await new Deno.Command("bash", { args: ["-c", cmd], stdout: "piped", stderr: "piped" }).output();
  return { ok: o.success, text: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr) };
}

/** Fills the file system of `dir` until about `leaveKiB` KiB are free. */
async function fill(dir: string, leaveKiB: number): Promise<void> {
  const avail = Number((await sh(`df -k --output=avail '${dir}' | tail -1`)).text.trim());
  const kib = Math.max(0, avail - leaveKiB);
  await sh(`dd if=/dev/zero of='${dir}/fill' bs=1k count=${kib} 2>/dev/null; sync`);
}

const leftovers = (dir: string) => sh(`find '${dir}' -name '*tmp*' | head`).then((r) => r.text.trim());

Deno.test("a full disk: named errors, nothing written is lost, the rerun completes; tables and cache survive", async (t) => {
  const skip = (why: string) => console.error(`skipped: ${why}`);
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return skip("mounting a tmpfs needs root on Linux");
  const base = await Deno.makeTempDir({ prefix: "disk-full-" });
  const tiny = `${base}/tiny`;
  await Deno.mkdir(tiny);
  const mount = await sh(`mount -t tmpfs -o size=512k tmpfs '${tiny}'`);
  if (!mount.ok) {
    await Deno.remove(base, { recursive: true });
    return skip(`cannot mount a tmpfs here (${mount.text.trim()})`);
  }
  try {
    const cache = `${base}/cache`; // on the real disk: the tiny one holds the records
    const out = `${tiny}/out`;
    const run = (extra: string[]) =>
      deno(["run", "-A", "cli/unlearn.ts", ...TINY_FLAGS, "--seeds=3", "--methods=retrain,ga", "--metrics=UA", ...extra]);
    await t.step("records: the append that does not fit names records.jsonl; the rerun completes the folder", async () => {
      await run([`--out=${base}/warm`, `--cache=${cache}`]); // originals cached, so the run below writes records fast
      await fill(tiny, 12);
      const full = await run([`--out=${out}`, `--cache=${cache}`]);
      assert.equal(full.code, 2, full.stderr);
      assert.doesNotMatch(full.stderr, /Uncaught| {4}at /, "no stack trace");
      assert.doesNotMatch(full.stderr, /--help/, "the fix is on the machine, not in the flags");
      assert.match(full.stderr, new RegExp(`error: ${out}/\\S+: cannot write \\(No space left on device.*the disk is full`));
      const kept = await readRecordsWithSkips([out]).catch(() => ({ records: [], skipped: [] }));
      assert.deepEqual(kept.skipped, [], "what was written is whole");
      await Deno.remove(`${tiny}/fill`);
      const again = await run([`--out=${out}`, `--cache=${cache}`]);
      assert.equal(again.code, 0, again.stderr);
      const all = await readRecordsWithSkips([out]);
      assert.equal(new Set(all.records.map((r) => `${r.configHash}|${r.seed}`)).size, 6);
      assert.equal(all.records.length, 6, "no duplicate");
      assert.equal(await leftovers(tiny), "");
    });
    await t.step("tables: a rewrite that does not fit leaves the old table.md and table.csv whole", async () => {
      const before = await Deno.readTextFile(`${out}/table.md`);
      await fill(tiny, 0);
      const table = await deno(["run", "-A", "cli/table.ts", out, "--digits=3"]);
      assert.equal(table.code, 2, table.stderr);
      assert.match(table.stderr, /table\.md: cannot write .*the disk is full/);
      assert.doesNotMatch(table.stderr, /Uncaught/);
      assert.equal(await Deno.readTextFile(`${out}/table.md`), before);
      assert.equal(await leftovers(tiny), "");
      await Deno.remove(`${tiny}/fill`);
    });
    await t.step("cache: a save that does not fit is a warning; the run finishes; no temporary folder stays", async () => {
      const smallCache = `${tiny}/cache`;
      await Deno.mkdir(smallCache);
      await fill(tiny, 8);
      const r = await run([`--out=${base}/out-cache`, `--cache=${smallCache}`, "--seeds=1"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: the model was not cached \(.*cannot write.*\); the run goes on without it/);
      assert.equal(await leftovers(smallCache), "");
      assert.equal((await readRecordsWithSkips([`${base}/out-cache`])).records.length, 2);
    });
  } finally {
    await sh(`umount '${tiny}'`);
    await Deno.remove(base, { recursive: true });
  }
});
