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
 *   convPick        convolutions on the fastest bit-identical variant vs always the canonical one (one thread): CNN and ResNet-18 steps;
 *   fullSum         a full reduction by sgemm (a dot product) vs the wasm kernel, and the leading-axes sum;
 *   elementwise     oneDNN binary/eltwise vs wasm at 65K, 524K and 3.2M elements;
 *   sgemm           the fixed sgemm of the native kernels (library, threads);
 *   openblasCore    OpenBLAS's Haswell vs SkylakeX kernels on this CPU, and oneDNN's sgemm (bench/sgemm_core.ts);
 *   optimizer       plain SGD vs lib/train.ts's Sgd.step on the MLP (child processes);
 *   miaSvm          MIA's five SVM fits on two workers vs one after another.
 */
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { type BackendInfo, initBackend } from "../lib/backend.ts";
import { setVariantPick } from "../lib/backend/native/conv.ts";
import { setBatchNormThreads } from "../lib/backend/native/eltwise.ts";
import { onednnSgemm } from "../lib/backend/native/gemm.ts";
import { loadNativeLibs } from "../lib/backend/native/libs.ts";
import { buildNet, modelConfig } from "../lib/models/registry.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { logitsOf } from "../lib/train.ts";
import { featureRows, MIA_FEATURES } from "../lib/metrics/mia.ts";
import { svcFitPredictAll } from "../lib/metrics/svm.ts";
import { Rng } from "../lib/rng.ts";
import { syntheticPredictions, WORKLOAD_SHAPES, type WorkloadName } from "./workloads.ts";
import { writeFileAtomic } from "../lib/record.ts";

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

// Batch-norm threads and the convolutions' variant pick, in this process (kernels re-tune under a new setting).
{
  const resnet = stepper("resnet18");
  results.batchNormThreads = alternate({
    oneThread: () => (setBatchNormThreads(1), resnet(2, 3)),
    allThreads: () => (setBatchNormThreads(undefined), resnet(2, 3)),
  });
  setBatchNormThreads(1);
  const cnn = stepper("cnn");
  results.convPick = {
    cnn: alternate({
      fastestIdentical: () => (setVariantPick("timed"), cnn(2, 5)),
      canonicalOnly: () => (setVariantPick("canonical"), cnn(2, 5)),
    }),
    resnet18: alternate({
      fastestIdentical: () => (setVariantPick("timed"), resnet(2, 3)),
      canonicalOnly: () => (setVariantPick("canonical"), resnet(2, 3)),
    }),
  };
  setVariantPick("timed");
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
  // A full reduction as the native Sum once did it (sgemm 1×1×K: a dot product with ones) against the
  // wasm kernel it now leaves it to; and the leading-axes reduction native keeps.
  const libs = loadNativeLibs();
  if (!libs.ok) throw new Error(libs.why);
  const sgemm = onednnSgemm(libs.libs.dnnl);
  const values = new Float32Array(784 * 256).map((_, i) => Math.sin(i));
  const ones = new Float32Array(values.length).fill(1);
  const out = new Float32Array(1);
  const dot = () => {
    const t: number[] = [];
    for (let i = 0; i < 35; i++) {
      const start = performance.now();
      sgemm(
        false,
        false,
        1,
        1,
        values.length,
        Deno.UnsafePointer.of(ones),
        values.length,
        Deno.UnsafePointer.of(values),
        1,
        0,
        Deno.UnsafePointer.of(out),
        1,
      );
      if (i >= 5) t.push(performance.now() - start);
    }
    t.sort((a, b) => a - b);
    return Math.round(t[15] * 1000);
  };
  const full = tf.tensor2d(values, [784, 256]);
  await tf.setBackend("wasm");
  const wasmFull = micro(() => tf.sum(full));
  await tf.setBackend("native");
  const leading = tf.randomNormal([128, 28, 28, 32]);
  results.fullSum = {
    "sum of all 200,704 values: oneDNN sgemm as a dot product vs the wasm kernel (µs)": { sgemmDot: dot(), wasm: wasmFull, load: load() },
    "sum over N,H,W of [128,28,28,32]: native (sgemm with a row of ones) vs wasm (µs)": await onBoth(() => tf.sum(leading, [0, 1, 2])),
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
  const script = fileURLToPath(new URL("./kit_step.ts", import.meta.url));
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

// OpenBLAS's kernels by core type (decided when it loads: child processes), against oneDNN's sgemm.
async function child(script: string, args: string[], env: Record<string, string>): Promise<unknown> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(new URL(script, import.meta.url)), ...args],
    env,
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  return out.success ? JSON.parse(text) : `failed (exit ${out.code})`;
}
results.openblasCore = {
  product: "256×784×256, one thread, median ms",
  rows: [
    { ...(await child("./sgemm_core.ts", [], { OPENBLAS_CORETYPE: "Haswell" }) as object), load: load() },
    { ...(await child("./sgemm_core.ts", [], { OPENBLAS_CORETYPE: "SkylakeX" }) as object), load: load() },
  ],
};

// Plain SGD against lib/train.ts's Sgd.step (momentum, weight decay, gradient norm) on the MLP.
{
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const best = async (optimizer: string) => {
      const out = await child("./kit_step.ts", [
        "--backend",
        "native",
        "--workload",
        "mlp",
        "--steps",
        "30",
        "--warmup",
        "5",
        "--optimizer",
        optimizer,
      ], {});
      return typeof out === "object" && out !== null ? round((out as { bestMs: number }).bestMs) : out;
    };
    rows.push({ plainSgd: await best("sgd"), kitSgdStep: await best("kit"), load: load() });
  }
  results.optimizer = { workload: "mlp", bestMsPerStep: rows };
}

// MIA's five SVM fits: two workers against one after another (synthetic predictions, 2,000 + 2,000 rows).
{
  const rng = new Rng(1);
  const preds = (n: number, sharp: number) => syntheticPredictions(rng, n, sharp);
  const members = preds(2000, 6);
  const nonMembers = preds(2000, 4);
  const forget = preds(1000, 6);
  const jobs = MIA_FEATURES.map((f) => ({
    x: [...featureRows(members, f), ...featureRows(nonMembers, f)],
    y: Int32Array.from({ length: 4000 }, (_, i) => (i < 2000 ? 1 : 0)),
    queries: [featureRows(forget, f)],
  }));
  const rows: Record<string, number>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const time = async (workers: number) => {
      const start = performance.now();
      await svcFitPredictAll(jobs, {}, workers);
      return Math.round(performance.now() - start);
    };
    rows.push({ twoWorkersMs: await time(2), sequentialMs: await time(1), load: load() });
  }
  results.miaSvm = rows;
}

const report = {
  date: new Date().toISOString(),
  command: `deno run -A bench/decisions.ts ${Deno.args.join(" ")}`.trim(),
  machine: { cores: navigator.hardwareConcurrency, loadAtEnd: load() },
  backend: { threads: info.native?.threads, onednn: info.native?.onednn.version, openblas: info.native?.openblas.config },
  note: "ms are the best step of each round (lower is better); µs are medians of 30 calls",
  ...results,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await writeFileAtomic(args.out!, JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report, null, 2));
