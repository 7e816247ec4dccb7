/**
 * The documentation a newcomer reads: README's loop first, a docs index that lists every page, links that
 * resolve, no statement the review found stale, the GPU path described as untested until a measurement
 * exists, a licence and a citation file.
 */
import assert from "node:assert/strict";
import { ROOT } from "../lib/env.ts";

const read = (p: string) => Deno.readTextFileSync(`${ROOT}${p}`);
const exists = (p: string) => {
  try {
    Deno.statSync(`${ROOT}${p}`);
    return true;
  } catch {
    return false;
  }
};
const docs = [...Deno.readDirSync(`${ROOT}docs`)].filter((e) => e.name.endsWith(".md")).map((e) => `docs/${e.name}`).sort();
const pages = ["README.md", "notebooks/README.md", ...docs];

Deno.test("README: the user's loop comes first, with the commands a user runs", () => {
  const readme = read("README.md");
  const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  assert.equal(headings[0], "The loop");
  const loop = readme.slice(readme.indexOf("## The loop"), readme.indexOf(`## ${headings[1]}`));
  for (const cmd of ["./kit main", "./kit test", "./kit notebook", "./kit run", "./kit book", "deno task figures"]) {
    assert.ok(loop.includes(cmd), `the loop names ${cmd}`);
  }
  assert.ok(loop.includes("scratch/"), "says where exploring writes");
  // What is where names every top-level folder and file a user meets.
  const where = readme.slice(readme.indexOf("## What is where"));
  for (const name of ["kit", "cli/", "lib/", "notebooks/", "tests/", "results/", "scratch/", "docs/", "LICENSE", "CITATION.cff"]) {
    assert.ok(where.includes(name), `What is where: ${name}`);
  }
});

Deno.test("docs/README.md indexes every page of docs/", () => {
  const index = read("docs/README.md");
  for (const d of docs.filter((d) => d !== "docs/README.md")) assert.ok(index.includes(`(${d.slice(5)})`), `${d} is in the index`);
});

Deno.test("every relative link of the README, notebooks/README.md and docs/ resolves", () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const dir = page.includes("/") ? page.slice(0, page.lastIndexOf("/") + 1) : "";
    for (const m of read(page).matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue;
      const path = new URL(target, `file:///${dir}`).pathname.slice(1);
      checked++;
      if (!exists(path)) broken.push(`${page}: ${target}`);
    }
  }
  assert.ok(checked >= 15, `${checked} links checked`);
  assert.deepEqual(broken, []);
});

Deno.test("stale statements are gone; the GPU path is untested until results/bench/gpu.json exists", () => {
  const all = pages.map((p) => [p, read(p)] as const);
  for (const [p, text] of all) {
    assert.ok(!text.includes("shards/log-k-of-n"), `${p}: the shard log is shards/<k>-of-<n>/records.jsonl`);
    assert.ok(!text.includes("fashion-mnist-mlp-random-R"), `${p}: the default search name has no selection suffix`);
    assert.ok(!/run\(command=/.test(text), `${p}: no instruction a user cannot run`);
    assert.ok(
      !/^\s*(node_modules\/\.bin\/)?deno task /m.test(text.replace(/```[^\n]*\n#![\s\S]*?```/g, "")),
      `${p}: commands as ./kit deno task`,
    );
  }
  const readme = read("README.md");
  if (!exists("results/bench/gpu.json")) {
    assert.ok(!readme.includes("results/bench/gpu.json"), "README cites no GPU measurement that does not exist");
    assert.match(readme, /GPU: untested/);
    assert.match(read("docs/gpu.md"), /untested on a GPU/);
  }
  assert.match(readme, /CUDA 11\.2 and\s+cuDNN 8\.1/);
});

Deno.test("a licence and a citation file", () => {
  assert.match(read("LICENSE"), /^MIT License/);
  const cff = read("CITATION.cff");
  assert.match(cff, /^cff-version: 1\.2\.0$/m);
  assert.match(cff, /^title: /m);
  assert.match(cff, /^authors:/m);
  assert.match(cff, /preferred-citation:[\s\S]*title: "Label Smoothing Improves Machine Unlearning"/);
  assert.match(cff, /arXiv:2406\.07698/);
});
