/**
 * Image decoding and resizing for the folder-of-images data sets (CelebA, ImageNet). Decoding uses the
 * well-kept pure-JS codecs jpeg-js and pngjs (no native code is installable here); resizing is an area
 * (box) filter written here, which is what downscaling photographs needs to avoid aliasing.
 */
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Buffer } from "node:buffer";
import { KitError } from "../errors.ts";
import { messageOf } from "./files.ts";

export interface Rgba {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  data: Uint8Array;
}

/**
 * The largest image decoded, in pixels (2^26, e.g. 8192×8192: 256 MiB as RGBA). ImageNet's and CelebA's
 * photographs are far smaller; a header claiming more is a corrupt file, refused before decoding.
 */
export const MAX_IMAGE_PIXELS = 2 ** 26;

/** Width and height from a PNG's IHDR (the first chunk), or undefined if it is not there. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 24);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Decodes a JPEG or PNG (chosen by its magic bytes); errors are KitErrors naming the file. */
export function decodeImage(bytes: Uint8Array, file: string, maxPixels = MAX_IMAGE_PIXELS): Rgba {
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  if (!isJpeg && !isPng) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new KitError(`bad magic: not a JPEG or PNG image (starts with ${head || "nothing"})`, file);
  }
  const kind = isJpeg ? "JPEG" : "PNG";
  const tooBig = (w: number, h: number) =>
    new KitError(`corrupt ${kind}: the header declares ${w}×${h} pixels, more than the ${maxPixels}-pixel limit`, file);
  const size = isPng ? pngSize(bytes) : undefined;
  if (size && size.width * size.height > maxPixels) throw tooBig(size.width, size.height);
  let img: Rgba;
  try {
    if (isJpeg) {
      // jpeg-js checks the frame header against maxResolutionInMP before it allocates.
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: 1024 });
      img = { width: j.width, height: j.height, data: j.data };
    } else {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      img = { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
  } catch (e) {
    throw new KitError(`corrupt or truncated ${kind} (${messageOf(e)})`, file);
  }
  if (!(img.width > 0 && img.height > 0)) throw new KitError(`corrupt ${kind}: the image is ${img.width}×${img.height} pixels`, file);
  if (img.width * img.height > maxPixels) throw tooBig(img.width, img.height);
  if (img.data.length !== img.width * img.height * 4) {
    throw new KitError(`corrupt ${kind}: ${img.data.length} bytes of pixels for ${img.width}×${img.height}`, file);
  }
  return img;
}

/** Checks the options a caller can pass (they size every allocation). */
export function checkImageOptions(o: { size: number }, limits: Record<string, number>, where: string): void {
  if (!(Number.isInteger(o.size) && o.size >= 1 && o.size <= 1024)) {
    throw new KitError(`size ${o.size} is not an integer in [1, 1024] pixels`, where);
  }
  for (const [name, v] of Object.entries(limits)) {
    if (!(Number.isInteger(v) && v >= 0)) throw new KitError(`${name} ${v} is not a whole number ≥ 0 (0 = all)`, where);
  }
}

/**
 * Box-filter weights mapping `inSize` source pixels starting at `offset` onto `outSize` pixels: output
 * pixel o averages source span [o·s, (o+1)·s) with s = inSize/outSize, partial pixels weighted by
 * overlap. Upscaling degenerates to nearest-neighbour-like sampling, which is fine for the rare tiny
 * image.
 */
function boxWeights(inSize: number, outSize: number, offset: number): { start: number; w: number[] }[] {
  const s = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const a = o * s;
    const b = (o + 1) * s;
    const start = Math.floor(a);
    const w: number[] = [];
    for (let p = start; p < Math.min(Math.ceil(b), inSize); p++) w.push(Math.min(b, p + 1) - Math.max(a, p));
    const total = w.reduce((x, y) => x + y, 0);
    return { start: start + offset, w: w.map((v) => v / total) };
  });
}

/**
 * Resizes to `size`×`size` RGB floats in [0, 1], row-major HWC. With `centerCrop` the largest central
 * square is taken first (keeps aspect ratio); without it the image is squashed.
 */
export function resizeToSquare(img: Rgba, size: number, centerCrop = true): Float32Array {
  let { width: w, height: h } = img;
  let x0 = 0;
  let y0 = 0;
  if (centerCrop) {
    const side = Math.min(w, h);
    x0 = Math.floor((w - side) / 2);
    y0 = Math.floor((h - side) / 2);
    w = h = side;
  }
  const cols = boxWeights(w, size, x0);
  const rows = boxWeights(h, size, y0);
  // Separable: first along x for every source row used, then along y.
  const tmp = new Float32Array(img.height * size * 3);
  for (let y = y0; y < y0 + h; y++) {
    for (let o = 0; o < size; o++) {
      const { start, w: ws } = cols[o];
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < ws.length; k++) {
        const p = (y * img.width + start + k) * 4;
        r += ws[k] * img.data[p];
        g += ws[k] * img.data[p + 1];
        b += ws[k] * img.data[p + 2];
      }
      const t = (y * size + o) * 3;
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
    }
  }
  const out = new Float32Array(size * size * 3);
  for (let o = 0; o < size; o++) {
    const { start, w: ws } = rows[o];
    for (let x = 0; x < size * 3; x++) {
      let v = 0;
      for (let k = 0; k < ws.length; k++) v += ws[k] * tmp[(start + k) * size * 3 + x];
      out[o * size * 3 + x] = v / 255;
    }
  }
  return out;
}
