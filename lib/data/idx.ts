/**
 * The IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed): a big-endian header
 * (0x00 0x00, a type byte, the number of dimensions, then one uint32 per dimension) followed by the
 * data. Errors name the file and what is wrong, since a half-downloaded or renamed file is the usual
 * cause.
 */
import { gunzipSync } from "fflate";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${file}: gzip stream is corrupt or truncated (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new Error(`${file}: truncated: ${bytes.length} bytes, no IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE || bytes[3] < 1) {
    throw new Error(
      `${file}: bad magic 0x${magic.toString(16).padStart(8, "0")}: expected 0x00000801 (labels) or ` +
        `0x00000803 (images), unsigned bytes`,
    );
  }
  const rank = bytes[3];
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new Error(`${file}: truncated: header needs ${headerSize} bytes`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerSize;
  if (available < count) {
    throw new Error(`${file}: truncated: header promises ${count} values (${dims.join("×")}), file holds ${available}`);
  }
  if (available > count) {
    throw new Error(`${file}: ${available - count} bytes after the ${dims.join("×")} values the header declares`);
  }
  return { dims, data: bytes.subarray(headerSize) };
}

export async function readIdx(file: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${file}: file not found`);
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  return parseIdx(bytes, file);
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
