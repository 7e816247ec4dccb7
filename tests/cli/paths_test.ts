/**
 * Where a run writes (review 2026-12-07, cases 8e and 9a): a checkout under a folder whose name holds a
 * space and a non-ASCII letter writes inside itself (the selection file found, results and cache in the
 * checkout, nothing under a percent-encoded twin); a relative --out is the kit folder's, wherever the
 * command is started from, as --help says.
 */
import assert from "node:assert/strict";
import { copyKit } from "../_kit_copy.ts";
import { TINY_FLAGS } from "../experiment/_tiny.ts";

async function run(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  const o = await new Deno.Command(Deno.execPath(), { args, cwd, stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } }).output();
  return { code: o.code, stderr: new TextDecoder().decode(o.stderr) };
}

/** Every path under `dir`, relative. */
function tree(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory && !e.isSymlink ? [`${prefix}${e.name}/`, ...tree(`${dir}/${e.name}`, `${prefix}${e.name}/`)] : [`${prefix}${e.name}`]
  );
}

Deno.test("a checkout under 'my projects ü/' writes inside itself; relative paths are the kit folder's", async () => {
  const base = await Deno.makeTempDir({ prefix: "paths-" });
  const kit = await copyKit(`${base}/my projects ü/kit`);
  const elsewhere = `${base}/elsewhere`;
  await Deno.mkdir(elsewhere);
  const flags = TINY_FLAGS.filter((f) => f !== "--no-selection").concat("--methods=ga", "--metrics=UA");
  // Default --out and cache (the kit's results/ and data/cache/), and the selection file found.
  const first = await run(["run", "-A", `${kit}/cli/unlearn.ts`, ...flags], kit);
  assert.equal(first.code, 0, first.stderr);
  // A relative --out, started from another folder.
  const second = await run(["run", "-A", `${kit}/cli/unlearn.ts`, ...flags, "--out=rel_out", `--cache=data/cache`], elsewhere);
  assert.equal(second.code, 0, second.stderr);
  // Adopted records are said to come from the --reuse folder, not to be "already in" the new one.
  const third = await run(
    ["run", "-A", `${kit}/cli/unlearn.ts`, ...flags, "--out=rel_out2", "--reuse=rel_out", "--cache=data/cache"],
    elsewhere,
  );
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /1 finished run\(s\) adopted from --reuse .*\/kit\/rel_out \(copied into .*\/kit\/rel_out2/);
  assert.doesNotMatch(third.stderr, /already in/);
  assert.ok(Deno.statSync(`${kit}/results/synthetic-mlp/records.jsonl`).isFile);
  assert.ok(Deno.statSync(`${kit}/rel_out/records.jsonl`).isFile, "relative to the kit's folder");
  assert.ok(tree(`${kit}/data/cache`).some((p) => p.startsWith("originals/")), "the cache is in the checkout");
  assert.deepEqual(tree(elsewhere), [], "nothing written where the command was started");
  assert.deepEqual([...Deno.readDirSync(base)].map((e) => e.name).sort(), ["elsewhere", "my projects ü"], "no percent-encoded twin");
  await Deno.remove(base, { recursive: true });
});
