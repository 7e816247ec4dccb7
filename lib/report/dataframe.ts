/**
 * danfojs DataFrames of tables and records, for notebooks. danfojs 1.2.0 loads here because
 * package.json overrides its `xlsx` (a tarball URL Deno cannot resolve) and its `@tensorflow/tfjs` (so it
 * shares the kit's single tfjs 4.22 engine instead of bringing tfjs 3), with `"nodeModulesDir": "manual"`
 * (docs/toolchain.md §3). Deno's Jupyter kernel does not display danfojs frames by itself, so every
 * frame returned here carries a `Symbol.for("Jupyter.display")` method with text/html and text/plain.
 *
 * This module is the only one importing danfojs: the CLI and the table task do not pay for loading it.
 */
import * as dfd from "danfojs";
import type { RunRecord } from "../record.ts";
import type { Table, TableOptions } from "./table.ts";
import { buildTable, columnTitle, formatStat, toHtml, toMarkdown } from "./table.ts";
import { escapeHtml } from "./html.ts";
import { failureNote } from "./figure.ts";

export type DataFrame = InstanceType<typeof dfd.DataFrame>;

const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** A plain HTML rendering of any frame (header + rows). */
export function frameHtml(df: DataFrame, digits = 2): string {
  const cols = df.columns as string[];
  const fmt = (
    v: unknown,
  ) => (typeof v === "number"
    ? (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toFixed(digits) : "–")
    : escapeHtml(String(v ?? "")));
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = (df.values as unknown[][]).map((row) => `<tr>${row.map((v) => `<td>${fmt(v)}</td>`).join("")}</tr>`).join("");
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** Gives `df` a Jupyter display method (Deno kernel); `html`/`text` default to a rendering of the frame. */
export function withDisplay<T extends DataFrame>(df: T, html?: () => string, text?: () => string): T {
  Object.defineProperty(df, JUPYTER_DISPLAY, {
    value: () => ({ "text/html": html ? html() : frameHtml(df), "text/plain": text ? text() : df.toString() }),
    enumerable: false,
    configurable: true,
  });
  return df;
}

/**
 * The paper's table as a frame: Block, Method, Runs, Failed, then one column per metric. `numeric: false`
 * (default) gives the cells as printed; `numeric: true` gives `<col>` (mean) and `<col> ci95` (half-width
 * of the 95% interval) numbers for further computation. Displays as the same HTML tables `toHtml` makes.
 */
export function tableFrame(table: Table, options: { numeric?: boolean; digits?: number } = {}): DataFrame {
  const digits = options.digits ?? 2;
  // Column headings as the printed table has them ("Avg. Gap", "RTE (s)"); rows by label ("ugradsl (R)").
  const rows = table.rows.map((r) => {
    const row: Record<string, string | number> = { Block: r.block, Method: r.label, Runs: r.runs, Failed: r.failed };
    for (const c of table.columns) {
      if (options.numeric) {
        row[columnTitle(c)] = r.cells[c].mean;
        row[`${columnTitle(c)} ci95`] = r.cells[c].halfWidth;
      } else {
        row[columnTitle(c)] = formatStat(r.cells[c], digits);
      }
    }
    return row;
  });
  const columns = [
    "Block",
    "Method",
    "Runs",
    "Failed",
    ...table.columns.map(columnTitle).flatMap((c) => (options.numeric ? [c, `${c} ci95`] : [c])),
  ];
  const df = rows.length ? new dfd.DataFrame(rows, { columns }) : new dfd.DataFrame([], { columns });
  return withDisplay(df, () => toHtml(table, digits), () => toMarkdown(table, digits));
}

/** `buildTable(records)` as a frame. */
export function recordsTableFrame(records: RunRecord[], options: Partial<TableOptions> & { numeric?: boolean } = {}): DataFrame {
  return tableFrame(buildTable(records, options), options);
}

/**
 * One row per record: who ran what (experiment, dataset, paradigm, model, method, variant, seed, status),
 * the ablation and snapshot epoch it belongs to ("" and NaN where none), Eq. 6's smooth rate and mixing
 * weight (NaN for methods without them), its timings (seconds), and every metric key any record has (NaN
 * where a record lacks it). The frame to filter, group and pivot in a notebook (`groupMeans`).
 */
export function recordsFrame(records: RunRecord[]): DataFrame {
  const metricKeys = [...new Set(records.flatMap((r) => Object.keys(r.metrics)))];
  const num = (v: unknown) => (typeof v === "number" ? v : NaN);
  const rows = records.map((r) => {
    const row: Record<string, string | number> = {
      experiment: r.experiment,
      dataset: r.dataset,
      paradigm: r.paradigm,
      model: r.model.arch,
      method: r.method,
      variant: r.variant ?? "",
      seed: r.seed,
      status: r.status,
      ablation: r.tags.ablation ?? "",
      epoch: r.tags.epoch ?? NaN,
      smoothRate: num(r.methodOptions.smoothRate),
      mixWeight: num(r.methodOptions.mixWeight),
      rteSeconds: r.rteSeconds,
      evalSeconds: r.evalSeconds,
    };
    for (const k of metricKeys) row[k] = r.metrics[k] ?? NaN;
    return row;
  });
  const columns = [
    "experiment",
    "dataset",
    "paradigm",
    "model",
    "method",
    "variant",
    "seed",
    "status",
    "ablation",
    "epoch",
    "smoothRate",
    "mixWeight",
    "rteSeconds",
    "evalSeconds",
    ...metricKeys,
  ];
  return withDisplay(rows.length ? new dfd.DataFrame(rows, { columns }) : new dfd.DataFrame([], { columns }));
}

/**
 * A records frame filtered and grouped with danfojs: the rows whose columns equal `where`'s values (end states
 * only unless `where` names an epoch), grouped by `by`, with the mean, standard deviation and count over the
 * finished (ok) runs of each metric (`UA_mean`, `UA_std`, `UA_count`), sorted by the first grouping column.
 * Runs that did not finish are not averaged but counted in the column `unfinished` ("5/5 diverged", "" when
 * all finished); a group with no finished run keeps its row, its metrics NaN. E.g. Fig. 3's sweep:
 * `groupMeans(frame, { where: { ablation: "fig3" }, by: ["smoothRate"] })`.
 */
export function groupMeans(
  frame: DataFrame,
  options: { where?: Record<string, string | number>; by: string[]; metrics?: string[] },
): DataFrame {
  const metrics = (options.metrics ?? ["UA", "MIA", "RA", "TA"]).filter((m) => (frame.columns as string[]).includes(m));
  const cols = frame.columns as string[];
  const where = options.where ?? {};
  const rows = (frame.values as unknown[][]).filter((row) =>
    Object.entries(where).every(([k, v]) => row[cols.indexOf(k)] === v) &&
    ("epoch" in where || !Number.isFinite(row[cols.indexOf("epoch")] as number))
  );
  const ok = rows.filter((row) => row[cols.indexOf("status")] === "ok");
  const outColumns = [...options.by, ...metrics.flatMap((m) => [`${m}_mean`, `${m}_std`, `${m}_count`]), "unfinished"];
  if (rows.length === 0) return withDisplay(new dfd.DataFrame([], { columns: outColumns }));
  const keyOf = (row: unknown[]) => JSON.stringify(options.by.map((b) => row[cols.indexOf(b)]));
  const unfinished = unfinishedByGroup(rows, keyOf, cols.indexOf("status"));
  const groupedRows: unknown[][] = [];
  if (ok.length) {
    const picked = new dfd.DataFrame(ok, { columns: cols }).loc({ columns: [...options.by, ...metrics] });
    const grouped = picked.groupby(options.by).agg(Object.fromEntries(metrics.map((m) => [m, ["mean", "std", "count"]])));
    const gCols = grouped.columns as string[];
    for (const g of grouped.values as unknown[][]) groupedRows.push(outColumns.slice(0, -1).map((c) => g[gCols.indexOf(c)]));
  }
  const seen = new Set(groupedRows.map((g) => JSON.stringify(g.slice(0, options.by.length))));
  for (const key of unfinished.keys()) {
    if (!seen.has(key)) groupedRows.push([...JSON.parse(key), ...metrics.flatMap(() => [NaN, NaN, 0])]);
  }
  const withNotes = groupedRows.map((g) => [...g, unfinished.get(JSON.stringify(g.slice(0, options.by.length))) ?? ""]);
  return withDisplay(new dfd.DataFrame(withNotes, { columns: outColumns }).sortValues(options.by[0]) as DataFrame);
}

/** Per group key, "k/n diverged" (figure.ts failureNote) for the groups with runs that did not finish. */
function unfinishedByGroup(rows: unknown[][], keyOf: (row: unknown[]) => string, statusCol: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of new Set(rows.map(keyOf))) {
    const rs = rows.filter((r) => keyOf(r) === key);
    const failed = rs.filter((r) => r[statusCol] !== "ok").map((r) => String(r[statusCol]));
    const note = failureNote({ failed: failed.length, runs: rs.length, problems: [...new Set(failed)] });
    if (note) out.set(key, note);
  }
  return out;
}
