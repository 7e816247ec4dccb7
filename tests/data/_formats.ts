/**
 * Writers of tiny files in the real formats the loaders read (CIFAR binary records, MATLAB Level 5,
 * JPEG, tar.gz), so each loader is tested on its true input without the real data sets.
 */
import { zlibSync } from "fflate";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

export async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "unlearn-kit-data-" });
}

/** CIFAR records: label bytes, then 3072 pixel bytes CHW; pixel value = f(record, channel, index). */
export function cifarBin(labels: number[][], pixel: (i: number, c: number, p: number) => number): Uint8Array {
  const lb = labels[0].length;
  const out = new Uint8Array(labels.length * (lb + 3072));
  labels.forEach((ls, i) => {
    const at = i * (lb + 3072);
    out.set(ls, at);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[at + lb + c * 1024 + p] = pixel(i, c, p);
  });
  return out;
}

/** miTYPE ids for the arrays this writer stores. */
const MI = { int8: 1, uint8: 2, int32: 5, uint32: 6, double: 9, matrix: 14, compressed: 15 };
const MX = { double: 6, uint8: 9 };

function element(type: number, body: Uint8Array): Uint8Array {
  const padded = Math.ceil(body.length / 8) * 8;
  const out = new Uint8Array(8 + padded);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface MatVar {
  name: string;
  dims: number[];
  /** Column-major values. */
  data: Uint8Array | Float64Array;
}

/** A little-endian MATLAB Level 5 file, each variable optionally in a miCOMPRESSED element. */
export function matV5(vars: MatVar[], compress: boolean): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  header.set(new TextEncoder().encode("MATLAB 5.0 MAT-file, written by unlearn-kit tests"));
  header.fill(0, 116, 124);
  new DataView(header.buffer).setUint16(124, 0x0100, true);
  header.set([0x49, 0x4d], 126); // "IM": little-endian
  const elements = vars.map((v) => {
    const isDouble = v.data instanceof Float64Array;
    const flags = new Uint8Array(8);
    flags[0] = isDouble ? MX.double : MX.uint8;
    const dims = new Uint8Array(Int32Array.from(v.dims).buffer);
    const matrix = element(
      MI.matrix,
      concat([
        element(MI.uint32, flags),
        element(MI.int32, dims),
        element(MI.int8, new TextEncoder().encode(v.name)),
        element(isDouble ? MI.double : MI.uint8, new Uint8Array(v.data.buffer)),
      ]),
    );
    if (!compress) return matrix;
    // The compressed element holds the deflated whole miMATRIX element, unpadded.
    const z = zlibSync(matrix);
    const out = new Uint8Array(8 + z.length);
    new DataView(out.buffer).setUint32(0, MI.compressed, true);
    new DataView(out.buffer).setUint32(4, z.length, true);
    out.set(z, 8);
    return out;
  });
  return concat([header, ...elements]);
}

/** A JPEG of a solid colour, or of `fill(x, y)` → [r, g, b]. */
export function jpegBytes(width: number, height: number, fill: (x: number, y: number) => number[]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...fill(x, y), 255], (y * width + x) * 4);
    }
  }
  return new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
}

/** tar -czf out -C dir paths… with the system's tar (an independent writer of the real format). */
export async function tarGz(out: string, dir: string, paths: string[]): Promise<void> {
  const r = await new Deno.Command("tar", { args: ["-czf", out, "-C", dir, ...paths], stderr: "piped" }).output();
  if (!r.success) throw new Error(`tar failed: ${new TextDecoder().decode(r.stderr)}`);
}

/** A PNG of `fill(x, y)` → [r, g, b] (pngjs's writer); colour type 0 is grey, 2 RGB, 6 RGBA (default). */
export function pngBytes(
  width: number,
  height: number,
  fill: (x: number, y: number) => number[],
  format: { colorType?: 0 | 2 | 4 | 6; bitDepth?: 8 | 16 } = {},
): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set([...fill(x, y), 255], (y * width + x) * 4);
  }
  return new Uint8Array(PNG.sync.write(png, format));
}

/**
 * A POSIX ustar archive in memory (a second, independent writer of the format tar-stream reads; the
 * system's tar is the first). Entries are files; folders are implied by their paths.
 */
export function ustar(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  const field = (h: Uint8Array, at: number, width: number, text: string) => h.set(enc.encode(text).subarray(0, width), at);
  const octal = (v: number, width: number) => v.toString(8).padStart(width - 1, "0") + "\0";
  for (const e of entries) {
    const h = new Uint8Array(512);
    field(h, 0, 100, e.name);
    field(h, 100, 8, octal(0o644, 8));
    field(h, 108, 8, octal(0, 8));
    field(h, 116, 8, octal(0, 8));
    field(h, 124, 12, octal(e.data.length, 12));
    field(h, 136, 12, octal(1_000_000_000, 12));
    field(h, 148, 8, "        ");
    h[156] = 0x30; // '0': a regular file
    field(h, 257, 6, "ustar\0");
    field(h, 263, 2, "00");
    const sum = h.reduce((a, b) => a + b, 0);
    field(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
    blocks.push(h);
    const body = new Uint8Array(Math.ceil(e.data.length / 512) * 512);
    body.set(e.data);
    blocks.push(body);
  }
  blocks.push(new Uint8Array(1024));
  return concat(blocks);
}
