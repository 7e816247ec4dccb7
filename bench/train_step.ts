/**
 * Times one SGD training step of two workloads on each way the kit can run them, and PyTorch's
 * step for the same models on the same machine (bench/torch_step.py):
 *   mlp: 784-256-256-10, batch 256;  cnn: conv32(3×3, relu)-maxpool-conv64(3×3, relu)-maxpool-
 *   dense128-dense10 ("same" padding, as lib/models/cnn.ts), batch 128, on 28×28×1.
 * Variants: stock wasm (before the kit's kernels are registered), the backend initBackend() picks
 * (wasm + kit kernels here), and cpu. Each: warm-up steps, then the median of timed steps.
 *
 *   deno task bench [--steps 10] [--warmup 3] [--skip-cpu-cnn] [--out results/bench/train_step.json]
 *
 * cpu needs minutes per CNN step, so it times one step without warm-up; --skip-cpu-cnn drops it.
 * The Python interpreter is $UNLEARN_PYTHON, else the first of python3, /usr/bin/python3 with torch.
 */
import * as tf from "@tensorflow/tfjs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { type BackendInfo, initBackend } from "../lib/backend.ts";
import { registerWasmTrainingKernels } from "../lib/backend/wasm_kernels.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    "skip-cpu-cnn": { type: "boolean", default: false },
    out: { type: "string", default: "results/bench/train_step.json" },
  },
});
const STEPS = Number(args.steps);
const WARMUP = Number(args.warmup);
const LEARNING_RATE = 0.01;
/** The issue's goal: a wasm CNN step within this factor of PyTorch's. */
const GOAL_RATIO = 3;

type Workload = "mlp" | "cnn";
const batchSize: Record<Workload, number> = { mlp: 256, cnn: 128 };

function buildModel(workload: Workload): tf.LayersModel {
  const model = tf.sequential();
  if (workload === "mlp") {
    model.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
    model.add(tf.layers.dense({ units: 256, activation: "relu" }));
    model.add(tf.layers.dense({ units: 256, activation: "relu" }));
  } else {
    const conv = { kernelSize: 3, padding: "same" as const, activation: "relu" as const };
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, ...conv }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 64, ...conv }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 128, activation: "relu" }));
  }
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}

/** Median ms of one SGD step (forward, backward, update, loss read back) on the current backend. */
function medianStepMs(workload: Workload, warmup: number, steps: number): number {
  const model = buildModel(workload);
  const n = batchSize[workload];
  const x = tf.randomUniform([n, 28, 28, 1], 0, 1, "float32", 1);
  const y = tf.oneHot(tf.randomUniform([n], 0, 10, "int32", 2), 10);
  const optimizer = tf.train.sgd(LEARNING_RATE);
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const start = performance.now();
      const loss = optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            y,
            model.apply(x, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        true,
      );
      loss!.dataSync();
      loss!.dispose();
      if (i >= warmup) times.push(performance.now() - start);
    }
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

type Timing = { msPerStep: number; steps: number } | { skipped: string } | { error: string };

function timeOn(workload: Workload, warmup: number, steps: number): Timing {
  try {
    return { msPerStep: round(medianStepMs(workload, warmup, steps)), steps };
  } catch (err) {
    return { error: (err instanceof Error ? err.message : String(err)).split("\n")[0] };
  }
}

const round = (v: number) => Math.round(v * 100) / 100;

async function pythonWithTorch(): Promise<string | undefined> {
  const env = Deno.env.get("UNLEARN_PYTHON");
  for (const python of env ? [env] : ["python3", "/usr/bin/python3"]) {
    try {
      const probe = await new Deno.Command(python, { args: ["-c", "import torch"], stderr: "null" })
        .output();
      if (probe.success) return python;
    } catch { /* not installed */ }
  }
  return undefined;
}

