/**
 * Tables from records alone: one row per method (and variant, and snapshot epoch) in each block of data
 * set × paradigm × model, columns UA | MIA | RA | TA | … | Avg. Gap | Sum | RTE, each the mean over seeds
 * ± the half-width of its 95% Student-t interval (stats.ts), with n. Every value is read from the records (Avg. Gap and Sum are metrics a run records,
 * lib/metrics/gaps.ts); nothing is recomputed, so records from several runs, folders or shards merge by
 * concatenation, and a repeated run (same configuration, seed and epoch) counts once: the later wins.
 *
 * Only repeats of one configuration are averaged: records of one method and variant whose configuration
 * hashes differ (another forgotten class, other options) become separate rows, marked with the hash, and
 * the table's notes say so.
 */
import type { RunRecord } from "../record.ts";
import { makeFolder, writeFileAtomic } from "../record.ts";
import { metricColumn } from "../metrics/registry.ts";
import type { MetricColumn } from "../metrics/types.ts";
import { METHODS } from "../unlearn/registry.ts";
import type { Interval } from "./stats.ts";
import { formatInterval, meanInterval } from "./stats.ts";
import { escapeHtml } from "./html.ts";

/** A cell: the mean over seeds with its 95% Student-t interval (stats.ts). */
export type Stat = Interval;

export interface TableRow {
  block: string;
  method: string;
  variant: string | null;
  /** What the first column shows: `ugradsl (R)`; with a configuration mark where a block mixes them. */
  label: string;
  /** Ablation label columns (`tags.labels`). */
  labels: Record<string, string>;
  /** Snapshot epoch (per-epoch ablations); undefined for the end state. */
  epoch?: number;
  configHash: string;
  runs: number;
  failed: number;
  /** Statuses of the runs that are not ok, e.g. ["diverged"]. */
  problems: string[];
  seeds: number[];
  cells: Record<string, Stat>;
  /**
   * Per column, the seeds of ok runs whose value is there but not a finite number (null, as NaN is
   * written; Infinity; a string): their cell averages fewer runs, and shows its own n with a mark.
   */
  invalid: Record<string, number[]>;
}

export interface Table {
  /** Metric keys (record.metrics), then "rteSeconds". */
  columns: string[];
  labelColumns: string[];
  rows: TableRow[];
  /** How the table was put together. */
  notes: { records: number; duplicatesDropped: number; mixedConfigurations: string[]; invalidValues: string[] };
}

export interface TableOptions {
  /** Metric columns in order; default UA, MIA (when any record has it), RA, TA, extras, AvgGap, Sum. */
  columns?: string[];
  /** Extra metric columns after TA (e.g. VA, AdditionalMIA, LiRA_AUC). */
  extraColumns?: string[];
  /** Ablation label columns (from `tags.labels`), shown before the metrics. */
  labelColumns?: string[];
  /** Row order of variants (ablation variant ids); others after, alphabetically. */
  variantOrder?: string[];
  /** Keep per-epoch snapshot rows (Table 14); default: end states only. */
  epochs?: boolean;
}

/**
 * Columns that are not metrics but fields of a record. A metric's column reads as its metric declares
 * (`columns` of its spec in lib/metrics/: title, unit, range, which way is better).
 */
const RECORD_COLUMNS: Record<string, MetricColumn> = {
  rteSeconds: { title: "RTE (s)", range: [0, Infinity], better: "lower" },
  evalSeconds: { title: "evaluation (s)", range: [0, Infinity], better: "lower" },
};

/** How a column reads: its metric's declaration, a record field's, or just its key. */
export function columnInfo(key: string): MetricColumn {
  return RECORD_COLUMNS[key] ?? metricColumn(key) ?? { better: "retrain" };
}

export const columnTitle = (key: string) => columnInfo(key).title ?? key;

/**
 * The range a metric can take, for clipping error whiskers and fixing axes: as its metric declares, else
 * [0, 100] for percentages and points; unknown keys are unbounded.
 */
