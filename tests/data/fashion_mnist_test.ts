import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { memoryFiles } from "../../lib/data/files.ts";
import { encodeIdx } from "../../lib/data/idx.ts";
import { KitError } from "../../lib/errors.ts";

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

/** The four files of a tiny Fashion-MNIST (path → gzip bytes), with images and labels per split overridable. */
function tinyRecord(o: { train?: [Uint8Array, Uint8Array]; test?: [Uint8Array, Uint8Array] } = {}): Record<string, Uint8Array> {
  const split = (n: number): [Uint8Array, Uint8Array] => [
    encodeIdx([n, 4, 4], Uint8Array.from({ length: n * 16 }, (_, i) => (i * 7) % 256)),
    encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)),
  ];
  const [trI, trL] = o.train ?? split(6);
  const [teI, teL] = o.test ?? split(3);
  return {
    "/f/train-images-idx3-ubyte.gz": gzipSync(trI),
    "/f/train-labels-idx1-ubyte.gz": gzipSync(trL),
    "/f/t10k-images-idx3-ubyte.gz": gzipSync(teI),
    "/f/t10k-labels-idx1-ubyte.gz": gzipSync(teL),
  };
}

const tinyFiles = (o: Parameters<typeof tinyRecord>[0] = {}) => memoryFiles(tinyRecord(o));

Deno.test("an IDX file with 0 test images is refused (it used to run and give TA null)", async () => {
  const files = tinyFiles({ test: [encodeIdx([0, 4, 4], new Uint8Array()), encodeIdx([0], new Uint8Array())] });
  await assert.rejects(loadFashionMnist("/f", { files }), /\/f\/t10k-images-idx3-ubyte\.gz: empty: the header declares 0 images/);
  await assert.rejects(loadFashionMnist("/f", { files }), KitError);
});

Deno.test("a header claiming 1e9 images is refused by size, before anything is allocated", async () => {
  const header = encodeIdx([1e9, 28, 28], new Uint8Array(100));
  const files = tinyFiles({ train: [header, encodeIdx([1e9], new Uint8Array(10))] });
  const rss = Deno.memoryUsage().rss;
  const t = performance.now();
  await assert.rejects(
    loadFashionMnist("/f", { files }),
    /train-images-idx3-ubyte\.gz: truncated: header promises 784000000000 values \(1000000000×28×28\), file holds 100/,
  );
  assert.ok(performance.now() - t < 1000);
  assert.ok(Deno.memoryUsage().rss - rss < 200 * 2 ** 20);
  // Zero-sized images are no images.
  const flat = tinyFiles({ train: [encodeIdx([6, 0, 4], new Uint8Array()), encodeIdx([6], new Uint8Array(6))] });
  await assert.rejects(loadFashionMnist("/f", { files: flat }), /the header declares 0×4 images, which hold no pixels/);
});

Deno.test("degenerate data: blank images refused or flagged, one class refused, labels out of range named", async () => {
  const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10));
  const allZero = tinyFiles({ train: [encodeIdx([6, 4, 4], new Uint8Array(96)), labels(6)] });
  await assert.rejects(
    loadFashionMnist("/f", { files: allZero }),
    /train-images-idx3-ubyte\.gz: all 6 images are blank \(every value is 0\/255\): the file holds no image data/,
  );
  const someBlank = Uint8Array.from({ length: 96 }, (_, i) => (i < 32 ? 0 : i % 251));
  const b = await loadFashionMnist("/f", { files: tinyFiles({ train: [encodeIdx([6, 4, 4], someBlank), labels(6)] }) });
  assert.ok(b.warnings!.some((w) => /train-images-idx3-ubyte\.gz: 2 of 6 images are blank \(a single value throughout\): 0, 1/.test(w)));
  // Non-standard sizes and classes missing from the test split are flagged, not refused.
  assert.ok(b.warnings!.some((w) => /6 images of 4×4; the standard file holds 60000 of 28×28/.test(w)));
  assert.ok(
    b.warnings!.some((w) =>
      /t10k-labels-idx1-ubyte\.gz: fashion-mnist\/test has no samples of 7 of 10 classes \(3, 4, 5, 6, 7, 8, 9\)/.test(w)
    ),
  );
  const img = encodeIdx([6, 4, 4], Uint8Array.from({ length: 96 }, (_, i) => i));
  const oneClass = tinyFiles({ train: [img, encodeIdx([6], new Uint8Array(6).fill(3))] });
  await assert.rejects(
    loadFashionMnist("/f", { files: oneClass }),
    /train-labels-idx1-ubyte\.gz: a single class: every sample of fashion-mnist\/train has label 3 \(Dress\)/,
  );
  const outOfRange = tinyFiles({ train: [img, encodeIdx([6], Uint8Array.from([0, 1, 2, 10, 4, 5]))] });
  await assert.rejects(
    loadFashionMnist("/f", { files: outOfRange }),
    /train-labels-idx1-ubyte\.gz: fashion-mnist\/train: label 10 of sample 3 is outside \[0, 10\)/,
  );
  // A test split of a single class is flagged.
  const t = await loadFashionMnist("/f", {
    files: tinyFiles({ test: [encodeIdx([3, 4, 4], img.subarray(16, 64)), encodeIdx([3], new Uint8Array(3))] }),
  });
  assert.ok(t.warnings!.some((w) => /t10k-labels-idx1-ubyte\.gz: a single class: every sample of fashion-mnist\/test has label 0/.test(w)));
});

Deno.test("a gzip file whose CRC does not match its data is refused", async () => {
  const files = tinyRecord();
  const gz = files["/f/train-labels-idx1-ubyte.gz"];
  gz[gz.length - 6] ^= 1; // inside the stored CRC-32
  await assert.rejects(
    loadFashionMnist("/f", { files: memoryFiles(files) }),
    /train-labels-idx1-ubyte\.gz: gzip stream is corrupt \(CRC-32/,
  );
});
