/**
 * `deno task compare THIS COMMITTED`: this run's records against the committed ones, record by record by
 * configuration hash + seed (lib/report/compare.ts): how many came out bit for bit, a table of those that
 * did not, and what has no committed record with its configuration hash (with the same runs by name set
 * beside it). Prints Markdown and writes THIS/comparison.md. Differences are reported, not failed on.
 */
import { KitError } from "../lib/errors.ts";
import { readRecordsWithSkips, writeFileAtomic } from "../lib/record.ts";
import { comparisonMarkdown } from "../lib/report/compare.ts";
import { parseFlags, runCommand } from "./flags.ts";

const FLAGS = {
  "no-write": { type: "boolean" as const, doc: "print only" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

const HELP = `deno task compare THIS COMMITTED [--no-write]

Compares the records in folder THIS with those in COMMITTED by configuration hash + seed: how many are bit
for bit identical, a table of those that differ, and those with no committed counterpart. Writes
THIS/comparison.md.`;

export async function compareMain(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new KitError(`give two results folders, this run's and the committed one (got ${positionals.length})`);
  }
  const [mine, theirs] = positionals;
  const read = async (path: string) => {
    const { records, skipped } = await readRecordsWithSkips([path]);
    for (const s of skipped) console.error(`skipped ${s.file}:${s.line}: ${s.why}`);
    if (records.length === 0) throw new KitError("no records", path);
    return records;
  };
  const md = comparisonMarkdown(await read(mine), await read(theirs), { fresh: mine, committed: theirs });
  console.log(md);
  if (!values["no-write"]) {
    await writeFileAtomic(`${mine.replace(/\/+$/, "")}/comparison.md`, md + "\n");
    console.error(`wrote ${mine.replace(/\/+$/, "")}/comparison.md`);
  }
  return 0;
}

if (import.meta.main) await runCommand("compare", compareMain);
