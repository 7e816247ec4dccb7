/**
 * Records of evidence v2's design written by the tests (no training): every row label of the main job on every unit
 * of a paradigm, under the protocol built from lib/report/protocol.ts (or another, or none), with values that carry
 * no direction unless a test edits them. Shared by the claims writer's test and the book's.
 */
import { sha256Hex } from "../../lib/hash.ts";
import type { RunRecord } from "../../lib/record.ts";
import type { ClaimsV2Input } from "../../lib/report/claims_v2.ts";
import type { Protocol } from "../../lib/report/protocol.ts";
import { buildProtocol, parseProtocol, protocolJson } from "../../lib/report/protocol.ts";
import { record } from "./_records.ts";

export const PROTOCOL_TEXT = protocolJson(buildProtocol());
export const PROTOCOL: Protocol = parseProtocol(PROTOCOL_TEXT, "results/protocol.json");
export const SHA = await sha256Hex(PROTOCOL_TEXT);
export const LABELS = ["retrain", "ft (R)", "ft (C)", "ga (R)", "ga (C)", "ugradsl (R)", "ugradsl (C)", "ugradsl+ (R)", "ugradsl+ (C)"];
export const METRICS = ["UA", "MIA", "RA", "TA", "AvgGap", "Sum"];

/** A value with no direction between labels: ±(1 … 2) around 50, its sign set by unit, label and metric (two labels may share a pattern). */
export function neutral(unit: number, label: string, metric: string): number {
  let h = 7;
  for (const ch of `${label}/${metric}`) h = (h * 31 + ch.charCodeAt(0)) % 1000003;
  return 50 + ((unit + h) % 2 ? 1 : -1) * (1 + (unit % 3) * 0.5);
}

export interface Unit {
  seed: number;
  /** Class-wise: the class forgotten. */
  cls?: number;
  /** Group: the sub-class forgotten. */
  sub?: number;
}

/** One record of `label` on `unit`, under the protocol with sha256 `sha` (null: under none). */
export function unitRecord(
  paradigm: string,
  label: string,
  unit: Unit,
  metrics: Record<string, number>,
  opts: { sha?: string | null; trainSize?: number; status?: RunRecord["status"]; arch?: string; dataset?: string } = {},
): RunRecord {
  const sha = opts.sha === undefined ? SHA : opts.sha;
  const base = record(label, unit.seed, metrics, { paradigm });
  const where = `${paradigm}-${unit.seed}-${unit.cls ?? ""}-${opts.trainSize ?? 10000}`;
  return {
    ...base,
    runId: `${base.runId}${unit.cls !== undefined ? `/class${unit.cls}` : ""}`,
    dataset: opts.dataset ?? "fashion-mnist",
    status: opts.status ?? "ok",
    metrics: opts.status && opts.status !== "ok" ? {} : metrics,
    model: { ...base.model, arch: opts.arch ?? "mlp" },
    split: {
      ...base.split,
      options: { ...base.split.options, trainSize: opts.trainSize ?? 10000 },
      forgotten: unit.cls !== undefined
        ? { description: `class ${unit.cls}`, class: unit.cls }
        : unit.sub !== undefined
        ? { description: `sub-class ${unit.sub}`, subclass: unit.sub }
        : { description: "random 10%" },
      indexSha256: `sha-${where}`,
    },
    ...(sha ? { protocol: { file: "results/protocol.json", version: 1, sha256: sha } } : {}),
  };
}

/** As design v2 runs them: 20 seeds a paradigm; class-wise, seed s forgets class s mod 10; group, sub-class s mod 10. */
export const UNITS: Record<string, Unit[]> = {
  classwise: Array.from({ length: 20 }, (_, seed) => ({ seed, cls: seed % 10 })),
  random: Array.from({ length: 20 }, (_, seed) => ({ seed })),
  group: Array.from({ length: 20 }, (_, seed) => ({ seed, sub: seed % 10 })),
  identity: Array.from({ length: 20 }, (_, seed) => ({ seed })),
};

/** Every label's records on every unit of `paradigm`, with neutral values, then `edit` applied to each metrics object. */
export function family(
  paradigm: string,
  edit: (label: string, i: number, m: Record<string, number>, u: Unit) => void = () => {},
  opts: Parameters<typeof unitRecord>[4] = {},
  units = UNITS[paradigm],
): RunRecord[] {
  return LABELS.flatMap((label) =>
    units.map((u, i) => {
      const m = Object.fromEntries(METRICS.map((k) => [k, neutral(i, label, k)]));
      m.Sum = m.Sum * 4;
      edit(label, i, m, u);
      return unitRecord(paradigm, label, u, m, opts);
    })
  );
}

export const input = (records: RunRecord[], protocol = PROTOCOL): ClaimsV2Input => ({
  protocol,
  protocolFile: "results/protocol.json",
  protocolSha256: SHA,
  records,
  v1: null,
});

/** An edit for `family`: UGradSL+ (R)'s Avg. Gap 10 points below FT (R)'s on every unit (the claim holds). */
export function gapHolds(label: string, i: number, m: Record<string, number>): void {
  if (label === "ft (R)") m.AvgGap = 20 + (i % 4);
  if (label === "ugradsl+ (R)") m.AvgGap = 10 + (i % 3);
}

/** An edit for `family`: FT (R) closer to Retrain than UGradSL+ (R) on every unit (the claim's reverse). */
export function gapFlips(label: string, i: number, m: Record<string, number>): void {
  if (label === "ft (R)") m.AvgGap = 5 + (i % 2);
  if (label === "ugradsl+ (R)") m.AvgGap = 15 + (i % 5);
}
