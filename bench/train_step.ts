/**
 * The side-by-side training-step bench (`deno task bench`): the kit's MLP, CNN and ResNet-18
 * (bench/workloads.ts) on the native backend (OpenBLAS/oneDNN through FFI, at the machine's thread
 * count and at 1 thread), on wasm + kit kernels, and the same models in PyTorch at 1 and 2 threads
 * (bench/torch_step.py, Debian's python3-torch under /usr/bin/python3). Every measurement runs in its
 * own process, so each has its own peak RSS; variants alternate within each round, and the best step
 * over all rounds counts, so that a burst of load from other jobs hits all variants alike.
 *
 *   deno task bench [--rounds 2] [--steps 10] [--warmup 3] [--max-load 0.5] [--load-wait 900]
 *                   [--workloads mlp,cnn,resnet18] [--out results/bench/train_step.json]
 *
 * Before starting it waits (up to --load-wait seconds) for the 1-minute load average to fall below
 * --max-load, and records the load at start and whether it ever fell that low. Writes
 * results/bench/train_step.json with `speedVsTorch: {mlp, cnn, resnet18}` = PyTorch's best ms ÷ the
 * kit's best ms (≥ 1: the kit is as fast or faster) and the targets of issue 11.
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { envValue } from "../lib/env.ts";
import { WORKLOAD_NAMES, WORKLOAD_SHAPES, type WorkloadName } from "./workloads.ts";
import { writeFileAtomic } from "../lib/record.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "2" },
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    "max-load": { type: "string", default: "0.5" },
    "load-wait": { type: "string", default: "900" },
    workloads: { type: "string", default: WORKLOAD_NAMES.join(",") },
    out: { type: "string", default: "results/bench/train_step.json" },
  },
});
const ROUNDS = Number(args.rounds);
const MAX_LOAD = Number(args["max-load"]);
const workloads = args.workloads!.split(",") as WorkloadName[];
for (const w of workloads) {
  if (!WORKLOAD_NAMES.includes(w)) throw new Error(`--workloads: unknown ${w}; valid: ${WORKLOAD_NAMES.join(", ")}`);
}

/** ResNet-18 steps take seconds on wasm: fewer of them. */
function stepsFor(w: WorkloadName): { warmup: number; steps: number } {
  return w === "resnet18"
    ? { warmup: Math.min(2, Number(args.warmup)), steps: Math.min(5, Number(args.steps)) }
    : { warmup: Number(args.warmup), steps: Number(args.steps) };
}

/** issue 11's targets for speedVsTorch. */
const TARGETS: Record<WorkloadName, number> = { mlp: 1.0, cnn: 1.0, resnet18: 0.8 };
const PYTHON = envValue("UNLEARN_PYTHON") ?? "/usr/bin/python3";
const DENO = Deno.execPath();

interface Variant {
  name: string;
  kind: "kit" | "torch";
  command(w: WorkloadName): { cmd: string; args: string[]; env?: Record<string, string> };
}

const kitVariant = (name: string, backend: string, env?: Record<string, string>): Variant => ({
  name,
  kind: "kit",
  command: (w) => {
    const { warmup, steps } = stepsFor(w);
    const script = fileURLToPath(new URL("./kit_step.ts", import.meta.url));
    return {
      cmd: DENO,
      args: ["run", "-A", script, "--backend", backend, "--workload", w, "--warmup", `${warmup}`, "--steps", `${steps}`],
      env,
    };
  },
});
const torchVariant = (threads: number): Variant => ({
  name: `torch-${threads}t`,
  kind: "torch",
  command: (w) => {
    const { warmup, steps } = stepsFor(w);
    const script = fileURLToPath(new URL("./torch_step.py", import.meta.url));
    return {
      cmd: PYTHON,
      args: [script, "--threads", `${threads}`, "--workload", w, "--warmup", `${warmup}`, "--steps", `${steps}`],
    };
  },
});

const cores = navigator.hardwareConcurrency;
const VARIANTS: Variant[] = [
  torchVariant(1),
  ...(cores > 1 ? [torchVariant(2)] : []),
  kitVariant("native", "native"),
  ...(cores > 1 ? [kitVariant("native-1t", "native", { UNLEARN_THREADS: "1" })] : []),
  kitVariant("wasm", "wasm"),
];

interface Measurement {
  msPerStep: number[];
  bestMs: number;
  medianMs: number;
  peakRssMiB: number | null;
  detail: Record<string, unknown>;
}
type Outcome = Measurement | { error: string };

async function measure(v: Variant, w: WorkloadName): Promise<Outcome> {
  const { cmd, args, env } = v.command(w);
  try {
    const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").filter((l) => l.trim()).slice(-1)[0];
      return { error: err ?? `exit ${out.code}` };
    }
    const r = JSON.parse(text);
    const { msPerStep, bestMs, medianMs, peakRssMiB, ...detail } = r;
    return { msPerStep, bestMs, medianMs, peakRssMiB, detail };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function loadAverage(): number[] {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number);
}

