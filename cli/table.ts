/**
 * `deno task table PATH [PATH…]`: the table rebuilt from records alone (lib/report/table.ts), merging
 * every input without recomputation. Prints Markdown and writes table.md, table.csv and table.tex (LaTeX) into --out
 * (default: the single input folder). Unreadable lines are skipped and listed; an empty input never
 * overwrites a table.
 */
import { kitPath } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { makeFolder, readRecordsWithSkips, writeFileAtomic } from "../lib/record.ts";
import { buildTable, toCsv, toMarkdown } from "../lib/report/table.ts";
import { toLatex } from "../lib/report/latex.ts";
import { integerFlag, listFlag, parseFlags, runCommand } from "./flags.ts";

const FLAGS = {
  out: { type: "string" as const, doc: "where table.md, table.csv and table.tex go (default: the input folder, when there is one)" },
  columns: { type: "string" as const, default: "", doc: "extra metric columns after TA, e.g. VA,AdditionalMIA,LiRA_AUC" },
  methods: { type: "string" as const, doc: "only these methods (comma list)" },
  digits: { type: "string" as const, default: "2", doc: "decimals" },
  "no-write": { type: "boolean" as const, doc: "print only" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

const HELP = `deno task table PATH [PATH…] [--out DIR] [--columns A,B] [--methods m1,m2] [--digits N]

Rebuilds Method | UA | MIA | RA | TA | Avg. Gap | Sum | RTE (mean ± std over seeds) from records.jsonl
files or folders holding one; records from several runs or shards merge (a repeated run: the later wins).
Relative paths are resolved against the kit's folder, wherever the command is started from.`;

export async function tableMain(args: string[]): Promise<number> {
  const parsed = parseFlags(args, FLAGS, true);
  const { values } = parsed;
  const positionals = parsed.positionals.map(kitPath);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new KitError("give at least one results folder or records.jsonl file");
  const digits = integerFlag(values.digits as string, "digits");
  if (digits < 0 || digits > 8) throw new KitError(`${digits} is not in [0, 8]`, "--digits");
  const { records: all, skipped } = await readRecordsWithSkips(positionals);
  for (const s of skipped) console.error(`skipped ${s.file}:${s.line}: ${s.why}`);
  const only = values.methods ? listFlag(values.methods as string) : undefined;
  const records = only ? all.filter((r) => only.includes(r.method)) : all;
  const table = buildTable(records, { extraColumns: listFlag(values.columns as string) });
  const md = toMarkdown(table, digits);
  console.log(md);
  const n = table.notes;
  console.error(
    `${n.records} records from ${positionals.length} input(s)` + (skipped.length ? `, ${skipped.length} unreadable line(s) skipped` : "") +
      (n.duplicatesDropped ? `, ${n.duplicatesDropped} repeated runs replaced by later ones` : "") +
      (n.mixedConfigurations.length ? `; warning: mixed configurations (${n.mixedConfigurations.join("; ")})` : ""),
  );
  for (const v of n.invalidValues) console.error(`warning: ${v}`);
  if (values["no-write"]) return 0;
  if (table.rows.length === 0) throw new KitError("no records to tabulate; no table was written (an existing one is left as it is)");
  let out = values.out ? kitPath(values.out as string) : undefined;
  if (!out) {
    const dirs = [];
    for (const p of positionals) if ((await Deno.stat(p)).isDirectory) dirs.push(p);
    if (positionals.length !== 1 || dirs.length !== 1) {
      throw new KitError("several inputs (or a file): say where the tables go with --out DIR, or --no-write");
    }
    out = dirs[0];
  }
  await makeFolder(out);
  await writeFileAtomic(`${out}/table.md`, md);
  await writeFileAtomic(`${out}/table.csv`, toCsv(table));
  await writeFileAtomic(`${out}/table.tex`, toLatex(table, { digits }));
  console.error(`wrote ${out}/table.md, table.csv and table.tex (LaTeX, booktabs)`);
  return 0;
}

if (import.meta.main) await runCommand("table", tableMain);
