/**
 * Builds data/debian-corpus/ from this machine's Debian package lists:
 *   deno run -A scripts/build_debian_corpus.ts [--min-docs 1000] [--max-per-section 1500] [--seed 0]
 *
 * Package records come from `apt-cache dumpavail`; their long descriptions from the lists' English
 * translation files (Debian ships long descriptions only there), which `apt-get update` fetches when
 * languages are on: `apt-get update -o Acquire::Languages=en`. The filtering, fixed and documented in
 * the README this script writes:
 *   1. every package with a Description, Section and Maintainer (first record of each package name);
 *   2. section = the Section without its archive-area prefix ("contrib/", "non-free/", ...);
 *   3. text = synopsis + long description; identical texts are kept once (the package whose name sorts
 *      first), since a library and its -dev package often share one;
 *   4. keep sections with at least --min-docs documents left;
 *   5. at most --max-per-section documents a section, drawn with the seed;
 *   6. a seeded 80/20 train/test split within every section.
 */
import { gzipSync } from "fflate";
import { deriveSeed, Rng } from "../lib/rng.ts";
import { CHECKSUM_FILE, CORPUS_FILE, type CorpusDoc, DEBIAN_CORPUS_DIR } from "../lib/data/debian_corpus.ts";
import { sha256Hex } from "../lib/hash.ts";
import { writeFileAtomic } from "../lib/record.ts";

const LISTS = "/var/lib/apt/lists";

function args(): { minDocs: number; maxPerSection: number; seed: number; testFraction: number; out: string } {
  const o = { minDocs: 1000, maxPerSection: 1500, seed: 0, testFraction: 0.2, out: DEBIAN_CORPUS_DIR };
  for (let i = 0; i < Deno.args.length; i += 2) {
    const [flag, value] = [Deno.args[i], Deno.args[i + 1]];
    const key = flag.replace(/^--/, "").replace(/-(\w)/g, (_, c) => c.toUpperCase()) as keyof typeof o;
    if (!(key in o) || value === undefined) throw new Error(`unknown flag ${flag}: valid are ${Object.keys(o)}`);
    (o as Record<string, unknown>)[key] = key === "out" ? value : Number(value);
  }
  return o;
}

