/**
 * The loaders under fuzz, each with a tiny valid data set in its real format (held in memory) and a way
 * to mutate one of its files. An input is a whole folder of files with one (sometimes two) of them
 * changed; the loader reads it through a memory FileSource, end to end, as it would read the disk.
 */
import { gzipSync, zlibSync } from "fflate";
import { loadCelebA } from "../../../lib/data/celeba.ts";
import { CIFAR100_COARSE_NAMES, CIFAR100_COARSE_OF_FINE, loadCifar10, loadCifar100 } from "../../../lib/data/cifar.ts";
import { CHECKSUM_FILE, CORPUS_FILE, loadDebianCorpus } from "../../../lib/data/debian_corpus.ts";
import { sha256Hex } from "../../../lib/hash.ts";
import { loadFashionMnist } from "../../../lib/data/fashion_mnist.ts";
import type { FileSource } from "../../../lib/data/files.ts";
import { encodeIdx } from "../../../lib/data/idx.ts";
import { loadImageNet } from "../../../lib/data/imagenet.ts";
import { loadNewsgroups } from "../../../lib/data/newsgroups.ts";
import { loadSvhn } from "../../../lib/data/svhn.ts";
import type { DataBundle } from "../../../lib/data/types.ts";
import { KitError } from "../../../lib/errors.ts";
import type { Rng } from "../../../lib/rng.ts";
import { cifarBin, jpegBytes, matV5, pngBytes, ustar } from "../_formats.ts";
import { concat, type Field, mutateBytes, mutateText } from "./mutate.ts";

export type Files = Map<string, Uint8Array>;

export interface FuzzInput {
  files: Files;
  /** The path that was changed (the first, when two were). */
  mutated: string;
  /** What was done, e.g. "raw/bitflip" (for the counts per kind). */
  kind: string;
}

