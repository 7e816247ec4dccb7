/** Tokenizer, 20 Newsgroups (a tiny bydate tar.gz made with the system's tar) and the Debian corpus. */
import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "fflate";
import { CLS, PAD, Tokenizer, UNK, words } from "../../lib/data/tokenizer.ts";
import { loadNewsgroups, sender } from "../../lib/data/newsgroups.ts";
import { memoryFiles } from "../../lib/data/files.ts";
import { KitError } from "../../lib/errors.ts";
import { tarGz, tempDir, ustar } from "./_formats.ts";

Deno.test("tokenizer: lowercase words, vocabulary from train only, [CLS] then words, padded", () => {
  assert.deepEqual(words("Hello, WORLD! café-au-lait x86_64"), ["hello", "world", "café", "au", "lait", "x86", "64"]);
  const tok = Tokenizer.fit(["the cat sat", "the cat ran", "the dog"], { minCount: 2, maxVocab: 100, seqLen: 6 });
  assert.deepEqual(tok.vocab, ["[PAD]", "[UNK]", "[CLS]", "the", "cat"]);
  assert.deepEqual([...tok.encode("The cat ate the zebra")], [CLS, 3, 4, UNK, 3, UNK]);
  assert.deepEqual([...tok.encode("cat")], [CLS, 4, PAD, PAD, PAD, PAD]);
  assert.equal(tok.decode(tok.encode("cat dog")), "[CLS] cat [UNK]");
  const capped = Tokenizer.fit(["a a a b b c"], { minCount: 1, maxVocab: 5, seqLen: 4 });
  assert.deepEqual(capped.vocab.slice(3), ["a", "b"]);
  assert.deepEqual(Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok))).vocab, tok.vocab);
});

const POSTS: Record<string, string[]> = {
  "alt.atheism": ["From: amy@x.edu (Amy)\nSubject: god\n\nno god here", "From: bob@y.org\nSubject: re\n\ngod again"],
  "sci.space": ["From: Amy <AMY@x.edu>\nSubject: moon\n\nthe moon orbit", "From: cat@z.com\n\nrocket orbit moon"],
};

async function writeBydate(root: string): Promise<string> {
  const src = `${root}/src`;
  for (const split of ["train", "test"]) {
    for (const [g, posts] of Object.entries(POSTS)) {
      await Deno.mkdir(`${src}/20news-bydate-${split}/${g}`, { recursive: true });
      for (const [k, p] of posts.entries()) {
        await Deno.writeTextFile(`${src}/20news-bydate-${split}/${g}/${(split === "train" ? 5000 : 9000) + k}`, p);
      }
    }
  }
  await Deno.mkdir(`${root}/out`);
  await tarGz(`${root}/out/20news-bydate.tar.gz`, src, ["20news-bydate-train", "20news-bydate-test"]);
  return `${root}/out`;
}

Deno.test("20 Newsgroups: groups as classes, sender identities, train-fitted vocabulary", async () => {
  const root = await tempDir();
  const dir = await writeBydate(root);
  const b = await loadNewsgroups(dir, { seqLen: 8, minCount: 1 });
  assert.deepEqual(b.train.classNames, ["alt.atheism", "sci.space"]);
  assert.deepEqual([...b.train.y].sort(), [0, 0, 1, 1]);
  assert.deepEqual(b.train.sampleShape, [8]);
  assert.equal(sender(POSTS["sci.space"][0]), "amy@x.edu");
  const names = b.train.identityNames!;
  assert.deepEqual(names, ["amy@x.edu", "bob@y.org", "cat@z.com"]);
  // Amy's two posts share one identity.
  const amy = [...b.train.identity!].filter((id) => names[id] === "amy@x.edu");
  assert.equal(amy.length, 2);
  const bodies = await loadNewsgroups(dir, { seqLen: 8, minCount: 1, removeHeaders: true });
  assert.ok(!bodies.tokenizer.vocab.includes("subject"));
  assert.ok(b.tokenizer.vocab.includes("subject"));
  await Deno.remove(root, { recursive: true });
});

Deno.test("20 Newsgroups: missing, corrupt gzip, truncated tar and group mismatch are named", async () => {
  const root = await tempDir();
  await assert.rejects(loadNewsgroups(root), /20news-bydate\.tar\.gz: file not found \(put 20news-bydate\.tar\.gz/);
  const dir = await writeBydate(root);
  const file = `${dir}/20news-bydate.tar.gz`;
  const gz = await Deno.readFile(file);
  await Deno.writeFile(file, gz.subarray(0, gz.length - 30));
  await assert.rejects(loadNewsgroups(dir), /20news-bydate\.tar\.gz: gzip stream is corrupt or truncated/);
  // A valid gzip around a tar cut mid-entry.
  const whole = gunzipSync(gz);
  await Deno.writeFile(file, gzipSync(whole.subarray(0, 700)));
  await assert.rejects(loadNewsgroups(dir), /20news-bydate\.tar\.gz: corrupt or truncated tar archive/);
  await Deno.remove(`${root}/src/20news-bydate-test/sci.space`, { recursive: true });
  await tarGz(file, `${root}/src`, ["20news-bydate-train", "20news-bydate-test"]);
  await assert.rejects(loadNewsgroups(dir), /count mismatch: 2 groups in 20news-bydate-train, 1 in 20news-bydate-test/);
  await Deno.writeFile(file, gzipSync(new Uint8Array(1024)));
  await assert.rejects(loadNewsgroups(dir), /bad format: no 20news-bydate-train\/<group>\/<id> entries/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("20 Newsgroups: a 100,000-character From line is read in bounded time; one group is refused", async () => {
  const long = "From: " + "x".repeat(100000) + "\n\nbody";
  const t = performance.now();
  assert.equal(sender(long), "x".repeat(512));
  assert.ok(performance.now() - t < 200, `${performance.now() - t} ms`);
  const enc = (s: string) => new TextEncoder().encode(s);
  const entries = ["train", "test"].flatMap((split) =>
    [0, 1].map((k) => ({ name: `20news-bydate-${split}/sci.space/${k}`, data: enc(`From: a${k}@b\n\nmoon orbit ${k}`) }))
  );
  const files = memoryFiles({ "/n/20news-bydate.tar.gz": gzipSync(ustar(entries)) });
  await assert.rejects(
    loadNewsgroups("/n", { files, minCount: 1 }),
    /\/n\/20news-bydate\.tar\.gz: a single class: every sample of 20newsgroups\/train has label 0 \(sci\.space\)/,
  );
  const bad = gzipSync(ustar(entries));
  new DataView(bad.buffer).setUint32(bad.length - 4, 0xfffffff0, true);
  await assert.rejects(
    loadNewsgroups("/n", { files: memoryFiles({ "/n/20news-bydate.tar.gz": bad }) }),
    /gzip stream is corrupt or truncated \(the trailer declares 4\.0 GiB/,
  );
});

Deno.test("tokenizer: bad options are KitErrors", () => {
  assert.throws(() => Tokenizer.fit(["a b"], { seqLen: 1 }), /tokenizer: seqLen 1 is not a whole number in \[2, 65536\]/);
  assert.throws(() => Tokenizer.fit(["a b"], { seqLen: 1e9 }), KitError);
  assert.throws(() => Tokenizer.fit(["a b"], { maxVocab: 3 }), /tokenizer: maxVocab 3 is not a whole number above 3/);
  assert.throws(() => Tokenizer.fit(["a b"], { minCount: -1 }), /tokenizer: minCount -1/);
});
