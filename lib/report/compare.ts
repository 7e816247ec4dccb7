/**
 * A run beside the committed one. Two questions, two answers:
 * - `besideCommitted`: per method and metric, this run's n, mean ± 95% interval, the committed run's, and
 *   the difference of the means (notebooks, when their records are not the committed ones);
 * - `compareRuns`: record by record, by configuration hash + seed (+ run id, for per-epoch snapshots):
 *   how many came out bit for bit, which differ and by how much, and which have no committed record with
 *   their configuration hash (`./kit main`).
 * Records of different configurations are never averaged together: within a table row, the configuration
 * with the most records is used and the others are named in a note.
 */
import type { RunRecord } from "../record.ts";
import { formatInterval, meanInterval } from "./stats.ts";
import { blockOf, dedupeRecords, rowLabel } from "./table.ts";

/** The metrics shown side by side, in this order, where both runs have them. */
const METRICS = ["UA", "RA", "TA", "MIA", "AvgGap"];

/** Which committed record a record is compared with: same configuration hash, seed and run (epoch snapshots apart). */
function comparisonKey(r: RunRecord): string {
  return `${r.configHash}|${r.seed}|${r.runId}`;
}

const metricsOf = (r: RunRecord) => JSON.stringify(Object.entries(r.metrics ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Whether two records are the same run with bit-for-bit the same outcome: status, every metric, the training
 * history, the end state's weights checksum (records since bit-exactness carry one) and the original model.
 */
export function identicalRecords(a: RunRecord, b: RunRecord): boolean {
  const rest = (r: RunRecord) => JSON.stringify([r.history ?? [], r.weightsSha256 ?? null, r.original?.key, r.original?.trainAcc]);
  return comparisonKey(a) === comparisonKey(b) && a.status === b.status && metricsOf(a) === metricsOf(b) && rest(a) === rest(b);
}

/** Whether two sets of records hold the same runs (configuration, seed) with identical metrics. */
export function sameRecords(a: RunRecord[], b: RunRecord[]): boolean {
  const x = dedupeRecords(a).records;
  const y = new Map(dedupeRecords(b).records.map((r) => [comparisonKey(r), r]));
  return x.length === y.size && x.every((r) => y.has(comparisonKey(r)) && identicalRecords(r, y.get(comparisonKey(r))!));
}

interface Row {
  block: string;
  label: string;
  records: RunRecord[];
  /** Other configurations of the same row left out. */
  others: number;
}

/** One row per block × method (variant): the configuration with the most records. */
function rowsOf(records: RunRecord[]): Map<string, Row> {
  const groups = new Map<string, Map<string, RunRecord[]>>();
  for (const r of dedupeRecords(records).records) {
    if (r.runId.includes("/epoch")) continue; // per-epoch snapshots are not table rows
    const key = `${blockOf(r)}|${rowLabel(r.method, r.variant)}`;
    const byHash = groups.get(key) ?? new Map<string, RunRecord[]>();
    byHash.set(r.configHash, [...byHash.get(r.configHash) ?? [], r]);
    groups.set(key, byHash);
  }
  const out = new Map<string, Row>();
  for (const [key, byHash] of groups) {
    const [block, label] = key.split("|");
    const best = [...byHash.values()].sort((a, b) => b.length - a.length)[0];
    out.set(key, { block, label, records: best, others: byHash.size - 1 });
  }
  return out;
}

const valuesOf = (records: RunRecord[], metric: string) =>
  records.filter((r) => r.status === "ok").map((r) => r.metrics?.[metric]).filter((v): v is number => typeof v === "number");

function signed(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2)}` : "–";
}

/**
 * Markdown tables, one per block (data set · paradigm · model): per method, n (this / committed), and per
 * metric "this / committed (Δ)": means ± half-widths and the difference of the means (this − committed).
 * Rows only one side has are listed with "–" on the other.
 */
export function besideCommitted(fresh: RunRecord[], committed: RunRecord[], title = ""): string {
  const a = rowsOf(fresh);
  const b = rowsOf(committed);
  const present = (rows: Map<string, Row>) =>
    new Set([...rows.values()].flatMap((r) => r.records.flatMap((x) => Object.keys(x.metrics ?? {}))));
  const pa = present(a);
  const pb = present(b);
  const metrics = METRICS.filter((m) => pa.has(m) && pb.has(m));
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  const blocks = [...new Set(keys.map((k) => k.split("|")[0]))];
  const lines = title ? [`*${title}*`] : [];
  const notes: string[] = [];
  for (const block of blocks) {
    lines.push(
      "",
      `**${block}**`,
      "",
      `| method | n (this / committed) | ${metrics.map((m) => `${m}: this / committed (Δ)`).join(" | ")} |`,
      `|---|---:|${metrics.map(() => "---:").join("|")}|`,
    );
    for (const key of keys.filter((k) => k.split("|")[0] === block)) {
      const x = a.get(key);
      const y = b.get(key);
      const label = key.split("|")[1];
      const cells = metrics.map((m) => {
        const ix = x ? meanInterval(valuesOf(x.records, m)) : null;
        const iy = y ? meanInterval(valuesOf(y.records, m)) : null;
        return `${ix ? formatInterval(ix) : "–"} / ${iy ? formatInterval(iy) : "–"} (${ix && iy ? signed(ix.mean - iy.mean) : "–"})`;
      });
      lines.push(`| ${label} | ${x?.records.length ?? 0} / ${y?.records.length ?? 0} | ${cells.join(" | ")} |`);
      if ((x?.others ?? 0) + (y?.others ?? 0) > 0) {
        notes.push(
          `${label} · ${block}: other configurations of this row left out (this run ${x?.others ?? 0}, committed ${y?.others ?? 0})`,
        );
      }
    }
  }
  if (notes.length) lines.push("", ...notes.map((n) => `- ${n}`));
  return lines.join("\n").replace(/^\n/, "");
}

export interface RunComparison {
  total: number;
  identical: number;
  /** Same configuration hash and seed, a different outcome. */
  differing: { fresh: RunRecord; committed: RunRecord }[];
  /** No committed record with this configuration hash and seed. */
  unmatched: RunRecord[];
}

/** Record by record, by configuration hash + seed (+ run id). */
export function compareRuns(fresh: RunRecord[], committed: RunRecord[]): RunComparison {
  const byKey = new Map(dedupeRecords(committed).records.map((r) => [comparisonKey(r), r]));
  const out: RunComparison = { total: 0, identical: 0, differing: [], unmatched: [] };
  for (const r of dedupeRecords(fresh).records) {
    out.total++;
    const c = byKey.get(comparisonKey(r));
    if (!c) out.unmatched.push(r);
    else if (identicalRecords(r, c)) out.identical++;
    else out.differing.push({ fresh: r, committed: c });
  }
  return out;
}

/** The comparison as Markdown: the count, a table of records that differ, and what has no committed counterpart. */
export function comparisonMarkdown(fresh: RunRecord[], committed: RunRecord[], names: { fresh: string; committed: string }): string {
  const c = compareRuns(fresh, committed);
  const lines = [
    `**${c.identical} of ${c.total}** records of ${names.fresh} are bit for bit identical to the committed ones in ${names.committed} ` +
    `(matched by configuration hash + seed); ${c.differing.length} differ; ${c.unmatched.length} have no committed record with their configuration hash.`,
  ];
  if (c.differing.length) {
    lines.push("", "| run | status (this / committed) | metric | this | committed | Δ |", "|---|---|---|---:|---:|---:|");
    for (const { fresh: f, committed: k } of c.differing) {
      const metrics = [...new Set([...Object.keys(f.metrics ?? {}), ...Object.keys(k.metrics ?? {})])].filter((m) =>
        f.metrics?.[m] !== k.metrics?.[m]
      );
      for (const m of metrics.length ? metrics : ["–"]) {
        const [x, y] = [f.metrics?.[m], k.metrics?.[m]];
        const num = (v: number | undefined) => (typeof v === "number" ? String(v) : "–");
        lines.push(
          `| ${f.runId} | ${f.status} / ${k.status} | ${m} | ${num(x)} | ${num(y)} | ${
            typeof x === "number" && typeof y === "number" ? (x - y).toPrecision(3) : "–"
          } |`,
        );
      }
    }
  }
  if (c.unmatched.length) {
    const numericsHere = [...new Set(c.unmatched.map((r) => r.numerics))];
    const numericsThere = [...new Set(committed.map((r) => r.numerics))];
    const sameIds = new Set(c.unmatched.map((r) => r.runId));
    const counterparts = committed.filter((r) => sameIds.has(r.runId));
    const newCode = numericsHere.every((n) => !numericsThere.includes(n));
    lines.push(
      "",
      `No committed record with this configuration hash for ${c.unmatched.length} record(s): ` +
        (newCode
          ? `the committed records predate a change in the code that decides the numbers (its fingerprint in the committed records: ${
            numericsThere.map((n) => n.slice(0, 12)).join(", ") || "none"
          }; in this run: ${
            numericsHere.map((n) => n.slice(0, 12)).join(", ")
          }), which changes every configuration hash, so they cannot be compared bit for bit.`
          : `same code fingerprint (${
            numericsHere.map((n) => n.slice(0, 12)).join(", ")
          }), so their configuration differs from every committed one ` +
            `(another size, recipe, option, selection or data).`),
    );
    if (counterparts.length) {
      lines.push(
        "",
        `The same runs by name (method, variant, paradigm, seed) in the committed records, beside this run's — a different configuration, so differences are expected:`,
        "",
        besideCommitted(c.unmatched, counterparts),
      );
    }
  }
  return lines.join("\n");
}
