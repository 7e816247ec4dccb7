/**
 * 20 Newsgroups, "bydate" version (Lang 1995; Rennie's date split): 18,846 posts in 20 groups, 60%
 * train / 40% test by date, duplicates and most headers already removed. Read straight from
 * 20news-bydate.tar.gz (entries 20news-bydate-train/<group>/<id> and 20news-bydate-test/<group>/<id>):
 * gunzip with fflate, tar with tar-stream. Classes are the groups in sorted order. Each post's From
 * address is its identity, the text analogue of a CelebA person. Tokens come from ./tokenizer.ts with
 * the vocabulary fitted on the train split.
 */
import { gunzipSync } from "fflate";
import { Buffer } from "node:buffer";
import { extract } from "tar-stream";
import { defaultDir, readBytes } from "./files.ts";
import { type TextBundle, type TokenizerOptions, tokenizeSplits } from "./tokenizer.ts";
import { validateDataset } from "./types.ts";

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
export async function readNewsgroupsTar(gz: Uint8Array, file: string): Promise<Post[]> {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new Error(`${file}: gzip stream is corrupt or truncated (${(e as Error).message})`);
  }
  const posts: Post[] = [];
  const latin1 = new TextDecoder("latin1");
  const ex = extract();
  ex.end(Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength));
  try {
    for await (const entry of ex) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) chunks.push(chunk as Uint8Array);
      const m = entry.header.name.match(/^(?:\.\/)?20news-bydate-(train|test)\/([^/]+)\/([^/]+)$/);
      if (entry.header.type !== "file" || !m) continue;
      posts.push({ split: m[1] as Post["split"], group: m[2], id: m[3], text: latin1.decode(Buffer.concat(chunks)) });
    }
  } catch (e) {
    throw new Error(`${file}: corrupt or truncated tar archive (${(e as Error).message})`);
  }
  return posts;
}

/** The sender from a post's From header, lowercased ("" when absent). */
export function sender(text: string): string {
  const m = text.match(/^From:\s*(.*)$/im);
  if (!m) return "";
  const addr = m[1].match(/[^\s<>()"]+@[^\s<>()"]+/);
  return (addr ? addr[0] : m[1]).trim().toLowerCase();
}

function body(text: string): string {
  const cut = text.search(/\r?\n\r?\n/);
  return cut < 0 ? "" : text.slice(cut).trim();
}

/** Loads and tokenizes both splits from `dir` (default `$NEWSGROUPS_DIR` or data/raw/20newsgroups). */
export async function loadNewsgroups(dir?: string, options: Partial<NewsgroupsOptions> = {}): Promise<TextBundle> {
  const o = { ...DEFAULT_NEWSGROUPS, ...options };
  const root = dir ?? defaultDir("NEWSGROUPS_DIR", "20newsgroups");
  const file = `${root}/${NEWSGROUPS_FILE}`;
  const posts = await readNewsgroupsTar(await readBytes(file, NEWSGROUPS_INSTALL), file);
  const groupsOf = (s: Post["split"]) => [...new Set(posts.filter((p) => p.split === s).map((p) => p.group))].sort();
  const classNames = groupsOf("train");
  const testGroups = groupsOf("test");
  if (classNames.length === 0) throw new Error(`${file}: bad format: no 20news-bydate-train/<group>/<id> entries`);
  if (testGroups.join() !== classNames.join()) {
    throw new Error(
      `${file}: count mismatch: ${classNames.length} groups in 20news-bydate-train, ${testGroups.length} in 20news-bydate-test`,
    );
  }
  const classOf = new Map(classNames.map((g, i) => [g, i]));
  const identityNames = [...new Set(posts.map((p) => sender(p.text)))].sort();
  const idOf = new Map(identityNames.map((s, i) => [s, i]));
  const part = (s: Post["split"]) => {
    const ps = posts.filter((p) => p.split === s);
    return {
      texts: ps.map((p) => (o.removeHeaders ? body(p.text) : p.text)),
      labels: ps.map((p) => classOf.get(p.group)!),
      // A post without a From header has no known author: -1, never forgotten by identity.
      identity: ps.map((p) => (sender(p.text) === "" ? -1 : idOf.get(sender(p.text))!)),
    };
  };
  const { train, test, tokenizer } = tokenizeSplits(
    "20newsgroups",
    part("train"),
    part("test"),
    classNames,
    o,
    identityNames,
  );
  validateDataset(train);
  validateDataset(test);
  return {
    name: "20newsgroups",
    train,
    test,
    tokenizer,
    source: {
      files: [file],
      note: `${posts.length} posts; vocabulary ${tokenizer.vocabSize} fitted on train, seqLen ${tokenizer.seqLen}`,
    },
  };
}
