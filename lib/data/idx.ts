/**
 * The IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed): a big-endian header
 * (0x00 0x00, a type byte, the number of dimensions, then one uint32 per dimension) followed by the
 * data. The header is checked against the file's size before anything is allocated, and a file must
 * hold exactly what its header declares. Errors are KitErrors naming the file, since a half-downloaded
 * or renamed file is the usual cause.
 */
import { KitError } from "../errors.ts";
import { gunzip, isGzip } from "./compressed.ts";
import { DISK, type LoadOptions } from "./files.ts";

export interface IdxArray {
  dims: number[];
  /** A view into the (decompressed) file: no copy. */
  data: Uint8Array;
}

const UBYTE = 0x08;

export function parseIdx(bytes: Uint8Array, file: string, maxBytes?: number): IdxArray {
  if (isGzip(bytes)) bytes = gunzip(bytes, file, maxBytes);
  if (bytes.length < 4) throw new KitError(`truncated: ${bytes.length} bytes, no IDX header`, file);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE || bytes[3] < 1) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
    throw new KitError(
      `bad magic 0x${magic.toString(16).padStart(8, "0")}: expected 0x00000801 (labels) or ` +
        `0x00000803 (images), unsigned bytes`,
      file,
    );
  }
  const rank = bytes[3];
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new KitError(`truncated: header needs ${headerSize} bytes`, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerSize);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  // A product of up to 255 uint32s can pass 2^53; it is compared with the file's size, never allocated.
  const count = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerSize;
  if (available < count) {
    throw new KitError(`truncated: header promises ${count} values (${dims.join("×")}), file holds ${available}`, file);
  }
  if (available > count) {
    throw new KitError(`${available - count} bytes after the ${dims.join("×")} values the header declares`, file);
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Reads and parses one IDX file (gzip'd or plain). */
export async function readIdx(file: string, options: LoadOptions = {}): Promise<IdxArray> {
  return parseIdx(await (options.files ?? DISK).read(file), file, options.maxBytes);
}

/** Encodes an IDX file (used by tests to write small files in the real format). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
