/** The committed Debian corpus: checksum, counts, tokenization and identity forgetting on it. */
import assert from "node:assert/strict";
import { CHECKSUM_FILE, CORPUS_FILE, DEBIAN_CORPUS_DIR, loadDebianCorpus, readCorpus } from "../../lib/data/debian_corpus.ts";
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
