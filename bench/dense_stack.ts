/**
 * The MLP's training step with the native dense-stack op (lib/backend/native/dense_stack.ts) on and off, in one
 * process, interleaved: rounds of `--steps` steps each way, the order alternating from round to round, so that a
 * machine whose load drifts slows both alike. The step is bench/kit_step.ts's (784-256-256-10, batch 256, the kit's
 * Sgd with momentum and weight decay: `--optimizer kit`); `--hidden 16 --batch 8` makes the products negligible, so
 * that the difference is the engine's work the op saves. Also checks that both ways end on the same weights.
 *
 *   deno run -A bench/dense_stack.ts [--rounds 8] [--steps 20] [--optimizer kit|kit-plain] [--hidden 256] [--batch 256]
 *
 * Prints one JSON object: per way, the best and median step (ms) over all rounds, the process's CPU time per step
 * (user + system, 10 ms ticks: meaningful over many steps; on one thread, UNLEARN_THREADS=1, the step's work), and
 * the weights' sha256.
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { setDenseStack } from "../lib/backend/native/dense_stack.ts";
import { sha256Hex } from "../lib/hash.ts";
import { buildNet, modelConfig, weightBytes } from "../lib/models/registry.ts";
import { crossEntropy } from "../lib/smoothing.ts";
import { logitsOf } from "../lib/train.ts";
import { optimizerStep, WORKLOAD_SHAPES } from "./workloads.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "8" },
    steps: { type: "string", default: "20" },
    optimizer: { type: "string", default: "kit" },
    hidden: { type: "string", default: "256" },
    batch: { type: "string", default: String(WORKLOAD_SHAPES.mlp.batch) },
  },
});

await initBackend({ backend: "native" });
const { arch, inputShape } = WORKLOAD_SHAPES.mlp;
const batch = Number(args.batch);
const x = tf.randomUniform([batch, ...inputShape], 0, 1, "float32", 1);
const y = tf.randomUniform([batch], 0, 10, "int32", 2) as tf.Tensor1D;

/** One net and optimiser a way, trained the same steps, so that their weights can be compared at the end. */
function trainer() {
  const net = buildNet(modelConfig(arch, [...inputShape], 10, { hidden: Number(args.hidden) }), 1);
  const loss = () => tf.mean(crossEntropy(logitsOf(net, x, true), y)) as tf.Scalar;
  return { net, ...optimizerStep(net, loss, args.optimizer!) };
}

/** This process's CPU time (user + system) so far, in ms (/proc/self/stat, clock ticks of 10 ms). */
function cpuMs(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const ways = {
  on: { ...trainer(), times: [] as number[], cpu: 0 },
  off: { ...trainer(), times: [] as number[], cpu: 0 },
};
for (let round = 0; round < Number(args.rounds); round++) {
  for (const name of round % 2 === 0 ? ["on", "off"] as const : ["off", "on"] as const) {
    const way = ways[name];
    setDenseStack(name === "on");
    way.step(); // warm-up of this way after the switch
    const cpuBefore = cpuMs();
    for (let i = 0; i < Number(args.steps); i++) {
      const start = performance.now();
      way.step();
      way.times.push(performance.now() - start);
    }
    way.cpu += cpuMs() - cpuBefore;
  }
}

const summary = async (way: (typeof ways)["on"]) => {
  const sorted = [...way.times].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 1000) / 1000;
  const median = sorted[Math.floor(sorted.length / 2)];
  const cpuMsPerStep = way.cpu / way.times.length;
  return { bestMs: r(sorted[0]), medianMs: r(median), cpuMsPerStep: r(cpuMsPerStep), weights: await sha256Hex(weightBytes(way.net)) };
};
const [on, off] = [await summary(ways.on), await summary(ways.off)];
console.log(
  JSON.stringify({
    optimizer: args.optimizer,
    rounds: Number(args.rounds),
    steps: Number(args.steps),
    on,
    off,
    sameWeights: on.weights === off.weights,
    loadavg: Deno.loadavg(),
  }),
);
for (const way of Object.values(ways)) {
  way.dispose();
  way.net.model.dispose();
}
tf.dispose([x, y]);
