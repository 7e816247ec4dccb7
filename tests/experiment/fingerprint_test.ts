/** The numerics fingerprint's file lists: every named file and folder exists, and each scope holds the one before it. */
import assert from "node:assert/strict";
import { NUMERICS_SCOPES, numericsFiles, numericsFingerprint } from "../../lib/experiment/fingerprint.ts";

const LIB = new URL("../../lib/", import.meta.url);

Deno.test("every file and folder a numerics scope names exists (a moved file must be renamed in the list)", () => {
  for (const [scope, { files, dirs }] of Object.entries(NUMERICS_SCOPES)) {
    for (const f of files) assert.ok(Deno.statSync(new URL(f, LIB)).isFile, `${scope}: lib/${f}`);
    for (const d of dirs) assert.ok(Deno.statSync(new URL(`${d}/`, LIB)).isDirectory, `${scope}: lib/${d}/`);
  }
});

Deno.test("scopes nest: an original's code ⊂ an ensemble member's ⊂ a run's; the fingerprints differ", async () => {
  const [original, ensemble, run] = await Promise.all(["original", "ensemble", "run"].map((s) => numericsFiles(s as "run")));
  assert.ok(original.every((f) => ensemble.includes(f)));
  assert.ok(ensemble.every((f) => run.includes(f)));
  for (const f of ["experiment/task.ts", "experiment/model_cache.ts", "models/registry.ts"]) assert.ok(original.includes(f), f);
  assert.ok(!original.includes("unlearn/registry.ts") && ensemble.includes("unlearn/registry.ts"));
  assert.ok(!ensemble.includes("experiment/run.ts") && run.includes("experiment/run.ts"));
  for (const f of ["hash.ts", "record.ts", "experiment/fingerprint.ts", "experiment/resume.ts"]) {
    assert.ok(!run.includes(f), `${f} decides no number`);
  }
  const prints = await Promise.all(["original", "ensemble", "run"].map((s) => numericsFingerprint(s as "run")));
  assert.equal(new Set(prints).size, 3);
});