export interface Target {
  name: string;
  /** The loader under test, in words. */
  loader: string;
  /** Every path of the data set is under it; an error must name a path under it. */
  root: string;
  base(): Promise<Files>;
  mutate(base: Files, rng: Rng): Promise<FuzzInput>;
  load(files: FileSource, input: FuzzInput): Promise<DataBundle>;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

const text = (s: string) => new TextEncoder().encode(s);

/** Header fields of a gzip member: flags, XLEN, and the trailer's CRC-32 and size. */
function gzipFields(n: number): Field[] {
  return [{ at: 3, width: 1 }, { at: 10, width: 2, endian: "little" }, { at: n - 8, width: 4, endian: "little" }, {
    at: n - 4,
    width: 4,
    endian: "little",
  }];
}

/** A copy of `base` with `path` replaced. */
function withFile(base: Files, path: string, bytes: Uint8Array): Files {
  const files = new Map(base);
  files.set(path, bytes);
  return files;
}

// ---------------------------------------------------------------------------------------------------
// IDX: Fashion-MNIST's four gzip IDX files.

const IDX_ROOT = "/fuzz/fashion-mnist";
const idxRaw = new Map<string, Uint8Array>();

export const idxTarget: Target = {
  name: "idx",
  loader: "Fashion-MNIST gzip IDX (lib/data/fashion_mnist.ts, idx.ts)",
  root: IDX_ROOT,
  base() {
    const files: Files = new Map();
    for (const [prefix, n] of [["train", 12], ["t10k", 6]] as const) {
      const images = Uint8Array.from({ length: n * 5 * 5 }, (_, i) => (i * 37 + (i >> 3)) % 256);
      const labels = Uint8Array.from({ length: n }, (_, i) => (i * 3) % 10);
      idxRaw.set(`${IDX_ROOT}/${prefix}-images-idx3-ubyte.gz`, encodeIdx([n, 5, 5], images));
      idxRaw.set(`${IDX_ROOT}/${prefix}-labels-idx1-ubyte.gz`, encodeIdx([n], labels));
    }
    for (const [path, raw] of idxRaw) files.set(path, gzipSync(raw));
    return Promise.resolve(files);
  },
  mutate(base, rng) {
    const path = pick(rng, [...base.keys()]);
    const raw = idxRaw.get(path)!;
    const rank = raw[3];
    const fields: Field[] = [0, 1, 2, 3].map((at) => ({ at, width: 1 }));
    for (let d = 0; d < rank; d++) fields.push({ at: 4 + 4 * d, width: 4, endian: "big" });
    const mode = rng.next();
    if (mode < 0.45) {
      const m = mutateBytes(raw, rng, fields);
      return Promise.resolve({ files: withFile(base, path, m.bytes), mutated: path, kind: `raw/${m.kind}` });
    }
    if (mode < 0.75) {
      const m = mutateBytes(raw, rng, fields);
      return Promise.resolve({ files: withFile(base, path, gzipSync(m.bytes)), mutated: path, kind: `raw+gzip/${m.kind}` });
    }
    const gz = base.get(path)!;
    const m = mutateBytes(gz, rng, gzipFields(gz.length));
    return Promise.resolve({ files: withFile(base, path, m.bytes), mutated: path, kind: `gzip/${m.kind}` });
  },
  load: (files) => loadFashionMnist(IDX_ROOT, { files }),
};

// ---------------------------------------------------------------------------------------------------
// CIFAR binary: CIFAR-10 (five batches, test batch, names) and CIFAR-100 (train, test, two name lists).

const C10_ROOT = "/fuzz/cifar10";
const C100_ROOT = "/fuzz/cifar100";
const CIFAR_ROOT = "/fuzz/cifar";
const C10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
const pixel = (i: number, c: number, p: number) => (i * 7 + c * 50 + p * 3) % 256;

export const cifarTarget: Target = {
  name: "cifar",
  loader: "CIFAR-10 / CIFAR-100 binary (lib/data/cifar.ts), half the inputs each",
  root: CIFAR_ROOT,
  base() {
    const files: Files = new Map();
    for (let b = 1; b <= 5; b++) files.set(`${C10_ROOT}/data_batch_${b}.bin`, cifarBin([[b % 10], [(b + 3) % 10]], pixel));
    files.set(`${C10_ROOT}/test_batch.bin`, cifarBin([[1], [2], [7]], pixel));
    files.set(`${C10_ROOT}/batches.meta.txt`, text(C10_NAMES.join("\n") + "\n\n"));
    const rec = (fine: number) => [CIFAR100_COARSE_OF_FINE[fine], fine];
    files.set(`${C100_ROOT}/train.bin`, cifarBin([4, 30, 55, 99].map(rec), pixel));
    files.set(`${C100_ROOT}/test.bin`, cifarBin([4, 99].map(rec), pixel));
    files.set(`${C100_ROOT}/fine_label_names.txt`, text(Array.from({ length: 100 }, (_, i) => `fine_${i}`).join("\n") + "\n"));
    files.set(`${C100_ROOT}/coarse_label_names.txt`, text(CIFAR100_COARSE_NAMES.join("\n") + "\n"));
    return Promise.resolve(files);
  },
  mutate(base, rng) {
    const root = rng.next() < 0.5 ? C10_ROOT : C100_ROOT;
    const paths = [...base.keys()].filter((p) => p.startsWith(`${root}/`));
    const binary = paths.filter((p) => p.endsWith(".bin"));
    const path = rng.next() < 0.75 ? pick(rng, binary) : pick(rng, paths.filter((p) => p.endsWith(".txt")));
    const bytes = base.get(path)!;
    if (path.endsWith(".txt")) {
      const m = mutateText(bytes, rng);
      return Promise.resolve({
        files: withFile(base, path, m.bytes),
        mutated: path,
        kind: `${root.slice("/fuzz/".length)}/names/${m.kind}`,
      });
    }
    const labelBytes = root === C10_ROOT ? 1 : 2;
    const fields: Field[] = [];
    for (let at = 0; at < bytes.length; at += labelBytes + 3072) {
      for (let k = 0; k < labelBytes; k++) fields.push({ at: at + k, width: 1 });
    }
    let m = mutateBytes(bytes, rng, fields);
    // Also cut exactly at a record boundary, or blank the pixels: the two cases the issue names.
    const r = rng.next();
    if (r < 0.05) m = { kind: "record-boundary", bytes: bytes.slice(0, (labelBytes + 3072) * rng.int(bytes.length / (labelBytes + 3072))) };
    else if (r < 0.08) m = { kind: "all-zero", bytes: new Uint8Array(bytes.length) };
    return Promise.resolve({ files: withFile(base, path, m.bytes), mutated: path, kind: `${root.slice("/fuzz/".length)}/${m.kind}` });
  },
  load: (files, input) =>
    input.mutated.startsWith(C10_ROOT)
      ? loadCifar10(C10_ROOT, { files, counts: "any" })
      : loadCifar100(C100_ROOT, { files, counts: "any" }),
};

// ---------------------------------------------------------------------------------------------------
// SVHN: MATLAB Level 5 files, plain or with miCOMPRESSED elements.

const SVHN_ROOT = "/fuzz/svhn";

function svhnVars(n: number, seed: number) {
  const X = new Uint8Array(3072 * n);
  for (let i = 0; i < X.length; i++) X[i] = (i * 13 + seed * 7 + (i >> 5)) % 256;
  const y = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 3 + seed) % 10));
  return [{ name: "X", dims: [32, 32, 3, n], data: X }, { name: "y", dims: [n, 1], data: y }];
}

