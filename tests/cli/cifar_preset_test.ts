/**
 * Bring your own data: CIFAR-10 with ResNet-18 through the command line, on files in CIFAR-10's binary format
 * that the test writes (nothing is downloaded). The cifar10/resnet18 preset switches augmentation on
 * (random crop and flip); `--augment none` switches it off and makes another configuration.
 */
import assert from "node:assert/strict";
import { cifarBin, tempDir } from "../data/_formats.ts";

const C10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
const pixel = (i: number, c: number, p: number) => (i * 13 + c * 71 + p * 3) % 256;

async function writeCifar10(dir: string, perBatch: number): Promise<void> {
  for (let b = 1; b <= 5; b++) {
    const labels = Array.from({ length: perBatch }, (_, i) => [i % 10]);
    await Deno.writeFile(`${dir}/data_batch_${b}.bin`, cifarBin(labels, (i, c, p) => pixel(i + b * perBatch, c, p)));
  }
  await Deno.writeFile(`${dir}/test_batch.bin`, cifarBin(Array.from({ length: perBatch }, (_, i) => [i % 10]), pixel));
  await Deno.writeTextFile(`${dir}/batches.meta.txt`, C10.join("\n") + "\n\n");
}

async function unlearn(args: string[]): Promise<{ ok: boolean; log: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/unlearn.ts", ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { ok: out.success, log: d.decode(out.stdout) + d.decode(out.stderr) };
}

interface Rec {
  method: string;
  status: string;
  configHash: string;
  model: { arch: string };
  original: { training: { augment?: string } };
}

Deno.test("CIFAR-10 + ResNet-18 from the command line on generated CIFAR files: the preset augments, --augment none does not", async () => {
  const dir = await tempDir();
  try {
    // Standard-size files (10,000 records each, as the loader insists on for real data), a small stratified subset trained.
    await writeCifar10(dir, 10000);
    const common = [
      ...["--dataset=cifar10", `--data-dir=${dir}`, "--model=resnet18", "--model-opt=width=4", "--epochs=1", "--batch-size=25"],
      ...["--train-size=200", "--test-size=100"],
      ...["--methods=retrain,ugradsl+", "--seeds=1", "--no-selection", "--no-progress", "--set=ugradsl+.epochs=1", `--cache=${dir}/cache`],
    ];
    const preset = await unlearn([...common, `--out=${dir}/augmented`]);
    assert.ok(preset.ok, preset.log);
    const plain = await unlearn([...common, "--augment=none", `--out=${dir}/plain`]);
    assert.ok(plain.ok, plain.log);
    const read = async (sub: string) =>
      (await Deno.readTextFile(`${dir}/${sub}/records.jsonl`)).trim().split("\n").map((l) => JSON.parse(l) as Rec);
    const [a, b] = [await read("augmented"), await read("plain")];
    assert.deepEqual(a.map((r) => [r.method, r.status, r.model.arch]), [["retrain", "ok", "resnet18"], ["ugradsl+", "ok", "resnet18"]]);
    assert.ok(a.every((r) => r.original.training.augment === "crop-flip"), "the preset switches augmentation on");
    assert.ok(b.every((r) => r.original.training.augment === "none"), "--augment none switches it off");
    assert.notEqual(a[0].configHash, b[0].configHash, "augmentation is part of the configuration");
    const refused = await unlearn([...common, "--augment=mixup", `--out=${dir}/bad`]);
    assert.ok(!refused.ok);
    assert.match(refused.log, /--augment/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
