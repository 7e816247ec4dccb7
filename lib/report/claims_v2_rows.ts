/**
 * Evidence v2's scoreboard as rows for a page (the book's protocol.html, cli/book.ts): the judgements that
 * `deno task claims-v2` writes to results/claims-v2.json (`ClaimsV2`, lib/report/claims_v2.ts) read back and checked
 * field by field, then turned into one row per check with its verdict at every scale, the transfer tables (classes
 * the search saw against those it never saw), selection C5's sensitivity rows and the runs from shifted searches.
 * Pure: text in, rows out; the HTML is the book's.
 *
 * The file is JSON, where a NaN or an infinite number (the p of a statement not made, the interval of one unit) is
 * written as null: the board's types say so (`JsonNumber`), and a `ClaimsV2` made in memory is one of them.
 */
import { KitError } from "../errors.ts";
import type { ClaimsV2, FamilyJudgement, ScaleJudgement } from "./claims_v2.ts";
import { formatP } from "./claims_v2.ts";
import type { Statement } from "./judge.ts";
import type { V2Verdict } from "./protocol.ts";
import { VERDICTS } from "./protocol.ts";

/** A number as JSON holds it: NaN and ±Infinity become null. */
export type JsonNumber = number | null;

/** What a page reads of one judged check (judge.ts `CheckResult`). */
export interface BoardCheck {
  check: { id: string; claim: string; paradigm: string };
  n: number;
  mean: JsonNumber;
  t: { lo: JsonNumber; hi: JsonNumber };
  adjusted: Record<Statement, JsonNumber>;
  verdict: V2Verdict;
  decidedBy: Statement | null;
  notTestable: string | null;
}

/** What a page reads of one family at one scale. */
export interface BoardFamily extends Pick<FamilyJudgement, "family" | "look" | "alpha" | "units" | "failed" | "notes"> {
  all: BoardCheck[];
  seen: BoardCheck[] | null;
  unseen: BoardCheck[] | null;
  c5: BoardCheck[] | null;
}

export interface BoardScale extends Pick<ScaleJudgement, "name"> {
  families: BoardFamily[];
}

/** What a page reads of the scoreboard's judgements; a `ClaimsV2` is one. */
export interface Board extends Pick<ClaimsV2, "protocol" | "read" | "accepted"> {
  scales: BoardScale[];
  sensitivity: { name: string; accepted: number; scale: BoardScale | null }[];
}

// ---------------------------------------------------------------------------------------------
// Reading the file: every field the rows read is checked, and a bad one is named with its path.

type Json = Record<string, unknown>;

/** A field's path below `path` ("" is the top level). */
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const isVerdict = (v: unknown): v is V2Verdict => typeof v === "string" && Object.hasOwn(VERDICTS, v);
const STATEMENTS: readonly Statement[] = ["claim", "reverse", "tie"];
const isStatement = (v: unknown): v is Statement => STATEMENTS.some((s) => s === v);
const LOOKS: readonly FamilyJudgement["look"][] = ["interim", "final"];
const isLook = (v: unknown): v is FamilyJudgement["look"] => LOOKS.some((l) => l === v);

/** Reads fields of one file, each error naming the file and the field's path. */
class Fields {
  constructor(readonly file: string) {}

  fail(path: string, what: string): never {
    throw new KitError(`field ${path} ${what} (is this a claims-v2.json written by deno task claims-v2?)`, this.file);
  }

  object(v: unknown, path: string): Json {
    return isObject(v) ? v : this.fail(path || "the top level", "is not an object");
  }

  string(o: Json, key: string, path: string): string {
    const v = o[key];
    return typeof v === "string" ? v : this.fail(at(path, key), "is not a string");
  }

  nullableString(o: Json, key: string, path: string): string | null {
    return o[key] === null ? null : this.string(o, key, path);
  }

  number(o: Json, key: string, path: string): number {
    const v = o[key];
    return typeof v === "number" ? v : this.fail(at(path, key), "is not a number");
  }

  jsonNumber(o: Json, key: string, path: string): JsonNumber {
    return o[key] === null ? null : this.number(o, key, path);
  }

  list<T>(o: Json, key: string, path: string, each: (v: unknown, path: string) => T): T[] {
    const v = o[key];
    if (!Array.isArray(v)) return this.fail(at(path, key), "is not a list");
    return v.map((x, i) => each(x, `${at(path, key)}[${i}]`));
  }

  nullableList<T>(o: Json, key: string, path: string, each: (v: unknown, path: string) => T): T[] | null {
    return o[key] === null ? null : this.list(o, key, path, each);
  }
}