/** The top-level elements of a plain MAT file (after the 128-byte header). */
function matElements(plain: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const v = new DataView(plain.buffer, plain.byteOffset);
  for (let at = 128; at < plain.length;) {
    const end = at + 8 + Math.ceil(v.getUint32(at + 4, true) / 8) * 8;
    out.push(plain.slice(at, end));
    at = end;
  }
  return out;
}

/** Tag fields (type, size) of an element and its sub-elements, plus the values of its dimensions. */
function matFields(el: Uint8Array, offset = 0): Field[] {
  const v = new DataView(el.buffer, el.byteOffset);
  const fields: Field[] = [{ at: offset, width: 4, endian: "little" }, { at: offset + 4, width: 4, endian: "little" }];
  let sub = 0;
  for (let at = 8; at + 8 <= el.length; sub++) {
    const first = v.getUint32(at, true);
    fields.push({ at: offset + at, width: 4, endian: "little" });
    if (first >>> 16 !== 0) {
      at += 8;
      continue;
    }
    const size = v.getUint32(at + 4, true);
    fields.push({ at: offset + at + 4, width: 4, endian: "little" });
    if (sub === 0) fields.push({ at: offset + at + 8, width: 1 }); // the class byte of the array flags
    if (sub === 1) { for (let d = 0; d < size / 4; d++) fields.push({ at: offset + at + 8 + 4 * d, width: 4, endian: "little" }); }
    at += 8 + Math.ceil(size / 8) * 8;
  }
  return fields;
}

function compressElement(el: Uint8Array): Uint8Array {
  const z = zlibSync(el);
  const out = new Uint8Array(8 + z.length);
  new DataView(out.buffer).setUint32(0, 15, true);
  new DataView(out.buffer).setUint32(4, z.length, true);
  out.set(z, 8);
  return out;
}

const svhnPlain = new Map<string, Uint8Array>();

