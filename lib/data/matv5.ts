/**
 * A minimal reader for MATLAB Level 5 MAT-files, enough for SVHN's train_32x32.mat / test_32x32.mat:
 * real, dense numeric arrays, stored plainly or inside miCOMPRESSED (zlib) elements.
 *
 * Why not a package: the only npm reader found (mat-for-js 1.1.0) has a single release and ~1k
 * downloads, so it is not the "well-kept" dependency the kit wants; the subset needed here is a page of
 * code over the published format (MathWorks, "MAT-File Format", Level 5), and zlib comes from fflate.
 * Cells, structs, sparse and complex arrays are skipped by name, not misread. Level 7.3 (HDF5) files are
 * refused with a message saying so. Every size a tag declares is checked against the bytes that remain
 * before it is used, compressed elements are inflated with their Adler-32 checked, and every failure is
 * a KitError naming the file.
 */
import { KitError } from "../errors.ts";
import { unzlib } from "./compressed.ts";

export type MatData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export interface MatArray {
  name: string;
  /** MATLAB class, e.g. "uint8", "double". */
  class: string;
  /** MATLAB dimensions; data is column-major (first index fastest). */
  dims: number[];
  data: MatData;
}

const HEADER = 128;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

/** Element types → array constructors (miINT8 = 1 … miDOUBLE = 9). */
const MI_TYPES: Record<number, { new (b: ArrayBuffer): MatData; BYTES_PER_ELEMENT: number }> = {
  1: Int8Array,
  2: Uint8Array,
  3: Int16Array,
  4: Uint16Array,
  5: Int32Array,
  6: Uint32Array,
  7: Float32Array,
  9: Float64Array,
};

/** mxCLASS ids of the numeric classes read (6 = double … 13 = uint32). */
const MX_CLASSES: Record<number, string> = {
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
};

interface Element {
  type: number;
  body: Uint8Array;
  /** Offset just past this element (8-byte aligned for plain elements). */
  end: number;
}

function readElement(bytes: Uint8Array, at: number, file: string, little: boolean): Element {
  if (at + 8 > bytes.length) throw new KitError(`truncated: data element tag at byte ${at} is cut off`, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  const first = view.getUint32(0, little);
  // Small data element format: type and size share the first 4 bytes, data sits in the next 4.
  if (first >>> 16 !== 0) {
    const size = first >>> 16;
    if (size > 4) throw new KitError(`bad format: small data element at byte ${at} claims ${size} bytes`, file);
    return { type: first & 0xffff, body: bytes.subarray(at + 4, at + 4 + size), end: at + 8 };
  }
  const size = view.getUint32(4, little);
  if (at + 8 + size > bytes.length) {
    throw new KitError(`truncated: element at byte ${at} declares ${size} bytes, ${bytes.length - at - 8} remain`, file);
  }
  const body = bytes.subarray(at + 8, at + 8 + size);
  // Compressed elements are not padded; all others are padded to 8 bytes.
  const end = first === MI_COMPRESSED ? at + 8 + size : at + 8 + Math.ceil(size / 8) * 8;
  return { type: first, body, end: Math.min(end, bytes.length) };
}

function typedFrom(el: Element, file: string, what: string, little: boolean): MatData {
  const Ctor = MI_TYPES[el.type];
  if (!Ctor) throw new KitError(`bad format: ${what} has unsupported element type ${el.type}`, file);
  if (el.body.length % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw new KitError(`bad format: ${what} has ${el.body.length} bytes, not a multiple of its element size`, file);
  }
  const copy = el.body.slice().buffer;
  const out = new Ctor(copy);
  if (!little && Ctor.BYTES_PER_ELEMENT > 1) {
    // Big-endian file: swap each value's bytes in place.
    const b = new Uint8Array(copy);
    const w = Ctor.BYTES_PER_ELEMENT;
    for (let i = 0; i < b.length; i += w) b.subarray(i, i + w).reverse();
  }
  return out;
}

function parseMatrix(body: Uint8Array, file: string, little: boolean): MatArray | undefined {
  const flags = readElement(body, 0, file, little);
  if (flags.body.length < 4) throw new KitError(`bad format: array flags of ${flags.body.length} bytes, expected 8`, file);
  const flagWord = new DataView(flags.body.buffer, flags.body.byteOffset, 4).getUint32(0, little);
  const cls = MX_CLASSES[flagWord & 0xff];
  const complex = (flagWord & 0x800) !== 0;
  const dimsEl = readElement(body, flags.end, file, little);
  const nameEl = readElement(body, dimsEl.end, file, little);
  const name = new TextDecoder("latin1").decode(nameEl.body);
  if (!cls || complex) return undefined;
  const dims = Array.from(typedFrom(dimsEl, file, `dimensions of "${name}"`, little));
  if (dims.length < 2 || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new KitError(`bad format: "${name}" has dimensions ${dims.join("×") || "(none)"}`, file);
  }
  const real = readElement(body, nameEl.end, file, little);
  const values = typedFrom(real, file, `"${name}"`, little);
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new KitError(`count mismatch: "${name}" is ${dims.join("×")} = ${count} values, holds ${values.length}`, file);
  }
  return { name, class: cls, dims, data: values };
}

/** Every real numeric array in the file, by variable name. */
export function parseMatV5(bytes: Uint8Array, file: string, maxBytes?: number): Map<string, MatArray> {
  if (bytes.length < HEADER) throw new KitError(`truncated: ${bytes.length} bytes, a MAT header is 128`, file);
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, 116));
  if (text.startsWith("MATLAB 7.3")) {
    throw new KitError(`bad format: MATLAB 7.3 (HDF5) file; save it with -v7 or -v6 to read it here`, file);
  }
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (!text.startsWith("MATLAB 5.0 MAT-file") || (endian !== "IM" && endian !== "MI")) {
    throw new KitError(`bad magic: not a MATLAB Level 5 MAT-file (header "${text.slice(0, 19)}", endian "${endian}")`, file);
  }
  const little = endian === "IM";
  const out = new Map<string, MatArray>();
  let at = HEADER;
  while (at < bytes.length) {
    let el = readElement(bytes, at, file, little);
    at = el.end;
    if (el.type === MI_COMPRESSED) {
      const inflated = unzlib(el.body, file, "compressed element", maxBytes);
      el = readElement(inflated, 0, file, little);
    }
    if (el.type !== MI_MATRIX) continue;
    const arr = parseMatrix(el.body, file, little);
    if (arr) out.set(arr.name, arr);
  }
  return out;
}
