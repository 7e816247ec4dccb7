/**
 * The numerical check of a backend against tfjs's cpu backend, on the kit's own models at small sizes:
 * the MLP, the CNN and ResNet-18 (CIFAR form at width 4 on 16×16×3, so every kind of block runs: stride 1
 * and stride 2 with the 1×1 convolution + BN shortcut). tfjs keeps one backend per process, so each
 * backend runs in its own process and writes JSON; `compare` reads two such files.
 *
 *   deno run -A tests/backend/webgpu_check.ts probe                       adapter info as JSON (or null)
 *   deno run -A tests/backend/webgpu_check.ts run --backend webgpu --out F  forward, backward, 3 steps → F
 *   deno run -A tests/backend/webgpu_check.ts compare CPU.json OTHER.json   error per quantity; exit 1 over
 *   deno run -A tests/backend/webgpu_check.ts readback [--backend webgpu]   dataSync() against data(), as JSON
 *
 * Per case, with weights and inputs drawn from a fixed xorshift sequence (the same bytes on any backend):
 * inference logits (BN on running statistics); the mean cross-entropy and its gradient for every
 * trainable variable in training mode (BN on batch statistics); the same for generalized label smoothing
 * at α = −0.5 (UGradSL's forget loss); the losses of three steps of the kit's SGD (lr 0.01, momentum
 * 0.9, weight decay 5e-4), which read the loss back synchronously on every step, and the logits after.
 * Errors and TOLERANCE (1e-4): ./webgpu_compare.ts. ResNet-18 runs on 16×16 inputs because on 8×8 its
 * last stage normalises 4 values a channel (batch 4 × 1×1), and three steps at lr 0.05 there grew
 * float32 rounding differences (2e-5 in the gradients) into 6e-3 in the logits (webgpu against cpu).
 * scripts/gpu/run runs this same check on a real GPU.
 */
import * as tf from "@tensorflow/tfjs";
import { backendInfo, initBackend } from "../../lib/backend.ts";
import { pendingWebgpuErrors, registerWebgpuKernels } from "../../lib/backend/webgpu_kernels.ts";
import { buildNet, modelConfig } from "../../lib/models/registry.ts";
import type { Net } from "../../lib/models/types.ts";
import { crossEntropy, glsLoss } from "../../lib/smoothing.ts";
import { logitsOf, Sgd } from "../../lib/train.ts";
import { type CaseOutput, type CheckRun, compareRuns, summarise, TOLERANCE } from "./webgpu_compare.ts";

export { type CaseOutput, type CheckRun, compareRuns, summarise, TOLERANCE };

export interface CheckCase {
  name: string;
  arch: string;
  inputShape: number[];
  numClasses: number;
  options: Record<string, number>;
  batch: number;
}

export const CASES: CheckCase[] = [
  { name: "mlp", arch: "mlp", inputShape: [8, 8, 1], numClasses: 10, options: { hidden: 32, depth: 2 }, batch: 16 },
  { name: "cnn", arch: "cnn", inputShape: [12, 12, 1], numClasses: 10, options: { conv1: 4, conv2: 8, hidden: 16 }, batch: 8 },
  { name: "resnet18", arch: "resnet18", inputShape: [16, 16, 3], numClasses: 10, options: { width: 4 }, batch: 4 },
];

const SGD = { learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4, clipNorm: 0 };
const STEPS = 3;

/** Uniform values in [-1, 1) from xorshift32: the same on every machine. */
function uniform(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = 2 * ((s >>> 0) / 2 ** 32) - 1;
  }
  return out;
}

/** Deterministic weights of a plausible scale, by the variable's role (fan-in for kernels). */
function setWeights(net: Net): void {
  const weights = net.model.weights;
  const shapes = weights.map((w) => w.shape as number[]); // weights have no unknown dimensions
  const values = weights.map((w, i) => {
    const u = uniform(shapes[i].reduce((a, b) => a * b, 1), 1000 + i);
    const name = w.originalName ?? w.name;
    if (/kernel$/.test(name)) {
      const fanIn = shapes[i].slice(0, -1).reduce((a, b) => a * b, 1);
      return u.map((v) => v * Math.sqrt(3 / fanIn));
    }
    if (/gamma$/.test(name)) return u.map((v) => 1 + 0.2 * v);
    if (/moving_variance$/.test(name)) return u.map((v) => 1 + 0.5 * Math.abs(v));
    return u.map((v) => 0.1 * v); // bias, beta, moving_mean
  });
  tf.tidy(() => net.model.setWeights(values.map((v, i) => tf.tensor(v, shapes[i]))));
}