export const svhnTarget: Target = {
  name: "svhn",
  loader: "SVHN MATLAB v5 (lib/data/svhn.ts, matv5.ts), plain and miCOMPRESSED",
  root: SVHN_ROOT,
  base() {
    const files: Files = new Map();
    for (const [part, n, compress] of [["train", 3, true], ["test", 2, false]] as const) {
      const path = `${SVHN_ROOT}/${part}_32x32.mat`;
      svhnPlain.set(path, matV5(svhnVars(n, part.length), false));
      files.set(path, matV5(svhnVars(n, part.length), compress));
    }
    return Promise.resolve(files);
  },
  mutate(base, rng) {
    const path = pick(rng, [...base.keys()]);
    const plain = svhnPlain.get(path)!;
    const header = plain.subarray(0, 128);
    const elements = matElements(plain);
    const mode = rng.next();
    if (mode < 0.4) {
      // The plain file, with every tag and dimension a header field.
      let at = 128;
      const fields: Field[] = [{ at: 124, width: 2, endian: "little" }, { at: 126, width: 1 }, { at: 127, width: 1 }];
      for (const el of elements) {
        fields.push(...matFields(el, at));
        at += el.length;
      }
      const m = mutateBytes(plain, rng, fields);
      return Promise.resolve({ files: withFile(base, path, m.bytes), mutated: path, kind: `plain/${m.kind}` });
    }
    if (mode < 0.75) {
      // One element changed, then every element compressed: reaches the parser behind a valid zlib stream.
      const k = rng.int(elements.length);
      const m = mutateBytes(elements[k], rng, matFields(elements[k]));
      const parts = elements.map((el, i) => compressElement(i === k ? m.bytes : el));
      return Promise.resolve({ files: withFile(base, path, concat([header, ...parts])), mutated: path, kind: `element+zlib/${m.kind}` });
    }
    const compressed = concat([header, ...elements.map(compressElement)]);
    const fields: Field[] = [{ at: 128, width: 4, endian: "little" }, { at: 132, width: 4, endian: "little" }, {
      at: 136,
      width: 2,
      endian: "big",
    }];
    const m = mutateBytes(compressed, rng, fields);
    return Promise.resolve({ files: withFile(base, path, m.bytes), mutated: path, kind: `zlib/${m.kind}` });
  },
  load: (files) => loadSvhn(SVHN_ROOT, { files }),
};

// ---------------------------------------------------------------------------------------------------
// 20 Newsgroups: 20news-bydate.tar.gz.

const NEWS_ROOT = "/fuzz/20newsgroups";
const NEWS_FILE = `${NEWS_ROOT}/20news-bydate.tar.gz`;
const POSTS: Record<string, string[]> = {
  "alt.atheism": [
    "From: amy@x.edu (Amy)\nSubject: god\n\nno god here, said the post",
    "From: bob@y.org\nSubject: re: god\n\ngod again and again",
    "From: dan@w.net\n\nan argument about nothing",
  ],
  "sci.space": [
    "From: Amy <AMY@x.edu>\nSubject: moon\n\nthe moon orbit is long",
    "From: cat@z.com\n\nrocket orbit moon launch",
    "Subject: no sender\n\nthe shuttle flies",
  ],
};
let newsEntries: { name: string; data: Uint8Array }[] = [];

function newsTar(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  return ustar(entries);
}

export const newsgroupsTarget: Target = {
  name: "newsgroups",
  loader: "20 Newsgroups tar.gz (lib/data/newsgroups.ts: fflate + tar-stream, tokenizer.ts)",
  root: NEWS_ROOT,
  base() {
    newsEntries = [];
    for (const split of ["train", "test"]) {
      for (const [g, posts] of Object.entries(POSTS)) {
        const keep = split === "train" ? posts : posts.slice(0, 2);
        keep.forEach((p, k) =>
          newsEntries.push({ name: `20news-bydate-${split}/${g}/${(split === "train" ? 5000 : 9000) + k}`, data: text(p) })
        );
      }
    }
    return Promise.resolve(new Map([[NEWS_FILE, gzipSync(newsTar(newsEntries))]]));
  },
  mutate(base, rng) {
    const mode = rng.next();
    const tar = newsTar(newsEntries);
    if (mode < 0.6) {
      const fields: Field[] = [];
      for (let at = 0, e = 0; e < newsEntries.length; e++) {
        fields.push({ at, width: 100, ascii: true }, { at: at + 124, width: 12, ascii: true }, { at: at + 148, width: 8, ascii: true }, {
          at: at + 156,
          width: 1,
        });
        at += 512 + Math.ceil(newsEntries[e].data.length / 512) * 512;
      }
      const m = mutateBytes(tar, rng, fields);
      return Promise.resolve({ files: new Map([[NEWS_FILE, gzipSync(m.bytes)]]), mutated: NEWS_FILE, kind: `tar+gzip/${m.kind}` });
    }
    if (mode < 0.8) {
      // One post's text edited: odd headers, empty posts, very long lines.
      const k = rng.int(newsEntries.length);
      const m = rng.next() < 0.2
        ? { kind: "long-line", bytes: text("From: " + "x".repeat(rng.int(20000))) }
        : mutateText(newsEntries[k].data, rng);
      const entries = newsEntries.map((e, i) => (i === k ? { name: e.name, data: m.bytes } : e));
      return Promise.resolve({ files: new Map([[NEWS_FILE, gzipSync(newsTar(entries))]]), mutated: NEWS_FILE, kind: `post/${m.kind}` });
    }
    const gz = base.get(NEWS_FILE)!;
    const m = mutateBytes(gz, rng, gzipFields(gz.length));
    return Promise.resolve({ files: new Map([[NEWS_FILE, m.bytes]]), mutated: NEWS_FILE, kind: `gzip/${m.kind}` });
  },
  load: (files) => loadNewsgroups(NEWS_ROOT, { files, seqLen: 16, minCount: 1, maxVocab: 200 }),
};

