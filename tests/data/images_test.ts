/** Image decode/resize, CelebA and ImageNet loaders on tiny JPEG/PNG files in the real layouts. */
import assert from "node:assert/strict";
import { PNG } from "pngjs";
import { loadCelebA } from "../../lib/data/celeba.ts";
import { decodeImage, resizeToSquare } from "../../lib/data/image.ts";
import { memoryFiles } from "../../lib/data/files.ts";
import { loadImageNet } from "../../lib/data/imagenet.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { jpegBytes, pngBytes, tempDir } from "./_formats.ts";

Deno.test("resize: area filter averages exactly, centre crop keeps the middle square", () => {
  // 4×2 image: left half black, right half white; centre crop takes columns 1..2.
  const data = new Uint8Array(4 * 2 * 4);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 4; x++) data.fill(x < 2 ? 0 : 255, (y * 4 + x) * 4, (y * 4 + x) * 4 + 4);
  }
  const img = { width: 4, height: 2, data };
  assert.deepEqual([...resizeToSquare(img, 1)], [0.5, 0.5, 0.5]);
  assert.deepEqual([...resizeToSquare(img, 2)], [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
  // Squashed (no crop) 4 → 3 columns: weights 4/3 per output pixel.
  const squashed = resizeToSquare(img, 3, false);
  assert.ok(Math.abs(squashed[3] - 0.5) < 1e-6 && squashed[0] === 0 && squashed[6] === 1);
});

Deno.test("decode: JPEG (jpeg-js) and PNG (pngjs); garbage and truncation name the file", () => {
  const jpg = decodeImage(jpegBytes(8, 6, () => [200, 30, 30]), "a.jpg");
  assert.equal(jpg.width, 8);
  assert.ok(Math.abs(jpg.data[0] - 200) < 6 && Math.abs(jpg.data[1] - 30) < 6);
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(77);
  const pngBytes = new Uint8Array(PNG.sync.write(png));
  assert.equal(decodeImage(pngBytes, "b.png").data[0], 77);
  assert.throws(() => decodeImage(new Uint8Array([1, 2, 3, 4]), "c.jpg"), /c\.jpg: bad magic: not a JPEG or PNG/);
  const cut = jpegBytes(8, 8, () => [1, 2, 3]).subarray(0, 40);
  assert.throws(() => decodeImage(cut, "d.jpg"), /d\.jpg: corrupt or truncated JPEG/);
  assert.throws(() => decodeImage(pngBytes.subarray(0, 30), "e.png"), /e\.png: corrupt or truncated PNG/);
});

const ATTRS = ["5_o_Clock_Shadow", "Smiling", "Young"];