async function flat(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Gradient of mean `loss` w.r.t. every trainable variable, in training mode; disposes what it makes. */
async function gradients(net: Net, x: tf.Tensor, loss: (logits: tf.Tensor2D) => tf.Tensor1D, prefix: string) {
  const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(loss(logitsOf(net, x, true))) as tf.Scalar, vars);
  const out: CaseOutput = { [`${prefix}.loss`]: await flat(value) };
  for (const v of vars) out[`${prefix}.grad.${v.name}`] = await flat(grads[v.name]);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

export async function runCase(c: CheckCase): Promise<CaseOutput> {
  const net = buildNet(modelConfig(c.arch, c.inputShape, c.numClasses, c.options), 1);
  setWeights(net);
  const x = tf.tensor(uniform(c.batch * c.inputShape.reduce((a, b) => a * b, 1), 7), [c.batch, ...c.inputShape]);
  const y = tf.tensor1d(Array.from({ length: c.batch }, (_, i) => (i * 7 + 3) % c.numClasses), "int32");
  try {
    const inference = tf.tidy(() => logitsOf(net, x, false));
    const out: CaseOutput = { logits: await flat(inference) };
    inference.dispose();
    Object.assign(out, await gradients(net, x, (l) => crossEntropy(l, y), "ce"));
    Object.assign(out, await gradients(net, x, (l) => glsLoss(l, y, -0.5), "nls"));
    const sgd = new Sgd(net, SGD);
    const losses: number[] = [];
    try {
      for (let s = 0; s < STEPS; s++) {
        losses.push(sgd.step(() => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar).loss);
      }
    } finally {
      sgd.dispose();
    }
    out["sgd.losses"] = losses;
    const after = tf.tidy(() => logitsOf(net, x, false));
    out["sgd.logits"] = await flat(after);
    after.dispose();
    return out;
  } finally {
    tf.dispose([x, y]);
    net.model.dispose();
  }
}

export async function runCheck(backend: string): Promise<CheckRun> {
  const info = await initBackend({ backend: backend as never });
  const started = performance.now();
  const cases: Record<string, CaseOutput> = {};
  for (const c of CASES) cases[c.name] = await runCase(c);
  const webgpu = info.name === "webgpu";
  return {
    schema: "unlearn-kit/webgpu-check@1",
    backend: info.name,
    gpuAdapter: backendInfo().gpuAdapter ?? null,
    webgpuKernels: webgpu ? registerWebgpuKernels() : [],
    deviceErrors: webgpu ? [...pendingWebgpuErrors()] : [],
    tfjsVersion: info.tfjsVersion,
    denoVersion: info.denoVersion,
    seconds: (performance.now() - started) / 1000,
    cases,
  };
}

/**
 * Synchronous reads on the current backend against asynchronous ones, bit for bit (NaN included):
 * float32 of sizes around the staging texture's row (1024 values) and chunk (8,388,608 values at the
 * usual 8192-row texture limit), int32 and bool results of GPU ops, and a scalar.
 */
export async function checkReadback(): Promise<{ checked: string[]; mismatches: string[] }> {
  const checked: string[] = [];
  const mismatches: string[] = [];
  const compare = async (name: string, make: () => tf.Tensor) => {
    // Two copies, so the synchronous read of one cannot answer from the other's CPU cache.
    const [a, b] = [make(), make()];
    const sync = a.dataSync();
    const async = await b.data();
    const same = sync.length === async.length && sync.every((v, i) => Object.is(v, async[i]));
    checked.push(name);
    if (!same) mismatches.push(`${name}: ${sync.length} vs ${async.length} values, first ${sync[0]} vs ${async[0]}`);
    tf.dispose([a, b]);
  };
  for (const n of [1023, 1024, 1025, 4097, 8 * 1024 * 1024 + 5]) {
    await compare(`float32 × ${n}`, () => tf.tidy(() => tf.sin(tf.range(0, n, 1, "float32")).mul(1e3)));
  }
  await compare(
    "float32 NaN, ±Infinity",
    () => tf.tidy(() => tf.div(tf.tensor1d([0, 1, -1, 2]).tile([600]), tf.tensor1d([0, 0, 0, 4]).tile([600]))),
  );
  await compare("int32", () => tf.tidy(() => tf.range(-3000, 3000, 1, "int32").mul(tf.scalar(7, "int32"))));
  await compare("bool", () => tf.tidy(() => tf.greater(tf.sin(tf.range(0, 5000, 1, "float32")), 0)));
  await compare("scalar from a reduction", () => tf.tidy(() => tf.sum(tf.range(0, 5000, 1, "float32"))));
  await compare("argMax int32", () => tf.tidy(() => tf.argMax(tf.sin(tf.range(0, 6000, 1, "float32")).reshape([600, 10]), 1)));
  return { checked, mismatches };
}

async function probe(): Promise<Record<string, unknown> | null> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) return null;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter === true,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.main) {
  const [cmd, ...args] = Deno.args;
  if (cmd === "probe") {
    console.log(JSON.stringify(await probe()));
    Deno.exit(0);
  } else if (cmd === "run") {
    const backend = flag(args, "backend") ?? "webgpu";
    const out = flag(args, "out");
    const run = await runCheck(backend);
    const text = JSON.stringify(run);
    if (out) await Deno.writeTextFile(out, text);
    else console.log(text);
    console.error(`${run.backend}${run.gpuAdapter ? ` (${run.gpuAdapter})` : ""}: ${CASES.length} cases in ${run.seconds.toFixed(1)} s`);
    Deno.exit(0);
  } else if (cmd === "readback") {
    await initBackend({ backend: (flag(args, "backend") ?? "webgpu") as never });
    console.log(JSON.stringify(await checkReadback()));
    Deno.exit(0);
  } else if (cmd === "compare" && args.length >= 2) {
    const [ref, other] = await Promise.all(args.slice(0, 2).map(async (f) => JSON.parse(await Deno.readTextFile(f)) as CheckRun));
    const tolerance = Number(flag(args, "tolerance") ?? TOLERANCE);
    const rows = compareRuns(ref, other);
    console.log(`${other.backend} (${other.gpuAdapter ?? "no adapter"}) against ${ref.backend}, tolerance ${tolerance}:`);
    for (const line of summarise(rows, tolerance)) console.log(`  ${line}`);
    Deno.exit(rows.every((r) => r.error <= tolerance) ? 0 : 1);
  } else {
    console.error(
      "usage: webgpu_check.ts probe | run --backend NAME [--out FILE] | compare REF.json OTHER.json [--tolerance T] | readback [--backend NAME]",
    );
    Deno.exit(2);
  }
}
