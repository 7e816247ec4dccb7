/**
 * Fuzzes every data loader with seeded inputs (random bytes, truncations, bit flips, header fields set
 * to extremes, layout changes) and writes the counts to results/fuzz/loaders.json. The same harness runs
 * in `./kit test` (tests/data/fuzz_test.ts), which asserts on it.
 *
 *   deno run -A scripts/fuzz_loaders.ts [--count 10000] [--seed 12] [--processes 2] [--only idx,cifar]
 *   deno run -A scripts/fuzz_loaders.ts --replay svhn:1234   # one input, with the full error
 */
import { parseArgs } from "node:util";
import { DEFAULT_FUZZ, type FuzzSummary, runFuzz } from "../tests/data/fuzz/harness.ts";
import { fuzzOne } from "../tests/data/fuzz/run.ts";
import { target, TARGETS } from "../tests/data/fuzz/targets.ts";
import { writeFileAtomic } from "../lib/record.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: String(DEFAULT_FUZZ.count) },
    seed: { type: "string", default: String(DEFAULT_FUZZ.seed) },
    processes: { type: "string", default: "1" },
    only: { type: "string" },
    out: { type: "string", default: "results/fuzz/loaders.json" },
    replay: { type: "string" },
  },
});
const seed = Number(values.seed);

if (values.replay) {
  const [name, i] = values.replay.split(":");
  console.log(await fuzzOne(target(name), seed, Number(i)));
  Deno.exit(0);
}

const names = values.only ? values.only.split(",") : TARGETS.map((t) => t.name);
const summaries: FuzzSummary[] = [];
const start = performance.now();
for (const name of names) {
  const s = await runFuzz(name, { seed, count: Number(values.count), processes: Number(values.processes) });
  summaries.push(s);
  console.log(
    `${name.padEnd(11)} ${s.inputs} inputs: ${s.accepted} accepted, ${s.refused} refused, ${s.bugs} bugs; ` +
      `max ${s.maxInputMs} ms, mean ${s.meanInputMs} ms, ${(s.wallMs / 1000).toFixed(1)} s, rss ≤ ${s.rssMaxMiB} MiB` +
      (s.hang ? `; HANG at input ${s.hang.i}` : ""),
  );
  for (const b of s.bugSamples.slice(0, 3)) {
    console.log(`  bug at ${name}:${b.i} (${b.kind}, ${b.mutated}): ${b.detail?.split("\n").slice(0, 3).join(" | ")}`);
  }
}
const report = {
  what: "loader fuzz: seeded mutations of valid files, each loaded end to end from memory (scripts/fuzz_loaders.ts)",
  seed,
  countPerLoader: Number(values.count),
  processes: Number(values.processes),
  machine: `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`,
  date: new Date().toISOString().slice(0, 10),
  totalWallSeconds: Math.round((performance.now() - start) / 100) / 10,
  loaders: summaries,
};
await Deno.mkdir(values.out.replace(/\/[^/]*$/, ""), { recursive: true });
await writeFileAtomic(values.out, JSON.stringify(report, null, 2) + "\n");
console.log(`wrote ${values.out}`);
