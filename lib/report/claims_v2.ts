/**
 * The scoreboard of evidence v2 (`deno task claims-v2` → results/claims.md once the v2 records exist):
 * every check of the pre-registered protocol (results/protocol.json, docs/protocol.md) judged on the v2
 * records, never written by hand. Only records made under that protocol count: a record whose protocol
 * sha256 differs (or that names none) is refused and listed. Each check shows n, its intervals, the raw and
 * Holm-adjusted p, the per-unit direction counts and the verdict, at every scale the records hold; a family reads
 * the records its protocol entry names (the main runs, one ablation's variants, or runs that asked for a metric);
 * class-wise and group checks are shown again on the units of the classes (sub-classes) the search saw and of those
 * it never saw (transfer);
 * diverged and failed runs are counted; a rule changed after v2 runs is shown beside the verdicts it touches;
 * and a section says what changed from v1 (results/v1/claims.json) and why.
 *
 * v1's scoreboard (lib/report/claims.ts, `deno task claims`) stays as it is until this one replaces it.
 */
import type { RunRecord } from "../record.ts";
import type { CheckResult, UnitTable } from "./judge.ts";
import { isEndState, judgeFamily, subsetTable, unitTable } from "./judge.ts";
import type { Protocol, ProtocolCheck, ProtocolFamily } from "./protocol.ts";
import { claimRule } from "./protocol_doc.ts";
import { rowLabel } from "./table.ts";

/** What the writer needs of a v1 chapter (results/claims.json). */
export interface V1Chapter {
  id: string;
  verdict: { checks: { claim: string; level: string }[] } | null;
}

export interface ClaimsV2Input {
  protocol: Protocol;
  /** The protocol file as named, and the sha256 of its bytes. */
  protocolFile: string;
  protocolSha256: string;
  records: RunRecord[];
  /** v1's chapters (results/v1/claims.json), or null when there is none to compare with. */
  v1: V1Chapter[] | null;
  /**
   * Runs of the main job's units from the selections of searches whose learning-rate ranges were shifted a decade
   * (results/sensitivity/lr-1, lr1): judged with the same checks, shown and never counted (the protocol does not
   * declare them). None: no such section.
   */
  sensitivity?: SensitivityRecords[];
}

/** One shifted search's runs: its name (the folder's) and records. */
export interface SensitivityRecords {
  name: string;
  records: RunRecord[];
}

/** Records refused for one reason (no protocol, or another protocol's hash). */
export interface Refused {
  reason: string;
  count: number;
  examples: string[];
}

/** One family judged at one scale, on all its units and (class-wise) on the seen and unseen classes. */
export interface FamilyJudgement {
  family: string;
  look: "interim" | "final";
  alpha: number;
  units: number;
  models: string[];
  all: CheckResult[];
  seen: CheckResult[] | null;
  unseen: CheckResult[] | null;
  /**
   * The checks that read selection C, judged on selection C5's rows (a sensitivity family; null without C5 records
   * or without a check that reads C).
   */
  c5: CheckResult[] | null;
  failed: { label: string; status: string; count: number }[];
  notes: string[];
}

export interface ScaleJudgement {
  name: string;
  /** The data set of the scale's records. */
  dataset: string;
  trainSize: number | null;
  /** The model of the scale's records. */
  arch: string;
  families: FamilyJudgement[];
}

export interface ClaimsV2 {
  protocol: { file: string; version: number; sha256: string };
  read: number;
  accepted: number;
  refused: Refused[];
  scales: ScaleJudgement[];
  /** Each shifted search's runs judged at the first scale they hold (its families' checks on all units). */
  sensitivity: { name: string; accepted: number; scale: ScaleJudgement | null }[];
}

/** Splits records into those made under the protocol (by sha256) and the refused, grouped by reason. */
export function admit(records: RunRecord[], sha256: string): { accepted: RunRecord[]; refused: Refused[] } {
  const accepted: RunRecord[] = [];
  const refused = new Map<string, Refused>();
  for (const r of records) {
    if (r.protocol?.sha256 === sha256) {
      accepted.push(r);
      continue;
    }
    const reason = r.protocol
      ? `made under another protocol: version ${r.protocol.version}, sha256 ${r.protocol.sha256.slice(0, 12)}… (${r.protocol.file})`
      : "made under no protocol";
    const group = refused.get(reason) ?? { reason, count: 0, examples: [] };
    group.count++;
    if (group.examples.length < 5) group.examples.push(`${r.experiment}:${r.runId}`);
    refused.set(reason, group);
  }
  return { accepted, refused: [...refused.values()] };
}

