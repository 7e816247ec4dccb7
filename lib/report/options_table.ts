/**
 * Each method's hyperparameters as the records hold them (`methodOptions`, and `optionLayers`: the method
 * file's defaults, then the search's selection, then what the caller set; lib/record.ts), one row per
 * paradigm, method and variant: the learning rate, epochs, the mixing weight p and smooth rate α of Eq. 6
 * (docs/paper.md §5), any other option the selection or the caller set, and where the values came from.
 * Nothing is read from the method files: a table shows what the runs used.
 */
import type { RunRecord } from "../record.ts";
import { METHODS } from "../unlearn/registry.ts";
import { rowsTable } from "./html.ts";
import { rowLabel } from "./table.ts";

/** The options shown in their own columns (where a method has them). */
const MAIN: [key: string, heading: string][] = [
  ["learningRate", "learning rate"],
  ["epochs", "epochs"],
  ["mixWeight", "p (mixWeight)"],
  ["smoothRate", "α (smoothRate)"],
];

const show = (v: unknown) => (typeof v === "number" ? String(Number(v.toPrecision(4))) : v === undefined ? "–" : String(v));

export interface OptionsRow {
  paradigm: string;
  method: string;
  options: Record<string, string>;
  /** Other options the selection or the caller set: "key = value". */
  others: string;
  /** "search selection R (results/search/…/summary.md (point 11))", "method file defaults", "set by the run". */
  from: string;
}

/** One row per paradigm, method and variant (the first ok end-state record of each), in the methods' table order. */
export function optionsRows(records: RunRecord[]): OptionsRow[] {
  const seen = new Map<string, RunRecord>();
  for (const r of records) {
    if (r.status !== "ok" || r.tags.epoch !== undefined) continue;
    const key = `${r.paradigm}|${rowLabel(r.method, r.variant)}|${r.tags.ablation ?? ""}`;
    if (!seen.has(key)) seen.set(key, r);
  }
  const rank = (m: string) => METHODS[m]?.display.order ?? Number.MAX_SAFE_INTEGER;
  return [...seen.values()].sort((a, b) => a.paradigm.localeCompare(b.paradigm) || rank(a.method) - rank(b.method)).map((r) => {
    const sel = r.optionLayers?.selection ?? null;
    const over = r.optionLayers?.overrides ?? {};
    const main = new Set(MAIN.map(([k]) => k));
    // A method with none of the main options (IU, FF) lists all of its own instead.
    const own = MAIN.every(([k]) => r.methodOptions[k] === undefined) ? Object.keys(r.methodOptions) : [];
    const others = [...new Set([...own, ...Object.keys(sel?.options ?? {}), ...Object.keys(over)])].filter((k) => !main.has(k))
      .map((k) => `${k} = ${show(r.methodOptions[k])}`);
    const from = [
      sel ? `search selection ${sel.name}: ${Object.keys(sel.options).join(", ")} from ${sel.source}` : "",
      Object.keys(over).length ? `set by the run: ${Object.keys(over).join(", ")}` : "",
    ].filter(Boolean);
    return {
      paradigm: r.paradigm,
      method: rowLabel(r.method, r.variant),
      options: Object.fromEntries(MAIN.map(([k, h]) => [h, show(r.methodOptions[k])])),
      others: others.join(", ") || "–",
      from: from.length ? `${from.join("; ")}; the rest: method file defaults` : "method file defaults",
    };
  });
}

/** `optionsRows` as a table that displays itself (HTML in a notebook, text elsewhere). */
export function optionsTable(records: RunRecord[]) {
  return rowsTable(
    optionsRows(records).map((r) => ({
      paradigm: r.paradigm,
      method: r.method,
      ...r.options,
      "other options set": r.others,
      from: r.from,
    })),
    "Hyperparameters of each run, read from its record (methodOptions and optionLayers); p and α are Eq. 6's (docs/paper.md §5)",
  );
}
