/**
 * Same configuration and seed, same bits, whatever the thread count and whatever the native kernels'
 * first uses pick (docs/speed.md, "Same bits on any load and thread count"). Each setting runs in a
 * process of its own, because the thread count is fixed when the native libraries load:
 * - the kernels a small model does not reach (overlapping max pooling, element-wise ops above 2^20 values,
 *   batch normalisation, in training too, sums), once each on large inputs, under UNLEARN_THREADS=1 and 2;
 * - training steps of the MLP, the CNN and a ResNet-18 (tests/backend/_bits_probe.ts): the weights'
 *   sha256 after every step, the losses and the logits, under UNLEARN_THREADS=1 and 2, and on 2 threads
 *   with each pick forced (UNLEARN_NATIVE_PICK: the fastest identical variant, always the canonical
 *   one, always another identical one) and with the products' blocks run one after another instead of
 *   on the parallel runner (UNLEARN_PARALLEL_HELPER=off; the runner is built first by
 *   scripts/build_native.sh, and the 2-thread run is checked to have used it); the MLP's also with its dense
 *   stack run by tfjs's ops instead of the native dense-stack op (UNLEARN_DENSE_STACK=off; the other runs are
 *   checked to have used the op);
 * - a small run through the CLI on a Fashion-MNIST subset (an original, Retrain and UGradSL), each on
 *   a cold cache, also with the dense-stack op off: every record's metrics, history, weights checksum and
 *   configuration hash, and the cached original's file checksums.
 * Skipped, with the reason printed, where the native libraries or Fashion-MNIST are missing.
 */
import assert from "node:assert/strict";
import { nativeMissing } from "./native_compare.ts";

const DENO = Deno.execPath();
const FASHION = "/usr/share/datasets/fashion-mnist";
const fashionMissing = (() => {
  try {
    Deno.statSync(`${FASHION}/train-images-idx3-ubyte.gz`);
    return undefined;
  } catch {
    return `Fashion-MNIST not installed in ${FASHION} (apt-get install dataset-fashion-mnist)`;
  }
})();
if (fashionMissing && !nativeMissing) console.warn(`SKIPPING the bit-exact run test: ${fashionMissing}`);

/** UNLEARN_THREADS, UNLEARN_NATIVE_PICK, UNLEARN_PARALLEL_HELPER and UNLEARN_DENSE_STACK of each process. */
interface Setting {
  threads: string;
  pick: string;
  helper: string;
  denseStack: string;
}
const SETTINGS: readonly Setting[] = [
  { threads: "1", pick: "timed", helper: "", denseStack: "" },
  { threads: "2", pick: "timed", helper: "", denseStack: "" },
  { threads: "2", pick: "canonical", helper: "", denseStack: "" },
  { threads: "2", pick: "other", helper: "", denseStack: "" },
  { threads: "2", pick: "timed", helper: "off", denseStack: "" },
];
/** The MLP's dense stack by tfjs's ops (lib/backend/native/dense_stack.ts off). */
const STACK_OFF: Setting = { threads: "2", pick: "timed", helper: "", denseStack: "off" };

/** The parallel runner, so that the 2-thread runs use it (where gcc is missing this fails, naming it). */
if (nativeMissing === undefined) {
  const built = await new Deno.Command("scripts/build_native.sh", { stderr: "piped" }).output();
  if (!built.success) throw new Error(`scripts/build_native.sh failed: ${new TextDecoder().decode(built.stderr)}`);
}