export function metricRange(key: string): [number, number] {
  const { range, unit } = columnInfo(key);
  if (range) return range;
  return unit ? [0, 100] : [-Infinity, Infinity];
}

/** A metric's human label with its unit: "LiRA AUC (%)", "Avg. Gap (points)", "RTE (s)", "UA (%)". */
export function axisLabel(key: string): string {
  const title = columnTitle(key);
  const unit = columnInfo(key).unit;
  return unit && !title.endsWith(")") ? `${title} (${unit})` : title;
}

/** For a figure title: which way is better and what it means, e.g. " (lower is closer to Retrain)"; "" when not said. */
export function betterNote(key: string): string {
  const { better, reads } = columnInfo(key);
  return reads && better !== "retrain" ? ` (${better} is ${reads})` : "";
}

export const stat = (values: number[]): Stat => meanInterval(values);

export function blockOf(r: RunRecord): string {
  return `${r.dataset} · ${r.paradigm} · ${r.model.arch}`;
}

/** `ugradsl (R)`: a method's name and its variant. */
export function rowLabel(method: string, variant: string | null): string {
  return variant ? `${method} (${variant})` : method;
}

/** Later repeats of a run (configuration, seed, epoch) win; returns the kept records and how many were dropped. */
export function dedupeRecords(records: RunRecord[]): { records: RunRecord[]; dropped: number } {
  const latest = new Map<string, RunRecord>();
  for (const r of records) {
    const key = `${r.configHash}|${r.seed}|${r.tags.epoch ?? "end"}`;
    latest.delete(key); // re-insert so order follows the latest occurrence
    latest.set(key, r);
  }
  return { records: [...latest.values()], dropped: records.length - latest.size };
}

const methodRank = (m: string) => METHODS[m]?.display.order ?? Number.MAX_SAFE_INTEGER;

