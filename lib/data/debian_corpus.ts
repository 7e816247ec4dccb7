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
import { fileURLToPath } from "node:url";
import { KitError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import { gunzip } from "./compressed.ts";
import { DISK, type LoadOptions, messageOf } from "./files.ts";
import { checkTextSplits, type TextBundle, type TokenizerOptions, tokenizeSplits } from "./tokenizer.ts";

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

const REBUILD = "rebuild with: deno run -A scripts/build_debian_corpus.ts";

/** The documents of a corpus.jsonl.gz (already checksummed): one JSON object a line. */
export function parseCorpus(bytes: Uint8Array, file: string, maxBytes?: number): CorpusDoc[] {
  const text = new TextDecoder().decode(gunzip(bytes, file, maxBytes));
  const docs: CorpusDoc[] = [];
  const rows = text.split("\n");
  for (const [i, line] of rows.entries()) {
    if (line.length === 0) continue;
    let d: Partial<CorpusDoc> | null;
    try {
      d = JSON.parse(line);
    } catch (e) {
      throw new KitError(`line ${i + 1} is not JSON (${messageOf(e)})`, file);
    }
    if (
      typeof d !== "object" || d === null || typeof d.text !== "string" || typeof d.section !== "string" ||
      typeof d.maintainer !== "string" || (d.split !== "train" && d.split !== "test")
    ) {
      throw new KitError(`line ${i + 1} is not a corpus document (package, section, maintainer, text, split)`, file);
    }
    docs.push(d as CorpusDoc);
  }
  if (docs.length === 0) throw new KitError(`empty: no documents`, file);
  return docs;
}

/** Reads and checks the saved corpus: checksum, then one well-formed document per line. */
export async function readCorpus(dir = DEBIAN_CORPUS_DIR, options: LoadOptions = {}): Promise<CorpusDoc[]> {
  const files = options.files ?? DISK;
  const file = `${dir}/${CORPUS_FILE}`;
  const sumFile = `${dir}/${CHECKSUM_FILE}`;
  const bytes = await files.read(file, REBUILD);
  const expected = new TextDecoder().decode(await files.read(sumFile, REBUILD)).trim().split(/\s+/)[0];
  const actual = await sha256Hex(bytes);
  if (actual !== expected) throw new KitError(`checksum mismatch: sha256 ${actual}, ${sumFile} says ${expected}`, file);
  return parseCorpus(bytes, file, options.maxBytes);
}

/**
 * Loads the corpus as token datasets. Classes are the sections in alphabetical order; identities are
 * the maintainers in alphabetical order (ids shared by train and test).
 */
export async function loadDebianCorpus(
  dir = DEBIAN_CORPUS_DIR,
  tokenizer: Partial<TokenizerOptions> = {},
  options: LoadOptions = {},
): Promise<TextBundle> {
  const docs = await readCorpus(dir, options);
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
  const warnings = checkTextSplits(train, test, tok, `${dir}/${CORPUS_FILE}`);
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
    warnings,
  };
}
