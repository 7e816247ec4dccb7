/** Checked gzip/zlib decompression, checksums, and the in-memory FileSource. */
import assert from "node:assert/strict";
import { gzipSync, zlibSync } from "fflate";
import { adler32, crc32, gunzip, unzlib } from "../../lib/data/compressed.ts";
import { checkAllocation, memoryFiles } from "../../lib/data/files.ts";
import { KitError } from "../../lib/errors.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("crc32 and adler32 give the published check values", () => {
  assert.equal(crc32(enc("123456789")), 0xcbf43926);
  assert.equal(adler32(enc("Wikipedia")), 0x11e60398);
  assert.equal(crc32(new Uint8Array()), 0);
  assert.equal(adler32(new Uint8Array()), 1);
  // Past zlib's NMAX, where the sums must be reduced.
  const big = new Uint8Array(100000).fill(255);
  assert.equal(adler32(big), adler32Reference(big));
});

function adler32Reference(d: Uint8Array): number {
  let a = 1, b = 0;
  for (const v of d) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

Deno.test("gunzip: round trip, then every lie in the trailer or the data is a KitError naming the file", () => {
  const data = enc("the quick brown fox ".repeat(500));
  const gz = gzipSync(data);
  assert.deepEqual(gunzip(gz, "f.gz"), data);
  const at = (i: number, v: number) => {
    const c = gz.slice();
    c[i] = v;
    return c;
  };
  // A trailer claiming 4 GiB from ~100 bytes is refused before anything is allocated.
  const huge = gz.slice();
  new DataView(huge.buffer).setUint32(huge.length - 4, 0xffffffff, true);
  assert.throws(() => gunzip(huge, "f.gz"), /f\.gz: gzip stream is corrupt or truncated \(the trailer declares 4\.0 GiB from \d+ bytes/);
  // Declared size off by one either way.
  const short = gz.slice();
  new DataView(short.buffer).setUint32(short.length - 4, data.length - 1, true);
  assert.throws(() => gunzip(short, "f.gz"), /the trailer declares 9999 bytes, the data holds more/);
  const long = gz.slice();
  new DataView(long.buffer).setUint32(long.length - 4, data.length + 1, true);
  assert.throws(() => gunzip(long, "f.gz"), /the trailer declares 10001 bytes, the data decompresses to 10000/);
  assert.throws(() => gunzip(at(gz.length - 8, gz[gz.length - 8] ^ 1), "f.gz"), /f\.gz: gzip stream is corrupt \(CRC-32/);
  assert.throws(() => gunzip(at(2, 7), "f.gz"), /compression method 7, expected 8/);
  assert.throws(() => gunzip(at(3, 0xe0), "f.gz"), /reserved header flags/);
  assert.throws(() => gunzip(gz.subarray(0, 12), "f.gz"), /12 bytes, a gzip member needs at least 18/);
  assert.throws(() => gunzip(gz.subarray(0, gz.length - 20), "f.gz"), KitError);
  // A budget smaller than the declared size.
  assert.throws(() => gunzip(gz, "f.gz", 1000), /f\.gz: the decompressed file would take 9\.8 KiB, more than the 1000 bytes allowed/);
});

Deno.test("gunzip: a flipped bit inside stored (uncompressed) data is caught by the CRC", () => {
  // Level 0 stores the bytes as they are: a flip there inflates without error to different data.
  const data = enc("0123456789".repeat(20));
  const gz = gzipSync(data, { level: 0 });
  const c = gz.slice();
  c[40] ^= 0x10;
  assert.throws(() => gunzip(c, "s.gz"), /s\.gz: gzip stream is corrupt \(CRC-32 of the data is 0x[0-9a-f]{8}, the trailer says/);
});

Deno.test("unzlib: round trip, checked Adler-32, bounded output", () => {
  const data = new Uint8Array(300000).map((_, i) => i % 7);
  const z = zlibSync(data);
  assert.deepEqual(unzlib(z, "m.mat", "compressed element"), data);
  const bad = z.slice();
  bad[bad.length - 1] ^= 1;
  assert.throws(() => unzlib(bad, "m.mat", "compressed element"), /m\.mat: compressed element is corrupt or truncated \(Adler-32/);
  assert.throws(() => unzlib(z, "m.mat", "compressed element", 100000), /m\.mat: compressed element, decompressed, would take/);
  assert.throws(() => unzlib(z.subarray(0, z.length - 10), "m.mat", "el"), /m\.mat: el is corrupt or truncated/);
  assert.throws(() => unzlib(enc("hello!"), "m.mat", "el"), /not a zlib header/);
});

Deno.test("checkAllocation refuses sizes past the budget, and impossible counts", () => {
  checkAllocation(1000, 4, "a", "x", 4000);
  assert.throws(
    () => checkAllocation(1001, 4, "a", "1001 floats", 4000),
    /a: 1001 floats would take 3\.9 KiB, more than the 3\.9 KiB allowed/,
  );
  assert.throws(() => checkAllocation(-1, 4, "a", "x"), KitError);
  assert.throws(() => checkAllocation(2 ** 60, 4, "a", "x"), KitError);
});

Deno.test("memoryFiles: read, list files and folders, missing paths named", async () => {
  const fs = memoryFiles({ "/d/a.txt": enc("A"), "/d/sub/b.bin": enc("B"), "/d/sub/deeper/c": enc("C") });
  assert.deepEqual(await fs.read("/d/a.txt"), enc("A"));
  assert.deepEqual(await fs.list("/d", "files"), ["a.txt"]);
  assert.deepEqual(await fs.list("/d", "dirs"), ["sub"]);
  assert.deepEqual(await fs.list("/d/sub", "dirs"), ["deeper"]);
  await assert.rejects(fs.read("/d/x", "get it from y"), /\/d\/x: file not found \(get it from y\)/);
  await assert.rejects(fs.list("/e", "files"), /\/e: directory not found/);
});
