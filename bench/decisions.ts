/**
 * Re-measures the design choices of the native backend that docs/speed.md cites, and writes
 * results/bench/decisions.json. Each comparison alternates its variants within one process (or runs
 * them as child processes where an environment variable decides), so that load from other jobs hits
 * both alike; the 1-minute load is recorded with each.
 *
 *   deno run -A bench/decisions.ts [--out results/bench/decisions.json] [--rounds 3]
 *
 * Choices measured:
 *   waitPolicy      OMP_WAIT_POLICY PASSIVE (the kit's default) vs the GNU default vs ACTIVE: ResNet-18 step;
 *   batchNormThreads  batch-norm primitives on 1 thread vs all: ResNet-18 step;
 *   convThreads     convolution plans tuned over layouts only vs layouts × {all, 1 thread}: CNN and ResNet-18 steps;
 *   fullSum         a full reduction by sgemm (a dot product) vs the wasm loop;
 *   elementwise     oneDNN binary/eltwise vs wasm at 65K, 524K and 3.2M elements;
 *   sgemm           the start-up calibration of OpenBLAS / oneDNN sgemm at both thread counts.
 */
import * as tf from "@tensorflow/tfjs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { type BackendInfo, initBackend } from "../lib/backend.ts";
import { setConvThreadOptions } from "../lib/backend/native/conv.ts";
import { setBatchNormThreads } from "../lib/backend/native/eltwise.ts";
import { buildNet, modelConfig } from "../lib/models/registry.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { logitsOf } from "../lib/train.ts";
import { WORKLOAD_SHAPES, type WorkloadName } from "./workloads.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string", default: "results/bench/decisions.json" }, rounds: { type: "string", default: "3" } },
});
const ROUNDS = Number(args.rounds);
const load = () => Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
const round = (v: number) => Math.round(v * 1000) / 1000;

const info: BackendInfo = await initBackend({ backend: "native" });

/** Best of `n` steps (ms) of a workload's plain-SGD training step, after `warmup`. */
function stepper(w: WorkloadName) {
  const { arch, inputShape, batch } = WORKLOAD_SHAPES[w];
  const net = buildNet(modelConfig(arch, [...inputShape], 10), 1);
  const x = tf.randomUniform([batch, ...inputShape], 0, 1, "float32", 1);
  const y = tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D;
  const opt = tf.train.sgd(0.01);
  const once = () => {
    const start = performance.now();
    const cost = opt.minimize(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar, true)!;
    cost.dataSync();
    cost.dispose();
    return performance.now() - start;
  };
  return (warmup: number, n: number) => {
    for (let i = 0; i < warmup; i++) once();
    return round(Math.min(...Array.from({ length: n }, once)));
  };
}

/** Alternates the variants ROUNDS times; per variant the best ms of each round, and the load. */
function alternate(variants: Record<string, () => number>) {
  const rounds: Record<string, number | string>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const row: Record<string, number | string> = {};
    for (const [name, run] of Object.entries(variants)) row[name] = run();
    row.load = load();
    rounds.push(row);
  }
  return rounds;
}

const results: Record<string, unknown> = {};

// Batch-norm threads and conv thread options, in this process (kernels re-tune under a new setting).
{
  const resnet = stepper("resnet18");
  results.batchNormThreads = alternate({
    oneThread: () => (setBatchNormThreads(1), resnet(2, 3)),
    allThreads: () => (setBatchNormThreads(undefined), resnet(2, 3)),
  });
  setBatchNormThreads(1);
  const cnn = stepper("cnn");
  results.convThreads = {
    cnn: alternate({
      layoutsAndThreads: () => (setConvThreadOptions(["all", 1]), cnn(2, 5)),
      layoutsOnly: () => (setConvThreadOptions(["all"]), cnn(2, 5)),
    }),
    resnet18: alternate({
      layoutsAndThreads: () => (setConvThreadOptions(["all", 1]), resnet(2, 3)),
      layoutsOnly: () => (setConvThreadOptions(["all"]), resnet(2, 3)),
    }),
  };
  setConvThreadOptions(["all", 1]);
}