/** Merges records (several runs or shards) into one table. */
export function buildTable(records: RunRecord[], options: TableOptions = {}): Table {
  const { records: all, dropped } = dedupeRecords(records);
  const shown = all.filter((r) => (options.epochs ? true : r.tags.epoch === undefined));
  const hasMia = shown.some((r) => Number.isFinite(r.metrics.MIA));
  const columns = options.columns ??
    [...["UA", "MIA", "RA", "TA"].filter((k) => k !== "MIA" || hasMia), ...(options.extraColumns ?? []), "AvgGap", "Sum"];
  const groups = new Map<string, RunRecord[]>();
  for (const r of shown) {
    const key = [blockOf(r), r.method, r.variant ?? "", r.configHash, r.tags.epoch ?? ""].join("|");
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  // Where one block holds several configurations of a method and variant, rows are marked by hash.
  const configsOf = new Map<string, Set<string>>();
  for (const r of shown) {
    const k = `${blockOf(r)}|${r.method}|${r.variant ?? ""}`;
    configsOf.set(k, (configsOf.get(k) ?? new Set()).add(r.configHash));
  }
  const mixed = [...configsOf.entries()].filter(([, s]) => s.size > 1).map(([k, s]) =>
    `${k.replaceAll("|", " · ")}: ${s.size} configurations`
  );
  const variantRank = (v: string | null) => {
    const i = options.variantOrder?.indexOf(v ?? "") ?? -1;
    return i < 0 ? (options.variantOrder?.length ?? 0) : i;
  };
  const rows: TableRow[] = [...groups.values()].map((rs) => {
    const r0 = rs[0];
    const ok = rs.filter((r) => r.status === "ok");
    const cells: Record<string, Stat> = {};
    const invalid: Record<string, number[]> = {};
    for (const k of columns) {
      cells[k] = stat(ok.map((r) => r.metrics[k]));
      const bad = ok.filter((r) => k in r.metrics && !(typeof r.metrics[k] === "number" && Number.isFinite(r.metrics[k])));
      if (bad.length) invalid[k] = bad.map((r) => r.seed);
    }
    cells.rteSeconds = stat(ok.map((r) => r.rteSeconds));
    const several = (configsOf.get(`${blockOf(r0)}|${r0.method}|${r0.variant ?? ""}`)?.size ?? 1) > 1;
    return {
      block: blockOf(r0),
      method: r0.method,
      variant: r0.variant,
      label: rowLabel(r0.method, r0.variant) + (several ? ` #${r0.configHash.slice(0, 6)}` : ""),
      labels: r0.tags.labels ?? {},
      epoch: r0.tags.epoch,
      configHash: r0.configHash,
      runs: rs.length,
      failed: rs.length - ok.length,
      problems: [...new Set(rs.filter((r) => r.status !== "ok").map((r) => r.status))],
      seeds: [...new Set(rs.map((r) => r.seed))].sort((a, b) => a - b),
      cells,
      invalid,
    };
  });
  rows.sort((a, b) =>
    a.block.localeCompare(b.block) || methodRank(a.method) - methodRank(b.method) || a.method.localeCompare(b.method) ||
    variantRank(a.variant) - variantRank(b.variant) || (a.variant ?? "").localeCompare(b.variant ?? "") ||
    (a.epoch ?? Infinity) - (b.epoch ?? Infinity) || a.label.localeCompare(b.label)
  );
  return {
    columns: [...columns, "rteSeconds"],
    labelColumns: options.labelColumns ?? [],
    rows,
    notes: {
      records: records.length,
      duplicatesDropped: dropped,
      mixedConfigurations: mixed,
      invalidValues: rows.flatMap((r) =>
        Object.entries(r.invalid).map(([c, seeds]) =>
          `${r.block} · ${r.label} ${columnTitle(c)}: no finite value for seed(s) ${seeds.join(", ")}, mean over n = ${r.cells[c].n}`
        )
      ),
    },
  };
}

export function formatStat(s: Stat | undefined, digits = 2): string {
  return s ? formatInterval(s, digits) : "–";
}

function statusNote(row: TableRow): string {
  return row.failed > 0 ? ` (${row.failed}/${row.runs} ${row.problems.join("/")})` : "";
}

/** The cells of a row in column order: label columns, (epoch), metrics. */
function rowCells(table: Table, row: TableRow, digits: number, withEpoch: boolean): string[] {
  const first = table.labelColumns.length ? table.labelColumns.map((c) => row.labels[c] ?? "") : [row.label];
  first[0] += statusNote(row);
  return [
    ...first,
    ...(withEpoch ? [row.epoch === undefined ? "end" : String(row.epoch)] : []),
    ...table.columns.map((c) => formatStat(row.cells[c], digits) + (row.invalid[c] ? ` (n = ${row.cells[c].n})†` : "")),
  ];
}

function headings(table: Table, withEpoch: boolean): string[] {
  return [
    ...(table.labelColumns.length ? table.labelColumns : ["Method"]),
    ...(withEpoch ? ["Epoch"] : []),
    ...table.columns.map(columnTitle),
  ];
}

/** What the numbers are: seeds, statistic, what Avg. Gap and Sum cover. */
export function tableFootnote(table: Table): string {
  const seeds = [...new Set(table.rows.flatMap((r) => r.seeds))].sort((a, b) => a - b);
  const ns = [...new Set(table.rows.map((r) => r.runs))];
  const parts = [
    `mean ± half-width of the 95% interval (Student t) over ${
      ns.length === 1 ? `n = ${ns[0]} seed(s) per row` : "each row's seeds (n in the CSV)"
    } (seeds ${seeds.join(", ")})`,
    "Avg. Gap = mean |metric − Retrain's| over UA, MIA, RA, TA against the Retrain of the same split and seed; Sum = UA + MIA + RA + TA",
    "RTE in seconds",
  ];
  if (table.notes.invalidValues.length) {
    parts.push(`† a cell over fewer seeds than its row: ${table.notes.invalidValues.join("; ")}`);
  }
  if (table.notes.mixedConfigurations.length) {
    parts.push(`rows marked #hash are different configurations (${table.notes.mixedConfigurations.join("; ")})`);
  }
  return `_${parts.join("; ")}._`;
}

export function toMarkdown(table: Table, digits = 2): string {
  const out: string[] = [];
  const withEpoch = table.rows.some((r) => r.epoch !== undefined);
  const heads = headings(table, withEpoch);
  let block = "";
  for (const row of table.rows) {
    if (row.block !== block) {
      block = row.block;
      out.push(
        "",
        `**${block}**`,
        "",
        `| ${heads.join(" | ")} |`,
        `|${heads.map((_, i) => (i === 0 || i < table.labelColumns.length ? "---" : "---:")).join("|")}|`,
      );
    }
    out.push(`| ${rowCells(table, row, digits, withEpoch).join(" | ")} |`);
  }
  if (table.rows.length > 0) out.push("", tableFootnote(table));
  return out.join("\n").trim() + "\n";
}

export function toCsv(table: Table): string {
  const head = [
    "block",
    "method",
    "variant",
    "epoch",
    ...table.labelColumns,
    "runs",
    "failed",
    ...table.columns.flatMap((c) => [`${c} mean`, `${c} ci95`, `${c} sd`, `${c} n`]),
  ];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const num = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "");
  const lines = table.rows.map((r) =>
    [
      r.block,
      r.method,
      r.variant ?? "",
      r.epoch === undefined ? "" : String(r.epoch),
      ...table.labelColumns.map((c) => r.labels[c] ?? ""),
      String(r.runs),
      String(r.failed),
      ...table.columns.flatMap((c) => [num(r.cells[c].mean), num(r.cells[c].halfWidth), num(r.cells[c].sd), String(r.cells[c].n)]),
    ].map(quote).join(",")
  );
  return [head.map(quote).join(","), ...lines].join("\n") + "\n";
}

