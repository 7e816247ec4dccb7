/**
 * One bench measurement in its own process (so its peak RSS is its own): training steps of one of the
 * kit's models on one backend. bench/train_step.ts runs this once per (backend, workload).
 *
 *   deno run -A bench/kit_step.ts --backend native|wasm --workload mlp|cnn|resnet18
 *     [--warmup 3] [--steps 10] [--optimizer kit-plain|sgd|kit]
 *
 * A step: forward, backward and update of plain SGD (lr 0.01, as bench/torch_step.py), the loss read
 * back: by default through lib/train.ts's Sgd, the kit's optimiser (optimizerStep in
 * bench/workloads.ts: `sgd` is tfjs's own, `kit` the kit's recipe with momentum and weight decay).
 * Workloads: bench/workloads.ts. Prints one JSON object.
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { type BackendName, initBackend } from "../lib/backend.ts";
import { buildNet, modelConfig } from "../lib/models/registry.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { logitsOf } from "../lib/train.ts";
import { optimizerStep, WORKLOAD_NAMES, WORKLOAD_SHAPES, type WorkloadName } from "./workloads.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string", default: "native" },
    workload: { type: "string", default: "mlp" },
    warmup: { type: "string", default: "3" },
    steps: { type: "string", default: "10" },
    optimizer: { type: "string", default: "kit-plain" },
  },
});
const workload = args.workload as WorkloadName;
if (!WORKLOAD_NAMES.includes(workload)) throw new Error(`--workload ${workload}: valid: ${WORKLOAD_NAMES.join(", ")}`);
const { arch, inputShape, batch } = WORKLOAD_SHAPES[workload];

const backend = await initBackend({ backend: args.backend as BackendName });
const net = buildNet(modelConfig(arch, [...inputShape], 10), 1);
const x = tf.randomUniform([batch, ...inputShape], 0, 1, "float32", 1);
const y = tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D;
const loss = () => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar;

const { step, dispose } = optimizerStep(net, loss, args.optimizer!);

const times: number[] = [];
const losses: number[] = [];
for (let i = 0; i < Number(args.warmup) + Number(args.steps); i++) {
  const start = performance.now();
  losses.push(step());
  if (i >= Number(args.warmup)) times.push(performance.now() - start);
}
dispose();
tf.dispose([x, y]);
net.model.dispose();

/** A field of /proc/self/status in MiB (VmHWM: peak resident set; VmRSS: now). */
function statusMiB(field: string): number | null {
  const m = Deno.readTextFileSync("/proc/self/status").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({
  backend: tf.getBackend(),
  backendInfo: backend,
  workload,
  batch,
  optimizer: args.optimizer,
  msPerStep: times.map((t) => Math.round(t * 1000) / 1000),
  bestMs: sorted[0],
  medianMs: sorted[Math.floor(sorted.length / 2)],
  finalLoss: losses.at(-1),
  peakRssMiB: statusMiB("VmHWM"),
}));
