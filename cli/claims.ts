/**
 * `deno task claims [--quick] [--sensitivity NAME=DIR …] [--markdown FILE]`: the notebooks' verdicts on the paper's
 * claims (lib/report/claims.ts) → results/chapters.md (or --markdown) and results/claims.json, and the verdict column of
 * notebooks/README.md, all from the committed records. `--sensitivity` names results folders holding the
 * same runs started from selections of shifted searches (default: results/sensitivity/* when present).
 * results/claims.md is evidence v2's scoreboard (`deno task claims-v2`): this command never writes it.
 */
import { kitPath, ROOT } from "../lib/env.ts";
import { makeFolder, readRecords, writeFileAtomic } from "../lib/record.ts";
import type { SensitivityRuns } from "../lib/report/claims.ts";
import { chapterVerdicts, claimsMarkdown, indexTable, withIndexTable } from "../lib/report/claims.ts";
import { parseFlags, runCommand, sensitivityFolders } from "./flags.ts";

const FLAGS = {
  quick: { type: "boolean" as const, doc: "read the quick-mode records (tmp/); writes to tmp/chapters.md" },
  sensitivity: { type: "string" as const, multiple: true, doc: "NAME=DIR: runs from a shifted search's selection" },
  markdown: {
    type: "string" as const,
    doc: "the chapters' scoreboard (default results/chapters.md; results/claims.md is v2's, written by claims-v2)",
  },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

export async function claimsMain(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) {
    console.log(
      "deno task claims [--quick] [--sensitivity NAME=DIR …] [--markdown FILE]\n\nWrites results/chapters.md (or --markdown), results/claims.json and the verdicts of notebooks/README.md.",
    );
    return 0;
  }
  const mode = values.quick ? "quick" : "full";
  const pairs = sensitivityFolders(values.sensitivity as string[] | undefined);
  const sensitivity: SensitivityRuns = {};
  for (const [name, dir] of pairs) sensitivity[name] = await readRecords([dir]);
  const chapters = await chapterVerdicts(mode, sensitivity);
  const out = mode === "quick" ? `${ROOT}tmp` : `${ROOT}results`;
  await makeFolder(out);
  const markdown = values.markdown ? kitPath(values.markdown as string) : `${out}/chapters.md`;
  await writeFileAtomic(markdown, claimsMarkdown(chapters));
  await writeFileAtomic(`${out}/claims.json`, JSON.stringify(chapters, null, 1) + "\n");
  if (mode === "full") {
    const readme = `${ROOT}notebooks/README.md`;
    await writeFileAtomic(readme, withIndexTable(await Deno.readTextFile(readme), indexTable(chapters)));
  }
  for (const c of chapters) console.log(`${c.id} ${c.title}: ${c.verdict?.level ?? "not run"}`);
  console.log(`wrote ${markdown}, ${out}/claims.json${mode === "full" ? " and the verdicts of notebooks/README.md" : ""}`);
  return 0;
}

if (import.meta.main) await runCommand("claims", claimsMain);