async function torchTimings(python: string, threads: number): Promise<Record<Workload, Timing>> {
  const script = new URL("./torch_step.py", import.meta.url).pathname;
  const out = await new Deno.Command(python, {
    args: [
      script,
      "--threads",
      String(threads),
      "--warmup",
      String(WARMUP),
      "--steps",
      String(STEPS),
    ],
  }).output();
  if (!out.success) {
    const error = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "failed";
    return { mlp: { error }, cnn: { error } };
  }
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  torchVersion = r.torch;
  return {
    mlp: { msPerStep: round(r.mlp), steps: STEPS },
    cnn: { msPerStep: round(r.cnn), steps: STEPS },
  };
}
let torchVersion: string | undefined;

function machine() {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  return {
    cores: navigator.hardwareConcurrency,
    cpuModel: cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown",
    os: Deno.build.os,
    arch: Deno.build.arch,
    // Other jobs share this machine; their load is part of every number below.
    loadAverage: Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number),
  };
}

/** The last report at --out, read before it is overwritten, so that each run records the one before. */
function previousReport(): { date?: string; cnnMs?: number; mlpMs?: number } | null {
  try {
    const old = JSON.parse(Deno.readTextFileSync(args.out!));
    const kit = old.msPerStep?.["wasm+kit"];
    return { date: old.date, cnnMs: kit?.cnn?.msPerStep, mlpMs: kit?.mlp?.msPerStep };
  } catch {
    return null;
  }
}
const previous = previousReport();
/** 1-minute load average before anything runs here: other jobs' share of this machine. */
const loadAtStart = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
/**
 * With other jobs holding about a core, 2-thread torch cannot use its threads (measured: its CNN step
 * went from 52 to 314 ms) while single-threaded wasm loses less, so the ratio flatters wasm.
 */
const quietMachine = loadAtStart < 0.5 * navigator.hardwareConcurrency;

const results: Record<string, Record<Workload, Timing>> = {};
const workloads: Workload[] = ["mlp", "cnn"];

// Stock wasm first: the kit's kernels replace some of its kernels once registered.
await tf.setBackend("wasm");
results["wasm-stock"] = { mlp: timeOn("mlp", 1, 3), cnn: timeOn("cnn", 1, 3) };

const info: BackendInfo = await initBackend();
const chosen = info.name === "wasm" ? "wasm+kit" : info.name;
results[chosen] = { mlp: timeOn("mlp", WARMUP, STEPS), cnn: timeOn("cnn", WARMUP, STEPS) };
if (info.name !== "wasm") {
  registerWasmTrainingKernels();
  await tf.setBackend("wasm");
  results["wasm+kit"] = { mlp: timeOn("mlp", WARMUP, STEPS), cnn: timeOn("cnn", WARMUP, STEPS) };
}

await tf.setBackend("cpu");
results.cpu = {
  mlp: timeOn("mlp", 1, 3),
  cnn: args["skip-cpu-cnn"] ? { skipped: "--skip-cpu-cnn (minutes per step)" } : timeOn("cnn", 0, 1),
};
await tf.setBackend(info.name);

const python = await pythonWithTorch();
for (const threads of [2, 1]) {
  results[`torch-${threads}t`] = python ? await torchTimings(python, threads) : {
    mlp: { skipped: "no python3 with torch" },
    cnn: { skipped: "no python3 with torch" },
  };
}

const ms = (variant: string, w: Workload) => {
  const t = results[variant]?.[w];
  return t && "msPerStep" in t ? t.msPerStep : undefined;
};
const ratio = (a?: number, b?: number) => (a && b ? round(a / b) : null);
/** PyTorch's faster thread setting: the stricter reference on a machine shared with other jobs. */
const bestTorch = (w: Workload) => {
  const times = [ms("torch-2t", w), ms("torch-1t", w)].filter((v) => v !== undefined);
  return times.length ? Math.min(...times) : undefined;
};
const ratios = Object.fromEntries(workloads.map((w) => [w, {
  wasmOverTorch2t: ratio(ms("wasm+kit", w), ms("torch-2t", w)),
  // Like for like: tfjs's wasm backend runs on one thread here.
  wasmOverTorch1t: ratio(ms("wasm+kit", w), ms("torch-1t", w)),
  wasmOverBestTorch: ratio(ms("wasm+kit", w), bestTorch(w)),
  cpuOverWasm: ratio(ms("cpu", w), ms("wasm+kit", w)),
  stockOverKitWasm: ratio(ms("wasm-stock", w), ms("wasm+kit", w)),
}]));
const cnnRatio = ratios.cnn.wasmOverBestTorch;