/** A record's scale: its split's trainSize (0 = the whole training set). */
const trainSizeOf = (r: RunRecord): number | null => typeof r.split.options?.trainSize === "number" ? r.split.options.trainSize : null;

const scaleKey = (r: Pick<RunRecord, "dataset"> & { trainSize: number | null; arch: string }) => `${r.dataset}|${r.trainSize}|${r.arch}`;
const recordScale = (r: RunRecord) => ({ dataset: r.dataset, trainSize: trainSizeOf(r), arch: r.model.arch });

/**
 * The scales present: one per data set, trainSize and model, in the protocol's order, then any other; a model
 * other than the one the protocol names for a scale is said in its name ("full set (mlp in place of cnn)"). The
 * declared scales are the design's data set's; another data set's records (identity forgetting on the Debian
 * corpus) form scales named by the data set.
 */
function scalesOf(p: Protocol, records: RunRecord[]): Omit<ScaleJudgement, "families">[] {
  const present = new Map(records.map((r) => [scaleKey(recordScale(r)), recordScale(r)]));
  const declaredOf = (x: { dataset: string; trainSize: number | null }) =>
    (p.design.dataset === undefined || p.design.dataset === x.dataset)
      ? p.design.scales.find((s) => s.trainSize === x.trainSize)
      : undefined;
  const rank = (x: { dataset: string; trainSize: number | null }) => {
    const declared = declaredOf(x);
    return declared ? p.design.scales.indexOf(declared) : p.design.scales.length;
  };
  const sorted = [...present.values()].sort((a, b) =>
    rank(a) - rank(b) || a.dataset.localeCompare(b.dataset) || a.arch.localeCompare(b.arch)
  );
  return sorted.map((x) => {
    const declared = declaredOf(x);
    const name = declared
      ? declared.model === x.arch ? declared.name : `${declared.name} (${x.arch} in place of ${declared.model})`
      : `${x.dataset}, ${x.trainSize === null ? "unknown trainSize" : `trainSize ${x.trainSize}`} (${x.arch})`;
    return { name, ...x };
  });
}

/** A check that reads selection C, made to read C5 instead (the sensitivity family); null for the others. */
function asC5(c: ProtocolCheck): ProtocolCheck | null {
  if (!c.a.endsWith("(C)") && !c.b.endsWith("(C)")) return null;
  return { ...c, id: `${c.id}@C5`, a: c.a.replace(/\(C\)$/, "(C5)"), b: c.b.replace(/\(C\)$/, "(C5)") };
}

/** What runs of one family must share to be paired: data, code, model, original's training. */
const settingOf = (r: RunRecord) =>
  JSON.stringify([
    r.dataset,
    r.dataChecksum,
    r.numerics,
    r.model.arch,
    r.model.options,
    r.original?.training,
    r.environment?.backend?.name,
  ]);

/** The records of the setting most records share; the others named in a note. */
function oneSetting(records: RunRecord[]): { kept: RunRecord[]; notes: string[] } {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) groups.set(settingOf(r), [...groups.get(settingOf(r)) ?? [], r]);
  const [kept, ...others] = [...groups.values()].sort((a, b) => b.length - a.length);
  const notes = others.map((o) =>
    `left out ${o.length} record(s) of another setting (data, code, model or original's training), e.g. ${o[0].runId}`
  );
  return { kept: kept ?? [], notes };
}

/** A note for each row label read under more than one configuration (the latest record of a unit is read). */
function configurationNotes(records: RunRecord[], ablation?: string): string[] {
  const hashes = new Map<string, Set<string>>();
  for (const r of records.filter((r) => isEndState(r, ablation))) {
    const label = rowLabel(r.method, r.variant);
    hashes.set(label, (hashes.get(label) ?? new Set()).add(r.configHash));
  }
  return [...hashes].filter(([, h]) => h.size > 1).map(([label, h]) =>
    `${label} ran under ${h.size} configurations (${[...h].map((x) => x.slice(0, 8)).join(", ")}); each unit reads its latest record`
  );
}

