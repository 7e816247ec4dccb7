/**
 * How the fixed partition of products (lib/backend/native/gemm.ts) performs: the MLP step's products
 * (784-256-256-10, batch 256) as one OpenBLAS call, and as blocks run one after another and on the
 * parallel runner (lib/backend/native/parallel.ts) at the backend's threads, for a few partition rules.
 * Buffers are plain Float32Arrays (the kernels use the wasm heap; the calls are the same).
 *
 *   deno run -A bench/gemm_partition.ts [--reps 30] [--out /tmp/gemm_partition.json]
 *
 * Prints (and writes with --out) the best and median microseconds per product for each variant.
 */
import { parseArgs } from "node:util";
import { GEMM_PARTITION, gemmBlocks, openblasSgemm, partitionedSgemm, sgemmTask } from "../lib/backend/native/gemm.ts";
import { loadNativeLibs } from "../lib/backend/native/libs.ts";
import { makeRunner } from "../lib/backend/native/parallel.ts";
import { sgdTask, sumsqTask } from "../lib/backend/native/sgd.ts";
import { writeFileAtomic } from "../lib/record.ts";

const { values: args } = parseArgs({ args: Deno.args, options: { reps: { type: "string", default: "30" }, out: { type: "string" } } });
const loaded = loadNativeLibs();
if (!loaded.ok) throw new Error(loaded.why);
const { blas, threads, openblas } = loaded.libs;

/** [name, transA, transB, m, n, k] of the MLP step's products. */
const SHAPES: [string, boolean, boolean, number, number, number][] = [
  ["fwd 1", false, false, 256, 256, 784],
  ["fwd 2", false, false, 256, 256, 256],
  ["fwd 3", false, false, 256, 10, 256],
  ["dW1", true, false, 784, 256, 256],
  ["dW2", true, false, 256, 256, 256],
  ["dh1", false, true, 256, 256, 256],
  ["dW3", true, false, 256, 10, 256],
  ["dh2", false, true, 256, 256, 10],
  // Near the crossover (2 × 2^21 multiply-adds: the smallest product that is split).
  ["4.2M rows", false, false, 128, 128, 256],
  ["4.2M weight gradient", true, false, 256, 64, 256],
  ["4.2M wide", false, false, 64, 256, 256],
  ["8.4M", false, false, 128, 256, 256],
];
const RULES = [2, 4, 8].map((maxBlocks) => ({ ...GEMM_PARTITION, maxBlocks }));
// The crossover: the same shapes with blocks allowed down to a quarter of the rule's minimum.
RULES.push({ ...GEMM_PARTITION, maxBlocks: 2, minBlockMacs: GEMM_PARTITION.minBlockMacs / 4 });
const sequential = makeRunner(1, openblas.path, { sgemm: sgemmTask(blas), sgd: sgdTask, sumsq: sumsqTask }, null);
const parallel = makeRunner(threads, openblas.path, { sgemm: sgemmTask(blas), sgd: sgdTask, sumsq: sumsqTask });

function time(run: () => void, reps: number): { bestUs: number; medianUs: number } {
  for (let i = 0; i < 3; i++) run();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    run();
    t.push((performance.now() - s) * 1000);
  }
  t.sort((a, b) => a - b);
  return { bestUs: Math.round(t[0]), medianUs: Math.round(t[t.length >> 1]) };
}

const reps = Number(args.reps);
const rows: Record<string, unknown>[] = [];
for (const [name, ta, tb, m, n, k] of SHAPES) {
  const a = new Float32Array(m * k).map(() => Math.random());
  const b = new Float32Array(k * n).map(() => Math.random());
  const c = new Float32Array(m * n);
  const [pa, pb, pc] = [a, b, c].map((x) => Deno.UnsafePointer.of(x));
  const call = (f: ReturnType<typeof openblasSgemm>) => () => f(ta, tb, m, n, k, pa, ta ? m : k, pb, tb ? k : n, 0, pc, n);
  const row: Record<string, unknown> = { name, m, n, k, oneCall: time(call(openblasSgemm(blas)), reps) };
  for (const rule of RULES) {
    const blocks = gemmBlocks(m, n, k, rule).starts.length - 1;
    if (blocks === 1) continue;
    row[`max${rule.maxBlocks}${rule.minBlockMacs === GEMM_PARTITION.minBlockMacs ? "" : `-min${rule.minBlockMacs}`}`] = {
      blocks,
      sequential: time(call(partitionedSgemm(blas, sequential, rule)), reps),
      parallel: time(call(partitionedSgemm(blas, parallel, rule)), reps),
    };
  }
  rows.push(row);
  console.log(JSON.stringify(row));
}
const result = { date: new Date().toISOString(), threads, runner: parallel.info, load: Deno.loadavg(), shapes: rows };
if (args.out) writeFileAtomic(args.out, JSON.stringify(result, null, 1) + "\n");
