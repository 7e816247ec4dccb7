/**
 * The loader fuzz (issue 12): every loader gets 10,000 seeded inputs made from a valid data set in its
 * real format (random bytes, truncations, bit flips, header fields set to extremes, layout changes; see
 * fuzz/mutate.ts and fuzz/targets.ts). Each input must be accepted as valid data or refused with a
 * KitError naming a file of the data set, within 2 s, without a hang and without memory running away.
 * scripts/fuzz_loaders.ts runs the same inputs and writes results/fuzz/loaders.json.
 */
import assert from "node:assert/strict";
import { DEFAULT_FUZZ, runFuzz } from "./fuzz/harness.ts";
import { TARGETS } from "./fuzz/targets.ts";

const COUNT = 10000;
/** Generous bounds: the whole target takes a few seconds on a quiet 2-core machine. */
const MAX_TARGET_SECONDS = 90;
const MAX_RSS_GROWTH_MIB = 1024;

for (const t of TARGETS) {
  Deno.test(`fuzz ${t.name}: ${COUNT} inputs, each valid data or a KitError naming the file, within ${DEFAULT_FUZZ.perInputMs} ms`, async () => {
    const s = await runFuzz(t.name, { count: COUNT });
    console.log(
      `${t.name}: ${s.inputs} inputs, ${s.accepted} accepted, ${s.refused} refused (${s.refusedNamingMutatedFile} naming the changed file), ` +
        `${s.bugs} bugs; slowest ${s.maxInputMs} ms, ${(s.wallMs / 1000).toFixed(1)} s in all, rss ${s.rssStartMiB} → ${s.rssMaxMiB} MiB`,
    );
    assert.equal(s.hang, null, `hang at input ${s.hang?.i} (replay: deno run -A scripts/fuzz_loaders.ts --replay ${t.name}:${s.hang?.i})`);
    assert.equal(s.inputs, COUNT);
    assert.deepEqual(
      s.bugSamples.map((b) => `${t.name}:${b.i} ${b.kind} ${b.mutated}: ${b.detail?.split("\n")[0]}`),
      [],
      "inputs that were neither valid data nor a KitError naming the file",
    );
    assert.equal(s.bugs, 0);
    assert.equal(s.accepted + s.refused, COUNT);
    // Both outcomes occur: the mutations reach past the first check, and most are refused.
    assert.ok(s.accepted > 0.05 * COUNT && s.refused > 0.2 * COUNT, `accepted ${s.accepted}, refused ${s.refused}`);
    assert.equal(s.slow, 0, `slowest input ${s.slowest.i} (${s.slowest.kind}) took ${s.slowest.ms} ms`);
    assert.ok(s.wallMs < MAX_TARGET_SECONDS * 1000, `${s.wallMs} ms in all`);
    assert.ok(s.rssMaxMiB - s.rssStartMiB < MAX_RSS_GROWTH_MIB, `rss grew from ${s.rssStartMiB} to ${s.rssMaxMiB} MiB`);
  });
}

Deno.test("fuzz harness: it counts each kind of failure as a bug, and catches a hang", async () => {
  const s = await runFuzz("selftest-bugs", { count: 10 });
  assert.deepEqual([s.accepted, s.refused, s.bugs], [2, 2, 6]);
  assert.deepEqual(
    s.bugSamples.map((b) => b.detail!.split("\n")[0].replace(/:.*/, "")),
    ["KitError", "TypeError", "accepted invalid data", "KitError", "TypeError", "accepted invalid data"],
  );
  const h = await runFuzz("selftest-hang", { count: 10, hangMs: 1500 });
  assert.equal(h.hang?.i, 3);
  assert.equal(h.inputs, 3);
});
