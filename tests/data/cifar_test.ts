/** CIFAR-10/100 binary loaders on tiny files written in the real record format. */
import assert from "node:assert/strict";
import { CIFAR100_COARSE_NAMES, CIFAR100_COARSE_OF_FINE, loadCifar10, loadCifar100 } from "../../lib/data/cifar.ts";
import { memoryFiles } from "../../lib/data/files.ts";
import { DATASETS } from "../../lib/data/registry.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { cifarBin, tempDir } from "./_formats.ts";

const pixel = (i: number, c: number, p: number) => (i * 7 + c * 50 + p) % 256;
/** Tiny files hold fewer than the standard 10,000 records a batch: accept them (with a warning). */
const ANY = { counts: "any" } as const;
const C10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

async function writeCifar10(dir: string, perBatch = 4): Promise<void> {
  for (let b = 1; b <= 5; b++) {
    const labels = Array.from({ length: perBatch }, (_, i) => [(b + i) % 10]);
    await Deno.writeFile(`${dir}/data_batch_${b}.bin`, cifarBin(labels, pixel));
  }
  await Deno.writeFile(`${dir}/test_batch.bin`, cifarBin([[3], [9]], pixel));
  await Deno.writeTextFile(`${dir}/batches.meta.txt`, C10.join("\n") + "\n\n");
}