function readCheck(f: Fields, v: unknown, path: string): BoardCheck {
  const o = f.object(v, path);
  const check = f.object(o.check, `${path}.check`);
  const t = f.object(o.t, `${path}.t`);
  const adjusted = f.object(o.adjusted, `${path}.adjusted`);
  const verdict = isVerdict(o.verdict) ? o.verdict : f.fail(`${path}.verdict`, `is not one of ${Object.keys(VERDICTS).join(", ")}`);
  const decidedBy = o.decidedBy === null || isStatement(o.decidedBy)
    ? o.decidedBy
    : f.fail(`${path}.decidedBy`, `is not one of ${STATEMENTS.join(", ")} or null`);
  return {
    check: {
      id: f.string(check, "id", `${path}.check`),
      claim: f.string(check, "claim", `${path}.check`),
      paradigm: f.string(check, "paradigm", `${path}.check`),
    },
    n: f.number(o, "n", path),
    mean: f.jsonNumber(o, "mean", path),
    t: { lo: f.jsonNumber(t, "lo", `${path}.t`), hi: f.jsonNumber(t, "hi", `${path}.t`) },
    adjusted: {
      claim: f.jsonNumber(adjusted, "claim", `${path}.adjusted`),
      reverse: f.jsonNumber(adjusted, "reverse", `${path}.adjusted`),
      tie: f.jsonNumber(adjusted, "tie", `${path}.adjusted`),
    },
    verdict,
    decidedBy,
    notTestable: f.nullableString(o, "notTestable", path),
  };
}

function readFailed(f: Fields, v: unknown, path: string): FamilyJudgement["failed"][number] {
  const o = f.object(v, path);
  return { label: f.string(o, "label", path), status: f.string(o, "status", path), count: f.number(o, "count", path) };
}

function readFamily(f: Fields, v: unknown, path: string): BoardFamily {
  const o = f.object(v, path);
  const checks = (key: string) => f.nullableList(o, key, path, (x, p) => readCheck(f, x, p));
  return {
    family: f.string(o, "family", path),
    look: isLook(o.look) ? o.look : f.fail(`${path}.look`, `is not one of ${LOOKS.join(", ")}`),
    alpha: f.number(o, "alpha", path),
    units: f.number(o, "units", path),
    all: f.list(o, "all", path, (x, p) => readCheck(f, x, p)),
    seen: checks("seen"),
    unseen: checks("unseen"),
    c5: checks("c5"),
    failed: f.list(o, "failed", path, (x, p) => readFailed(f, x, p)),
    notes: f.list(o, "notes", path, (x, p) => typeof x === "string" ? x : f.fail(p, "is not a string")),
  };
}

function readScale(f: Fields, v: unknown, path: string): BoardScale {
  const o = f.object(v, path);
  return { name: f.string(o, "name", path), families: f.list(o, "families", path, (x, p) => readFamily(f, x, p)) };
}

function readShift(f: Fields, v: unknown, path: string): Board["sensitivity"][number] {
  const o = f.object(v, path);
  return {
    name: f.string(o, "name", path),
    accepted: f.number(o, "accepted", path),
    scale: o.scale === null ? null : readScale(f, o.scale, `${path}.scale`),
  };
}

/** results/claims-v2.json's text as a board, or a KitError naming `file` and the first malformed field. */
export function parseBoard(text: string, file: string): Board {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KitError(`is not JSON (${e instanceof Error ? e.message : String(e)})`, file);
  }
  const f = new Fields(file);
  const o = f.object(parsed, "");
  const protocol = f.object(o.protocol, "protocol");
  return {
    protocol: {
      file: f.string(protocol, "file", "protocol"),
      version: f.number(protocol, "version", "protocol"),
      sha256: f.string(protocol, "sha256", "protocol"),
    },
    read: f.number(o, "read", ""),
    accepted: f.number(o, "accepted", ""),
    scales: f.list(o, "scales", "", (x, p) => readScale(f, x, p)),
    sensitivity: f.list(o, "sensitivity", "", (x, p) => readShift(f, x, p)),
  };
}

// ---------------------------------------------------------------------------------------------
// Rows.

/** One check's verdict at one scale (or on one subset of units), formatted for a table cell. */
export interface VerdictCell {
  verdict: V2Verdict;
  n: number;
  /** Mean of A − B in the claimed direction with its Student-t 95% interval: "2.50 [1.20, 3.80]". */
  mean: string;
  /** The Holm-adjusted p of the statement that decided the verdict (the claim's when none did), e.g. "0.021 (reverse)". */
  pHolm: string;
  /** Why the check could not be tested, or null. */
  notTestable: string | null;
}

/** One check of the protocol: its verdict at each scale of the board (null: no records there). */
export interface CheckRow {
  id: string;
  claim: string;
  paradigm: string;
  cells: (VerdictCell | null)[];
}

/** How one family was judged at one scale: units, look, runs that did not finish, notes. */
export interface FamilyLine {
  scale: string;
  family: string;
  units: number;
  look: FamilyJudgement["look"];
  alpha: number;
  failed: string;
  notes: string[];
}

/** A family's checks on the units of the classes (sub-classes) the search saw, beside those it never saw. */
export interface TransferTable {
  scale: string;
  family: string;
  rows: { claim: string; seen: VerdictCell; unseen: VerdictCell | null }[];
}

/** A family's checks that read selection C, on selection C5's rows, beside C's verdict. */
export interface C5Table {
  scale: string;
  family: string;
  rows: { claim: string; c: V2Verdict | null; c5: VerdictCell }[];
}

