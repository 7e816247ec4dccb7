/**
 * Runs the loader fuzz's inputs against an older copy of lib/ (e.g. the loaders before issue 12), to
 * show what the fuzz finds there. The old loaders read only from disk, so each input is written to a
 * temporary folder. A bug here is: an exception other than a plain Error naming a file (the old
 * convention), accepted data that breaks the Dataset invariants, accepted data that differs from the
 * valid data set after a change under a checksum, or an input taking over 2 s.
 *
 *   git archive <commit> lib | tar -x -C tmp/old
 *   deno run -A scripts/fuzz_before.ts tmp/old/lib [--count 10000] [--only idx,debian]
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { dataFingerprint } from "../lib/data/fingerprint.ts";
import type { DataBundle } from "../lib/data/types.ts";
import { deriveSeed, Rng } from "../lib/rng.ts";
import { CHECKSUMMED, invalidities } from "../tests/data/fuzz/run.ts";
import { type Files, TARGETS } from "../tests/data/fuzz/targets.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { count: { type: "string", default: "10000" }, only: { type: "string" }, seed: { type: "string", default: "12" } },
});
const lib = resolve(positionals[0] ?? "tmp/old/lib");
const count = Number(values.count);
const seed = Number(values.seed);
const only = values.only?.split(",");
// deno-lint-ignore no-explicit-any
const mod = async (file: string): Promise<any> => await import(`file://${lib}/data/${file}`);
const text = { seqLen: 16, minCount: 1, maxVocab: 200 };
const loaders: Record<string, (root: string, mutated: string) => Promise<DataBundle>> = {
  idx: async (r) => (await mod("fashion_mnist.ts")).loadFashionMnist(`${r}/fashion-mnist`),
  cifar: async (r, m) =>
    m.includes("/cifar10/") ? (await mod("cifar.ts")).loadCifar10(`${r}/cifar10`) : (await mod("cifar.ts")).loadCifar100(`${r}/cifar100`),
  svhn: async (r) => (await mod("svhn.ts")).loadSvhn(`${r}/svhn`),
  newsgroups: async (r) => (await mod("newsgroups.ts")).loadNewsgroups(`${r}/20newsgroups`, text),
  celeba: async (r) => (await mod("celeba.ts")).loadCelebA(`${r}/celeba`, { size: 4 }),
  imagenet: async (r) => (await mod("imagenet.ts")).loadImageNet(`${r}/imagenet`, { size: 4 }),
  debian: async (r) => (await mod("debian_corpus.ts")).loadDebianCorpus(`${r}/debian-corpus`, text),
};
const tmp = await Deno.makeTempDir({ prefix: "fuzz-before-" });
async function write(dir: string, files: Files) {
  for (const [p, b] of files) {
    const path = dir + p.slice("/fuzz".length);
    await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeFile(path, b);
  }
}
const folder = (mutated: string) => mutated.split("/").slice(0, 3).join("/");
console.log(`loaders from ${lib}, ${count} inputs each, seed ${seed}`);
for (const t of TARGETS) {
  if (only && !only.includes(t.name)) continue;
  const base = await t.base();
  await write(`${tmp}/base`, base);
  const baseFp = new Map<string, string>();
  for (const m of base.keys()) {
    if (!baseFp.has(folder(m))) baseFp.set(folder(m), await dataFingerprint(await loaders[t.name](`${tmp}/base`, m)));
  }
  const bugs: Record<string, { n: number; example: string }> = {};
  let bugCount = 0;
  let maxMs = 0;
  for (let i = 0; i < count; i++) {
    const input = await t.mutate(base, new Rng(deriveSeed(seed, `${t.name}/${i}`)));
    const dir = `${tmp}/${i}`;
    await write(dir, input.files);
    const start = performance.now();
    let bug = "";
    try {
      const b = await loaders[t.name](dir, input.mutated);
      const bad = invalidities(b, dir);
      if (bad.length) bug = `accepted invalid data: ${bad[0].replaceAll(dir, "")}`;
      else if (CHECKSUMMED.test(input.kind) && (await dataFingerprint(b)) !== baseFp.get(folder(input.mutated))) {
        bug = `accepted silently changed data (a change under the ${input.kind.split("/")[0]} checksum)`;
      }
    } catch (e) {
      const err = e as Error;
      if (!(err instanceof Error) || err.constructor !== Error) bug = `${err?.name ?? typeof e}: ${String(err?.message ?? e)}`;
      else if (!err.message.includes(dir)) bug = `Error naming no file: ${err.message}`;
    }
    const ms = performance.now() - start;
    maxMs = Math.max(maxMs, ms);
    if (ms > 2000) bug ||= `slow: ${Math.round(ms)} ms`;
    if (bug) {
      bugCount++;
      const key = bug.replace(/["'(].*$/s, "").replace(/\d+/g, "N").slice(0, 80).trim();
      (bugs[key] ??= { n: 0, example: `${t.name}:${i} (${input.kind})` }).n++;
    }
    await Deno.remove(dir, { recursive: true });
  }
  console.log(`== ${t.name}: ${bugCount} of ${count} inputs hit a bug; slowest ${Math.round(maxMs)} ms`);
  for (const [k, v] of Object.entries(bugs).sort((a, b) => b[1].n - a[1].n)) {
    console.log(`${String(v.n).padStart(7)}  ${k}   e.g. ${v.example}`);
  }
}
await Deno.remove(tmp, { recursive: true });
