/**
 * SVHN and the MAT v5 reader: files written by the test's own writer (plain and miCOMPRESSED) and two
 * fixtures written by SciPy's savemat (an independent writer), plus corrupt files.
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { memoryFiles } from "../../lib/data/files.ts";
import { parseMatV5 } from "../../lib/data/matv5.ts";
import { loadSvhn } from "../../lib/data/svhn.ts";
import { matV5, tempDir } from "./_formats.ts";

/** X[r, q, ch, i] column-major, the layout of the real files. */
function svhnX(n: number, f: (r: number, q: number, ch: number, i: number) => number): Uint8Array {
  const X = new Uint8Array(32 * 32 * 3 * n);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let q = 0; q < 32; q++) for (let r = 0; r < 32; r++) X[r + 32 * q + 1024 * ch + 3072 * i] = f(r, q, ch, i);
    }
  }
  return X;
}

const f = (r: number, q: number, ch: number, i: number) => (r + 2 * q + 50 * ch + 7 * i) % 256;

async function writeSvhn(dir: string, compress: boolean, labels = [10, 1, 5]): Promise<void> {
  for (const part of ["train", "test"]) {
    const mat = matV5([
      { name: "X", dims: [32, 32, 3, labels.length], data: svhnX(labels.length, f) },
      { name: "y", dims: [labels.length, 1], data: Float64Array.from(labels) },
    ], compress);
    await Deno.writeFile(`${dir}/${part}_32x32.mat`, mat);
  }
}

for (const compress of [false, true]) {
  Deno.test(`SVHN: ${compress ? "compressed" : "plain"} MAT v5, label 10 is digit 0, HWC pixels`, async () => {
    const dir = await tempDir();
    await writeSvhn(dir, compress);
    const b = await loadSvhn(dir);
    assert.deepEqual([...b.train.y], [0, 1, 5]);
    assert.deepEqual(b.test.sampleShape, [32, 32, 3]);
    // Image 2, row 1, column 2, channel 1.
    assert.ok(Math.abs(b.train.x[2 * 3072 + (1 * 32 + 2) * 3 + 1] - f(1, 2, 1, 2) / 255) < 1e-7);
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("MAT v5: files written by SciPy (plain uint8 y, zlib double y) read the same", async () => {
  for (const name of ["svhn_scipy_plain.mat", "svhn_scipy_zlib.mat"]) {
    const file = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
    const vars = parseMatV5(await Deno.readFile(file), file);
    const X = vars.get("X")!;
    assert.equal(X.class, "uint8");
    assert.deepEqual(X.dims, [32, 32, 3, 3]);
    assert.deepEqual(Array.from(X.data), Array.from(svhnX(3, f)));
    assert.deepEqual(Array.from(vars.get("y")!.data), [10, 1, 5]);
  }
});

Deno.test("SVHN: corrupt files are named with the problem", async () => {
  const dir = await tempDir();
  await writeSvhn(dir, false);
  const file = `${dir}/train_32x32.mat`;
  const good = await Deno.readFile(file);
  await Deno.remove(`${dir}/test_32x32.mat`);
  await assert.rejects(loadSvhn(dir), /test_32x32\.mat: file not found \(put train_32x32\.mat/);
  await writeSvhn(dir, false);
  await Deno.writeFile(file, good.subarray(0, 4000));
  await assert.rejects(loadSvhn(dir), /train_32x32\.mat: truncated: element at byte 128 declares/);
  const notMat = good.slice();
  notMat.set(new TextEncoder().encode("HELLO"), 0);
  await Deno.writeFile(file, notMat);
  await assert.rejects(loadSvhn(dir), /train_32x32\.mat: bad magic: not a MATLAB Level 5 MAT-file/);
  const hdf5 = good.slice();
  hdf5.set(new TextEncoder().encode("MATLAB 7.3 MAT-file"), 0);
  await Deno.writeFile(file, hdf5);
  await assert.rejects(loadSvhn(dir), /train_32x32\.mat: bad format: MATLAB 7\.3 \(HDF5\)/);
  await writeSvhn(dir, true);
  const z = await Deno.readFile(file);
  z.fill(0, 140, 200); // inside the first zlib stream
  await Deno.writeFile(file, z);
  await assert.rejects(loadSvhn(dir), /train_32x32\.mat: compressed element is corrupt or truncated/);
  // Labels for 4 images but only 3 images.
  await Deno.writeFile(
    file,
    matV5([
      { name: "X", dims: [32, 32, 3, 3], data: svhnX(3, f) },
      { name: "y", dims: [4, 1], data: Float64Array.from([1, 2, 3, 4]) },
    ], false),
  );
  await assert.rejects(loadSvhn(dir), /train_32x32\.mat: count mismatch: X holds 3 images, y holds 4 labels/);
  await Deno.writeFile(file, matV5([{ name: "X", dims: [32, 32, 3, 1], data: svhnX(1, f) }], false));
  await assert.rejects(loadSvhn(dir), /train_32x32\.mat: bad format: no numeric variable "y" \(found: X\)/);
  await writeSvhn(dir, false, [0, 3]);
  await assert.rejects(loadSvhn(dir), /_32x32\.mat: bad format: label 0 of image 0 is not in 1\.\.10/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SVHN: X of another class, no images, a short flags element are refused; other counts flagged", async () => {
  const mat = (vars: Parameters<typeof matV5>[0]) =>
    memoryFiles({ "/s/train_32x32.mat": matV5(vars, false), "/s/test_32x32.mat": matV5(vars, true) });
  const y3 = { name: "y", dims: [3, 1], data: Float64Array.from([1, 2, 3]) };
  const asDouble = Float64Array.from(svhnX(3, f), (v) => v * 1000);
  await assert.rejects(
    loadSvhn("/s", { files: mat([{ name: "X", dims: [32, 32, 3, 3], data: asDouble }, y3]) }),
    /\/s\/train_32x32\.mat: bad format: X holds double values, the distributed files hold uint8/,
  );
  await assert.rejects(
    loadSvhn("/s", {
      files: mat([{ name: "X", dims: [32, 32, 3, 0], data: new Uint8Array() }, { name: "y", dims: [0, 1], data: new Float64Array() }]),
    }),
    /\/s\/train_32x32\.mat: empty: X holds no images \(32×32×3×0\)/,
  );
  const b = await loadSvhn("/s", { files: mat([{ name: "X", dims: [32, 32, 3, 3], data: svhnX(3, f) }, y3]) });
  assert.ok(b.warnings!.includes("/s/train_32x32.mat: 3 images; the standard file holds 73257"));
  assert.ok(b.warnings!.includes("/s/test_32x32.mat: 3 images; the standard file holds 26032"));
  // A miMATRIX whose array-flags element holds 2 bytes (it used to end in a RangeError from DataView).
  const bytes = matV5([{ name: "X", dims: [32, 32, 3, 1], data: svhnX(1, f) }], false);
  const v = new DataView(bytes.buffer);
  v.setUint32(128 + 8 + 4, 2, true);
  assert.throws(() => parseMatV5(bytes, "/s/x.mat"), /\/s\/x\.mat: bad format: array flags of 2 bytes, expected 8/);
  // Dimensions must be whole numbers ≥ 0.
  const neg = matV5([{ name: "X", dims: [32, 32, -3, -1], data: svhnX(3, f) }], false);
  assert.throws(() => parseMatV5(neg, "/s/x.mat"), /\/s\/x\.mat: bad format: "X" has dimensions 32×32×-3×-1/);
});
