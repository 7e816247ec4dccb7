/**
 * What loading Fashion-MNIST (70k images, gzip IDX, with every check of lib/data/checks.ts) and its
 * `dataFingerprint` (SHA-256 over x, y and shapes of both splits, lib/data/fingerprint.ts) cost.
 * Median of --reps runs; the fingerprint is recomputed on a fresh bundle object each time (it is
 * memoised per bundle). The machine is shared: treat the figures as ±30%.
 *
 *   deno run -A bench/data_fingerprint.ts [--reps 5] [--out results/bench/data_fingerprint.json]
 */
import { parseArgs } from "node:util";
import { loadFashionMnist } from "../lib/data/fashion_mnist.ts";
import { dataFingerprint } from "../lib/data/fingerprint.ts";
import { machine } from "../lib/env.ts";
import { writeFileAtomic } from "../lib/record.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { reps: { type: "string", default: "5" }, out: { type: "string", default: "results/bench/data_fingerprint.json" } },
});
const reps = Number(args.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loadMs: number[] = [];
const fingerprintMs: number[] = [];
let fingerprint = "";
let bundle = await loadFashionMnist();
for (let r = 0; r < reps; r++) {
  let t = performance.now();
  bundle = await loadFashionMnist();
  loadMs.push(performance.now() - t);
  t = performance.now();
  fingerprint = await dataFingerprint({ ...bundle });
  fingerprintMs.push(performance.now() - t);
  console.log(`rep ${r + 1}: load ${loadMs[r].toFixed(0)} ms, fingerprint ${fingerprintMs[r].toFixed(0)} ms`);
}
const bytesHashed = [bundle.train, bundle.test].reduce((s, d) => s + d.x.byteLength + d.y.byteLength, 0);
const report = {
  what: "Fashion-MNIST full (60k train + 10k test): load with checks, then dataFingerprint (bench/data_fingerprint.ts)",
  machine: machine(),
  date: new Date().toISOString().slice(0, 10),
  reps,
  loadMsMedian: Math.round(median(loadMs)),
  fingerprintMsMedian: Math.round(median(fingerprintMs)),
  fingerprintMs: fingerprintMs.map(Math.round),
  bytesHashed,
  hashMBPerSecond: Math.round(bytesHashed / 1e6 / (median(fingerprintMs) / 1000)),
  fingerprint,
  warnings: bundle.warnings,
};
await Deno.mkdir(args.out.replace(/\/[^/]*$/, ""), { recursive: true });
await writeFileAtomic(args.out, JSON.stringify(report, null, 2) + "\n");
console.log(
  `load ${report.loadMsMedian} ms, fingerprint ${report.fingerprintMsMedian} ms (${report.hashMBPerSecond} MB/s); wrote ${args.out}`,
);
