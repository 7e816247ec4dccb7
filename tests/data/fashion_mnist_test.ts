import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { encodeIdx } from "../../lib/data/idx.ts";

/** Writes a tiny Fashion-MNIST in the real format (gzip IDX) and returns its folder. */
async function writeTiny(
  opts: { trainLabels?: number; corrupt?: (name: string, bytes: Uint8Array) => Uint8Array } = {},
) {
  const dir = await Deno.makeTempDir();
  const files: Record<string, Uint8Array> = {};
  for (const [prefix, n] of [["train", 6], ["t10k", 3]] as const) {
    const images = Uint8Array.from({ length: n * 4 * 4 }, (_, i) => (i * 7) % 256);
    const nl = prefix === "train" ? opts.trainLabels ?? n : n;
    const labels = Uint8Array.from({ length: nl }, (_, i) => i % 10);
    files[`${prefix}-images-idx3-ubyte.gz`] = gzipSync(encodeIdx([n, 4, 4], images));
    files[`${prefix}-labels-idx1-ubyte.gz`] = gzipSync(encodeIdx([nl], labels));
  }
  for (const [name, bytes] of Object.entries(files)) {
    await Deno.writeFile(`${dir}/${name}`, opts.corrupt ? opts.corrupt(name, bytes) : bytes);
  }
  return dir;
}

Deno.test("loads gzip IDX files into [0, 1] floats with labels", async () => {
  const dir = await writeTiny();
  const b = await loadFashionMnist(dir);
  assert.equal(b.train.y.length, 6);
  assert.equal(b.test.y.length, 3);
  assert.deepEqual(b.train.sampleShape, [4, 4, 1]);
  assert.equal(b.train.x.length, 6 * 16);
  assert.equal(b.train.x[1], Math.fround(7 / 255));
  assert.deepEqual(Array.from(b.train.y), [0, 1, 2, 3, 4, 5]);
});

Deno.test("a missing file is named", async () => {
  const dir = await writeTiny();
  await Deno.remove(`${dir}/t10k-labels-idx1-ubyte.gz`);
  await assert.rejects(loadFashionMnist(dir), /t10k-labels-idx1-ubyte\.gz: file not found/);
});

Deno.test("bad magic is named with the file", async () => {
  const dir = await writeTiny({
    corrupt: (name, bytes) => name.startsWith("train-images") ? Uint8Array.from([0, 0, 0x0d, 3, 0, 0, 0, 0]) : bytes,
  });
  await assert.rejects(loadFashionMnist(dir), /train-images-idx3-ubyte\.gz: bad magic 0x00000d03/);
});

Deno.test("a truncated file is named", async () => {
  const dir = await writeTiny({
    corrupt: (name, bytes) => name.startsWith("train-images") ? bytes.subarray(0, bytes.length - 10) : bytes,
  });
  await assert.rejects(
    loadFashionMnist(dir),
    /train-images-idx3-ubyte\.gz: (gzip stream is corrupt or truncated|truncated)/,
  );
});

Deno.test("a label count that does not match the images is named", async () => {
  const dir = await writeTiny({ trainLabels: 5 });
  await assert.rejects(loadFashionMnist(dir), /train-labels-idx1-ubyte\.gz: count mismatch: 5 labels for 6 images/);
});
