/**
 * Runs side by side (`deno task unlearn --jobs n`: n processes of one thread each, then gathered) give the
 * records a run gives alone (one process, every thread): same runs in the same order, each with the same
 * configuration hash, metrics, history and weights checksum.
 * The schedule decides speed, never a bit (docs/speed.md, "Same bits on any load and thread count").
 * Skipped, with the reason printed, where the native libraries or Fashion-MNIST are missing.
 */
import assert from "node:assert/strict";
import { nativeMissing } from "../backend/native_compare.ts";
import { TINY_FLAGS } from "../experiment/_tiny.ts";

const FASHION = "/usr/share/datasets/fashion-mnist";
const fashionMissing = (() => {
  try {
    Deno.statSync(`${FASHION}/train-images-idx3-ubyte.gz`);
    return undefined;
  } catch {
    return `Fashion-MNIST not installed in ${FASHION} (apt-get install dataset-fashion-mnist)`;
  }
})();
if (fashionMissing && !nativeMissing) console.warn(`SKIPPING the side-by-side run test: ${fashionMissing}`);

const UNLEARN = new URL("../../cli/unlearn.ts", import.meta.url).pathname;

async function unlearn(args: string[]): Promise<{ code: number; stderr: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", UNLEARN, ...args],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  })
    .output();
  return { code: o.code, stderr: new TextDecoder().decode(o.stderr) };
}

interface Rec {
  runId: string;
  configHash: string;
  status: string;
  metrics: Record<string, number>;
  history: unknown[];
  weightsSha256?: string;
  environment: { backend: { native?: { threads: number } } };
}

const readJsonl = (file: string) => Deno.readTextFileSync(file).trim().split("\n").map((l) => JSON.parse(l) as Rec);
const comparable = (r: Rec) => ({
  runId: r.runId,
  configHash: r.configHash,
  metrics: r.metrics,
  history: r.history,
  weightsSha256: r.weightsSha256,
});

Deno.test({
  name: "side by side: --jobs 2 (two one-thread processes) gives the records of one process alone, cold caches",
  ignore: nativeMissing !== undefined || fashionMissing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "side-by-side-" });
    try {
      const flags = [
        ...["--dataset=fashion-mnist", "--model=mlp", "--train-size=1200", "--test-size=300", "--epochs=3"],
        ...["--paradigm=classwise,random", "--methods=retrain,ugradsl", "--seeds=1", "--backend=native", "--no-selection", "--no-progress"],
      ];
      const alone = await unlearn([...flags, `--out=${dir}/alone`, `--cache=${dir}/cache-alone`]);
      assert.equal(alone.code, 0, alone.stderr);
      const side = await unlearn([...flags, "--jobs", "2", `--out=${dir}/side`, `--cache=${dir}/cache-side`]);
      assert.equal(side.code, 0, side.stderr);
      const a = readJsonl(`${dir}/alone/records.jsonl`);
      const b = readJsonl(`${dir}/side/records.jsonl`);
      assert.deepEqual(a.map((r) => r.runId), [
        "fashion-mnist/classwise/retrain/seed0",
        "fashion-mnist/classwise/ugradsl/seed0",
        "fashion-mnist/random/retrain/seed0",
        "fashion-mnist/random/ugradsl/seed0",
      ]);
      assert.ok(a.every((r) => r.status === "ok" && r.weightsSha256?.length === 64));
      assert.deepEqual(b.map(comparable), a.map(comparable));
      // Each shard ran on one thread; once gathered, the shards' folders are gone.
      assert.deepEqual(b.map((r) => r.environment.backend.native?.threads), [1, 1, 1, 1]);
      assert.throws(() => Deno.statSync(`${dir}/side/shards`), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("side by side: a bad --jobs or --shard is an error naming the flag, before any process starts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "side-by-side-flags-" });
  try {
    const flags = [...TINY_FLAGS, `--out=${dir}/out`, `--cache=${dir}/cache`];
    for (
      const [extra, flag] of [
        [["--jobs", "0"], "--jobs"],
        [["--jobs", "two"], "--jobs"],
        [["--shard", "2/2"], "--shard"],
        [["--jobs", "2", "--shard", "0/2"], "--jobs"],
        [["--jobs", "2", "--rerun"], "--jobs"],
      ] as const
    ) {
      const r = await unlearn([...flags, ...extra]);
      assert.equal(r.code, 2, `${extra.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(flag), extra.join(" "));
    }
    assert.throws(() => Deno.statSync(`${dir}/out`), Deno.errors.NotFound, "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