// ---------------------------------------------------------------------------------------------------
// Image folders: CelebA and ImageNet, JPEG (jpeg-js) and PNG (pngjs).

/** Length fields of a JPEG's segments, and the frame's precision, size and component fields. */
function jpegFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  for (let at = 2; at + 4 <= b.length && b[at] === 0xff;) {
    const marker = b[at + 1];
    fields.push({ at: at + 2, width: 2, endian: "big" });
    if (marker >= 0xc0 && marker <= 0xc2) {
      fields.push({ at: at + 4, width: 1 }, { at: at + 5, width: 2, endian: "big" }, { at: at + 7, width: 2, endian: "big" }, {
        at: at + 9,
        width: 1,
      }, { at: at + 11, width: 1 });
    }
    if (marker === 0xda) {
      fields.push({ at: at + 4, width: 1 });
      break;
    }
    at += 2 + ((b[at + 2] << 8) | b[at + 3]);
  }
  return fields;
}

/** IHDR's fields and every chunk's length. */
function pngFields(b: Uint8Array): Field[] {
  const fields: Field[] = [16, 20].map((at) => ({ at, width: 4, endian: "big" as const }));
  for (let at = 24; at <= 28; at++) fields.push({ at, width: 1 });
  const v = new DataView(b.buffer, b.byteOffset);
  for (let at = 8; at + 8 <= b.length; at += 12 + v.getUint32(at)) fields.push({ at, width: 4, endian: "big" });
  return fields;
}

function mutateImage(bytes: Uint8Array, rng: Rng) {
  const isPng = bytes[0] === 0x89;
  return mutateBytes(bytes, rng, isPng ? pngFields(bytes) : jpegFields(bytes));
}

const CELEBA_ROOT = "/fuzz/celeba";

export const celebaTarget: Target = {
  name: "celeba",
  loader: "CelebA folder: JPEG/PNG images + three list files (lib/data/celeba.ts, image.ts)",
  root: CELEBA_ROOT,
  base() {
    const files: Files = new Map();
    const names = Array.from({ length: 8 }, (_, i) => `${String(i + 1).padStart(6, "0")}.jpg`);
    const attrs = names.map((n, i) => `${n} -1  ${i % 2 === 0 ? " 1" : "-1"}  1`);
    files.set(`${CELEBA_ROOT}/list_attr_celeba.txt`, text(`8\n5_o_Clock_Shadow Smiling Young\n${attrs.join("\n")}\n`));
    files.set(`${CELEBA_ROOT}/identity_CelebA.txt`, text(names.map((n, i) => `${n} ${100 + (i % 4)}`).join("\n")));
    files.set(`${CELEBA_ROOT}/list_eval_partition.txt`, text(names.map((n, i) => `${n} ${i < 5 ? 0 : i === 5 ? 1 : 2}`).join("\n")));
    for (const [i, n] of names.entries()) {
      const fill = (x: number, y: number) => [i * 30, x * 20, y * 15];
      files.set(`${CELEBA_ROOT}/img_align_celeba/${n}`, i % 4 === 3 ? pngBytes(9, 11, fill) : jpegBytes(12, 14, fill));
    }
    return Promise.resolve(files);
  },
  mutate(base, rng) {
    const paths = [...base.keys()];
    const path = rng.next() < 0.55
      ? pick(rng, paths.filter((p) => p.includes("/img_align_celeba/")))
      : pick(rng, paths.filter((p) => p.endsWith(".txt")));
    const bytes = base.get(path)!;
    const m = path.endsWith(".txt") ? mutateText(bytes, rng) : mutateImage(bytes, rng);
    const where = path.endsWith(".txt") ? "list" : bytes[0] === 0x89 ? "png" : "jpeg";
    return Promise.resolve({ files: withFile(base, path, m.bytes), mutated: path, kind: `${where}/${m.kind}` });
  },
  load: (files) => loadCelebA(CELEBA_ROOT, { files, size: 4 }),
};