/** Median µs of `f` over 30 calls on the current backend. */
function micro(f: () => tf.Tensor): number {
  for (let i = 0; i < 5; i++) f().dispose();
  const t: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    const out = f();
    t.push(performance.now() - start);
    out.dispose();
  }
  t.sort((a, b) => a - b);
  return Math.round(t[15] * 1000);
}

async function onBoth(f: () => tf.Tensor) {
  const out: Record<string, number> = {};
  for (const b of ["native", "wasm", "native", "wasm"]) {
    await tf.setBackend(b);
    out[b] = Math.min(out[b] ?? Infinity, micro(f));
  }
  await tf.setBackend("native");
  return { ...out, load: load() };
}

{
  // Sizes are chosen so that the wasm kernel is the fallback's (the native kernel hands these on).
  const full = tf.randomNormal([784, 256]);
  const leading = tf.randomNormal([128, 28, 28, 32]);
  results.fullSum = {
    "sum of all 200,704 values (native: sgemm as a dot product, now left to wasm)": await onBoth(() => tf.sum(full)),
    "sum over N,H,W of [128,28,28,32] (native: sgemm with a row of ones)": await onBoth(() => tf.sum(leading, [0, 1, 2])),
  };
  tf.dispose([full, leading]);
  const elementwise: Record<string, unknown> = {};
  for (const shape of [[256, 256], [32, 8, 8, 256], [128, 28, 28, 32]]) {
    const a = tf.randomNormal(shape);
    const b = tf.randomNormal(shape);
    elementwise[`multiply ${shape} (${a.size} values)`] = await onBoth(() => tf.mul(a, b));
    elementwise[`relu ${shape}`] = await onBoth(() => tf.relu(a));
    tf.dispose([a, b]);
  }
  results.elementwise = {
    note: "native kernels run below 2^20 values only through their wasm fallback; these rows time oneDNN vs wasm where native is on",
    rows: elementwise,
  };
}

// OMP_WAIT_POLICY decides when libgomp loads: child processes.
async function childStep(env: Record<string, string>, w: WorkloadName): Promise<number | string> {
  const script = new URL("./kit_step.ts", import.meta.url).pathname;
  const { warmup, steps } = w === "resnet18" ? { warmup: 2, steps: 3 } : { warmup: 3, steps: 10 };
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, "--backend", "native", "--workload", w, "--warmup", `${warmup}`, "--steps", `${steps}`],
    env,
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return `failed (exit ${out.code})`;
  return round(JSON.parse(new TextDecoder().decode(out.stdout)).bestMs);
}
{
  const rows: Record<string, number | string>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const row: Record<string, number | string> = {};
    row.passive = await childStep({ OMP_WAIT_POLICY: "PASSIVE" }, "resnet18");
    // A value that is not a policy makes libgomp warn and use its default (spin a while, then sleep);
    // the kit leaves any value the environment sets alone.
    row.gnuDefault = await childStep({ OMP_WAIT_POLICY: "default" }, "resnet18");
    row.load = load();
    rows.push(row);
  }
  // ACTIVE once: it can take tens of seconds per step on a shared machine.
  rows.push({ active: await childStep({ OMP_WAIT_POLICY: "ACTIVE" }, "resnet18"), load: load() });
  results.waitPolicy = { workload: "resnet18", bestMsPerStep: rows };
}

results.sgemm = info.native?.gemm ?? null;

const report = {
  date: new Date().toISOString(),
  command: `deno run -A bench/decisions.ts ${Deno.args.join(" ")}`.trim(),
  machine: { cores: navigator.hardwareConcurrency, loadAtEnd: load() },
  backend: { threads: info.native?.threads, onednn: info.native?.onednn.version, openblas: info.native?.openblas.config },
  note: "ms are the best step of each round (lower is better); µs are medians of 30 calls",
  ...results,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report, null, 2));
