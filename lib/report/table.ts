/**
 * The paper's table from records alone: Method | UA | MIA | RA | TA | Avg. Gap | Sum | RTE, mean ± std
 * (sample std, n − 1) over seeds, one block per data set × paradigm × model. Avg. Gap and Sum are
 * computed per record against the Retrain record of the same block, seed and split (the split's index
 * file hash), then averaged (NOTES §6: Avg. Gap = mean over {UA, MIA, RA, TA} of |metric − Retrain's|,
 * Sum = UA + MIA + RA + TA). Nothing is recomputed: records from several runs, folders or shards merge
 * by concatenation; when the same run (runId and model) appears twice, the later one wins.
 * The MIA column appears when any record has metrics.MIA; further metric columns (e.g. AdditionalMIA,
 * LiRA_AUC) come from `extraColumns`, shown after TA and outside Avg. Gap and Sum.
 */
import { avgGap, GAP_KEYS, sumOf } from "../metrics/gaps.ts";
import type { RunRecord } from "../record.ts";

export interface Stat {
  mean: number;
  std: number;
  n: number;
}

export interface TableRow {
  block: string;
  method: string;
  runs: number;
  failed: number;
  cells: Record<string, Stat>;
}

export interface Table {
  columns: string[];
  rows: TableRow[];
  /** How the table was put together: records read, duplicates dropped, runs without a Retrain reference. */
  notes: { records: number; duplicatesDropped: number; withoutRetrain: string[] };
}

export interface TableOptions {
  /** Rows in this order within a block (others after, alphabetically). */
  methodOrder: string[];
  /** Metric keys shown after TA (not part of Avg. Gap or Sum). */
  extraColumns: string[];
  /** Show the MIA column even when no record has it ("–" cells). */
  alwaysMia: boolean;
}

/**
 * Rows in the order of the paper's tables (Retrain, the baselines, then the paper's methods); names as
 * lib/unlearn/registry.ts spells them. Methods not listed follow alphabetically.
 */
export const PAPER_METHOD_ORDER = [
  "retrain",
  "ft",
  "ga",
  "iu",
  "ff",
  "be",
  "bs",
  "l1-sparse",
  "scrub",
  "random-label",
  "salun",
  "ugradsl",
  "ugradsl+",
];

export const AVG_GAP = "Avg. Gap";
export const SUM = "Sum";
export const RTE = "RTE (s)";