const IMAGENET_ROOT = "/fuzz/imagenet";
const WNIDS = ["n01440764", "n01443537"];

export const imagenetTarget: Target = {
  name: "imagenet",
  loader: "ImageNet folder per class: JPEG/PNG (lib/data/imagenet.ts, image.ts)",
  root: IMAGENET_ROOT,
  base() {
    const files: Files = new Map();
    for (const [c, wnid] of WNIDS.entries()) {
      const fill = (k: number) => (x: number, y: number) => [c * 120 + k * 10, x * 9, y * 11];
      files.set(`${IMAGENET_ROOT}/train/${wnid}/${wnid}_0.JPEG`, jpegBytes(16, 10, fill(0)));
      // RGBA 8-bit for one class, grey 16-bit for the other: two of pngjs's decoding paths.
      const format = c === 0 ? {} : { colorType: 0 as const, bitDepth: 16 as const };
      files.set(`${IMAGENET_ROOT}/train/${wnid}/${wnid}_1.png`, pngBytes(7, 7, fill(1), format));
      files.set(`${IMAGENET_ROOT}/val/${wnid}/val_${c}.JPEG`, jpegBytes(10, 16, fill(2)));
    }
    return Promise.resolve(files);
  },
  mutate(base, rng) {
    const paths = [...base.keys()];
    if (rng.next() < 0.75) {
      const path = pick(rng, paths);
      const m = mutateImage(base.get(path)!, rng);
      return Promise.resolve({
        files: withFile(base, path, m.bytes),
        mutated: path,
        kind: `${base.get(path)![0] === 0x89 ? "png" : "jpeg"}/${m.kind}`,
      });
    }
    // The layout: files removed, renamed, moved, or added.
    const files = new Map(base);
    const path = pick(rng, paths);
    const op = rng.int(5);
    const kinds = ["remove", "rename", "move", "extra-class", "not-an-image"];
    if (op === 0) files.delete(path);
    else if (op === 1) {
      files.delete(path);
      files.set(path.replace(/\.\w+$/, pick(rng, [".txt", ".JPEG", ".png", ".jpg", ""])), base.get(path)!);
    } else if (op === 2) {
      files.delete(path);
      files.set(path.replace(/n0\d+/, pick(rng, [...WNIDS, "n09999999"])), base.get(path)!);
    } else if (op === 3) files.set(`${IMAGENET_ROOT}/${pick(rng, ["train", "val"])}/n0${rng.int(1e7)}/x.JPEG`, base.get(path)!);
    else files.set(path.replace(/\.\w+$/, ".jpg"), text("not an image"));
    return Promise.resolve({ files, mutated: path, kind: `layout/${kinds[op]}` });
  },
  load: (files) => loadImageNet(IMAGENET_ROOT, { files, size: 4 }),
};

// ---------------------------------------------------------------------------------------------------
// The Debian corpus: corpus.jsonl.gz and its sha256.

const DEBIAN_ROOT = "/fuzz/debian-corpus";
const SECTIONS = ["games", "python", "net"];
let corpusJsonl = new Uint8Array();

