/** The committed Debian corpus: checksum, counts, tokenization and identity forgetting on it. */
import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { CHECKSUM_FILE, CORPUS_FILE, DEBIAN_CORPUS_DIR, loadDebianCorpus, parseCorpus, readCorpus } from "../../lib/data/debian_corpus.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { memoryFiles } from "../../lib/data/files.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { tempDir } from "./_formats.ts";

const bundle = loadDebianCorpus();

Deno.test("Debian corpus: checksum verified, 19 sections, 27,355 descriptions, 1,650 maintainers", async () => {
  const b = await bundle;
  assert.equal(b.train.numClasses, 19);
  assert.equal(b.train.y.length, 21884);
  assert.equal(b.test.y.length, 5471);
  assert.equal(b.train.identityNames!.length, 1650);
  assert.ok(b.train.classNames.includes("python") && b.train.classNames.includes("games"));
  assert.deepEqual(b.train.sampleShape, [128]);
  assert.equal(b.tokenizer.vocabSize, 10000);
  assert.ok(b.train.x instanceof Int32Array);
  // Every class has test documents, and no description is in both splits.
  assert.equal(new Set(b.test.y).size, 19);
  const docs = await readCorpus();
  const trainTexts = new Set(docs.filter((d) => d.split === "train").map((d) => d.text));
  assert.ok(docs.filter((d) => d.split === "test").every((d) => !trainTexts.has(d.text)));
});

Deno.test("Debian corpus: identity forgetting removes every description of 1% of the maintainers", async () => {
  const b = await bundle;
  const task = makeForgetTask("debian-corpus", b.train, b.test, { paradigm: "identity", seed: 3 });
  const ids = new Set(task.forgotten.identities);
  assert.equal(ids.size, Math.round(new Set(Array.from(task.trainIdx, (i) => b.train.identity![i])).size * 0.01));
  assert.ok([...task.forgetIdx].every((i) => ids.has(b.train.identity![i])));
  assert.ok([...task.retainIdx].every((i) => !ids.has(b.train.identity![i])));
  assert.equal(task.forgetIdx.length + task.retainIdx.length, task.trainIdx.length);
  const again = makeForgetTask("debian-corpus", b.train, b.test, { paradigm: "identity", seed: 3 });
  assert.deepEqual(again.forgetIdx, task.forgetIdx);
});

Deno.test("Debian corpus: a changed file fails the checksum, naming both files", async () => {
  const dir = await tempDir();
  const gz = await Deno.readFile(`${DEBIAN_CORPUS_DIR}/${CORPUS_FILE}`);
  gz[1000] ^= 1;
  await Deno.writeFile(`${dir}/${CORPUS_FILE}`, gz);
  await Deno.copyFile(`${DEBIAN_CORPUS_DIR}/${CHECKSUM_FILE}`, `${dir}/${CHECKSUM_FILE}`);
  await assert.rejects(
    readCorpus(dir),
    /corpus\.jsonl\.gz: checksum mismatch: sha256 [0-9a-f]{64}, .*corpus\.jsonl\.gz\.sha256 says 75a21d29/,
  );
  await Deno.remove(`${dir}/${CHECKSUM_FILE}`);
  await assert.rejects(readCorpus(dir), /corpus\.jsonl\.gz\.sha256: file not found \(rebuild with/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Debian corpus: lines that are not JSON or not documents, and an empty corpus, are named", () => {
  const gz = (lines: string[]) => gzipSync(new TextEncoder().encode(lines.join("\n") + "\n"));
  const doc = JSON.stringify({ package: "p", section: "games", maintainer: "m", text: "t", split: "train" });
  assert.throws(() => parseCorpus(gz([doc, '{"package": "p", ']), "/d/corpus.jsonl.gz"), /\/d\/corpus\.jsonl\.gz: line 2 is not JSON \(/);
  assert.throws(() => parseCorpus(gz([doc, "null"]), "/d/corpus.jsonl.gz"), /\/d\/corpus\.jsonl\.gz: line 2 is not a corpus document/);
  assert.throws(() => parseCorpus(gz([doc, '{"text": 3}']), "/d/corpus.jsonl.gz"), /line 2 is not a corpus document/);
  assert.throws(() => parseCorpus(gz([]), "/d/corpus.jsonl.gz"), /\/d\/corpus\.jsonl\.gz: empty: no documents/);
  assert.equal(parseCorpus(gz([doc, doc]), "/d/corpus.jsonl.gz").length, 2);
});

Deno.test("Debian corpus: a corpus without test documents or with one section is refused", async () => {
  const docs = (n: number, split: (i: number) => string, section: (i: number) => string) =>
    Array.from(
      { length: n },
      (_, i) =>
        JSON.stringify({ package: `p${i}`, section: section(i), maintainer: `m${i % 3}`, text: `word${i} common`, split: split(i) }),
    );
  const files = async (lines: string[]) => {
    const gz = gzipSync(new TextEncoder().encode(lines.join("\n")));
    return memoryFiles({ "/d/corpus.jsonl.gz": gz, "/d/corpus.jsonl.gz.sha256": new TextEncoder().encode(await sha256Hex(gz)) });
  };
  const opts = { seqLen: 8, minCount: 1 };
  await assert.rejects(
    loadDebianCorpus("/d", opts, { files: await files(docs(6, () => "train", (i) => ["games", "net"][i % 2])) }),
    /\/d\/corpus\.jsonl\.gz: empty: debian-corpus\/test has no samples/,
  );
  await assert.rejects(
    loadDebianCorpus("/d", opts, { files: await files(docs(6, (i) => (i % 3 ? "train" : "test"), () => "games")) }),
    /\/d\/corpus\.jsonl\.gz: a single class: every sample of debian-corpus\/train has label 0 \(games\)/,
  );
  const ok = await loadDebianCorpus("/d", opts, {
    files: await files(docs(6, (i) => (i % 3 ? "train" : "test"), (i) => ["games", "net"][i % 2])),
  });
  assert.equal(ok.train.y.length + ok.test.y.length, 6);
});
