/**
 * The GPU check's stages, run by scripts/gpu/run from the unpacked pack (docs/gpu.md). Each stage has a
 * time limit inside one overall budget, and the JSON summary is rewritten (atomically) after every
 * stage, so an interrupted run leaves what it measured:
 *
 * 1. environment: the WebGPU adapter (it must be a real one, not a fallback, unless --rehearsal),
 *    nvidia-smi's GPU and driver, the pack's manifest;
 * 2. numerics: tests/backend/webgpu_check.ts on cpu and on webgpu, compared (tolerance 1e-4);
 * 3. resnet18: training steps of ResNet-18 (CIFAR form, batch 128) on webgpu, then the same in PyTorch
 *    on CUDA (scripts/gpu/torch_resnet18.py); `resnet18StepMs` and the speed ratio;
 * 4. main job: class-wise forgetting on Fashion-MNIST, MLP, Retrain/FT/GA/UGradSL/UGradSL+ on webgpu,
 *    one seed per invocation so that every finished seed is complete.
 *
 *   deno run -A gpu_check.js --pack DIR --json FILE --work DIR [--rehearsal] [--budget 540] [--seeds 2]
 *
 * A rehearsal (here, on Mesa's software adapter) accepts the fallback adapter, runs smaller sizes (it
 * says which) and marks the output `"rehearsal": true`.
 */
import { parseArgs } from "node:util";
import { type CheckRun, compareRuns, summarise, TOLERANCE } from "../../tests/backend/webgpu_compare.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    pack: { type: "string" },
    json: { type: "string" },
    work: { type: "string" },
    rehearsal: { type: "boolean", default: false },
    budget: { type: "string", default: "540" },
    seeds: { type: "string", default: "2" },
    python: { type: "string" },
  },
});
if (!args.pack || !args.json || !args.work) {
  console.error("usage: gpu_check.js --pack DIR --json FILE --work DIR [--rehearsal] [--budget SECONDS] [--seeds N]");
  Deno.exit(2);
}
const PACK = args.pack;
const WORK = args.work;
const JSON_FILE = args.json;
const REHEARSAL = args.rehearsal;
const started = performance.now();
const deadline = started + Number(args.budget) * 1000;
const secondsLeft = () => (deadline - performance.now()) / 1000;

/** What each stage runs: the real check, or a rehearsal small enough for a software adapter. */
const SIZES = REHEARSAL
  ? { resnet: { batch: 16, width: 8, warmup: 1, steps: 3 }, mainJob: ["--epochs", "1"], seeds: 1 }
  : { resnet: { batch: 128, width: 64, warmup: 3, steps: 10 }, mainJob: [] as string[], seeds: Number(args.seeds) };

const summary: Record<string, unknown> = {
  schema: "unlearn-kit/gpu-check@1",
  rehearsal: REHEARSAL,
  ...(REHEARSAL ? { rehearsalNote: "software adapter accepted; ResNet-18 at width 8, batch 16; main job 1 seed at 1 original epoch" } : {}),
  startedAt: new Date().toISOString(),
  finishedAt: null,
  budgetSeconds: Number(args.budget),
  stagesDone: [] as string[],
  errors: [] as string[],
  resnet18StepMs: { webgpu: null, torchCuda: null, torchCudaFp32: null } as Record<string, number | null>,
  ratio: null,
};