export function stat(values: number[]): Stat {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

export function blockOf(r: RunRecord): string {
  return `${r.dataset} · ${r.paradigm} · ${r.model.arch}`;
}

/** Identifies "the same split and model" for the Retrain reference. */
function referenceKey(r: RunRecord): string {
  return `${blockOf(r)}|${r.seed}|${r.split?.indexSha256 ?? ""}|${JSON.stringify(r.model?.options ?? {})}`;
}

/** Later duplicates of a run (runId and model) win; returns the kept records and how many were dropped. */
export function dedupeRecords(records: RunRecord[]): { records: RunRecord[]; dropped: number } {
  const latest = new Map<string, RunRecord>();
  for (const r of records) {
    const key = `${r.runId}|${r.model.arch}|${JSON.stringify(r.model.options ?? {})}`;
    latest.delete(key); // re-insert so order follows the latest occurrence
    latest.set(key, r);
  }
  return { records: [...latest.values()], dropped: records.length - latest.size };
}

/** Merges records (several runs or shards) into one table. */
export function buildTable(records: RunRecord[], options: string[] | Partial<TableOptions> = []): Table {
  const opts: TableOptions = {
    methodOrder: [],
    extraColumns: [],
    alwaysMia: false,
    ...(Array.isArray(options) ? { methodOrder: options } : options),
  };
  const { records: all, dropped } = dedupeRecords(records);
  const retrainOf = new Map<string, RunRecord>();
  for (const r of all) {
    if (r.method === "retrain" && r.status === "ok") retrainOf.set(referenceKey(r), r);
  }
  const hasMia = opts.alwaysMia || all.some((r) => Number.isFinite(r.metrics.MIA));
  const metricCols = GAP_KEYS.filter((k) => k !== "MIA" || hasMia);
  const extra = opts.extraColumns.filter((c) => !(metricCols as string[]).includes(c));
  const columns = [...metricCols, ...extra, AVG_GAP, SUM, RTE];
  const groups = new Map<string, RunRecord[]>();
  for (const r of all) {
    const key = `${blockOf(r)}|${r.method}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const order = (m: string) => {
    const i = opts.methodOrder.indexOf(m);
    return i < 0 ? opts.methodOrder.length : i;
  };
  const withoutRetrain: string[] = [];
  const rows: TableRow[] = [...groups.entries()].map(([key, rs]) => {
    const [block, method] = key.split("|");
    const ok = rs.filter((r) => r.status === "ok");
    const cells: Record<string, Stat> = {};
    for (const k of [...metricCols, ...extra]) cells[k] = stat(ok.map((r) => r.metrics[k]));
    cells[AVG_GAP] = stat(ok.map((r) => {
      const ref = retrainOf.get(referenceKey(r));
      if (!ref) withoutRetrain.push(r.runId);
      return ref ? avgGap(pick(r.metrics, metricCols), ref.metrics) : NaN;
    }));
    cells[SUM] = stat(ok.map((r) => sumOf(r.metrics, metricCols)));
    cells[RTE] = stat(ok.map((r) => r.rteSeconds));
    return { block, method, runs: rs.length, failed: rs.length - ok.length, cells };
  });
  rows.sort((a, b) => a.block.localeCompare(b.block) || order(a.method) - order(b.method) || a.method.localeCompare(b.method));
  return { columns, rows, notes: { records: records.length, duplicatesDropped: dropped, withoutRetrain } };
}

function pick(m: Record<string, number>, keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((k) => k in m).map((k) => [k, m[k]]));
}

export function formatStat(s: Stat, digits = 2): string {
  if (s.n === 0) return "–";
  return s.n > 1 ? `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}` : s.mean.toFixed(digits);
}

function statusNote(row: TableRow): string {
  return row.failed > 0 ? ` (${row.failed}/${row.runs} diverged or failed)` : "";
}

/** Seeds behind each row ("n = 3"); the paper's tables are mean ± std over seeds. */
function seedsNote(table: Table): string {
  const ns = new Set(table.rows.map((r) => r.runs));
  return ns.size === 1 ? `mean ± std over ${[...ns][0]} run(s) per row` : "mean ± std over each row's runs";
}

export function toMarkdown(table: Table, digits = 2): string {
  const out: string[] = [];
  let block = "";
  for (const row of table.rows) {
    if (row.block !== block) {
      block = row.block;
      out.push("", `**${block}**`, "", `| Method | ${table.columns.join(" | ")} |`, `|---|${table.columns.map(() => "---:").join("|")}|`);
    }
    out.push(`| ${row.method}${statusNote(row)} | ${table.columns.map((c) => formatStat(row.cells[c], digits)).join(" | ")} |`);
  }
  if (table.rows.length > 0) {
    out.push(
      "",
      `_${seedsNote(table)}; ${AVG_GAP} and ${SUM} over ${
        table.columns.filter((c) => (GAP_KEYS as readonly string[]).includes(c)).join(", ")
      }; ${AVG_GAP} against Retrain of the same split and seed._`,
    );
  }
  return out.join("\n").trim() + "\n";
}

export function toCsv(table: Table): string {
  const head = ["block", "method", "runs", "failed", ...table.columns.flatMap((c) => [`${c} mean`, `${c} std`])];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = table.rows.map((r) =>
    [
      r.block,
      r.method,
      String(r.runs),
      String(r.failed),
      ...table.columns.flatMap((c) => [r.cells[c].mean, r.cells[c].std].map((v) => Number.isFinite(v) ? v.toFixed(4) : "")),
    ]
      .map(quote).join(",")
  );
  return [head.map(quote).join(","), ...lines].join("\n") + "\n";
}

const escapeHtml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** An HTML table (one <table> per block), for notebooks; no dependencies. */
export function toHtml(table: Table, digits = 2): string {
  const blocks = [...new Set(table.rows.map((r) => r.block))];
  return blocks.map((block) => {
    const head = `<tr><th style="text-align:left">Method</th>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
    const body = table.rows.filter((r) => r.block === block).map((r) =>
      `<tr><td style="text-align:left">${escapeHtml(r.method + statusNote(r))}</td>${
        table.columns.map((c) => `<td style="text-align:right">${escapeHtml(formatStat(r.cells[c], digits))}</td>`).join("")
      }</tr>`
    ).join("");
    return `<p><b>${escapeHtml(block)}</b></p><table><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }).join("\n");
}

/** Writes table.md and table.csv into `out`; returns the Markdown. */
export async function writeTables(out: string, records: RunRecord[], options: string[] | Partial<TableOptions> = []): Promise<string> {
  const table = buildTable(records, options);
  const md = toMarkdown(table);
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(`${out}/table.md`, md);
  await Deno.writeTextFile(`${out}/table.csv`, toCsv(table));
  return md;
}