/** Diverged and failed runs by row label. */
function failures(t: UnitTable): FamilyJudgement["failed"] {
  const out: FamilyJudgement["failed"] = [];
  for (const [label, byUnit] of t.failed) {
    const counts = new Map<string, number>();
    for (const status of byUnit.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
    for (const [status, count] of counts) out.push({ label, status, count });
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * The records a family reads: its paradigm's, of its ablation (none: the main runs), and where it names a metric,
 * of runs that asked for it (their diverged and failed runs included).
 */
export function familyRecords(family: ProtocolFamily, records: RunRecord[]): RunRecord[] {
  const { ablation, metric } = family.records;
  return records.filter((r) =>
    r.paradigm === family.paradigm && r.tags.ablation === ablation && (metric === undefined || r.metricNames.includes(metric))
  );
}

/**
 * One family at one scale: its records of one setting as a unit table, the look its unit count reaches (and that
 * look's α), its checks on all units, on the classes (sub-classes) the search saw and never saw where the design
 * names them, and on selection C5's rows when there are any.
 */
function judgeOne(p: Protocol, family: ProtocolFamily, records: RunRecord[]): FamilyJudgement | null {
  const mine = familyRecords(family, records);
  if (mine.length === 0) return null;
  const { kept, notes } = oneSetting(mine);
  const table = unitTable(kept, family.records.ablation);
  const units = table.units.size;
  const { interim, final } = p.design.looks;
  const look = units >= final.units ? "final" : "interim";
  const alpha = look === "final" ? final.alpha : interim.alpha;
  const checks = p.checks.filter((c) => c.family === family.id);
  const c5Checks = checks.map(asC5).filter((c) => c !== null);
  const searchClasses = p.design.paradigms[family.paradigm]?.searchClasses;
  const split = (seen: boolean) => judgeFamily(checks, subsetTable(table, (u) => searchClasses!.includes(u.block ?? -1) === seen), alpha);
  return {
    family: family.id,
    look,
    alpha,
    units,
    models: [...new Set(kept.map((r) => r.model.arch))],
    all: judgeFamily(checks, table, alpha),
    seen: searchClasses ? split(true) : null,
    unseen: searchClasses ? split(false) : null,
    c5: c5Checks.length > 0 && [...table.values.keys()].some((label) => label.endsWith("(C5)"))
      ? judgeFamily(c5Checks, table, alpha)
      : null,
    failed: failures(table),
    notes: [...notes, ...configurationNotes(kept, family.records.ablation)],
  };
}

/** Every family judged at every scale the admitted records hold. */
export function judgeClaims(input: ClaimsV2Input): ClaimsV2 {
  const { accepted, refused } = admit(input.records, input.protocolSha256);
  const sensitivity = (input.sensitivity ?? []).map(({ name, records }) => {
    const admitted = admit(records, input.protocolSha256).accepted;
    return { name, accepted: admitted.length, scale: judgeScales(input.protocol, admitted)[0] ?? null };
  });
  return {
    protocol: { file: input.protocolFile, version: input.protocol.version, sha256: input.protocolSha256 },
    read: input.records.length,
    accepted: accepted.length,
    refused,
    scales: judgeScales(input.protocol, accepted),
    sensitivity,
  };
}

/** Every family judged at every scale the records hold. */
function judgeScales(protocol: Protocol, accepted: RunRecord[]): ScaleJudgement[] {
  return scalesOf(protocol, accepted).map((s) => {
    const atScale = accepted.filter((r) => scaleKey(recordScale(r)) === scaleKey(s));
    const families = protocol.families.map((f) => judgeOne(protocol, f, atScale)).filter((f) => f !== null);
    return { ...s, families };
  });
}

// ---------------------------------------------------------------------------------------------
// Markdown.

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");
/** A p-value: three decimals, or one significant digit below 0.001; "–" where no test was made. */
export const formatP = (p: number) => Number.isNaN(p) ? "–" : p >= 0.001 ? p.toFixed(3) : p.toExponential(1);

/** Rule changes made after v2 runs that touch a check. */
function ruleChanges(p: Protocol, id: string): string {
  const touching = p.changes.filter((c) => c.afterRuns && c.checks.includes(id));
  return touching.map((c) => ` (rule changed after runs, v${c.version} ${c.date}: ${c.reason})`).join("");
}

/** The verdict cell: the verdict, what decided it when not the claim, the reason when not testable, any later rule change. */
export function verdictCell(p: Protocol, r: CheckResult): string {
  const how = r.decidedBy === "reverse"
    ? ` (reverse, p Holm ${formatP(r.adjusted.reverse)})`
    : r.decidedBy === "tie"
    ? ` (TOST ±${r.check.margin}, p Holm ${formatP(r.adjusted.tie)})`
    : r.notTestable
    ? `: ${r.notTestable}`
    : "";
  return `**${r.verdict}**${cell(how)}${cell(ruleChanges(p, r.check.id))}`;
}

const counts = (r: CheckResult) => `${r.counts.favour} of ${r.counts.n}${r.counts.ties ? ` (${r.counts.ties} tied)` : ""}`;

function resultRows(p: Protocol, results: CheckResult[]): string[] {
  return [
    "| Check | Statement (A vs B) | n | mean [t 95%] | bootstrap 95% | p | p Holm | favour A | failed A/B | Verdict |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...results.map((r) =>
      `| ${cell(r.check.claim)} | ${cell(claimRule(r.check))} (${r.check.metric}) | ${r.n} | ${f2(r.mean)} [${f2(r.t.lo)}, ${
        f2(r.t.hi)
      }] | [${f2(r.bootstrap.lo)}, ${f2(r.bootstrap.hi)}] | ${formatP(r.raw.claim)} | ${formatP(r.adjusted.claim)} | ${
        counts(r)
      } | ${r.failedUnits.a}/${r.failedUnits.b} | ${verdictCell(p, r)} |`
    ),
  ];
}

function transferRows(seen: CheckResult[], unseen: CheckResult[]): string[] {
  const side = (r: CheckResult) => `${r.n} | ${f2(r.mean)} [${f2(r.t.lo)}, ${f2(r.t.hi)}] | ${formatP(r.adjusted.claim)} | ${r.verdict}`;
  return [
    "| Check | seen: n | mean [t 95%] | p Holm | verdict | never seen: n | mean [t 95%] | p Holm | verdict |",
    "|---|---|---|---|---|---|---|---|---|",
    ...seen.map((s, i) => `| ${cell(s.check.claim)} | ${side(s)} | ${side(unseen[i])} |`),
  ];
}

function sensitivityRows(all: CheckResult[], c5: CheckResult[]): string[] {
  return [
    "| Check | C: verdict | C5: n | mean [t 95%] | p Holm | verdict |",
    "|---|---|---|---|---|---|",
    ...c5.map((r) => {
      const c = all.find((x) => `${x.check.id}@C5` === r.check.id);
      return `| ${cell(r.check.claim)} | ${c?.verdict ?? "–"} | ${r.n} | ${f2(r.mean)} [${f2(r.t.lo)}, ${f2(r.t.hi)}] | ${
        formatP(r.adjusted.claim)
      } | ${r.verdict} |`;
    }),
  ];
}

/**
 * A sentence when no statement of the family can pass its α: with n units the smallest sign-flip p is 2^−n, and
 * Holm's first step multiplies it by the number of checks (docs/protocol.md, Looks). Such rows are estimates.
 */
function unreachable(f: FamilyJudgement): string[] {
  const smallest = 2 ** -f.units;
  const m = f.all.length;
  if (m === 0 || m * smallest < f.alpha) return [];
  return [
    "",
    `No verdict is reachable at this look: with ${f.units} units the smallest sign-flip p is 2^−${f.units} (${
      smallest.toPrecision(2)
    }), and Holm over the family's ${m} checks lifts it to ${Math.min(1, m * smallest).toPrecision(2)}, not below α = ${f.alpha}. ` +
    "The rows below are estimates with their intervals; their verdicts can only be inconclusive or not testable.",
  ];
}

function familySection(p: Protocol, scale: ScaleJudgement, f: FamilyJudgement): string[] {
  const family = p.families.find((x) => x.id === f.family);
  const title = family?.title ?? f.family;
  const failed = f.failed.length ? f.failed.map((x) => `${x.label} ${x.status} on ${x.count}`).join("; ") : "none";
  const out = [
    `### ${title} · ${scale.name}`,
    "",
    `${f.units} unit(s), model ${f.models.join(", ")}; ${f.look} look (α = ${f.alpha}${
      f.look === "interim" ? `, fewer than the ${p.design.looks.final.units} units of the final look` : ""
    }). Diverged or failed runs: ${failed}.`,
    ...unreachable(f),
    ...(family?.note ? ["", `Rows: ${family.note}.`] : []),
    "",
    ...resultRows(p, f.all),
    "",
  ];
  if (f.seen && f.unseen) {
    const classes = (family && p.design.paradigms[family.paradigm]?.searchClasses) ?? [];
    const what = family?.paradigm === "group" ? "sub-classes" : "classes";
    out.push(
      `Transfer: units of the ${what} the search forgot (${classes.join(", ")}) apart from the ${what} it never saw, each a`,
      "family of its own for Holm:",
      "",
      ...transferRows(f.seen, f.unseen),
      "",
    );
  }
  if (f.c5) {
    out.push(
      "Sensitivity: the checks that read selection C, on selection C5's rows (VA within 5 points, v1's bound); a family of",
      "its own for Holm, shown and never counted:",
      "",
      ...sensitivityRows(f.all, f.c5),
      "",
    );
  }
  out.push(...f.notes.map((n) => `- ${n}`), ...(f.notes.length ? [""] : []));
  return out;
}

/** Every check's verdict at every scale, in one table; † marks a family's look where no verdict is reachable. */
function glance(p: Protocol, c: ClaimsV2): string[] {
  let marked = false;
  const verdictAt = (s: ScaleJudgement, check: ProtocolCheck) => {
    const f = s.families.find((x) => x.all.some((r) => r.check.id === check.id));
    const r = f?.all.find((x) => x.check.id === check.id);
    if (!f || !r) return "no records";
    const dagger = unreachable(f).length > 0;
    marked ||= dagger;
    return `${r.verdict} (n ${r.n}${dagger ? ", †" : ""})`;
  };
  const rows = p.checks.map((check) =>
    `| ${cell(check.claim)} (${check.paradigm}) | ${c.scales.map((s) => verdictAt(s, check)).join(" | ")} |`
  );
  return [
    `| Check | ${c.scales.map((s) => cell(s.name)).join(" | ")} |`,
    `|---|${c.scales.map(() => "---|").join("")}`,
    ...rows,
    ...(marked
      ? [
        "",
        "† An interim look (fewer units than the final look's) where no statement can pass the interim boundary after",
        "Holm: an estimate, not a verdict (the family's section gives the arithmetic).",
      ]
      : []),
  ];
}

/** v1's level of a check, by notebook and claim text. */
function v1Level(v1: V1Chapter[] | null, check: ProtocolCheck): string {
  if (!check.v1) return "–";
  const chapter = v1?.find((x) => x.id === check.v1!.notebook);
  return chapter?.verdict?.checks.find((x) => x.claim === check.v1!.claim)?.level ?? "not in v1's records";
}

/**
 * Each check's v1 verdict beside its v2 one, read at the first scale (in the scoreboard's order) that judges the
 * check: the standard subset for most, the Debian corpus's scale for identity forgetting, named in the cell.
 */
function changesFromV1(p: Protocol, c: ClaimsV2, v1: V1Chapter[] | null): string[] {
  const first = c.scales[0];
  const v2Verdict = (check: ProtocolCheck) => {
    for (const s of c.scales) {
      const r = s.families.flatMap((f) => f.all).find((x) => x.check.id === check.id);
      if (r) return s === first ? r.verdict : `${r.verdict} (${cell(s.name)})`;
    }
    return "no records";
  };
  return [
    "## What changed from v1 and why",
    "",
    first
      ? `v1's verdicts are results/v1/claims.json's; v2's are at the ${first.name} (a check not judged there: at the first`
      : "v1's verdicts are results/v1/claims.json's; v2's are not yet measured (no scale holds records). Each v2 check",
    first
      ? "scale that judges it, named in the cell). Each v2 check says which v1 check it replaces and what differs in the protocol."
      : "says which v1 check it replaces and what differs in the protocol.",
    "",
    "| v2 check | v1 check | v1 | v2 | What changed |",
    "|---|---|---|---|---|",
    ...p.checks.map((check) =>
      `| ${cell(check.claim)} (${check.paradigm}) | ${check.v1 ? `${check.v1.notebook}: ${cell(check.v1.claim)}` : "new"} | ${
        v1Level(v1, check)
      } | ${v2Verdict(check)} | ${cell(check.v1?.change ?? "new in v2")} |`
    ),
    "",
  ];
}

/**
 * The verdicts of the runs from shifted searches beside the main ones, for every check they can judge; a check
 * survives when every shift gives the main verdict. Not declared in the protocol: shown, never counted.
 */
function shiftedSearchSection(c: ClaimsV2): string[] {
  const judged = c.sensitivity.filter((s) => s.scale !== null);
  const main = c.scales[0];
  if (judged.length === 0 || !main) return [];
  const verdictOf = (s: ScaleJudgement, id: string) => s.families.flatMap((f) => f.all).find((r) => r.check.id === id);
  const rows = main.families.flatMap((f) => f.all).filter((r) => judged.some((s) => verdictOf(s.scale!, r.check.id)));
  const shifted = (r: CheckResult, s: ScaleJudgement) => {
    const x = verdictOf(s, r.check.id);
    return x ? `${x.verdict} (n ${x.n}, ${f2(x.mean)})` : "no records";
  };
  const survives = (r: CheckResult) => judged.every((s) => verdictOf(s.scale!, r.check.id)?.verdict === r.verdict) ? "yes" : "**no**";
  return [
    "## Sensitivity to the learning-rate range (not in the protocol)",
    "",
    "The core methods' searches repeated with every learning-rate range a decade lower and a decade higher, and the main",
    `job's units run from their selections (${judged.map((s) => `${s.name}: ${s.accepted} records`).join("; ")}), judged`,
    `with the same checks at the ${main.name}. The protocol does not declare this: it is shown and never counted. A`,
    "check survives when every shift gives its verdict; one that flips depends on the search's range.",
    "",
    `| Check | ${main.name} | ${judged.map((s) => cell(s.name)).join(" | ")} | survives |`,
    `|---|---|${judged.map(() => "---|").join("")}---|`,
    ...rows.map((r) =>
      `| ${cell(r.check.claim)} (${r.check.paradigm}) | ${r.verdict} (n ${r.n}, ${f2(r.mean)}) | ${
        judged.map((s) => shifted(r, s.scale!)).join(" | ")
      } | ${survives(r)} |`
    ),
    "",
  ];
}

function refusedSection(c: ClaimsV2): string[] {
  if (c.refused.length === 0) return [];
  return [
    "## Records refused",
    "",
    `${c.refused.reduce((a, r) => a + r.count, 0)} of ${c.read} records were not made under this protocol and are not judged:`,
    "",
    ...c.refused.map((r) => `- ${r.count} ${cell(r.reason)}; e.g. ${r.examples.join(", ")}`),
    "",
  ];
}

/** The scoreboard as Markdown. */
export function claimsV2Markdown(input: ClaimsV2Input, c: ClaimsV2 = judgeClaims(input)): string {
  const p = input.protocol;
  return [
    "# The paper's claims, checked (evidence v2)",
    "",
    `Written by \`deno task claims-v2\` from the records made under the protocol ${c.protocol.file} (version ${c.protocol.version},`,
    `sha256 ${c.protocol.sha256}; docs/protocol.md), never by hand: ${c.accepted} of ${c.read} records read. A check compares`,
    "A with B on the same units; p is the one-sided sign-flip p of its claim, p Holm the same adjusted over its family; a",
    "verdict is holds / does not hold / equivalent / inconclusive / not testable, as docs/protocol.md defines them.",
    "",
    "## At a glance",
    "",
    ...glance(p, c),
    "",
    "## Checks by family and scale",
    "",
    ...c.scales.flatMap((s) => s.families.flatMap((f) => familySection(p, s, f))),
    ...shiftedSearchSection(c),
    ...changesFromV1(p, c, input.v1),
    ...refusedSection(c),
  ].join("\n");
}
