/**
 * The Debian package-description corpus: real, local English text with topic labels and author
 * identities, built by `scripts/build_debian_corpus.ts` from Debian's package lists and saved in
 * data/debian-corpus/ (README.md there says how and gives the counts).
 *
 * text = a package's description (synopsis, then the long description), label = its Section,
 * identity = its Maintainer, the analogue of a CelebA person for identity forgetting. The loader checks
 * the file's sha256 against the committed checksum, so every run reads the same corpus, and tokenizes
 * with a vocabulary fitted on the train split only.
 */
import { gunzipSync } from "fflate";
import { fileURLToPath } from "node:url";
import { type TextBundle, type TokenizerOptions, tokenizeSplits } from "./tokenizer.ts";
import { validateDataset } from "./types.ts";

export const DEBIAN_CORPUS_DIR = fileURLToPath(new URL("../../data/debian-corpus", import.meta.url));
export const CORPUS_FILE = "corpus.jsonl.gz";
export const CHECKSUM_FILE = "corpus.jsonl.gz.sha256";

/** One line of corpus.jsonl. */
export interface CorpusDoc {
  package: string;
  section: string;
  maintainer: string;
  text: string;
  split: "train" | "test";
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readOrExplain(file: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${file}: file not found (rebuild with: deno run -A scripts/build_debian_corpus.ts)`);
    }
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
}

/** Reads and checks the saved corpus: checksum, then one well-formed document per line. */
export async function readCorpus(dir = DEBIAN_CORPUS_DIR): Promise<CorpusDoc[]> {
  const file = `${dir}/${CORPUS_FILE}`;
  const sumFile = `${dir}/${CHECKSUM_FILE}`;
  const bytes = await readOrExplain(file);
  const expected = new TextDecoder().decode(await readOrExplain(sumFile)).trim().split(/\s+/)[0];
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new Error(`${file}: checksum mismatch: sha256 ${actual}, ${sumFile} says ${expected}`);
  }
  let text: string;
  try {
    text = new TextDecoder().decode(gunzipSync(bytes));
  } catch (e) {
    throw new Error(`${file}: gzip stream is corrupt or truncated (${(e as Error).message})`);
  }
  return text.split("\n").filter((l) => l.length > 0).map((line, i) => {
    const d = JSON.parse(line) as CorpusDoc;
    if (
      typeof d.text !== "string" || typeof d.section !== "string" || typeof d.maintainer !== "string" ||
      (d.split !== "train" && d.split !== "test")
    ) {
      throw new Error(`${file}: line ${i + 1} is not a corpus document (package, section, maintainer, text, split)`);
    }
    return d;
  });
}

/**
 * Loads the corpus as token datasets. Classes are the sections in alphabetical order; identities are
 * the maintainers in alphabetical order (ids shared by train and test).
 */
export async function loadDebianCorpus(
  dir = DEBIAN_CORPUS_DIR,
  tokenizer: Partial<TokenizerOptions> = {},
): Promise<TextBundle> {
  const docs = await readCorpus(dir);
  const classNames = [...new Set(docs.map((d) => d.section))].sort();
  const identityNames = [...new Set(docs.map((d) => d.maintainer))].sort();
  const classOf = new Map(classNames.map((c, i) => [c, i]));
  const idOf = new Map(identityNames.map((m, i) => [m, i]));
  const part = (split: CorpusDoc["split"]) => {
    const ds = docs.filter((d) => d.split === split);
    return {
      texts: ds.map((d) => d.text),
      labels: ds.map((d) => classOf.get(d.section)!),
      identity: ds.map((d) => idOf.get(d.maintainer)!),
    };
  };
  const { train, test, tokenizer: tok } = tokenizeSplits(
    "debian-corpus",
    part("train"),
    part("test"),
    classNames,
    tokenizer,
    identityNames,
  );
  validateDataset(train);
  validateDataset(test);
  return {
    name: "debian-corpus",
    train,
    test,
    tokenizer: tok,
    source: {
      files: [`${dir}/${CORPUS_FILE}`],
      note: `${docs.length} descriptions, ${classNames.length} sections, ${identityNames.length} maintainers; ` +
        `vocabulary ${tok.vocabSize} fitted on train, seqLen ${tok.seqLen}`,
    },
  };
}