async function run(args: string[], setting: Setting): Promise<string> {
  const out = await new Deno.Command(DENO, {
    args: ["run", "-A", ...args],
    env: {
      UNLEARN_THREADS: setting.threads,
      UNLEARN_NATIVE_PICK: setting.pick,
      UNLEARN_PARALLEL_HELPER: setting.helper,
      UNLEARN_DENSE_STACK: setting.denseStack,
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, `${args.join(" ")} (${JSON.stringify(setting)}) failed:\n${new TextDecoder().decode(out.stderr)}`);
  return text;
}

for (const arch of ["mlp", "cnn", "resnet18"]) {
  Deno.test({
    name: `bit-exact: ${arch} training steps give the same weights on 1 and 2 threads, under every pick, with and without the ` +
      `parallel runner${arch === "mlp" ? ", with and without the dense-stack op" : ""}`,
    ignore: nativeMissing !== undefined,
    fn: async () => {
      const outputs = [];
      for (const setting of arch === "mlp" ? [...SETTINGS, STACK_OFF] : SETTINGS) {
        const line = (await run(["tests/backend/_bits_probe.ts", arch], setting)).trim().split("\n").at(-1)!;
        outputs.push({ setting, ...JSON.parse(line) });
      }
      const [first, ...rest] = outputs;
      assert.equal(first.steps.length, 3);
      assert.ok(first.steps.every((s: { loss: number }) => Number.isFinite(s.loss)), "losses are finite");
      for (const o of rest) {
        assert.deepEqual(
          o.steps,
          first.steps,
          `${arch}: steps differ between ${JSON.stringify(first.setting)} and ${JSON.stringify(o.setting)}`,
        );
        assert.equal(o.logits, first.logits, `${arch}: logits differ under ${JSON.stringify(o.setting)}`);
      }
      // ResNet-18's batch norms ran as the native training kernels (lib/backend/native/batchnorm_train.ts).
      if (arch === "resnet18") assert.ok(first.batchNormTrains > 0, "native training batch norm ran");
      // The 2-thread runs ran the products' blocks on the parallel runner; the one with it off did not.
      assert.deepEqual(outputs.map((o) => o.blocks), [
        { runner: "helper", threads: 1 },
        ...Array(3).fill({ runner: "helper", threads: 2 }),
        { runner: "sequential", threads: 1, why: "UNLEARN_PARALLEL_HELPER is off" },
        ...(arch === "mlp" ? [{ runner: "helper", threads: 2 }] : []),
      ]);
      // The MLP's steps ran through the dense-stack op, except where it was turned off; no other model is a dense stack.
      assert.deepEqual(
        outputs.map((o) => o.denseStackCalls > 0),
        outputs.map((o) => arch === "mlp" && o.setting.denseStack !== "off"),
      );
      // The forced picks did run different variants where there were any to choose from.
      if (arch !== "mlp") {
        const other = outputs.find((o) => o.setting.pick === "other")!;
        const canonical = outputs.find((o) => o.setting.pick === "canonical")!;
        assert.equal(canonical.variants.onEveryThread, 0);
        assert.ok(other.variants.convolutions > 0);
        // Weight gradients are batch halves under every pick (their canonical form); the forced other
        // pick also runs forward and backward-data directions as halves (bit-identical, checked on first use).
        assert.ok(canonical.variants.inBatchHalves > 0, `${arch}: weight gradients in batch halves`);
        assert.ok(other.variants.inBatchHalves > canonical.variants.inBatchHalves, `${arch}: other directions in halves`);
      }
    },
  });
}

Deno.test({
  name: "bit-exact: pooling, element-wise, batch-norm and reduction kernels give the same bits on 1 and 2 threads",
  ignore: nativeMissing !== undefined,
  fn: async () => {
    const outputs = [];
    for (const setting of [SETTINGS[0], SETTINGS[1]]) {
      outputs.push(JSON.parse((await run(["tests/backend/_bits_probe.ts", "kernels"], setting)).trim().split("\n").at(-1)!));
    }
    assert.equal(Object.keys(outputs[0].digests).length, 12);
    assert.equal(outputs[1].threads, 2);
    assert.deepEqual(outputs[1].digests, outputs[0].digests);
  },
});

interface Rec {
  method: string;
  configHash: string;
  status: string;
  metrics: Record<string, number>;
  history: unknown[];
  weightsSha256?: string;
  original: { key: string; trainAcc: number; testAcc: number };
}

Deno.test({
  name: "bit-exact: original, Retrain and UGradSL on a Fashion-MNIST subset give the same records on 1 and 2 threads, " +
    "with and without the dense-stack op, cold caches",
  ignore: nativeMissing !== undefined || fashionMissing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "bit-exact-" });
    try {
      const results: { records: Rec[]; originals: string[] }[] = [];
      for (const setting of [SETTINGS[0], SETTINGS[1], SETTINGS[3], STACK_OFF]) {
        const tag = `${setting.threads}-${setting.pick}-${setting.denseStack || "stack"}`;
        await run([
          "cli/unlearn.ts",
          ...["--dataset=fashion-mnist", "--model=mlp", "--train-size=1200", "--test-size=300", "--epochs=3", "--paradigm=classwise"],
          ...["--methods=retrain,ugradsl", "--seeds=1", "--backend=native", "--no-selection", "--no-progress"],
          `--out=${dir}/out-${tag}`,
          `--cache=${dir}/cache-${tag}`,
        ], setting);
        const records = (await Deno.readTextFile(`${dir}/out-${tag}/records.jsonl`)).trim().split("\n").map((l) => JSON.parse(l) as Rec);
        const originals: string[] = [];
        for await (const e of Deno.readDir(`${dir}/cache-${tag}/originals`)) {
          const manifest = JSON.parse(await Deno.readTextFile(`${dir}/cache-${tag}/originals/${e.name}/original.json`));
          originals.push(`${e.name} ${JSON.stringify(manifest.files)}`);
        }
        results.push({ records, originals });
      }
      const [first, ...rest] = results;
      assert.deepEqual(first.records.map((r) => [r.method, r.status]), [["retrain", "ok"], ["ugradsl", "ok"]]);
      assert.ok(first.records.every((r) => typeof r.weightsSha256 === "string" && r.weightsSha256.length === 64));
      assert.equal(first.originals.length, 1, "one cached original");
      const comparable = (r: Rec) => ({
        method: r.method,
        configHash: r.configHash,
        metrics: r.metrics,
        history: r.history,
        weightsSha256: r.weightsSha256,
        original: [r.original.key, r.original.trainAcc, r.original.testAcc],
      });
      for (const other of rest) {
        assert.deepEqual(other.records.map(comparable), first.records.map(comparable));
        assert.deepEqual(other.originals, first.originals, "the cached originals' keys and file checksums");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
