/**
 * 20 Newsgroups, "bydate" version (Lang 1995; Rennie's date split): 18,846 posts in 20 groups, 60%
 * train / 40% test by date, duplicates and most headers already removed. Read straight from
 * 20news-bydate.tar.gz (entries 20news-bydate-train/<group>/<id> and 20news-bydate-test/<group>/<id>):
 * gunzip with fflate, tar with tar-stream. Classes are the groups in sorted order. Each post's From
 * address is its identity, the text analogue of a CelebA person. Tokens come from ./tokenizer.ts with
 * the vocabulary fitted on the train split.
 */
import { Buffer } from "node:buffer";
import { extract } from "tar-stream";
import { KitError } from "../errors.ts";
import { gunzip } from "./compressed.ts";
import { defaultDir, DISK, type LoadOptions, messageOf } from "./files.ts";
import { checkTextSplits, type TextBundle, type TokenizerOptions, tokenizeSplits } from "./tokenizer.ts";

export const NEWSGROUPS_INSTALL = "put 20news-bydate.tar.gz in data/raw/20newsgroups/, or set NEWSGROUPS_DIR";
export const NEWSGROUPS_FILE = "20news-bydate.tar.gz";

export interface NewsgroupsOptions extends TokenizerOptions {
  /** Drop the header block (From, Subject, Organization, Lines…) and keep only the body. */
  removeHeaders: boolean;
}

export const DEFAULT_NEWSGROUPS: NewsgroupsOptions = {
  minCount: 2,
  maxVocab: 20000,
  seqLen: 256,
  removeHeaders: false,
};

export interface Post {
  split: "train" | "test";
  group: string;
  id: string;
  text: string;
}

/** Every post in a gzip'd bydate tarball, in archive order. */
export async function readNewsgroupsTar(gz: Uint8Array, file: string, maxBytes?: number): Promise<Post[]> {
  const tar = gunzip(gz, file, maxBytes);
  const entries: { name: string; type: string | null | undefined; bytes: Uint8Array }[] = [];
  const ex = extract();
  ex.end(Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength));
  // Only tar-stream's reading is inside the try: an error there is the archive's, anything after is ours.
  try {
    for await (const entry of ex) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) chunks.push(chunk as Uint8Array);
      entries.push({ name: entry.header.name, type: entry.header.type, bytes: Buffer.concat(chunks) });
    }
  } catch (e) {
    throw new KitError(`corrupt or truncated tar archive (${messageOf(e)})`, file);
  }
  const latin1 = new TextDecoder("latin1");
  const posts: Post[] = [];
  for (const { name, type, bytes } of entries) {
    const m = name.match(/^(?:\.\/)?20news-bydate-(train|test)\/([^/]+)\/([^/]+)$/);
    if (type !== "file" || !m) continue;
    posts.push({ split: m[1] as Post["split"], group: m[2], id: m[3], text: latin1.decode(bytes) });
  }
  return posts;
}

/** The sender from a post's From header, lowercased ("" when absent). */
export function sender(text: string): string {
  const m = text.match(/^From:[ \t]*(.*)$/im);
  if (!m) return "";
  // Bounded: the address pattern backtracks quadratically on a long line without "@".
  const line = m[1].slice(0, 512);
  const addr = line.match(/[^\s<>()"]+@[^\s<>()"]+/);
  return (addr ? addr[0] : line).trim().toLowerCase();
}

function body(text: string): string {
  const cut = text.search(/\r?\n\r?\n/);
  return cut < 0 ? "" : text.slice(cut).trim();
}

/** Loads and tokenizes both splits from `dir` (default `$NEWSGROUPS_DIR` or data/raw/20newsgroups). */
export async function loadNewsgroups(dir?: string, options: Partial<NewsgroupsOptions> & LoadOptions = {}): Promise<TextBundle> {
  const o = { ...DEFAULT_NEWSGROUPS, ...options };
  const root = dir ?? defaultDir("NEWSGROUPS_DIR", "20newsgroups");
  const file = `${root}/${NEWSGROUPS_FILE}`;
  const posts = await readNewsgroupsTar(await (o.files ?? DISK).read(file, NEWSGROUPS_INSTALL), file, o.maxBytes);
  const groupsOf = (s: Post["split"]) => [...new Set(posts.filter((p) => p.split === s).map((p) => p.group))].sort();
  const classNames = groupsOf("train");
  const testGroups = groupsOf("test");
  if (classNames.length === 0) throw new KitError(`bad format: no 20news-bydate-train/<group>/<id> entries`, file);
  if (testGroups.join() !== classNames.join()) {
    throw new KitError(
      `count mismatch: ${classNames.length} groups in 20news-bydate-train, ${testGroups.length} in 20news-bydate-test`,
      file,
    );
  }
  const classOf = new Map(classNames.map((g, i) => [g, i]));
  const senders = posts.map((p) => sender(p.text));
  const identityNames = [...new Set(senders)].sort();
  const idOf = new Map(identityNames.map((s, i) => [s, i]));
  const part = (s: Post["split"]) => {
    const at = posts.flatMap((p, i) => (p.split === s ? [i] : []));
    return {
      texts: at.map((i) => (o.removeHeaders ? body(posts[i].text) : posts[i].text)),
      labels: at.map((i) => classOf.get(posts[i].group)!),
      // A post without a From header has no known author: -1, never forgotten by identity.
      identity: at.map((i) => (senders[i] === "" ? -1 : idOf.get(senders[i])!)),
    };
  };
  const { train, test, tokenizer } = tokenizeSplits("20newsgroups", part("train"), part("test"), classNames, o, identityNames);
  const warnings = checkTextSplits(train, test, tokenizer, file);
  return {
    name: "20newsgroups",
    train,
    test,
    tokenizer,
    source: {
      files: [file],
      note: `${posts.length} posts; vocabulary ${tokenizer.vocabSize} fitted on train, seqLen ${tokenizer.seqLen}`,
    },
    warnings,
  };
}
