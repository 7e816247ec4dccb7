/**
 * Seeded mutations of valid files for the loader fuzz: random bytes, truncation, bit flips, extreme
 * byte values, header fields set to extremes, spliced chunks, and for text files line-level edits.
 * Every mutation is a pure function of the generator's state, so (seed, input index) replays an input.
 */
import type { Rng } from "../../../lib/rng.ts";

/** A header field the mutator may set to an extreme value: where it is and how it is stored. */
export interface Field {
  at: number;
  /** Bytes: 1, 2 or 4 (integers), or a fixed-width ASCII field (octal numbers in tar headers). */
  width: number;
  endian?: "big" | "little";
  ascii?: boolean;
}

export interface Mutated {
  kind: string;
  bytes: Uint8Array;
}

const EXTREMES_32 = [0, 1, 2, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 10000, 1e9];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function setField(bytes: Uint8Array, f: Field, rng: Rng): void {
  if (f.at + f.width > bytes.length) return;
  if (f.ascii) {
    const text = pick(rng, ["77777777777", "00000000000", "-1", "99999999999", "", "zzzz", "1e9", String(rng.int(1e6))]);
    const field = new Uint8Array(f.width);
    field.set(new TextEncoder().encode(text).subarray(0, f.width));
    if (rng.next() < 0.2) field[0] = 0x80; // tar's base-256 marker: a binary size follows
    bytes.set(field, f.at);
    return;
  }
  const max = 2 ** (8 * f.width);
  const v = (rng.next() < 0.8 ? pick(rng, EXTREMES_32) : rng.int(max)) % max;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const little = f.endian === "little";
  if (f.width === 1) bytes[f.at] = v;
  else if (f.width === 2) view.setUint16(f.at, v, little);
  else view.setUint32(f.at, v, little);
}

/** One mutation of `valid`, chosen by `rng`; `fields` are the format's header fields. */
export function mutateBytes(valid: Uint8Array, rng: Rng, fields: Field[] = []): Mutated {
  const n = valid.length;
  const kinds = ["random", "truncate", "bitflip", "bytes", "header", "splice", "append", "multi"] as const;
  let kind: string = pick(rng, kinds);
  if (kind === "header" && fields.length === 0) kind = "bitflip";
  switch (kind) {
    case "random": {
      // Half keep a valid prefix, so that the magic passes and the parser goes deeper.
      const keep = rng.next() < 0.5 ? rng.int(Math.min(n, 96) + 1) : 0;
      const out = new Uint8Array(keep + rng.int(2 * n + 1));
      out.set(valid.subarray(0, keep));
      out.set(randomBytes(rng, out.length - keep), keep);
      return { kind, bytes: out };
    }
    case "truncate":
      return { kind, bytes: valid.slice(0, rng.int(n)) };
    case "bitflip": {
      const out = valid.slice();
      const flips = 1 + rng.int(8);
      for (let k = 0; k < flips && n > 0; k++) out[rng.int(n)] ^= 1 << rng.int(8);
      return { kind, bytes: out };
    }
    case "bytes": {
      const out = valid.slice();
      const k = 1 + rng.int(4);
      for (let j = 0; j < k && n > 0; j++) out[rng.int(n)] = pick(rng, [0, 0xff, 0x7f, 0x80, 1, 10, 0x20]);
      return { kind, bytes: out };
    }
    case "header": {
      const out = valid.slice();
      const k = 1 + rng.int(2);
      for (let j = 0; j < k; j++) setField(out, pick(rng, fields), rng);
      return { kind, bytes: out };
    }
    case "splice": {
      // Delete, duplicate or overwrite a chunk.
      const a = rng.int(n + 1);
      const b = Math.min(n, a + 1 + rng.int(Math.max(1, n >> 2)));
      const op = rng.int(3);
      if (op === 0) return { kind: "splice-delete", bytes: concat([valid.subarray(0, a), valid.subarray(b)]) };
      if (op === 1) return { kind: "splice-duplicate", bytes: concat([valid.subarray(0, b), valid.subarray(a)]) };
      const out = valid.slice();
      out.set(randomBytes(rng, b - a), a);
      return { kind: "splice-overwrite", bytes: out };
    }
    case "append":
      return { kind, bytes: concat([valid, rng.next() < 0.5 ? randomBytes(rng, 1 + rng.int(64)) : valid]) };
    default: {
      // Several mutations in a row.
      let m: Mutated = { kind: "multi", bytes: valid };
      for (let k = 0; k < 2 + rng.int(2); k++) m = mutateBytes(m.bytes, rng, fields);
      return { kind: "multi", bytes: m.bytes };
    }
  }
}

const TOKENS = ["-1", "0", "1", "2", "10", "1e9", "NaN", "Infinity", "99999999999", "0x10", "", " ", "\t", "\u0000", "é", "{}", "null"];

/** Line-level edits of a text file (list files, JSON lines), or a byte mutation half of the time. */
export function mutateText(valid: Uint8Array, rng: Rng): Mutated {
  if (rng.next() < 0.4) return mutateBytes(valid, rng);
  const text = new TextDecoder().decode(valid);
  const ls = text.split("\n");
  const i = rng.int(ls.length);
  const op = rng.int(7);
  let kind = "";
  if (op === 0) {
    ls.splice(i, 1);
    kind = "line-delete";
  } else if (op === 1) {
    ls.splice(i, 0, ls[rng.int(ls.length)]);
    kind = "line-duplicate";
  } else if (op === 2) {
    const j = rng.int(ls.length);
    [ls[i], ls[j]] = [ls[j], ls[i]];
    kind = "line-swap";
  } else if (op === 3) {
    // Replace one whitespace- or quote-separated token of a line with an extreme value.
    const parts = ls[i].split(/(\s+|"|,|:)/);
    const t = rng.int(parts.length);
    parts[t] = pick(rng, TOKENS);
    ls[i] = parts.join("");
    kind = "token";
  } else if (op === 4) {
    ls.splice(i, 0, new TextDecoder().decode(randomBytes(rng, rng.int(40))));
    kind = "line-insert";
  } else if (op === 5) {
    ls.length = rng.int(ls.length + 1);
    kind = "lines-cut";
  } else {
    ls[i] = ls[i].slice(0, rng.int(ls[i].length + 1));
    kind = "line-cut";
  }
  return { kind, bytes: new TextEncoder().encode(ls.join("\n")) };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