/** The checks judged on the runs from shifted searches beside the first scale's verdicts. */
export interface ShiftedTable {
  /** The scale the shifted runs are compared with (the board's first). */
  scale: string;
  shifts: { name: string; accepted: number }[];
  rows: { claim: string; paradigm: string; main: VerdictCell; shifted: (VerdictCell | null)[]; survives: boolean }[];
}

export interface BoardRows {
  scales: string[];
  checks: CheckRow[];
  families: FamilyLine[];
  transfer: TransferTable[];
  c5: C5Table[];
  /** Null when no shifted search's runs were judged. */
  shifted: ShiftedTable | null;
}

const f2 = (v: JsonNumber) => (v !== null && Number.isFinite(v) ? v.toFixed(2) : "–");

/** A judged check as a cell: the verdict, n, mean [t 95%] and the deciding statement's Holm-adjusted p. */
export function verdictCell(r: BoardCheck): VerdictCell {
  const statement = r.decidedBy ?? "claim";
  const p = formatP(r.adjusted[statement] ?? NaN);
  return {
    verdict: r.verdict,
    n: r.n,
    mean: `${f2(r.mean)} [${f2(r.t.lo)}, ${f2(r.t.hi)}]`,
    pHolm: statement === "claim" ? p : `${p} (${statement})`,
    notTestable: r.notTestable,
  };
}

const checksAt = (s: BoardScale) => s.families.flatMap((f) => f.all);
const findCheck = (s: BoardScale, id: string) => checksAt(s).find((r) => r.check.id === id);

/** Every check any scale judged, in the order the scales list them, with its cell at each scale. */
function checkRows(scales: BoardScale[]): CheckRow[] {
  const first = new Map<string, BoardCheck>();
  for (const r of scales.flatMap(checksAt)) if (!first.has(r.check.id)) first.set(r.check.id, r);
  return [...first.values()].map(({ check }) => ({
    id: check.id,
    claim: check.claim,
    paradigm: check.paradigm,
    cells: scales.map((s) => {
      const r = findCheck(s, check.id);
      return r ? verdictCell(r) : null;
    }),
  }));
}

function familyLines(scales: BoardScale[]): FamilyLine[] {
  return scales.flatMap((s) =>
    s.families.map((f) => ({
      scale: s.name,
      family: f.family,
      units: f.units,
      look: f.look,
      alpha: f.alpha,
      failed: f.failed.length ? f.failed.map((x) => `${x.label} ${x.status} on ${x.count}`).join("; ") : "none",
      notes: f.notes,
    }))
  );
}

function transferTables(scales: BoardScale[]): TransferTable[] {
  return scales.flatMap((s) =>
    s.families.flatMap((f) => {
      if (!f.seen || !f.unseen) return [];
      const unseen = f.unseen;
      const rows = f.seen.map((seen) => {
        const other = unseen.find((u) => u.check.id === seen.check.id);
        return { claim: seen.check.claim, seen: verdictCell(seen), unseen: other ? verdictCell(other) : null };
      });
      return [{ scale: s.name, family: f.family, rows }];
    })
  );
}

function c5Tables(scales: BoardScale[]): C5Table[] {
  return scales.flatMap((s) =>
    s.families.flatMap((f) => {
      if (!f.c5) return [];
      const rows = f.c5.map((r) => ({
        claim: r.check.claim,
        c: f.all.find((x) => `${x.check.id}@C5` === r.check.id)?.verdict ?? null,
        c5: verdictCell(r),
      }));
      return [{ scale: s.name, family: f.family, rows }];
    })
  );
}

/**
 * The first scale's checks that a shifted search's runs judged, each shift's cell beside the main one; a check
 * survives when every shift gives the main verdict (as claims.md's "Sensitivity to the learning-rate range").
 */
function shiftedTable(board: Board): ShiftedTable | null {
  const main = board.scales[0];
  const judged = board.sensitivity.flatMap((s) => s.scale ? [{ name: s.name, accepted: s.accepted, scale: s.scale }] : []);
  if (!main || judged.length === 0) return null;
  const rows = checksAt(main).filter((r) => judged.some((s) => findCheck(s.scale, r.check.id))).map((r) => {
    const shifted = judged.map((s) => findCheck(s.scale, r.check.id) ?? null);
    return {
      claim: r.check.claim,
      paradigm: r.check.paradigm,
      main: verdictCell(r),
      shifted: shifted.map((x) => x ? verdictCell(x) : null),
      survives: shifted.every((x) => x?.verdict === r.verdict),
    };
  });
  return { scale: main.name, shifts: judged.map(({ name, accepted }) => ({ name, accepted })), rows };
}

/** The board as the rows of a page: checks by scale, families' headers, transfer, C5 and shifted searches. */
export function boardRows(board: Board): BoardRows {
  return {
    scales: board.scales.map((s) => s.name),
    checks: checkRows(board.scales),
    families: familyLines(board.scales),
    transfer: transferTables(board.scales),
    c5: c5Tables(board.scales),
    shifted: shiftedTable(board),
  };
}