/** Waits until the 1-minute load falls below MAX_LOAD or the wait is over; returns what it saw. */
async function waitForQuiet(): Promise<{ loadAtStart: number[]; waitedSeconds: number; lowestSeen: number; belowThreshold: boolean }> {
  const limit = Number(args["load-wait"]) * 1000;
  const start = performance.now();
  let lowest = Infinity;
  while (true) {
    const load = loadAverage();
    lowest = Math.min(lowest, load[0]);
    const waited = performance.now() - start;
    if (load[0] < MAX_LOAD || waited >= limit) {
      return { loadAtStart: load, waitedSeconds: Math.round(waited / 1000), lowestSeen: lowest, belowThreshold: load[0] < MAX_LOAD };
    }
    console.error(`load ${load[0]} ≥ ${MAX_LOAD}: waiting (${Math.round(waited / 1000)} s of ${limit / 1000})`);
    await new Promise((r) => setTimeout(r, 15000));
  }
}

const quiet = await waitForQuiet();
console.error(`load at start ${quiet.loadAtStart[0]} (${quiet.belowThreshold ? "below" : "NOT below"} ${MAX_LOAD})`);
const loadDuring: number[] = [];
const results: Record<string, Record<string, Outcome[]>> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const w of workloads) {
    for (const v of VARIANTS) {
      loadDuring.push(loadAverage()[0]);
      const r = await measure(v, w);
      ((results[v.name] ??= {})[w] ??= []).push(r);
      console.error(`round ${round + 1} ${w} ${v.name}: ${"error" in r ? `FAILED ${r.error}` : `best ${r.bestMs.toFixed(2)} ms`}`);
    }
  }
}

/**
 * Where a native step's time goes (bench/kernel_profile.ts, one process per workload, after the
 * timings): the largest kernels, and the time outside kernels (tfjs's engine, layers, JS). This is
 * what limits a target that is not met.
 */
