/**
 * Where one unlearning run's time goes, end to end: runs `runExperiment` (the CLI's path) under V8's
 * sampling profiler (node:inspector) with every tfjs kernel timed, and writes
 * results/bench/profile.json:
 *   - wall seconds, and per record its RTE and evaluation seconds;
 *   - `byKitFunction`: each sample charged to the innermost function of the kit's own files on its
 *     stack (lib/**: e.g. train.ts batchOf, metrics/svm.ts, smoothing.ts), inclusive of what it calls
 *     in tfjs or native code, so the list reads as "what the kit spent its time in";
 *   - `bySelf`: leaf functions (where the CPU actually was), JS and wasm;
 *   - `kernels`: ms per tfjs kernel and calls, on the backend the run chose.
 * Native calls run on the JS thread (their worker threads are not sampled), so their wall time shows
 * under the JS function that called them.
 *
 *   deno run -A bench/profile_run.ts [--out results/bench/profile.json] -- <deno task unlearn flags>
 * e.g. -- --dataset fashion-mnist --model mlp --paradigm classwise --methods ugradsl,ugradsl+,iu --seeds 1
 */
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { getKernelsForBackend, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import { Session } from "node:inspector";
import { dirname, relative } from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { configFromFlags, EXPERIMENT_FLAGS, parseFlags } from "../cli/flags.ts";
import { runExperiment } from "../lib/experiment/run.ts";
import { writeFileAtomic } from "../lib/record.ts";

const split = Deno.args.indexOf("--");
const own = split < 0 ? Deno.args : Deno.args.slice(0, split);
const forwarded = split < 0 ? [] : Deno.args.slice(split + 1);
const { values: args } = parseArgs({ args: own, options: { out: { type: "string", default: "results/bench/profile.json" } } });
if (forwarded.length === 0) throw new Error("profile_run: pass the run's flags (deno task unlearn's) after --");
const config = configFromFlags(parseFlags(forwarded, EXPERIMENT_FLAGS).values);

const backend = await initBackend({ backend: config.backend as never });
const backendName = tf.getBackend();

// Kernel timers (kernels run synchronously on wasm and native).
const kernelTotals = new Map<string, { ms: number; calls: number }>();
for (const kernel of getKernelsForBackend(backendName)) {
  const inner = kernel.kernelFunc;
  unregisterKernel(kernel.kernelName, backendName);
  registerKernel({
    ...kernel,
    kernelFunc: (a) => {
      const start = performance.now();
      const out = inner(a);
      const t = kernelTotals.get(kernel.kernelName) ?? { ms: 0, calls: 0 };
      t.ms += performance.now() - start;
      t.calls++;
      kernelTotals.set(kernel.kernelName, t);
      return out;
    },
  });
}
await tf.setBackend(backendName);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const session = new Session();
session.connect();
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
await post("Profiler.enable");
// 1 ms sampling: a run of minutes gives enough samples without a large profile.
await post("Profiler.setSamplingInterval", { interval: 1000 });
await post("Profiler.start");
const started = performance.now();
// rerun: a profile times the work, never records read back from an earlier run.
const records = await runExperiment({ ...config, progress: false, rerun: true });
const wallSeconds = (performance.now() - started) / 1000;
const { profile } = await post("Profiler.stop") as { profile: CpuProfile };
session.disconnect();

const root = fileURLToPath(new URL("..", import.meta.url));
const where = (f: CallFrame) => {
  const path = f.url.startsWith("file://") ? relative(root, fileURLToPath(new URL(f.url))) : f.url.replace(/^.*\/node_modules\//, "");
  return `${f.functionName || "(anonymous)"} ${path}:${f.lineNumber + 1}`;
};
const isKit = (f: CallFrame) => f.url.startsWith("file://") && relative(root, fileURLToPath(new URL(f.url))).startsWith("lib/");

const parent = new Map<number, number>();
const byId = new Map<number, ProfileNode>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const c of node.children ?? []) parent.set(c, node.id);
}
const kitTime = new Map<string, number>();
const selfTime = new Map<string, number>();
let sampledMs = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  sampledMs += ms;
  const leaf = byId.get(id)!;
  const leafName = leaf.callFrame.url || leaf.callFrame.functionName.startsWith("(") ? where(leaf.callFrame) : leaf.callFrame.functionName;
  selfTime.set(leafName, (selfTime.get(leafName) ?? 0) + ms);
  let at: number | undefined = id;
  while (at !== undefined) {
    const frame = byId.get(at)!.callFrame;
    if (isKit(frame)) {
      const key = where(frame);
      kitTime.set(key, (kitTime.get(key) ?? 0) + ms);
      return;
    }
    at = parent.get(at);
  }
  kitTime.set("(outside the kit's files)", (kitTime.get("(outside the kit's files)") ?? 0) + ms);
});

const top = (m: Map<string, number>, n: number) =>
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => ({
    name,
    seconds: Math.round(ms) / 1000,
    share: Math.round((ms / sampledMs) * 1000) / 1000,
  }));

const report = {
  date: new Date().toISOString(),
  command: `deno run -A bench/profile_run.ts -- ${forwarded.join(" ")}`,
  backend,
  loadAverageAtEnd: Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number),
  wallSeconds: Math.round(wallSeconds * 10) / 10,
  sampledSeconds: Math.round(sampledMs) / 1000,
  records: records.map((r) => ({
    runId: r.runId,
    status: r.status,
    rteSeconds: Math.round(r.rteSeconds * 100) / 100,
    evalSeconds: Math.round(r.evalSeconds * 100) / 100,
  })),
  byKitFunction: top(kitTime, 40),
  bySelf: top(selfTime, 40),
  kernels: [...kernelTotals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30).map(([name, t]) => ({
    name,
    seconds: Math.round(t.ms) / 1000,
    calls: t.calls,
  })),
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await writeFileAtomic(args.out!, JSON.stringify(report, null, 2) + "\n");
console.log(`wall ${report.wallSeconds} s; top kit functions:`);
for (const f of report.byKitFunction.slice(0, 15)) console.log(`  ${f.seconds.toFixed(1).padStart(7)} s  ${f.name}`);
console.log(`wrote ${args.out}`);