async function run(cmd: string, ...argv: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** deb822 records: "Field: value" lines, continuation lines start with a space, blank lines between. */
export function parseDeb822(text: string): Map<string, string>[] {
  const records: Map<string, string>[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const rec = new Map<string, string>();
    let key = "";
    for (const line of block.split("\n")) {
      if (line.startsWith(" ") || line.startsWith("\t")) {
        if (key) rec.set(key, rec.get(key) + "\n" + line);
      } else if (line.includes(":")) {
        key = line.slice(0, line.indexOf(":"));
        rec.set(key, line.slice(key.length + 1).trim());
      }
    }
    if (rec.size > 0) records.push(rec);
  }
  return records;
}

/** A long description body: drop the one-space indent; " ." lines are paragraph breaks. */
function bodyText(lines: string[]): string {
  return lines.map((l) => l.slice(1)).map((l) => (l.trim() === "." ? "" : l)).join("\n").trim();
}

async function translations(): Promise<Map<string, string>> {
  const files = [...Deno.readDirSync(LISTS)].map((e) => e.name).filter((n) => n.includes("_i18n_Translation-en"))
    .sort();
  if (files.length === 0) {
    throw new Error(
      `${LISTS}: no Translation-en files, so no long descriptions: run apt-get update -o Acquire::Languages=en`,
    );
  }
  const byMd5 = new Map<string, string>();
  for (const f of files) {
    for (const rec of parseDeb822(await run("/usr/lib/apt/apt-helper", "cat-file", `${LISTS}/${f}`))) {
      const md5 = rec.get("Description-md5");
      const desc = rec.get("Description-en");
      if (md5 && desc && !byMd5.has(md5)) byMd5.set(md5, desc);
    }
  }
  return byMd5;
}

async function listDates(): Promise<string[]> {
  const out: string[] = [];
  for (const f of [...Deno.readDirSync(LISTS)].map((e) => e.name).filter((n) => n.endsWith("InRelease")).sort()) {
    const date = (await Deno.readTextFile(`${LISTS}/${f}`)).match(/^Date: (.*)$/m)?.[1];
    out.push(`${f.replace(/_InRelease$/, "").replaceAll("_", "/")}: ${date ?? "?"}`);
  }
  return out;
}

async function main() {
  const o = args();
  let packagesText = await run("apt-cache", "dumpavail");
  if (packagesText.trim() === "") {
    await run("apt-get", "update", "-o", "Acquire::Languages=en");
    packagesText = await run("apt-cache", "dumpavail");
  }
  const long = await translations();
  const seen = new Set<string>();
  const candidates: Omit<CorpusDoc, "split">[] = [];
  let withoutLong = 0;
  for (const rec of parseDeb822(packagesText)) {
    const [pkg, section, maintainer, synopsis] = ["Package", "Section", "Maintainer", "Description"].map((k) => rec.get(k));
    if (!pkg || !section || !maintainer || !synopsis || seen.has(pkg)) continue;
    seen.add(pkg);
    const en = long.get(rec.get("Description-md5") ?? "");
    if (!en) withoutLong++;
    const body = en ? bodyText(en.split("\n").slice(1)) : "";
    candidates.push({
      package: pkg,
      section: section.replace(/^[^/]+\//, ""),
      maintainer: maintainer.trim(),
      text: body ? `${synopsis.trim()}\n${body}` : synopsis.trim(),
    });
  }
  candidates.sort((a, b) => (a.package < b.package ? -1 : 1));
  const texts = new Set<string>();
  const unique = candidates.filter((d) => !texts.has(d.text) && texts.add(d.text));
  const bySection = Map.groupBy(unique, (d) => d.section);
  const sections = [...bySection.keys()].filter((s) => bySection.get(s)!.length >= o.minDocs).sort();
  const docs: CorpusDoc[] = [];
  const counts: { section: string; available: number; train: number; test: number }[] = [];
  for (const s of sections) {
    const all = bySection.get(s)!;
    const rng = new Rng(deriveSeed(o.seed, `debian-corpus/${s}`));
    const picked = Array.from(rng.sample(all.map((_, i) => i), Math.min(o.maxPerSection, all.length)));
    const nTest = Math.round(picked.length * o.testFraction);
    picked.forEach((idx, k) => docs.push({ ...all[idx], split: k < nTest ? "test" : "train" }));
    counts.push({ section: s, available: all.length, train: picked.length - nTest, test: nTest });
  }
  docs.sort((a, b) => (a.package < b.package ? -1 : 1));
  const jsonl = docs.map((d) => JSON.stringify(d)).join("\n") + "\n";
  // mtime 0 keeps the gzip bytes, and so the checksum, the same on every rebuild.
  const gz = gzipSync(new TextEncoder().encode(jsonl), { level: 9, mtime: 0 });
  const sum = await sha256Hex(gz);
  await Deno.mkdir(o.out, { recursive: true });
  await writeFileAtomic(`${o.out}/${CORPUS_FILE}`, gz);
  await writeFileAtomic(`${o.out}/${CHECKSUM_FILE}`, `${sum}  ${CORPUS_FILE}\n`);
  const maintainers = new Set(docs.map((d) => d.maintainer));
  const trainMaintainers = new Set(docs.filter((d) => d.split === "train").map((d) => d.maintainer));
  const perMaintainer = [...Map.groupBy(docs, (d) => d.maintainer).values()].map((l) => l.length).sort((a, b) => b - a);
  const stats = {
    packages: candidates.length,
    withoutLongDescription: withoutLong,
    afterDedup: unique.length,
    documents: docs.length,
    train: docs.filter((d) => d.split === "train").length,
    test: docs.filter((d) => d.split === "test").length,
    classes: sections.length,
    maintainers: maintainers.size,
    trainMaintainers: trainMaintainers.size,
    singleDocMaintainers: perMaintainer.filter((n) => n === 1).length,
    largestMaintainerDocs: perMaintainer[0],
    medianMaintainerDocs: perMaintainer[Math.floor(perMaintainer.length / 2)],
    gzBytes: gz.length,
    sha256: sum,
  };
  await writeFileAtomic(`${o.out}/README.md`, readme(o, stats, counts, await listDates()));
  console.log(JSON.stringify(stats, null, 2));
}

function readme(
  o: ReturnType<typeof args>,
  s: Record<string, number | string>,
  counts: { section: string; available: number; train: number; test: number }[],
  dates: string[],
): string {
  const rows = counts.map((c, i) => `| ${i} | ${c.section} | ${c.available} | ${c.train} | ${c.test} |`).join("\n");
  return `# Debian package-description corpus

Real, local English text for topic classification with author identities, built from this machine's
Debian package lists by \`deno run -A scripts/build_debian_corpus.ts\` (generated file: rebuild, don't edit).

- **text**: the package's Description: synopsis line, then the long description (paragraph breaks kept).
- **label**: the package's Section, archive-area prefix ("contrib/", "non-free/") removed.
- **identity**: the package's Maintainer field (a person or a team), the unit of identity forgetting.
- **split**: a seeded ${Math.round(100 * (1 - o.testFraction))}/${Math.round(100 * o.testFraction)} train/test split within every section.

Each line of \`${CORPUS_FILE}\` is one JSON object \`{package, section, maintainer, text, split}\`;
\`lib/data/debian_corpus.ts\` checks its sha256 against \`${CHECKSUM_FILE}\` before use.

## How it was built
1. \`apt-cache dumpavail\`: every package with a Description, Section and Maintainer (first record of
   each package name): ${s.packages} packages. Long descriptions are in the lists' \`Translation-en\`
   files (fetched by \`apt-get update -o Acquire::Languages=en\`), joined on Description-md5;
   ${s.withoutLongDescription} packages had none and keep only their synopsis.
2. Identical texts kept once (the package whose name sorts first): ${s.afterDedup} left.
3. Sections with at least ${o.minDocs} documents kept: ${s.classes}.
4. At most ${o.maxPerSection} documents a section, drawn with seed ${o.seed}: ${s.documents} documents
   (${s.train} train, ${s.test} test).

## Counts
${s.maintainers} maintainers in all (${s.trainMaintainers} in train); ${s.singleDocMaintainers} have a
single description, the median has ${s.medianMaintainerDocs}, the largest (a packaging team) ${s.largestMaintainerDocs}.
Team maintainers make identity forgetting uneven: 1% of the identities may hold many documents.

| class | section | after dedup | train | test |
|---|---|---|---|---|
${rows}

## Source
Debian 12 "bookworm", main area. Package lists (InRelease dates):
${dates.map((d) => `- ${d}`).join("\n")}

\`${CORPUS_FILE}\`: ${s.gzBytes} bytes, sha256 \`${s.sha256}\`.
`;
}

if (import.meta.main) await main();