/** 8 images of 4 people; partition 0 for the first 6, 2 for the last 2. Smiling when i is even. */
async function writeCelebA(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/img_align_celeba`, { recursive: true });
  const names = Array.from({ length: 8 }, (_, i) => `${String(i + 1).padStart(6, "0")}.jpg`);
  const rows = names.map((n, i) => `${n} -1  ${i % 2 === 0 ? " 1" : "-1"}  1`);
  await Deno.writeTextFile(`${dir}/list_attr_celeba.txt`, `${names.length}\n${ATTRS.join(" ")}\n${rows.join("\n")}\n`);
  await Deno.writeTextFile(`${dir}/identity_CelebA.txt`, names.map((n, i) => `${n} ${100 + (i % 4)}`).join("\n"));
  await Deno.writeTextFile(`${dir}/list_eval_partition.txt`, names.map((n, i) => `${n} ${i < 6 ? 0 : 2}`).join("\n"));
  for (const [i, n] of names.entries()) {
    await Deno.writeFile(`${dir}/img_align_celeba/${n}`, jpegBytes(18, 22, () => [i * 30, 100, 50]));
  }
}

Deno.test("CelebA: Smiling labels, person identities, partitions, size and limit", async () => {
  const dir = await tempDir();
  await writeCelebA(dir);
  const b = await loadCelebA(dir, { size: 8 });
  assert.deepEqual([...b.train.y], [1, 0, 1, 0, 1, 0]);
  assert.deepEqual([...b.train.identity!], [100, 101, 102, 103, 100, 101]);
  assert.deepEqual([...b.test.identity!], [102, 103]);
  assert.deepEqual(b.train.sampleShape, [8, 8, 3]);
  assert.deepEqual(b.train.classNames, ["not Smiling", "Smiling"]);
  assert.ok(Math.abs(b.train.x[3 * 192] - 90 / 255) < 0.03); // image 3's red channel
  const task = makeForgetTask("celeba", b.train, b.test, { paradigm: "identity", seed: 0, valFraction: 0 });
  const forgotten = task.forgotten.identities!;
  assert.equal(forgotten.length, 1);
  assert.deepEqual([...task.forgetIdx].map((i) => b.train.identity![i]), [forgotten[0], forgotten[0]]);
  const small = await loadCelebA(dir, { size: 4, limit: 2 });
  assert.equal(small.train.y.length, 2);
  assert.equal(small.test.y.length, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CelebA: missing image, bad attribute file and count mismatches are named", async () => {
  const dir = await tempDir();
  await writeCelebA(dir);
  await Deno.remove(`${dir}/img_align_celeba/000004.jpg`);
  await assert.rejects(loadCelebA(dir, { size: 4 }), /img_align_celeba\/000004\.jpg: file not found/);
  await writeCelebA(dir);
  await Deno.writeFile(`${dir}/img_align_celeba/000002.jpg`, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
  await assert.rejects(loadCelebA(dir, { size: 4 }), /000002\.jpg: corrupt or truncated JPEG/);
  await writeCelebA(dir);
  await assert.rejects(
    loadCelebA(dir, { attribute: "Bald" }),
    /list_attr_celeba\.txt: bad format: no attribute "Bald"/,
  );
  const attrs = await Deno.readTextFile(`${dir}/list_attr_celeba.txt`);
  await Deno.writeTextFile(`${dir}/list_attr_celeba.txt`, attrs.replace(/^8/, "9"));
  await assert.rejects(
    loadCelebA(dir),
    /list_attr_celeba\.txt: count mismatch: header declares 9 images, 8 lines follow/,
  );
  await Deno.writeTextFile(`${dir}/list_attr_celeba.txt`, attrs.replace("000003.jpg -1   1", "000003.jpg -1   0"));
  await assert.rejects(loadCelebA(dir), /list_attr_celeba\.txt: bad format: line 5 does not hold 3 values of ±1/);
  await writeCelebA(dir);
  const ids = await Deno.readTextFile(`${dir}/identity_CelebA.txt`);
  await Deno.writeTextFile(`${dir}/identity_CelebA.txt`, ids.split("\n").slice(1).join("\n"));
  await assert.rejects(loadCelebA(dir), /identity_CelebA\.txt: count mismatch: 7 images listed/);
  await Deno.remove(dir, { recursive: true });
});

async function writeImageNet(dir: string): Promise<void> {
  const wnids = ["n01440764", "n01443537", "n01484850"];
  for (const [c, wnid] of wnids.entries()) {
    for (const split of ["train", "val"]) {
      await Deno.mkdir(`${dir}/${split}/${wnid}`, { recursive: true });
      for (let k = 0; k < (split === "train" ? 3 : 1); k++) {
        await Deno.writeFile(`${dir}/${split}/${wnid}/${wnid}_${k}.JPEG`, jpegBytes(20, 12, () => [c * 100, 0, 0]));
      }
    }
  }
  const png = new PNG({ width: 5, height: 5 });
  png.data.fill(255);
  await Deno.writeFile(`${dir}/train/n01440764/extra.png`, new Uint8Array(PNG.sync.write(png)));
  await Deno.writeTextFile(`${dir}/train/n01440764/README.txt`, "not an image");
}

Deno.test("ImageNet: folder per class, JPEG and PNG, limits per class and on classes", async () => {
  const dir = await tempDir();
  await writeImageNet(dir);
  const b = await loadImageNet(dir, { size: 6 });
  assert.deepEqual(b.train.classNames, ["n01440764", "n01443537", "n01484850"]);
  assert.deepEqual([...b.train.y], [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual([...b.test.y], [0, 1, 2]);
  assert.deepEqual(b.test.sampleShape, [6, 6, 3]);
  assert.ok(Math.abs(b.test.x[2 * 108] - 200 / 255) < 0.03);
  const sub = await loadImageNet(dir, { size: 4, limitPerClass: 1, maxClasses: 2 });
  assert.deepEqual([...sub.train.y], [0, 1]);
  assert.equal(sub.train.numClasses, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ImageNet: missing folders, mismatched classes and empty classes are named", async () => {
  const dir = await tempDir();
  await assert.rejects(loadImageNet(dir), /\/train: directory not found \(put the class folders/);
  await writeImageNet(dir);
  await Deno.remove(`${dir}/val/n01443537`, { recursive: true });
  await assert.rejects(
    loadImageNet(dir),
    /\/val: count mismatch: class folders differ from train\/ \(1 missing, e\.g\. n01443537/,
  );
  await Deno.mkdir(`${dir}/val/n01443537`);
  await assert.rejects(loadImageNet(dir), /val\/n01443537: no JPEG or PNG images in the class folder/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CelebA: bad partitions, person ids, repeated images, an empty test partition and bad options are refused", async () => {
  const dir = await tempDir();
  await writeCelebA(dir);
  const part = await Deno.readTextFile(`${dir}/list_eval_partition.txt`);
  await Deno.writeTextFile(`${dir}/list_eval_partition.txt`, part.replace("000002.jpg 0", "000002.jpg 3"));
  await assert.rejects(loadCelebA(dir, { size: 4 }), /list_eval_partition\.txt: bad format: partition "3" of 000002\.jpg is not 0, 1 or 2/);
  await Deno.writeTextFile(`${dir}/list_eval_partition.txt`, part.replace(/ 2$/gm, " 1"));
  await assert.rejects(loadCelebA(dir, { size: 4 }), /list_eval_partition\.txt: empty: no image is in partition 2 \(test\)/);
  await Deno.writeTextFile(`${dir}/list_eval_partition.txt`, part);
  const ids = await Deno.readTextFile(`${dir}/identity_CelebA.txt`);
  for (const bad of ["1e3", "-4", "99999999999", "0x10"]) {
    await Deno.writeTextFile(`${dir}/identity_CelebA.txt`, ids.replace("000003.jpg 102", `000003.jpg ${bad}`));
    await assert.rejects(loadCelebA(dir, { size: 4 }), new RegExp(`identity_CelebA\\.txt: bad format: person id "${bad}" of 000003\\.jpg`));
  }
  await Deno.writeTextFile(`${dir}/identity_CelebA.txt`, ids.replace("000003.jpg 102", "000002.jpg 102"));
  await assert.rejects(loadCelebA(dir, { size: 4 }), /identity_CelebA\.txt: bad format: line 3 lists 000002\.jpg a second time/);
  await Deno.writeTextFile(`${dir}/identity_CelebA.txt`, ids);
  await assert.rejects(loadCelebA(dir, { size: 0 }), /celeba options: size 0 is not an integer in \[1, 1024\]/);
  await assert.rejects(loadCelebA(dir, { limit: -1 }), /celeba options: limit -1 is not a whole number/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("decode: a PNG header claiming 100000×100000 pixels is refused before decoding; zero-sized images too", () => {
  const png = pngBytes(3, 3, () => [9, 9, 9]);
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 100000);
  new DataView(huge.buffer).setUint32(20, 100000);
  const t = performance.now();
  assert.throws(
    () => decodeImage(huge, "h.png"),
    /h\.png: corrupt PNG: the header declares 100000×100000 pixels, more than the 67108864-pixel limit/,
  );
  assert.ok(performance.now() - t < 500);
  const jpg = jpegBytes(8, 8, () => [1, 2, 3]);
  const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
  new DataView(jpg.buffer).setUint16(sof + 5, 40000);
  new DataView(jpg.buffer).setUint16(sof + 7, 40000);
  assert.throws(() => decodeImage(jpg, "h.jpg"), /h\.jpg: corrupt or truncated JPEG \(maxResolutionInMP limit exceeded/);
  const flat = png.slice();
  new DataView(flat.buffer).setUint32(16, 0);
  assert.throws(() => decodeImage(flat, "z.png"), /z\.png: corrupt/);
});

Deno.test("ImageNet: a single class folder is refused; all-blank images are refused", async () => {
  const files: Record<string, Uint8Array> = {
    "/i/train/n01/a.JPEG": jpegBytes(8, 8, (x) => [x * 30, 0, 0]),
    "/i/val/n01/b.JPEG": jpegBytes(8, 8, (x) => [x * 30, 0, 0]),
  };
  await assert.rejects(loadImageNet("/i", { files: memoryFiles(files), size: 4 }), /\/i\/train: a single class folder \(n01\)/);
  const blank = pngBytes(6, 6, () => [0, 0, 0]);
  const all = { "/i/train/n01/a.png": blank, "/i/train/n02/a.png": blank, "/i/val/n01/b.png": blank, "/i/val/n02/b.png": blank };
  await assert.rejects(loadImageNet("/i", { files: memoryFiles(all), size: 4 }), /\/i\/train: all 2 imagenet\/train images are blank/);
});
