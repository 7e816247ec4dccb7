/** Data-set-level checks a run calls before its first epoch, and the data fingerprint for cache keys. */
import assert from "node:assert/strict";
import { dataFingerprint } from "../../lib/data/fingerprint.ts";
import { checkParadigmSupport, datasetProblems, DATASETS, datasetSpec } from "../../lib/data/registry.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";
import type { DataBundle } from "../../lib/data/types.ts";
import { KitError } from "../../lib/errors.ts";

Deno.test("checkParadigmSupport: group needs super-classes, identity needs identities; the message lists who has them", () => {
  checkParadigmSupport("fashion-mnist", "group");
  checkParadigmSupport("celeba", "identity");
  checkParadigmSupport("cifar10", "classwise");
  assert.throws(
    () => checkParadigmSupport("fashion-mnist", "identity"),
    /--paradigm: fashion-mnist has no per-sample identities, which the identity paradigm needs \(data sets that do: synthetic, celeba, 20newsgroups, debian-corpus\)/,
  );
  assert.throws(() => checkParadigmSupport("cifar10", "group"), /--paradigm: cifar10 has no super-classes.*fashion-mnist, cifar100/);
  assert.throws(() => checkParadigmSupport("svhn", "bogus" as never), /unknown paradigm "bogus"/);
  assert.throws(() => checkParadigmSupport("mnist", "random"), /unknown dataset "mnist"/);
  assert.throws(() => datasetSpec("mnist"), KitError);
  // Every data set that declares identities is one whose loader fills Dataset.identity.
  assert.deepEqual(Object.values(DATASETS).filter((d) => d.identities).map((d) => d.name), [
    "synthetic",
    "celeba",
    "20newsgroups",
    "debian-corpus",
  ]);
});

Deno.test("datasetProblems: every data-dependent problem of a run, as KitErrors, none for a good request", () => {
  const b = makeSynthetic();
  assert.deepEqual(datasetProblems("synthetic", b, { paradigm: "classwise", forgetClass: 2 }), []);
  assert.deepEqual(datasetProblems("synthetic", b, { paradigm: "identity" }), []);
  const msgs = (r: Parameters<typeof datasetProblems>[2], bundle: DataBundle = b) =>
    datasetProblems("synthetic", bundle, r).map((e) => e.message);
  assert.deepEqual(msgs({ paradigm: "classwise", forgetClass: 99 }), [
    "--forget-class: class 99 is not -1 (drawn from the seed) or in [0, 4) for synthetic",
  ]);
  assert.deepEqual(msgs({ paradigm: "group", forgetSubclass: 1.5 }), [
    "--forget-subclass: sub-class 1.5 is not -1 (drawn from the seed) or in [0, 4) for synthetic",
  ]);
  // A class with no training samples.
  const gap: DataBundle = { ...b, train: { ...b.train, y: b.train.y.map((c) => (c === 3 ? 2 : c)) } };
  assert.deepEqual(msgs({ paradigm: "classwise", forgetClass: 3 }, gap), [
    "--forget-class: class 3 (class3) has no training samples in synthetic",
  ]);
  // Identities all unknown.
  const noIds: DataBundle = { ...b, train: { ...b.train, identity: new Int32Array(b.train.y.length).fill(-1) } };
  assert.match(
    msgs({ paradigm: "identity" }, noIds)[0],
    /--paradigm: synthetic's training split has 0 known identities; identity forgetting needs at least 2/,
  );
  assert.match(
    msgs({ paradigm: "random", forgetFraction: 0.001 })[0],
    /--forget-fraction: 0\.001 of synthetic's training split rounds to an empty forget set/,
  );
  assert.match(datasetProblems("fashion-mnist", b, { paradigm: "identity" })[0].message, /fashion-mnist has no per-sample identities/);
});

Deno.test("dataFingerprint: equal data give equal fingerprints wherever they came from; any change in x, y or identity changes it", async () => {
  const a = makeSynthetic();
  const b = makeSynthetic();
  const fa = await dataFingerprint(a);
  assert.match(fa, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await dataFingerprint({ ...b, source: { files: ["/elsewhere"] } }), fa);
  assert.equal(dataFingerprint(a), dataFingerprint(a), "memoised per bundle");
  const x = new Float32Array(a.train.x);
  x[17] = Math.fround(x[17] + 1e-6);
  const y = a.test.y.slice();
  y[0] = (y[0] + 1) % 4;
  const id = a.train.identity!.slice();
  id[3] = 999;
  const changed = [
    { ...a, train: { ...a.train, x } },
    { ...a, test: { ...a.test, y } },
    { ...a, train: { ...a.train, identity: id } },
    { ...a, train: { ...a.train, identity: undefined } },
    { ...a, train: { ...a.train, sampleShape: [36, 1, 1] } },
  ];
  const fps = await Promise.all(changed.map((c) => dataFingerprint(c)));
  assert.equal(new Set([fa, ...fps]).size, 1 + changed.length);
  // Class names are labels for people, not data: renaming them keeps the fingerprint.
  assert.equal(await dataFingerprint({ ...a, train: { ...a.train, classNames: ["w", "x", "y", "z"] } }), fa);
});