export const debianTarget: Target = {
  name: "debian",
  loader: "Debian text corpus: JSON lines, gzip, sha256 (lib/data/debian_corpus.ts, tokenizer.ts)",
  root: DEBIAN_ROOT,
  async base() {
    const docs = Array.from({ length: 16 }, (_, i) => ({
      package: `pkg${i}`,
      section: SECTIONS[i % 3],
      maintainer: `Person ${i % 5} <p${i % 5}@debian.org>`,
      text: `package ${i} does ${SECTIONS[i % 3]} things with ${["files", "sockets", "sprites"][i % 3]} quickly`,
      split: i % 4 === 3 ? "test" : "train",
    }));
    corpusJsonl = text(docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
    const gz = gzipSync(corpusJsonl);
    return new Map([[`${DEBIAN_ROOT}/${CORPUS_FILE}`, gz], [
      `${DEBIAN_ROOT}/${CHECKSUM_FILE}`,
      text(`${await sha256Hex(gz)}  ${CORPUS_FILE}\n`),
    ]]);
  },
  async mutate(base, rng) {
    const gzPath = `${DEBIAN_ROOT}/${CORPUS_FILE}`;
    const sumPath = `${DEBIAN_ROOT}/${CHECKSUM_FILE}`;
    const mode = rng.next();
    const signed = async (gz: Uint8Array) => new Map([[gzPath, gz], [sumPath, text(`${await sha256Hex(gz)}  ${CORPUS_FILE}\n`)]]);
    if (mode < 0.6) {
      const m = mutateText(corpusJsonl, rng);
      return { files: await signed(gzipSync(m.bytes)), mutated: gzPath, kind: `jsonl/${m.kind}` };
    }
    const gz = base.get(gzPath)!;
    if (mode < 0.8) {
      const m = mutateBytes(gz, rng, gzipFields(gz.length));
      return { files: await signed(m.bytes), mutated: gzPath, kind: `gzip-resigned/${m.kind}` };
    }
    if (mode < 0.9) {
      const m = mutateBytes(gz, rng, gzipFields(gz.length));
      return { files: withFile(base, gzPath, m.bytes), mutated: gzPath, kind: `gzip/${m.kind}` };
    }
    const m = mutateText(base.get(sumPath)!, rng);
    return { files: withFile(base, sumPath, m.bytes), mutated: sumPath, kind: `sha256/${m.kind}` };
  },
  load: (files) => loadDebianCorpus(DEBIAN_ROOT, { seqLen: 16, minCount: 1, maxVocab: 200 }, { files }),
};

export const TARGETS: Target[] = [idxTarget, cifarTarget, svhnTarget, newsgroupsTarget, celebaTarget, imagenetTarget, debianTarget];

/**
 * Targets that misbehave on purpose, to check the harness itself: "selftest-bugs" answers input i with
 * valid data, a KitError naming the file, one naming none, a TypeError, or invalid data (i mod 5);
 * "selftest-hang" never returns from input 3.
 */
export const SELF_TESTS: Target[] = [
  {
    name: "selftest-bugs",
    loader: "harness self-test",
    root: IDX_ROOT,
    base: () => idxTarget.base(),
    mutate: (base) => Promise.resolve({ files: base, mutated: `${IDX_ROOT}/x`, kind: "none" }),
    async load(files) {
      const b = await loadFashionMnist(IDX_ROOT, { files });
      const k = selfTestCounter++ % 5;
      if (k === 1) throw new KitError("refused", `${IDX_ROOT}/x`);
      if (k === 2) throw new KitError("names nothing");
      if (k === 3) throw new TypeError("deep inside");
      if (k === 4) return { ...b, test: { ...b.test, y: b.test.y.map(() => 99) } };
      return b;
    },
  },
  {
    name: "selftest-hang",
    loader: "harness self-test",
    root: IDX_ROOT,
    base: () => idxTarget.base(),
    mutate: (base) => Promise.resolve({ files: base, mutated: `${IDX_ROOT}/x`, kind: "none" }),
    load(files) {
      if (selfTestCounter++ === 3) { for (;;) { /* a hang */ } }
      return loadFashionMnist(IDX_ROOT, { files });
    },
  },
];
let selfTestCounter = 0;

export function target(name: string): Target {
  const t = [...TARGETS, ...SELF_TESTS].find((t) => t.name === name);
  if (!t) throw new Error(`no fuzz target "${name}" (${TARGETS.map((t) => t.name).join(", ")})`);
  return t;
}
