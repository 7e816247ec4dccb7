/**
 * A lowercase word-level tokenizer for the text data sets (20 Newsgroups, the Debian corpus).
 *
 * The vocabulary is fitted on the TRAIN split only, so test words the model never saw map to [UNK], as
 * they would for a deployed model. Ids: [PAD] = 0, [UNK] = 1, [CLS] = 2, then words by descending
 * training count (ties by the word itself, so the vocabulary is the same on every machine). Every text
 * becomes exactly `seqLen` ids: [CLS] first (the encoder pools on it), then words, truncated or padded
 * with [PAD].
 */
import { KitError } from "../errors.ts";
import { checkSplit, checkTokens } from "./checks.ts";
import type { DataBundle, Dataset } from "./types.ts";

export const PAD = 0;
export const UNK = 1;
export const CLS = 2;
const SPECIAL = ["[PAD]", "[UNK]", "[CLS]"];

export interface TokenizerOptions {
  /** Words seen fewer times than this in the training texts map to [UNK]. */
  minCount: number;
  /** Vocabulary size including the three special tokens. */
  maxVocab: number;
  /** Ids per text, [CLS] included. */
  seqLen: number;
}

/** The longest token sequence accepted (a guard against a typo allocating gigabytes). */
export const MAX_SEQ_LEN = 65536;

export const DEFAULT_TOKENIZER: TokenizerOptions = { minCount: 2, maxVocab: 10000, seqLen: 128 };

/** Lowercase runs of letters and digits (any script); punctuation separates words. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class Tokenizer {
  readonly vocab: string[];
  readonly seqLen: number;
  readonly #index: Map<string, number>;

  constructor(vocab: string[], seqLen: number) {
    if (vocab.slice(0, 3).join() !== SPECIAL.join()) throw new KitError(`vocab must start with ${SPECIAL}`, "tokenizer");
    if (!(Number.isInteger(seqLen) && seqLen >= 2 && seqLen <= MAX_SEQ_LEN)) {
      throw new KitError(`seqLen ${seqLen} is not a whole number in [2, ${MAX_SEQ_LEN}] ([CLS] and at least one word)`, "tokenizer");
    }
    this.vocab = vocab;
    this.seqLen = seqLen;
    this.#index = new Map(vocab.map((w, i) => [w, i]));
  }

  /** Fits the vocabulary on training texts only. */
  static fit(trainTexts: Iterable<string>, options: Partial<TokenizerOptions> = {}): Tokenizer {
    const o = { ...DEFAULT_TOKENIZER, ...options };
    if (!(Number.isInteger(o.maxVocab) && o.maxVocab > SPECIAL.length)) {
      throw new KitError(`maxVocab ${o.maxVocab} is not a whole number above ${SPECIAL.length}: no room for words`, "tokenizer");
    }
    if (!(Number.isInteger(o.minCount) && o.minCount >= 0)) {
      throw new KitError(`minCount ${o.minCount} is not a whole number ≥ 0`, "tokenizer");
    }
    const counts = new Map<string, number>();
    for (const text of trainTexts) for (const w of words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const kept = [...counts].filter(([, c]) => c >= o.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, o.maxVocab - SPECIAL.length)
      .map(([w]) => w);
    return new Tokenizer([...SPECIAL, ...kept], o.seqLen);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Writes the ids of `text` into `out` (length seqLen). */
  encodeInto(text: string, out: Int32Array): void {
    out.fill(PAD);
    out[0] = CLS;
    let n = 1;
    for (const w of words(text)) {
      if (n >= this.seqLen) break;
      out[n++] = this.#index.get(w) ?? UNK;
    }
  }

  encode(text: string): Int32Array {
    const out = new Int32Array(this.seqLen);
    this.encodeInto(text, out);
    return out;
  }

  /** All texts, concatenated: `texts.length * seqLen` ids, the layout `Dataset.x` wants. */
  encodeAll(texts: string[]): Int32Array {
    const out = new Int32Array(texts.length * this.seqLen);
    texts.forEach((t, i) => this.encodeInto(t, out.subarray(i * this.seqLen, (i + 1) * this.seqLen)));
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    return Array.from(ids).filter((i) => i !== PAD).map((i) => this.vocab[i] ?? SPECIAL[UNK]).join(" ");
  }

  toJSON(): { vocab: string[]; seqLen: number } {
    return { vocab: this.vocab, seqLen: this.seqLen };
  }

  static fromJSON(j: { vocab: string[]; seqLen: number }): Tokenizer {
    return new Tokenizer(j.vocab, j.seqLen);
  }
}

/** A text data set's splits plus the tokenizer that made them (a model's vocabSize comes from it). */
export interface TextBundle extends DataBundle {
  tokenizer: Tokenizer;
}

export interface TextSplit {
  texts: string[];
  labels: number[];
  identity?: number[];
}

/**
 * Turns raw train/test texts into token Datasets with a tokenizer fitted on `train` only.
 * Returns the tokenizer too: a model's vocabSize is `tokenizer.vocabSize`.
 */
export function tokenizeSplits(
  name: string,
  train: TextSplit,
  test: TextSplit,
  classNames: string[],
  options: Partial<TokenizerOptions> = {},
  identityNames?: string[],
): { train: Dataset; test: Dataset; tokenizer: Tokenizer } {
  const tokenizer = Tokenizer.fit(train.texts, options);
  const make = (split: TextSplit, part: string): Dataset => ({
    name: `${name}/${part}`,
    x: tokenizer.encodeAll(split.texts),
    y: Int32Array.from(split.labels),
    sampleShape: [tokenizer.seqLen],
    numClasses: classNames.length,
    classNames,
    ...(split.identity ? { identity: Int32Array.from(split.identity), identityNames } : {}),
  });
  return { train: make(train, "train"), test: make(test, "test"), tokenizer };
}

/** The checks of ./checks.ts on a text data set's two splits (file = where they were read from). */
export function checkTextSplits(train: Dataset, test: Dataset, tokenizer: Tokenizer, file: string): string[] {
  return ([[train, "train"], [test, "test"]] as const).flatMap(([ds, role]) => [
    ...checkSplit(ds, file, role),
    ...checkTokens(ds, file, tokenizer.vocabSize, PAD, CLS),
  ]);
}
