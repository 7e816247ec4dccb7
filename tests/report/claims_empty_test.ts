/**
 * `claims` on a chapter whose records file is empty (review 2026-12-07, case 5g) says so on stderr and shows
 * the chapter as not run, instead of writing "not measured" as if it had been measured.
 */
import assert from "node:assert/strict";
import { copyKit, deno } from "../_kit_copy.ts";

Deno.test("claims with an empty records file warns, naming the chapter, and does not call it measured", async () => {
  const kit = await copyKit();
  await Deno.mkdir(`${kit}/tmp/notebooks/04/classwise`, { recursive: true });
  await Deno.writeTextFile(`${kit}/tmp/notebooks/04/classwise/records.jsonl`, "");
  const r = await deno(["run", "-A", "cli/claims.ts", "--quick"], kit);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: 04 \(04_\S+\.ipynb\): its quick-mode records file holds no records; shown as not run/);
  const claims = JSON.parse(await Deno.readTextFile(`${kit}/tmp/claims.json`));
  assert.equal(claims.find((c: { id: string }) => c.id === "04").verdict, null);
  assert.doesNotMatch(await Deno.readTextFile(`${kit}/tmp/chapters.md`), /\[04\][^\n]*not measured/);
  // results/claims.md is evidence v2's scoreboard: the chapters' command writes beside it, never over it.
  await assert.rejects(Deno.stat(`${kit}/tmp/claims.md`), Deno.errors.NotFound);
  await Deno.remove(kit, { recursive: true });
});