Deno.test("CIFAR-10: labels, HWC pixels in [0, 1], counts over the five batches", async () => {
  const dir = await tempDir();
  await writeCifar10(dir);
  const b = await loadCifar10(dir, ANY);
  assert.equal(b.train.y.length, 20);
  assert.deepEqual([...b.test.y], [3, 9]);
  assert.deepEqual(b.train.sampleShape, [32, 32, 3]);
  assert.deepEqual(b.train.classNames, C10);
  // Test image 1, row 2, column 5, channel 1 (green): CHW index 1024 + 2·32 + 5.
  const p = 2 * 32 + 5;
  assert.ok(Math.abs(b.test.x[3072 + p * 3 + 1] - pixel(1, 1, p) / 255) < 1e-7);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CIFAR-10: missing, truncated and mislabelled files are named with the problem", async () => {
  const dir = await tempDir();
  await writeCifar10(dir);
  await Deno.remove(`${dir}/data_batch_3.bin`);
  await assert.rejects(loadCifar10(dir, ANY), /data_batch_3\.bin: file not found \(extract cifar-10/);
  await writeCifar10(dir);
  const full = await Deno.readFile(`${dir}/test_batch.bin`);
  await Deno.writeFile(`${dir}/test_batch.bin`, full.subarray(0, full.length - 100));
  await assert.rejects(loadCifar10(dir, ANY), /test_batch\.bin: truncated or wrong format: 6046 bytes/);
  await Deno.writeFile(`${dir}/test_batch.bin`, cifarBin([[12]], pixel));
  await assert.rejects(loadCifar10(dir, ANY), /test_batch\.bin: bad format: record 0 has label 12, outside \[0, 10\)/);
  await writeCifar10(dir);
  await Deno.writeTextFile(`${dir}/batches.meta.txt`, C10.slice(0, 9).join("\n"));
  await assert.rejects(loadCifar10(dir, ANY), /batches\.meta\.txt: count mismatch: 9 class names, expected 10/);
  await Deno.remove(dir, { recursive: true });
});

async function writeCifar100(dir: string, fine: number[], coarse = fine.map((f) => CIFAR100_COARSE_OF_FINE[f])) {
  const labels = fine.map((f, i) => [coarse[i], f]);
  await Deno.writeFile(`${dir}/train.bin`, cifarBin(labels, pixel));
  await Deno.writeFile(`${dir}/test.bin`, cifarBin(labels.slice(0, 3), pixel));
  const names = Array.from({ length: 100 }, (_, i) => `fine_${i}`);
  await Deno.writeTextFile(`${dir}/fine_label_names.txt`, names.join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/coarse_label_names.txt`, CIFAR100_COARSE_NAMES.join("\n") + "\n");
}

Deno.test("CIFAR-100: the published fine → coarse map has 20 super-classes of 5", () => {
  const counts = new Array(20).fill(0);
  for (const c of CIFAR100_COARSE_OF_FINE) counts[c]++;
  assert.equal(CIFAR100_COARSE_OF_FINE.length, 100);
  assert.deepEqual(counts, new Array(20).fill(5));
});

Deno.test("CIFAR-100: fine labels as classes, group forgetting relabels to super-classes", async () => {
  const dir = await tempDir();
  // Two sub-classes of super-class 0 (aquatic mammals: beaver 4, dolphin 30) and two others.
  const fine = [4, 30, 4, 30, 0, 0, 1, 1, 4, 30, 0, 1];
  await writeCifar100(dir, fine);
  const b = await loadCifar100(dir, ANY);
  assert.deepEqual([...b.train.y], fine);
  assert.equal(b.train.numClasses, 100);
  const task = makeForgetTask("cifar100", b.train, b.test, {
    paradigm: "group",
    seed: 1,
    valFraction: 0,
    forgetSubclass: 30,
  }, DATASETS.cifar100.superClasses);
  assert.equal(task.numClasses, 20);
  assert.deepEqual([...task.forgetIdx].map((i) => b.train.y[i]), [30, 30, 30]);
  assert.ok([...task.forgetIdx].every((i) => task.train.y[i] === 0));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CIFAR-100: inconsistent coarse labels and wrong names are reported", async () => {
  const dir = await tempDir();
  await writeCifar100(dir, [4, 30], [0, 5]);
  await assert.rejects(
    loadCifar100(dir, ANY),
    /train\.bin: inconsistent labels: record 1 has fine label 30 with coarse label 5, but fine label 30 belongs to super-class 0/,
  );
  await writeCifar100(dir, [4, 30]);
  await Deno.writeTextFile(`${dir}/coarse_label_names.txt`, ["fish", ...CIFAR100_COARSE_NAMES.slice(1)].join("\n"));
  await assert.rejects(loadCifar100(dir, ANY), /coarse_label_names\.txt: line 1 is "fish", expected "aquatic_mammals"/);
  await Deno.remove(dir, { recursive: true });
});

/** CIFAR-10's seven files in memory: five batches of `perBatch` records, a test batch, the names. */
function cifar10Files(batches: Uint8Array[], test: Uint8Array): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  batches.forEach((b, k) => (files[`/c/data_batch_${k + 1}.bin`] = b));
  files["/c/test_batch.bin"] = test;
  files["/c/batches.meta.txt"] = new TextEncoder().encode(C10.join("\n"));
  return files;
}

const records = (n: number, label = (i: number) => i % 10) => cifarBin(Array.from({ length: n }, (_, i) => [label(i)]), pixel);

Deno.test("CIFAR: the standard 10,000 records a batch are required; a batch cut at a record boundary is refused", async () => {
  const full = records(10000);
  const cut = full.subarray(0, 9999 * 3073);
  const files = memoryFiles(cifar10Files([full, cut, full, full, full], full));
  await assert.rejects(
    loadCifar10("/c", { files }),
    /\/c\/data_batch_2\.bin: 9999 records, the standard file holds 10000 \(cut at a record boundary, or not the standard file/,
  );
  // A tiny copy is refused by default and accepted, with a warning per file, when asked for.
  const tiny = memoryFiles(cifar10Files([1, 2, 3, 4, 5].map(() => records(4)), records(2)));
  await assert.rejects(loadCifar10("/c", { files: tiny }), /data_batch_1\.bin: 4 records, the standard file holds 10000/);
  const b = await loadCifar10("/c", { files: tiny, counts: "any" });
  assert.ok(b.warnings!.includes("/c/test_batch.bin: 2 records, the standard file holds 10000"));
  assert.equal(b.warnings!.filter((w) => /records, the standard file holds 10000/.test(w)).length, 6);
});

Deno.test("CIFAR: an all-zero batch is refused, a few blank images flagged, a single training class refused", async () => {
  const zero = new Uint8Array(4 * 3073);
  zero.set([1], 0);
  zero.set([2], 3073); // labels set, every pixel 0
  const files = (b3: Uint8Array, test = records(2)) =>
    memoryFiles(cifar10Files([records(4), records(4), b3, records(4), records(4)], test));
  await assert.rejects(
    loadCifar10("/c", { files: files(zero), counts: "any" }),
    /\/c\/data_batch_3\.bin: all 4 images are blank \(every value is 0\/255\): the file holds no image data/,
  );
  const someBlank = records(4);
  someBlank.fill(255, 3073 + 1, 2 * 3073); // record 1: every pixel 255
  const b = await loadCifar10("/c", { files: files(someBlank), counts: "any" });
  assert.ok(b.warnings!.includes("/c/data_batch_3.bin: 1 of 4 images are blank (a single value throughout): 1"));
  const one = (n: number) => records(n, () => 7);
  await assert.rejects(
    loadCifar10("/c", { files: memoryFiles(cifar10Files([1, 2, 3, 4, 5].map(() => one(2)), records(2))), counts: "any" }),
    /\/c\/data_batch_1\.\.5\.bin: a single class: every sample of cifar10\/train has label 7 \(horse\)/,
  );
});
