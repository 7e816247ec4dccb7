/**
 * Where an MIA evaluation's time goes, and what the alternatives give on the same data in the same run:
 * the five attacker SVMs (lib/metrics/mia.ts: 2,000 members + 2,000 non-members, 900 rows of D_f to
 * predict, the kit's full-mode sizes) fitted by libsvm-js (wasm; what the attacker runs), one after another
 * and on two workers (`svcFitPredictAll`), and by the TypeScript port of libsvm's solver
 * (bench/svm_smo.ts; not used by the attacker). Per feature: fit and predict time, support vectors,
 * solver iterations, kernel values computed, and whether the predictions are the same.
 *
 *   flock /tmp/bench.lock node_modules/.bin/deno run -A bench/mia_cost.ts [--rounds 2] [--out results/bench/mia_cost.json]
 *
 * Synthetic predictions shaped like a trained MLP's on Fashion-MNIST (members sharper than non-members).
 * Timings are wall-clock on whatever else the machine is doing; the 1-minute load average is recorded.
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { featureRows, MIA_FEATURES } from "../lib/metrics/mia.ts";
import { ATTACKER_SVC, fitSvc, svcFitPredictAll, type SvcJob } from "../lib/metrics/svm.ts";
import { fitSmo, predictSmo } from "./svm_smo.ts";
import { syntheticPredictions } from "./workloads.ts";
import { writeFileAtomic } from "../lib/record.ts";
import { Rng } from "../lib/rng.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "2" }, out: { type: "string", default: "results/bench/mia_cost.json" } },
});
const ROUNDS = Number(args.rounds);
const load = () => Deno.loadavg()[0];

function miaJobs(): SvcJob[] {
  const rng = new Rng(2026);
  const members = syntheticPredictions(rng, 2000, 7),
    nonMembers = syntheticPredictions(rng, 2000, 5),
    forget = syntheticPredictions(rng, 900, 7);
  return MIA_FEATURES.map((f) => ({
    x: [...featureRows(members, f), ...featureRows(nonMembers, f)],
    y: Int32Array.from({ length: 4000 }, (_, i) => (i < 2000 ? 1 : 0)),
    queries: [featureRows(forget, f)],
  }));
}

const ms = (t0: number) => Math.round(performance.now() - t0);

/** One feature's fit and prediction by libsvm-js and by the port, timed separately. */
async function perFeature(job: SvcJob, feature: string) {
  const dim = job.x[0].length;
  let t0 = performance.now();
  const wasm = await fitSvc(job.x, job.y);
  const wasmFitMs = ms(t0);
  t0 = performance.now();
  const wasmPred = wasm.predict(job.queries[0]);
  const wasmPredictMs = ms(t0);
  wasm.dispose();
  t0 = performance.now();
  const flat = new Float64Array(job.x.length * dim);
  job.x.forEach((r, i) => flat.set(r, i * dim));
  const port = fitSmo(flat, dim, job.y, { ...ATTACKER_SVC, gamma: 1 / dim });
  const portFitMs = ms(t0);
  t0 = performance.now();
  const portPred = predictSmo(port, job.queries[0]);
  const portPredictMs = ms(t0);
  const samePredictions = wasmPred.every((v, i) => v === portPred[i]);
  const distinctRows = new Set(job.x.map((r) => Array.from(r).join(","))).size;
  return {
    feature,
    rows: job.x.length,
    dim,
    distinctRows,
    queries: job.queries[0].length,
    supportVectors: port.coef.length,
    boundedSupportVectors: Array.from(port.coef).filter((c) => Math.abs(c) === ATTACKER_SVC.C).length,
    iterations: port.iterations,
    portKernelValues: port.kernelValues,
    wasmFitMs,
    wasmPredictMs,
    portFitMs,
    portPredictMs,
    samePredictions,
    load: load(),
  };
}

async function wholeEvaluation(jobs: SvcJob[]) {
  const timeAll = async (workers: number) => {
    const t0 = performance.now();
    await svcFitPredictAll(jobs, {}, workers);
    return ms(t0);
  };
  const port = () => {
    const t0 = performance.now();
    for (const j of jobs) {
      const dim = j.x[0].length;
      const m = fitSmo(Float64Array.from(j.x.flatMap((r) => Array.from(r))), dim, j.y, { ...ATTACKER_SVC, gamma: 1 / dim });
      predictSmo(m, j.queries[0]);
    }
    return ms(t0);
  };
  return { wasmSequentialMs: await timeAll(1), wasmTwoWorkersMs: await timeAll(2), portSequentialMs: port(), load: load() };
}

const jobs = miaJobs();
const loadAtStart = Deno.loadavg();
const features: Record<string, unknown>[] = [];
const evaluations: Awaited<ReturnType<typeof wholeEvaluation>>[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, f] of MIA_FEATURES.entries()) features.push({ round: r, ...(await perFeature(jobs[i], f)) });
  evaluations.push(await wholeEvaluation(jobs));
  console.error(JSON.stringify(evaluations.at(-1)));
}
const sum = (key: "wasmSequentialMs" | "wasmTwoWorkersMs" | "portSequentialMs") => evaluations.reduce((s, e) => s + e[key], 0);
const report = {
  date: new Date().toISOString(),
  command: `flock /tmp/bench.lock node_modules/.bin/deno run -A bench/mia_cost.ts ${Deno.args.join(" ")}`.trim(),
  machine: { cores: navigator.hardwareConcurrency, loadAverageAtStart: loadAtStart, loadAverageAtEnd: Deno.loadavg() },
  note: "one MIA evaluation = five SVM fits (2,000 + 2,000 rows) and predictions of 900 rows; ratios over all rounds, same data, same run",
  ratios: {
    wasmTwoWorkersOverSequential: sum("wasmTwoWorkersMs") / sum("wasmSequentialMs"),
    portOverWasmSequential: sum("portSequentialMs") / sum("wasmSequentialMs"),
  },
  evaluations,
  features,
};
await Deno.mkdir(dirname(args.out!), { recursive: true });
await writeFileAtomic(args.out!, JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report.ratios));
