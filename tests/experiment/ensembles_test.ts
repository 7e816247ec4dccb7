/**
 * Verification ensembles through the one run path (lib/experiment/ensembles.ts): seeded and cached (a
 * second run reads every member back and gets the same numbers, a fresh cache recomputes the same
 * numbers), member 0 is the run's own model, every verification metric runs end to end and lands in the
 * record, the command line takes --metrics ULiRA,Eps,KLOM,KS,Probe --ensemble N, and worst-case forget sets.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { EXPERIMENT_FLAGS, parseFlags } from "../../cli/flags.ts";
import { configFromFlags } from "../../cli/flags.ts";
import { initBackend } from "../../lib/backend.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";
import { KitError } from "../../lib/errors.ts";
import type { ExperimentInput } from "../../lib/experiment/fields.ts";
import { experimentConfig } from "../../lib/experiment/config.ts";
import { ensembleRows, memberSeed, originalSeed, TaskEnsembles } from "../../lib/experiment/ensembles.ts";
import { methodContext, runExperiment } from "../../lib/experiment/run.ts";
import { originalModel, prepareTask } from "../../lib/experiment/task.ts";
import { withEnsembleSize } from "../../lib/metrics/registry.ts";
import { buildNet, disposeNet } from "../../lib/models/registry.ts";
import { silentProgress } from "../../lib/progress.ts";
import type { RunRecord } from "../../lib/record.ts";
import { deriveSeed, Rng } from "../../lib/rng.ts";
import { batchOf, fit, logitsOf } from "../../lib/train.ts";
import { methodSpec } from "../../lib/unlearn/registry.ts";

const N = 6;
const VERIFY = withEnsembleSize(["ULiRA", "Eps", "KLOM", "KS", "Probe"], N);
const bundle = makeSynthetic();

function input(out: string, cacheDir: string, extra: ExperimentInput = {}): ExperimentInput {
  return {
    dataset: "synthetic",
    bundle,
    seeds: 1,
    training: { epochs: 3, batchSize: 32 },
    modelOptions: { hidden: 16 },
    backend: "cpu",
    progress: false,
    selection: null,
    out,
    cacheDir,
    paradigms: ["classwise", "random"],
    methods: ["retrain", "ft", "ga"],
    metrics: ["UA", "RA", "TA", "AvgGap", ...VERIFY],
    ...extra,
  };
}

const COLUMNS = [
  "ULiRA_AUC",
  "ULiRA_TPR@1%FPR",
  "ULiRA_TPR@0.1%FPR",
  "ULiRA_Acc",
  "ULiRA_AUC_TE",
  "Eps_Score",
  "Eps_Final",
  "Eps_Median",
  "Eps_RetrainFloor",
  "KLOM_F_p95",
  "KLOM_F_mean",
  "KLOM_R_p95",
  "KLOM_R_mean",
  "KLOM_TE_p95",
  "KLOM_TE_mean",
  "KS_p",
  "KS_p_Retrain",
  "kNN_F",
  "LinProbe_F",
  "kNN_F_Retrain",
  "LinProbe_F_Retrain",
  "CKA_hidden1",
  "CKA_hidden2",
  "CKA_logits",
];

const verifyValues = (rs: RunRecord[]) => rs.map((r) => [r.runId, COLUMNS.map((c) => r.metrics[c])]);

const cache = await Deno.makeTempDir();
const first = await runExperiment(experimentConfig(input(await Deno.makeTempDir(), cache)));

Deno.test("every verification metric runs through runExperiment and its columns and details land in the record", () => {
  assert.equal(first.length, 6);
  for (const r of first) {
    assert.equal(r.status, "ok", `${r.runId}: ${r.error}`);
    for (const c of COLUMNS) assert.ok(Number.isFinite(r.metrics[c]), `${r.runId} ${c} = ${r.metrics[c]}`);
    assert.ok(r.metrics.Eps_Score >= 0 && r.metrics.Eps_Score <= 1);
    assert.ok(r.metrics.ULiRA_AUC >= 0 && r.metrics.ULiRA_AUC <= 100);
    for (const m of VERIFY) assert.ok(r.details?.[m], `${r.runId}: details.${m}`);
    const e = r.details!.ensembles as { size: number; retrainSeconds: number; retainSample: number };
    assert.equal(e.size, N, "the ensemble size is stated in the record");
    assert.ok(e.retrainSeconds > 0);
    assert.ok(r.metricNames.includes("Eps@6"));
    const bytes = JSON.stringify(r).length;
    assert.ok(bytes < 60_000, `${r.runId}: record of ${bytes} bytes`);
  }
  // Retrain's own row is Retrain against Retrain (its halves): its ε score is the floor every row shows.
  for (const p of ["classwise", "random"]) {
    const rows = first.filter((r) => r.paradigm === p);
    const retrain = rows.find((r) => r.method === "retrain")!;
    assert.equal(retrain.metrics.Eps_Score, retrain.metrics.Eps_RetrainFloor);
    for (const r of rows) assert.equal(r.metrics.Eps_RetrainFloor, retrain.metrics.Eps_RetrainFloor);
    assert.equal((retrain.details!["Eps@6"] as { calibration: boolean }).calibration, true);
  }
});

Deno.test("ensembles are cached: a second run reads every member back and gets the same numbers", async () => {
  const again = await runExperiment(experimentConfig(input(await Deno.makeTempDir(), cache)));
  assert.deepEqual(verifyValues(again), verifyValues(first));
  for (const r of again) {
    const e = r.details!.ensembles as { retrainCached: number; unlearnedCached: number; retrainSeconds: number };
    assert.equal(e.retrainCached, N, r.runId);
    if (r.method !== "retrain") assert.equal(e.unlearnedCached, N, r.runId);
    // The cost is the members' as first measured, not the time to read them back.
    const before = first.find((f) => f.runId === r.runId)!.details!.ensembles as { retrainSeconds: number };
    assert.equal(e.retrainSeconds, before.retrainSeconds);
  }
});

Deno.test("ensembles are seeded: a fresh cache makes the same members and the same numbers", async () => {
  const fresh = await runExperiment(experimentConfig(input(await Deno.makeTempDir(), await Deno.makeTempDir())));
  assert.deepEqual(verifyValues(fresh), verifyValues(first));
  assert.ok(fresh.every((r) => (r.details!.ensembles as { retrainCached: number }).retrainCached === 0));
});

Deno.test("original member 0 is the task's original (default streams, key unchanged); member k has its own training seed", async () => {
  await initBackend({ backend: "cpu" });
  const cfg = experimentConfig(input(await Deno.makeTempDir(), await Deno.makeTempDir(), { paradigms: ["random"] }));
  const prepared = await prepareTask(bundle, undefined, cfg, "random", 0, silentProgress);
  const manifest = JSON.parse(await Deno.readTextFile(`${cfg.cacheDir}/originals/${prepared.info.key}/original.json`));
  assert.ok(!manifest.keyText.includes("trainingSeed"), "a task's own original keeps the key it always had");
  // The default streams: the task seed's "original-init" and "original-batches".
  const manual = buildNet(prepared.original.config, deriveSeed(0, "original-init"));
  fit(manual, prepared.task.train, prepared.task.trainIdx, cfg.training, { rng: new Rng(deriveSeed(0, "original-batches")) });
  const weights = (n: typeof manual) => n.model.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(weights(manual), weights(prepared.original));
  const other = await originalModel(
    prepared.task,
    prepared.original.config,
    cfg.training,
    cfg.cacheDir,
    silentProgress,
    "",
    originalSeed(0, 1),
  );
  assert.notEqual(other.info.key, prepared.info.key);
  assert.notDeepEqual(weights(other.net), weights(prepared.original));
  for (const n of [manual, other.net, prepared.original]) disposeNet(n);
});

Deno.test("member 0 of a method's ensemble is the run's own model; member 1 is another draw", async () => {
  await initBackend({ backend: "cpu" });
  const cfg = experimentConfig(input(await Deno.makeTempDir(), await Deno.makeTempDir(), { paradigms: ["random"] }));
  const prepared = await prepareTask(bundle, undefined, cfg, "random", 0, silentProgress);
  const ft = methodSpec("ft");
  const options = Object.fromEntries(Object.entries(ft.options).map(([k, f]) => [k, (f as { default: unknown }).default]));
  const ensembles = new TaskEnsembles({
    prepared,
    training: cfg.training,
    cacheDir: cfg.cacheDir,
    dataChecksum: "",
    progress: silentProgress,
    sizes: { retrain: 2, unlearned: 2 },
    reference: { spec: methodSpec("retrain"), options: { epochs: 0 } },
  });
  const view = await ensembles.ensemble(ft, options, 2);
  const ctx = methodContext(prepared, "ft", cfg.training, silentProgress);
  const outcome = await ft.runWith(ctx, options);
  const { x } = batchOf(prepared.task.train, prepared.task.forgetIdx);
  const own = tf.tidy(() => logitsOf(outcome.net, x, false).dataSync());
  x.dispose();
  assert.deepEqual(Array.from(view.logits(0, "forget")), Array.from(own));
  assert.notDeepEqual(Array.from(view.logits(1, "forget")), Array.from(own));
  assert.equal(memberSeed(0, "ft", 0), deriveSeed(0, "method/ft"));
  assert.deepEqual(Array.from(view.rows("forget")), Array.from(prepared.task.forgetIdx));
  assert.equal(view.rows("retain").length, ensembleRows(prepared.task).logits.retain.length);
  disposeNet(outcome.net);
  await ensembles.dispose();
  disposeNet(prepared.original);
});

Deno.test("the command line: --metrics ULiRA,Eps,KLOM,KS,Probe --ensemble N, and its errors", () => {
  const flags = (args: string[]) =>
    configFromFlags(parseFlags(["--dataset=synthetic", "--no-selection", ...args], EXPERIMENT_FLAGS).values);
  assert.deepEqual(flags(["--metrics=UA,ULiRA,Eps,KLOM,KS,Probe", "--ensemble=8"]).metrics, [
    "UA",
    "ULiRA@8",
    "Eps@8",
    "KLOM@8",
    "KS@8",
    "Probe@8",
  ]);
  assert.deepEqual(flags(["--metrics=ULiRA,KS"]).metrics, ["ULiRA", "KS"], "default size 16: plain names");
  assert.throws(() => flags(["--metrics=UA", "--ensemble=8"]), (e) => e instanceof KitError && /--ensemble/.test(e.message));
  assert.throws(() => flags(["--metrics=Eps", "--ensemble=1"]), (e) => e instanceof KitError && /--ensemble/.test(e.message));
  assert.throws(
    () => flags(["--paradigm=random", "--forget-ranking=hardest"]),
    (e) => e instanceof KitError && /--forget-ranking/.test(e.message),
  );
  assert.equal(flags(["--paradigm=random", "--forget-ranking=memorization"]).split.forgetRanking, "memorization");
});

Deno.test("a worst-case forget set: the most memorised examples (here: mislabelled ones), the random task's original", async () => {
  // Mislabel 10% of the training rows: a model that trained on them learns the wrong label, models that
  // did not predict the right one, so they are the most memorised examples there are.
  const noisy = makeSynthetic({ seed: 2 });
  const rng = new Rng(9);
  const flipped = new Set(rng.sample(Int32Array.from(noisy.train.y.keys()), Math.round(noisy.train.y.length / 10)));
  noisy.train.y = noisy.train.y.map((c, i) => (flipped.has(i) ? (c + 1) % noisy.train.numClasses : c));
  const out = await Deno.makeTempDir();
  const common = {
    bundle: noisy,
    paradigms: ["random" as const],
    methods: ["retrain"],
    metrics: ["UA", "RA"],
    training: { epochs: 40, batchSize: 32 },
    modelOptions: { hidden: 32 },
  };
  const [random] = await runExperiment(experimentConfig(input(`${out}/random`, cache, common)));
  const [worst] = await runExperiment(
    experimentConfig(input(`${out}/worst`, cache, { ...common, split: { forgetRanking: "memorization" } })),
  );
  assert.equal(worst.status, "ok", worst.error ?? "");
  assert.equal(worst.split.options.forgetRanking, "memorization");
  assert.match(worst.split.forgotten.description, /most memorised examples of D_tr/);
  assert.equal(worst.split.sizes.forget, random.split.sizes.forget, "as many as the random draw");
  assert.equal(worst.original.key, random.original.key, "same D_tr, same original");
  const forgetOf = async (r: RunRecord, dir: string) =>
    JSON.parse(await Deno.readTextFile(`${dir}/${r.split.indexFile}`)).forgetIdx as number[];
  const share = (idx: number[]) => idx.filter((i) => flipped.has(i)).length / idx.length;
  const [w, rd] = [share(await forgetOf(worst, `${out}/worst`)), share(await forgetOf(random, `${out}/random`))];
  assert.ok(w > 0.6 && rd < 0.3, `mislabelled share of D_f: worst-case ${w}, random ${rd}`);
  // Retrain, which never saw them, predicts their true classes: it "forgets" far more of the worst-case set.
  assert.ok(worst.metrics.UA > random.metrics.UA + 30, `Retrain UA worst-case ${worst.metrics.UA} vs random ${random.metrics.UA}`);
});