async function kernelProfile(w: WorkloadName): Promise<unknown> {
  const { warmup, steps } = stepsFor(w);
  const script = fileURLToPath(new URL("./kernel_profile.ts", import.meta.url));
  const out = await new Deno.Command(DENO, {
    args: ["run", "-A", script, "--backend", "native", "--workload", w, "--warmup", `${warmup}`, "--steps", `${steps}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return { error: `kernel_profile exited ${out.code}` };
  const p = JSON.parse(new TextDecoder().decode(out.stdout));
  return {
    meanStepMs: p.meanStepMs,
    kernelMsPerStep: p.kernelMsPerStep,
    outsideKernelsMsPerStep: p.outsideKernelsMsPerStep,
    kernelCallsPerStep: p.kernelCallsPerStep,
    top: p.kernels.slice(0, 10),
    loadAverage: loadAverage(),
  };
}
const profiles: Record<string, unknown> = {};
for (const w of workloads) profiles[w] = await kernelProfile(w);

const round2 = (v: number) => Math.round(v * 100) / 100;
/** Per variant and workload: the best step over all rounds, the median of the round medians, the largest peak RSS. */
function summarise(outcomes: Outcome[]) {
  const ok = outcomes.filter((o): o is Measurement => !("error" in o));
  if (ok.length === 0) return { error: (outcomes[0] as { error: string }).error };
  const medians = ok.map((o) => o.medianMs).sort((a, b) => a - b);
  return {
    bestMs: round2(Math.min(...ok.map((o) => o.bestMs))),
    medianMs: round2(medians[Math.floor(medians.length / 2)]),
    peakRssMiB: Math.max(...ok.map((o) => o.peakRssMiB ?? 0)),
    rounds: ok.map((o) => ({ bestMs: round2(o.bestMs), medianMs: round2(o.medianMs), msPerStep: o.msPerStep.map(round2) })),
    ...(ok.length < outcomes.length ? { failedRounds: outcomes.length - ok.length } : {}),
  };
}
const summary: Record<string, Record<string, ReturnType<typeof summarise>>> = {};
for (const [variant, byWorkload] of Object.entries(results)) {
  summary[variant] = Object.fromEntries(Object.entries(byWorkload).map(([w, o]) => [w, summarise(o)]));
}

const best = (variant: string, w: WorkloadName) => {
  const s = summary[variant]?.[w];
  return s && "bestMs" in s ? s.bestMs : undefined;
};
const fastest = (kind: "kit" | "torch", w: WorkloadName, only?: string[]) => {
  const candidates = VARIANTS.filter((v) => v.kind === kind && (!only || only.includes(v.name)))
    .map((v) => ({ variant: v.name, ms: best(v.name, w) }))
    .filter((c): c is { variant: string; ms: number } => c.ms !== undefined);
  return candidates.sort((a, b) => a.ms - b.ms)[0];
};

const speedVsTorch: Record<string, number | null> = {};
const comparison: Record<string, unknown> = {};
for (const w of workloads) {
  // The kit's best is its native backend (either thread count); wasm is reported alongside.
  const kit = fastest("kit", w, ["native", "native-1t"]);
  const torch = fastest("torch", w);
  const ratio = kit && torch ? round2(torch.ms / kit.ms) : null;
  speedVsTorch[w] = ratio;
  const pair = (a: string, b: string) => (best(a, w) && best(b, w) ? round2(best(b, w)! / best(a, w)!) : null);
  comparison[w] = {
    kitBest: kit ?? null,
    torchBest: torch ?? null,
    target: TARGETS[w],
    met: ratio === null ? null : ratio >= TARGETS[w],
    // Like for like: torch's ms ÷ the kit's ms at the same thread count.
    sameThreads: { oneThread: pair("native-1t", "torch-1t"), machineThreads: pair("native", `torch-${Math.min(cores, 2)}t`) },
    nativeOverWasmSpeedup: pair("native", "wasm"),
  };
}

function machine() {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  return {
    cores,
    cpuModel: cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown",
    os: Deno.build.os,
    arch: Deno.build.arch,
    // Environment that changes what the libraries do; recorded, not changed.
    env: Object.fromEntries(
      ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "UNLEARN_THREADS"]
        .map((k) => [k, envValue(k) ?? null]),
    ),
  };
}

const nativeDetail = results.native?.[workloads[0]]?.find((o): o is Measurement => !("error" in o))?.detail;
const torchDetail = results["torch-1t"]?.[workloads[0]]?.find((o): o is Measurement => !("error" in o))?.detail;
/** The commit measured (and whether the tree had changes), so that a result names the code it timed. */
async function gitCommit(): Promise<string | null> {
  try {
    const run = (args: string[]) => new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    const head = await run(["rev-parse", "HEAD"]);
    const dirty = await run(["status", "--porcelain", "--untracked-files=no"]);
    if (!head.success) return null;
    const changed = new TextDecoder().decode(dirty.stdout).trim() !== "";
    return new TextDecoder().decode(head.stdout).trim() + (changed ? " (with uncommitted changes)" : "");
  } catch {
    return null;
  }
}

const report = {
  date: new Date().toISOString(),
  commit: await gitCommit(),
  command: `deno task bench ${Deno.args.join(" ")}`.trim(),
  machine: machine(),
  load: {
    maxLoad: MAX_LOAD,
    atStart: quiet.loadAtStart,
    belowThresholdAtStart: quiet.belowThreshold,
    waitedSeconds: quiet.waitedSeconds,
    lowestSeenWhileWaiting: quiet.lowestSeen,
    // 1-minute load before each measurement: other jobs' share of the machine during the bench.
    duringMin: Math.min(...loadDuring),
    duringMax: Math.max(...loadDuring),
  },
  settings: {
    rounds: ROUNDS,
    steps: Object.fromEntries(workloads.map((w) => [w, stepsFor(w)])),
    batch: Object.fromEntries(workloads.map((w) => [w, WORKLOAD_SHAPES[w].batch])),
    optimizer:
      "plain SGD, lr 0.01, on both sides: PyTorch's torch.optim.SGD; the kit's own optimiser (lib/train.ts Sgd, no momentum, decay or clipping; it also computes the gradient norm every step, as in the kit's runs). A step = forward, backward, update, loss read back",
    note:
      "best = fastest single step over all rounds; median = median of the rounds' medians; peakRssMiB = each process's VmHWM / ru_maxrss",
  },
  backend: nativeDetail?.backendInfo ?? null,
  torch: torchDetail?.torch ?? null,
  speedVsTorch,
  targets: TARGETS,
  comparison,
  msPerStep: summary,
  // Native step by kernel (bench/kernel_profile.ts), measured after the timings.
  nativeProfile: profiles,
  // Filled by the main job's own timing (see docs/speed.md, "End-to-end figures"); this bench times steps only.
  endToEnd: {
    mainJobWallSeconds: null,
    rteUgradslOverOriginalEpoch: null,
    fill:
      "run `./kit main` on a fresh clone and put its wall seconds here; RTE(UGradSL) ÷ the seconds of one epoch of the original's training from the same run's records",
  },
};

await Deno.mkdir(dirname(args.out!), { recursive: true });
await writeFileAtomic(args.out!, JSON.stringify(report, null, 2) + "\n");

const cell = (variant: string, w: WorkloadName) => {
  const s = summary[variant]?.[w];
  return !s ? "-" : "bestMs" in s ? `${s.bestMs.toFixed(1)} (${s.peakRssMiB} MiB)` : "FAILED";
};
console.log(`best ms per training step (peak RSS), ${report.machine.cpuModel}, ${cores} cores, load at start ${quiet.loadAtStart[0]}`);
console.log(["variant".padEnd(11), ...workloads.map((w) => w.padStart(20))].join(" "));
for (const v of VARIANTS) console.log([v.name.padEnd(11), ...workloads.map((w) => cell(v.name, w).padStart(20))].join(" "));
console.log(
  `speedVsTorch (torch best ÷ kit best; targets ${JSON.stringify(TARGETS)}): ${JSON.stringify(speedVsTorch)}. Written to ${args.out}`,
);
