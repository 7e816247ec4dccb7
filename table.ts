/**
 * `deno task table results/<name> [more folders or records.jsonl files…]`: the paper's table rebuilt
 * from records alone (lib/report/table.ts), merging every input without recomputation. Prints Markdown
 * and writes table.md and table.csv into --out (default: the single input folder; required for several).
 */
import { parseArgs } from "node:util";
import { readRecords } from "./lib/record.ts";
import { buildTable, PAPER_METHOD_ORDER, toCsv, toMarkdown } from "./lib/report/table.ts";

const HELP = `deno task table PATH [PATH…] [--out DIR] [--columns A,B] [--methods m1,m2] [--digits N]

Rebuilds Method | UA | MIA | RA | TA | Avg. Gap | Sum | RTE (mean ± std over seeds) from records.jsonl
files or folders holding one; records from several runs or shards merge (a repeated run: the later wins).
  --out DIR      where table.md and table.csv go (default: the input folder, when there is one)
  --columns A,B  extra metric columns after TA, e.g. AdditionalMIA,LiRA_AUC (not in Avg. Gap / Sum)
  --methods L    row order within a block (default ${PAPER_METHOD_ORDER.join(",")})
  --digits N     decimals (default 2)
  --no-write     print only`;

function fail(message: string): never {
  console.error(`error: ${message}\n(see deno task table --help)`);
  Deno.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      columns: { type: "string", default: "" },
      methods: { type: "string", default: PAPER_METHOD_ORDER.join(",") },
      digits: { type: "string", default: "2" },
      "no-write": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
if (positionals.length === 0) fail("give at least one results folder or records.jsonl file");
const digits = Number(values.digits);
if (!Number.isInteger(digits) || digits < 0 || digits > 8) fail(`--digits must be an integer in [0, 8], got "${values.digits}"`);
const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

let records;
try {
  records = await readRecords(positionals);
} catch (e) {
  fail((e as Error).message);
}
const table = buildTable(records, { methodOrder: list(values.methods), extraColumns: list(values.columns) });
const md = toMarkdown(table, digits);
console.log(md);
const n = table.notes;
console.error(
  `${n.records} records from ${positionals.length} input(s)` +
    (n.duplicatesDropped ? `, ${n.duplicatesDropped} repeated runs replaced by later ones` : "") +
    (n.withoutRetrain.length
      ? `; no Retrain reference for ${n.withoutRetrain.length} run(s), Avg. Gap left empty: ${n.withoutRetrain.slice(0, 5).join(", ")}`
      : ""),
);
if (!values["no-write"]) {
  let out = values.out;
  if (!out) {
    const dirs = [];
    for (const p of positionals) if ((await Deno.stat(p)).isDirectory) dirs.push(p);
    if (positionals.length !== 1 || dirs.length !== 1) {
      fail("several inputs (or a file): say where the tables go with --out DIR, or --no-write");
    }
    out = dirs[0];
  }
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(`${out}/table.md`, md);
  await Deno.writeTextFile(`${out}/table.csv`, toCsv(table));
  console.error(`wrote ${out}/table.md and ${out}/table.csv`);
}
