/**
 * gzip (RFC 1952) and zlib (RFC 1950) decompression that checks what fflate does not: the size a gzip
 * trailer declares is compared with the input before anything is allocated (a flipped trailer could
 * otherwise ask for 4 GiB), the output must be exactly that size, and the stored CRC-32 / Adler-32 must
 * match, so a bit flip inside the compressed data is refused instead of decoding to silently different
 * bytes. Deflate itself is fflate's.
 */
import { Inflate, inflateSync } from "fflate";
import { KitError } from "../errors.ts";
import { checkAllocation, formatBytes, messageOf } from "./files.ts";

/** Deflate cannot expand more than 1032:1 (a 258-byte match in two bits); anything beyond is a lie. */
const MAX_DEFLATE_RATIO = 1032;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Offset of the deflate data after a gzip header, or a KitError naming the file. */
function gzipDataStart(bytes: Uint8Array, file: string): number {
  const bad = (why: string) => new KitError(`gzip stream is corrupt or truncated (${why})`, file);
  if (bytes.length < 18) throw bad(`${bytes.length} bytes, a gzip member needs at least 18`);
  if (bytes[2] !== 8) throw bad(`compression method ${bytes[2]}, expected 8 (deflate)`);
  const flags = bytes[3];
  if (flags & 0xe0) throw bad(`reserved header flags 0x${flags.toString(16)} are set`);
  let at = 10;
  if (flags & 4) at += 2 + (bytes[10] | (bytes[11] << 8)); // FEXTRA: XLEN, then XLEN bytes
  for (const bit of [8, 16]) { // FNAME, FCOMMENT: zero-terminated
    if (!(flags & bit)) continue;
    while (at < bytes.length && bytes[at] !== 0) at++;
    at++;
  }
  if (flags & 2) at += 2; // FHCRC
  if (at > bytes.length - 8) throw bad("the header runs into the trailer");
  return at;
}

/**
 * Decompresses a single-member gzip file. `maxBytes` bounds what the trailer may declare; the declared
 * size must also be possible for deflate given the compressed size.
 */
export function gunzip(bytes: Uint8Array, file: string, maxBytes?: number): Uint8Array {
  const start = gzipDataStart(bytes, file);
  const body = bytes.subarray(start, bytes.length - 8);
  const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  const crc = trailer.getUint32(0, true);
  const size = trailer.getUint32(4, true);
  if (size > MAX_DEFLATE_RATIO * body.length + 64) {
    throw new KitError(
      `gzip stream is corrupt or truncated (the trailer declares ${formatBytes(size)} from ` +
        `${formatBytes(body.length)} of compressed data, more than deflate can produce)`,
      file,
    );
  }
  checkAllocation(size, 1, file, "the decompressed file", maxBytes);
  // One spare byte: if deflate writes into it, the stream holds more than the trailer declared.
  let out: Uint8Array;
  try {
    out = inflateSync(body, { out: new Uint8Array(size + 1) });
  } catch (e) {
    throw new KitError(`gzip stream is corrupt or truncated (${messageOf(e)})`, file);
  }
  if (body.length === 0 || out.length !== size) {
    throw new KitError(
      `gzip stream is corrupt or truncated (the trailer declares ${size} bytes, the data ` +
        `${out.length > size ? "holds more" : `decompresses to ${out.length}`})`,
      file,
    );
  }
  const actual = crc32(out);
  if (actual !== crc) {
    throw new KitError(
      `gzip stream is corrupt (CRC-32 of the data is ${hex(actual)}, the trailer says ${hex(crc)})`,
      file,
    );
  }
  return out;
}

/**
 * Decompresses a zlib stream (MAT-files' miCOMPRESSED elements). zlib stores no size, so the output is
 * counted as it is produced and refused past `maxBytes`; the Adler-32 must match.
 */
export function unzlib(bytes: Uint8Array, file: string, what: string, maxBytes?: number): Uint8Array {
  const bad = (why: string) => new KitError(`${what} is corrupt or truncated (${why})`, file);
  if (bytes.length < 6) throw bad(`${bytes.length} bytes, a zlib stream needs at least 6`);
  const cmf = bytes[0];
  const flg = bytes[1];
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw bad("not a zlib header");
  if (flg & 32) throw bad("needs a preset dictionary");
  const body = bytes.subarray(2, bytes.length - 4);
  const budget = Math.min(maxBytes ?? Infinity, MAX_DEFLATE_RATIO * body.length + 64);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > budget) checkAllocation(total, 1, file, `${what}, decompressed,`, maxBytes);
    chunks.push(chunk);
  });
  // Fed in slices so that the output is counted as it grows, not after it has filled memory.
  const SLICE = 1 << 16;
  try {
    for (let at = 0; at < body.length || at === 0; at += SLICE) {
      inflater.push(body.subarray(at, at + SLICE), at + SLICE >= body.length);
    }
  } catch (e) {
    if (e instanceof KitError) throw e;
    throw bad(messageOf(e));
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0);
  const actual = adler32(out);
  if (actual !== stored) throw bad(`Adler-32 of the data is ${hex(actual)}, the stream says ${hex(stored)}`);
  return out;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

/** CRC-32 tables for slicing by 4 (IEEE polynomial, reflected), built once. */
const CRC_TABLES = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 4; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  }
  return t;
})();

/** CRC-32 as gzip stores it. */
export function crc32(data: Uint8Array): number {
  const t = CRC_TABLES;
  let c = 0xffffffff;
  let i = 0;
  const n4 = data.length - (data.length % 4);
  for (; i < n4; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 as zlib stores it. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the largest run before b can overflow 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length;) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