const report = {
  date: new Date().toISOString(),
  machine: machine(),
  backend: info,
  torch: torchVersion ?? null,
  settings: {
    warmup: WARMUP,
    steps: STEPS,
    batch: batchSize,
    optimizer: `sgd(${LEARNING_RATE})`,
    note: "median ms per step; wasm-stock and cpu: 1 warm-up, 3 steps (cpu cnn: 1 step, no warm-up)",
  },
  msPerStep: results,
  // The fastest configuration measured for the kit (the only wasm one kept: alternatives that lost
  // were dropped from lib/backend/wasm_kernels.ts, see its comments).
  bestConfiguration: {
    variant: "wasm+kit",
    detail: "single-threaded tfjs wasm (SIMD) + kit kernels: " + info.wasmKernels.join(", ") +
      "; Conv2DBackpropFilter as im2col(x)ᵀ · dy (one XNNPACK matMul); Identity/same-dtype Cast share data",
    cnnMsPerStep: ms("wasm+kit", "cnn") ?? null,
    mlpMsPerStep: ms("wasm+kit", "mlp") ?? null,
  },
  previous,
  ratios,
  goal: {
    text: `wasm CNN step within ${GOAL_RATIO}x of PyTorch's (best of 1 and 2 threads)`,
    ratio: cnnRatio,
    met: cnnRatio === null ? null : cnnRatio <= GOAL_RATIO,
    // false: other jobs loaded the machine (1-min load average at start ≥ half the cores); the
    // ratios are then not a fair comparison, and the verdict should be re-measured on a quiet machine.
    reliable: quietMachine,
    loadAtStart,
    // How much faster the wasm CNN step would have to be to meet the goal (1 = met).
    speedupNeeded: cnnRatio === null ? null : round(Math.max(1, cnnRatio / GOAL_RATIO)),
    vsTorch1t: {
      ratio: ratios.cnn.wasmOverTorch1t,
      met: ratios.cnn.wasmOverTorch1t === null ? null : ratios.cnn.wasmOverTorch1t <= GOAL_RATIO,
    },
  },
};

await Deno.mkdir(dirname(args.out!), { recursive: true });
await Deno.writeTextFile(args.out!, JSON.stringify(report, null, 2) + "\n");

const cell = (t: Timing | undefined) => !t ? "-" : "msPerStep" in t ? t.msPerStep.toFixed(1) : "skipped" in t ? "skipped" : "FAILED";
console.log(`ms per training step (${report.machine.cpuModel}, ${report.machine.cores} cores)`);
console.log(["variant".padEnd(12), ...workloads.map((w) => w.padStart(10))].join(" "));
for (const [variant, timings] of Object.entries(results)) {
  console.log(
    [variant.padEnd(12), ...workloads.map((w) => cell(timings[w]).padStart(10))].join(" "),
  );
}
for (const [variant, timings] of Object.entries(results)) {
  for (const w of workloads) {
    const t = timings[w];
    if ("error" in t) console.log(`${variant} ${w} failed: ${t.error}`);
  }
}
console.log(
  `wasm+kit / best torch: mlp ${ratios.mlp.wasmOverBestTorch}x, cnn ${cnnRatio}x` +
    ` (goal ≤ ${GOAL_RATIO}x: ${report.goal.met ? "met" : "NOT met"}` +
    `${quietMachine ? "" : `, UNRELIABLE: load ${loadAtStart} at start`});` +
    ` / single-thread torch: cnn ${ratios.cnn.wasmOverTorch1t}x.` +
    (previous?.cnnMs ? ` Previous run: cnn ${previous.cnnMs} ms.` : "") + ` Written to ${args.out}`,
);