/** An HTML table (one <table> per block), for notebooks; no dependencies. */
export function toHtml(table: Table, digits = 2): string {
  const withEpoch = table.rows.some((r) => r.epoch !== undefined);
  const heads = headings(table, withEpoch);
  const nLabels = Math.max(1, table.labelColumns.length) + (withEpoch ? 1 : 0);
  const align = (i: number) => (i < nLabels ? "left" : "right");
  const blocks = [...new Set(table.rows.map((r) => r.block))];
  return blocks.map((block) => {
    const head = `<tr>${heads.map((h, i) => `<th style="text-align:${align(i)}">${escapeHtml(h)}</th>`).join("")}</tr>`;
    const body = table.rows.filter((r) => r.block === block).map((r) =>
      `<tr>${rowCells(table, r, digits, withEpoch).map((c, i) => `<td style="text-align:${align(i)}">${escapeHtml(c)}</td>`).join("")}</tr>`
    ).join("");
    return `<p><b>${escapeHtml(block)}</b></p><table><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }).join("\n") + `<p><i>${escapeHtml(tableFootnote(table).replaceAll("_", ""))}</i></p>`;
}

/**
 * Writes table.md and table.csv into `out` and returns the Markdown. An empty table never replaces a
 * table already there (a bad or empty input must not erase a result).
 */
export async function writeTables(out: string, records: RunRecord[], options: TableOptions = {}): Promise<string> {
  const table = buildTable(records, options);
  const md = toMarkdown(table);
  if (table.rows.length === 0) {
    console.error(`warning: no records to tabulate; ${out}/table.md is left as it was`);
    return md;
  }
  for (const v of table.notes.invalidValues) console.error(`warning: ${v}`);
  await makeFolder(out);
  await writeFileAtomic(`${out}/table.md`, md);
  await writeFileAtomic(`${out}/table.csv`, toCsv(table));
  return md;
}
