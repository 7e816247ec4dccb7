/**
 * The paper's table from records alone: Method | UA | MIA | RA | TA | Avg. Gap | Sum | RTE, mean ± std
 * over seeds, one block per data set × paradigm × model. Avg. Gap and Sum are computed per record
 * against the Retrain record of the same data set, paradigm, model and seed, then averaged.
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
}

export function stat(values: number[]): Stat {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

function blockOf(r: RunRecord): string {
  return `${r.dataset} · ${r.paradigm} · ${r.model.arch}`;
}

/** Merges records (several runs or shards) into one table; later duplicates of a runId win. */
export function buildTable(records: RunRecord[], methodOrder: string[] = []): Table {
  const latest = new Map<string, RunRecord>();
  for (const r of records) latest.set(`${r.runId}|${r.model.arch}`, r);
  const all = [...latest.values()];
  const retrainOf = new Map<string, RunRecord>();
  for (const r of all) {
    if (r.method === "retrain" && r.status === "ok") retrainOf.set(`${blockOf(r)}|${r.seed}`, r);
  }
  const hasMia = all.some((r) => Number.isFinite(r.metrics.MIA));
  const metricCols = GAP_KEYS.filter((k) => k !== "MIA" || hasMia);
  const columns = [...metricCols, "Avg. Gap", "Sum", "RTE (s)"];
  const groups = new Map<string, RunRecord[]>();
  for (const r of all) {
    const key = `${blockOf(r)}|${r.method}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const order = (m: string) => {
    const i = methodOrder.indexOf(m);
    return i < 0 ? methodOrder.length : i;
  };
  const rows: TableRow[] = [...groups.entries()].map(([key, rs]) => {
    const [block, method] = key.split("|");
    const ok = rs.filter((r) => r.status === "ok");
    const cells: Record<string, Stat> = {};
    for (const k of metricCols) cells[k] = stat(ok.map((r) => r.metrics[k]));
    cells["Avg. Gap"] = stat(ok.map((r) => {
      const ref = retrainOf.get(`${block}|${r.seed}`);
      return ref ? avgGap(pick(r.metrics, metricCols), ref.metrics) : NaN;
    }));
    cells["Sum"] = stat(ok.map((r) => sumOf(r.metrics, metricCols)));
    cells["RTE (s)"] = stat(ok.map((r) => r.rteSeconds));
    return { block, method, runs: rs.length, failed: rs.length - ok.length, cells };
  });
  rows.sort((a, b) => a.block.localeCompare(b.block) || order(a.method) - order(b.method) || a.method.localeCompare(b.method));
  return { columns, rows };
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

export function toMarkdown(table: Table): string {
  const out: string[] = [];
  let block = "";
  for (const row of table.rows) {
    if (row.block !== block) {
      block = row.block;
      out.push("", `**${block}**`, "", `| Method | ${table.columns.join(" | ")} |`, `|---|${table.columns.map(() => "---:").join("|")}|`);
    }
    out.push(`| ${row.method}${statusNote(row)} | ${table.columns.map((c) => formatStat(row.cells[c])).join(" | ")} |`);
  }
  return out.join("\n").trim() + "\n";
}

export function toCsv(table: Table): string {
  const head = ["block", "method", "runs", "failed", ...table.columns.flatMap((c) => [`${c} mean`, `${c} std`])];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = table.rows.map((r) =>
    [r.block, r.method, String(r.runs), String(r.failed), ...table.columns.flatMap((c) => [r.cells[c].mean, r.cells[c].std].map((v) => Number.isFinite(v) ? v.toFixed(4) : ""))]
      .map(quote).join(",")
  );
  return [head.map(quote).join(","), ...lines].join("\n") + "\n";
}

/** Writes table.md and table.csv beside the records; returns the Markdown. */
export async function writeTables(out: string, records: RunRecord[], methodOrder: string[] = []): Promise<string> {
  const table = buildTable(records, methodOrder);
  const md = toMarkdown(table);
  await Deno.writeTextFile(`${out}/table.md`, md);
  await Deno.writeTextFile(`${out}/table.csv`, toCsv(table));
  return md;
}