async function save(): Promise<void> {
  summary.elapsedSeconds = Math.round((performance.now() - started) / 100) / 10;
  await Deno.mkdir(JSON_FILE.replace(/\/[^/]*$/, "") || ".", { recursive: true });
  const tmp = `${JSON_FILE}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(summary, null, 2) + "\n");
  await Deno.rename(tmp, JSON_FILE);
}

function fail(stage: string, message: string): void {
  (summary.errors as string[]).push(`${stage}: ${message}`);
  console.error(`[gpu] ${stage}: ${message}`);
}

async function done(stage: string, seconds: number): Promise<void> {
  (summary.stagesDone as string[]).push(stage);
  summary.stageSeconds ??= {} as Record<string, number>;
  (summary.stageSeconds as Record<string, number>)[stage] = Math.round(seconds * 10) / 10;
  console.error(`[gpu] ${stage} done in ${seconds.toFixed(1)} s (${secondsLeft().toFixed(0)} s of the budget left)`);
  await save();
}

/** Children running now: an interrupted check stops them and saves what it has. */
const children = new Set<Deno.ChildProcess>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    summary.interrupted = `${signal} at ${new Date().toISOString()}`;
    fail("run", `interrupted by ${signal}; stages before it are complete`);
    await save();
    Deno.exit(signal === "SIGINT" ? 130 : 143);
  });
}

interface Ran {
  ok: boolean;
  code: number;
  timedOut: boolean;
  stdout: string;
  seconds: number;
}

/** Runs a command with a time limit; its stderr goes to WORK/logs/NAME.log (and the terminal's tail). */
async function run(name: string, cmd: string, cmdArgs: string[], limitSeconds: number, env: Record<string, string> = {}): Promise<Ran> {
  await Deno.mkdir(`${WORK}/logs`, { recursive: true });
  const t0 = performance.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(1, limitSeconds) * 1000);
  try {
    const child = new Deno.Command(cmd, { args: cmdArgs, env, stdout: "piped", stderr: "piped", signal: abort.signal }).spawn();
    children.add(child);
    child.status.finally(() => children.delete(child));
    const log = await Deno.open(`${WORK}/logs/${name}.log`, { write: true, create: true, truncate: true });
    const [status, stdout] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      child.stderr.pipeTo(log.writable),
    ]);
    return { ok: status.success, code: status.code, timedOut: abort.signal.aborted, stdout, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { ok: false, code: -1, timedOut: false, stdout: String(e), seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearTimeout(timer);
  }
}

async function tail(name: string, lines = 6): Promise<string> {
  const text = await Deno.readTextFile(`${WORK}/logs/${name}.log`).catch(() => "");
  return text.trim().split("\n").slice(-lines).join(" | ");
}

const why = async (name: string, r: Ran) =>
  r.timedOut ? `stopped at its ${r.seconds.toFixed(0)} s limit` : `exit ${r.code}: ${await tail(name)}`;

/** Bundle paths by name (unlearn, check, resnet18), from the pack's kit/entries.txt. */
const ENTRIES = Object.fromEntries(
  (await Deno.readTextFile(`${PACK}/kit/entries.txt`)).trim().split("\n").map((l) => l.split(" ") as [string, string]),
);
const deno = (entry: string, entryArgs: string[]): [string, string[]] => [
  Deno.execPath(),
  ["run", "-A", "--no-config", `${PACK}/${ENTRIES[entry]}`, ...entryArgs],
];

// ---------------------------------------------------------------------------------------------
// 1. environment

async function environment(): Promise<boolean> {
  const t0 = performance.now();
  summary.pack = JSON.parse(await Deno.readTextFile(`${PACK}/MANIFEST.json`));
  summary.versions = { deno: Deno.version.deno, v8: Deno.version.v8 };
  const smi = await run("nvidia-smi", "nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], 30);
  summary.nvidiaSmi = smi.ok ? smi.stdout.trim() : null;
  summary.vulkan = {
    icdFiles: Deno.env.get("VK_ICD_FILENAMES") ?? null,
    loaderFromPack: Deno.env.get("LD_LIBRARY_PATH")?.includes(PACK) ?? false,
    nvidiaDriverCapabilities: Deno.env.get("NVIDIA_DRIVER_CAPABILITIES") ?? null,
  };
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: "high-performance" }) : null;
  if (adapter === null) {
    summary.adapter = null;
    fail("environment", "no WebGPU adapter: is the NVIDIA Vulkan driver (libGLX_nvidia.so.0 and its ICD file) there? (docs/gpu.md)");
  } else {
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const fallback = info.isFallbackAdapter === true;
    summary.adapter = {
      description: info.description,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      isFallbackAdapter: fallback,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    };
    if (fallback && !REHEARSAL) fail("environment", `only a fallback adapter (${info.description}): this is not the GPU`);
  }
  await done("environment", (performance.now() - t0) / 1000);
  const a = summary.adapter as { isFallbackAdapter: boolean } | null;
  return a !== null && (REHEARSAL || !a.isFallbackAdapter);
}

// ---------------------------------------------------------------------------------------------
// 2. numerics

async function numerics(): Promise<void> {
  const t0 = performance.now();
  const limit = Math.min(240, secondsLeft() - 60);
  const outs = { cpu: `${WORK}/numerics-cpu.json`, webgpu: `${WORK}/numerics-webgpu.json` };
  const [cpu, webgpu] = await Promise.all(
    (["cpu", "webgpu"] as const).map((b) => run(`numerics-${b}`, ...deno("check", ["run", "--backend", b, "--out", outs[b]]), limit)),
  );
  for (const [b, r] of [["cpu", cpu], ["webgpu", webgpu]] as const) if (!r.ok) fail("numerics", `${b}: ${await why(`numerics-${b}`, r)}`);
  if (cpu.ok && webgpu.ok) {
    const [ref, other] = [JSON.parse(await Deno.readTextFile(outs.cpu)), JSON.parse(await Deno.readTextFile(outs.webgpu))] as CheckRun[];
    const rows = compareRuns(ref, other);
    const worst = rows.reduce((w, r) => (r.error > w.error ? r : w), rows[0]);
    const pass = rows.every((r) => r.error <= TOLERANCE) && other.deviceErrors.length === 0;
    summary.numerics = {
      tolerance: TOLERANCE,
      pass,
      quantities: rows.length,
      worst,
      byKind: summarise(rows),
      deviceErrors: other.deviceErrors,
      webgpuKernels: other.webgpuKernels,
      gpuAdapter: other.gpuAdapter,
      seconds: { cpu: ref.seconds, webgpu: other.seconds },
    };
    (summary.versions as Record<string, string>).tfjs = other.tfjsVersion;
    if (!pass) fail("numerics", `over tolerance: worst ${worst.case} ${worst.quantity} ${worst.error.toExponential(2)}`);
  }
  await done("numerics", (performance.now() - t0) / 1000);
}

// ---------------------------------------------------------------------------------------------
// 3. resnet18

async function findPython(): Promise<string | null> {
  const candidates = [args.python, Deno.env.get("UNLEARN_PYTHON"), "python3", "/usr/bin/python3", "python"].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = await run("python-probe", c, ["-c", "import torch; print(torch.__version__)"], 60);
    if (r.ok) return c;
  }
  return null;
}

async function resnet18(webgpuOk: boolean): Promise<void> {
  const t0 = performance.now();
  const s = SIZES.resnet;
  const sizeArgs = ["--batch", String(s.batch), "--width", String(s.width), "--warmup", String(s.warmup), "--steps", String(s.steps)];
  const steps = summary.resnet18StepMs as Record<string, number | null>;
  const detail: Record<string, unknown> = { batch: s.batch, width: s.width, warmup: s.warmup, steps: s.steps };
  summary.resnet18 = detail;
  if (webgpuOk) {
    const r = await run("resnet18-webgpu", ...deno("resnet18", ["--backend", "webgpu", ...sizeArgs]), Math.min(240, secondsLeft() - 150));
    if (r.ok) {
      const out = JSON.parse(r.stdout);
      detail.webgpu = out;
      steps.webgpu = out.medianStepMs;
    } else fail("resnet18", `webgpu: ${await why("resnet18-webgpu", r)}`);
    await save();
  }
  const python = await findPython();
  if (python === null) fail("resnet18", "no python with torch (tried --python, $UNLEARN_PYTHON, python3, /usr/bin/python3, python)");
  else {
    const r = await run("resnet18-torch", python, [`${PACK}/kit/torch_resnet18.py`, ...sizeArgs], Math.min(180, secondsLeft() - 90));
    if (r.ok) {
      const out = JSON.parse(r.stdout);
      detail.torch = out;
      const cuda = out.device !== "cpu";
      steps[cuda ? "torchCuda" : "torchCpu"] = out.default.medianStepMs;
      if (out.fp32) steps.torchCudaFp32 = out.fp32.medianStepMs;
      (summary.versions as Record<string, unknown>).torch = { torch: out.torch, cuda: out.cuda, cudnn: out.cudnn, device: out.device };
      if (!cuda && !REHEARSAL) fail("resnet18", "PyTorch sees no CUDA device");
    } else fail("resnet18", `torch: ${await why("resnet18-torch", r)}`);
  }
  const reference = steps.torchCuda ?? steps.torchCpu ?? null;
  if (steps.webgpu && reference) {
    summary.ratio = {
      webgpuSpeedOverTorch: Math.round((reference / steps.webgpu) * 1000) / 1000,
      against: steps.torchCuda ? "torchCuda (PyTorch defaults)" : "torchCpu (rehearsal: no CUDA here)",
      ...(steps.torchCudaFp32 ? { webgpuSpeedOverTorchFp32: Math.round((steps.torchCudaFp32 / steps.webgpu) * 1000) / 1000 } : {}),
      target: 0.3,
      meaning: "PyTorch's median step time / WebGPU's: 1 = as fast, 0.3 = the issue's target",
    };
  }
  await done("resnet18", (performance.now() - t0) / 1000);
}

// ---------------------------------------------------------------------------------------------
// 4. main job

interface RecordLine {
  method: string;
  seed: number;
  status: string;
  error?: string;
  metrics: Record<string, number>;
  rteSeconds: number;
  original: { trainSeconds: number; trainAcc: number; testAcc: number };
  environment: { backend: { name: string; gpuAdapter?: string } };
}

async function mainJob(): Promise<void> {
  const t0 = performance.now();
  const out = `${WORK}/main-classwise`;
  const base = [
    ...["--dataset", "fashion-mnist", "--data-dir", `${PACK}/data/fashion-mnist`, "--model", "mlp", "--paradigm", "classwise"],
    ...["--methods", "retrain,ft,ga,ugradsl,ugradsl+", "--metrics", "UA,RA,TA,VA,MIA", "--backend", "webgpu", "--no-progress"],
    ...["--selection", `${PACK}/data/selection.json`, "--out", out, "--cache", `${WORK}/cache`, ...SIZES.mainJob],
  ];
  const job: Record<string, unknown> = {
    command: `deno task unlearn ${base.join(" ")} --first-seed S --seeds 1`.replaceAll(PACK, "<pack>").replaceAll(WORK, "<work>"),
    seedsPlanned: SIZES.seeds,
  };
  summary.mainJob = job;
  /** Reads the records written so far into the summary (also while a seed runs: partial results). */
  const collect = async () => {
    const text = await Deno.readTextFile(`${out}/records.jsonl`).catch(() => "");
    const records = text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l) as RecordLine);
    job.records = records.length;
    job.seconds = Math.round((performance.now() - t0) / 100) / 10;
    job.backend = records[0]?.environment.backend ?? null;
    job.originals = records.filter((rec) => rec.method === "retrain").map((rec) => ({ seed: rec.seed, ...rec.original }));
    job.runs = records.map((rec) => ({
      method: rec.method,
      seed: rec.seed,
      status: rec.status,
      rteSeconds: Math.round(rec.rteSeconds * 10) / 10,
      ...Object.fromEntries(["UA", "RA", "TA", "VA", "MIA"].map((k) => [k, rec.metrics[k] ?? null])),
    }));
    await save();
    return records;
  };
  for (let seed = 0; seed < SIZES.seeds; seed++) {
    const limit = secondsLeft() - 15;
    if (limit < 30) {
      fail("main-job", `seed ${seed} not started: ${secondsLeft().toFixed(0)} s of the budget left`);
      break;
    }
    const poll = setInterval(collect, 10_000);
    const r = await run(`main-seed${seed}`, ...deno("unlearn", [...base, "--first-seed", String(seed), "--seeds", "1"]), limit);
    clearInterval(poll);
    if (!r.ok) fail("main-job", `seed ${seed}: ${await why(`main-seed${seed}`, r)}`);
    for (const rec of (await collect()).filter((rec) => rec.seed === seed && rec.status !== "ok")) {
      fail("main-job", `${rec.method} seed ${seed}: ${rec.status}${rec.error ? ` (${rec.error})` : ""}`);
    }
    await save();
  }
  await done("main-job", (performance.now() - t0) / 1000);
}

// ---------------------------------------------------------------------------------------------

await save();
const webgpuOk = await environment();
if (webgpuOk) await numerics();
await resnet18(webgpuOk);
if (webgpuOk) await mainJob();
summary.finishedAt = new Date().toISOString();
await save();
const errors = summary.errors as string[];
console.error(`[gpu] wrote ${JSON_FILE} in ${((performance.now() - started) / 1000).toFixed(0)} s; ${errors.length} errors`);
Deno.exit(errors.length === 0 ? 0 : 1);
