/**
 * Verdicts on the paper's claims, computed from run records, never written by hand. Each notebook's
 * claim is split into checks fixed before any run (which methods, which metric, which direction, which
 * tolerance); each check passes or fails on the table's means over seeds. All pass → "holds"; none
 * passes → "does not hold"; otherwise "partly". A check whose methods are missing from the records is
 * "not measured" and does not count; if no check could be measured the verdict is "not measured".
 *
 * Tolerances are the paper's own words: "we expect RA and TA will not decrease too much (e.g., 5%)"
 * (§4.1) for class-wise forgetting, and "a drop in RA or TA by 15% at most" (§4.2) for random
 * forgetting; both are read as percentage points. Every verdict function is also run on the paper's
 * own table numbers in tests/report/verdicts_test.ts, where it must say "holds".
 */
import type { RunRecord } from "../record.ts";
import { canonicalJson } from "../hash.ts";
import type { Check, Level, Verdict } from "../verdict.ts";
import { verdictOf } from "../verdict.ts";
import { displayable, escapeHtml } from "./html.ts";
import type { Interval } from "./stats.ts";
import { formatInterval, meanInterval, pairedDifference } from "./stats.ts";
import { rowLabel } from "./table.ts";

const AVG_GAP = "AvgGap";
const SUM = "Sum";
const RTE = "rteSeconds";

const LEVEL_COLORS: Record<Level, string> = {
  holds: "#2ca02c",
  partly: "#e69500",
  "does not hold": "#d62728",
  inconclusive: "#7f7f7f",
  "not measured": "#7f7f7f",
};
const MARKS: Record<Level, string> = { holds: "pass", partly: "part", "does not hold": "FAIL", inconclusive: "n/c", "not measured": "n/m" };

export function verdictText(v: Verdict): string {
  return [
    `VERDICT: ${v.level.toUpperCase()} — ${v.title}`,
    `Claim: ${v.claim}`,
    ...v.checks.map((c) =>
      `[ ${MARKS[c.level]} ] ${c.claim}\n         rule:  ${c.rule}${
        c.paper ? `\n         paper: ${c.paper}` : ""
      }\n         here:  ${c.observed}`
    ),
    ...v.notes.map((n) => `note: ${n}`),
  ].join("\n");
}

export function verdictHtml(v: Verdict): string {
  const rows = v.checks.map((c) =>
    `<tr><td style="color:${LEVEL_COLORS[c.level]}">${MARKS[c.level]}</td><td style="text-align:left">${escapeHtml(c.claim)}</td>` +
    `<td style="text-align:left">${escapeHtml(c.rule)}</td><td style="text-align:left">${escapeHtml(c.paper ?? "")}</td>` +
    `<td style="text-align:left">${escapeHtml(c.observed)}</td></tr>`
  ).join("");
  const notes = v.notes.length ? `<ul>${v.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "";
  return `<div><p style="font-size:1.2em"><b>VERDICT: <span style="color:${LEVEL_COLORS[v.level]}">${v.level.toUpperCase()}</span></b> — ${
    escapeHtml(v.title)
  }</p><p><i>${escapeHtml(v.claim)}</i></p><table><thead><tr><th></th><th style="text-align:left">check</th>` +
    `<th style="text-align:left">rule</th><th style="text-align:left">paper</th><th style="text-align:left">here</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>${notes}</div>`;
}

/** A verdict that displays itself in a notebook (HTML + text). */
export function makeVerdict(title: string, claim: string, checks: Check[], notes: string[] = []): Verdict {
  const v = verdictOf(title, claim, checks, notes);
  return displayable(v, () => verdictHtml(v), () => verdictText(v));
}

/** A yes/no/unmeasured outcome as a check's level. */
export function passLevel(pass: boolean | null): Level {
  return pass === null ? "not measured" : pass ? "holds" : "does not hold";
}

/**
 * Per-seed values of one block: samples.get(label)?.get(seed)?.[column], labels as table rows show them
 * ("ugradsl (R)"). A method's plain name also finds its rows when its only rows without a special variant
 * are its selection "R" (the searched defaults every core table starts from).
 */
export type Samples = Map<string, Map<number, Record<string, number>>>;

/**
 * What runs of one block must share to be compared or averaged: the data, model, split (but its seed),
 * the original's training and the code that decides the numbers. Methods and their options differ by
 * design; seeds are what the block averages over.
 */
export function settingOf(r: RunRecord): string {
  const { seed: _seed, ...split } = (r.split?.options ?? {}) as unknown as Record<string, unknown>;
  return canonicalJson({
    dataset: r.dataset,
    dataChecksum: r.dataChecksum,
    numerics: r.numerics,
    model: r.model,
    paradigm: r.paradigm,
    split,
    training: r.original?.training,
  });
}

/** One configuration's records and, when several were given, a named warning saying which were left out. */
export interface OneConfiguration {
  records: RunRecord[];
  /** "mixed configurations: …" or null. */
  mixed: string | null;
}

const describeSetting = (rs: RunRecord[]) => {
  const r = rs[0];
  const seeds = [...new Set(rs.map((x) => x.seed))].sort((a, b) => a - b);
  const sizes = r.split?.sizes;
  const trainSize = r.split?.options?.trainSize;
  return `${rs.length} record(s), seeds ${seeds.join(",")}` + (trainSize !== undefined ? `, trainSize ${trainSize}` : "") +
    (sizes ? `, |D_tr| = ${sizes.train}, |D_te| = ${sizes.test}` : "") +
    (r.original?.training?.epochs !== undefined ? `, ${r.original.training.epochs} epochs` : "") +
    (r.numerics ? `, code ${r.numerics.slice(0, 6)}` : "");
};

/**
 * Keeps the records of one configuration apart from the others, as the tables do: never a mean or a pair
 * over records of different settings (`settingOf`), nor over one label's runs of different configurations
 * (`configHash`: other options under the same label; with `acrossLabels` false, settings may differ
 * between labels but not within one). The configuration with the most records is kept
 * (ties: the latest); the others are named in `mixed`.
 */
export function oneConfiguration(records: RunRecord[], labelOf: (r: RunRecord) => string | null, acrossLabels = true): OneConfiguration {
  const pick = (groups: Map<string, RunRecord[]>) =>
    [...groups.values()].sort((a, b) =>
      b.length - a.length ||
      Math.max(...b.map((r) => Date.parse(r.startedAt) || 0)) - Math.max(...a.map((r) => Date.parse(r.startedAt) || 0))
    );
  const left: string[] = [];
  const bySetting = new Map<string, RunRecord[]>();
  for (const r of records) bySetting.set(acrossLabels ? settingOf(r) : "", [...bySetting.get(acrossLabels ? settingOf(r) : "") ?? [], r]);
  const [kept, ...others] = pick(bySetting);
  for (const o of others) left.push(`left out ${describeSetting(o)} (another setting than the ${describeSetting(kept)} read)`);
  const byLabel = new Map<string, Map<string, RunRecord[]>>();
  for (const r of kept ?? []) {
    const label = labelOf(r);
    if (label === null) continue;
    const hashes = byLabel.get(label) ?? new Map<string, RunRecord[]>();
    const key = acrossLabels ? r.configHash : `${r.configHash}|${settingOf(r)}`;
    hashes.set(key, [...hashes.get(key) ?? [], r]);
    byLabel.set(label, hashes);
  }
  const out: RunRecord[] = [];
  for (const [label, hashes] of byLabel) {
    const [mine, ...rest] = pick(hashes);
    out.push(...mine);
    for (const o of rest) {
      left.push(
        `left out ${label} #${o[0].configHash.slice(0, 6)} (${describeSetting(o)}; other options than #${mine[0].configHash.slice(0, 6)})`,
      );
    }
  }
  return { records: out, mixed: left.length ? `mixed configurations, kept apart: ${left.join("; ")}` : null };
}

/** Samples of records already of one configuration. */
function toSamples(records: RunRecord[], labelOf: (r: RunRecord) => string | null): Samples {
  const out: Samples = new Map();
  for (const r of records) {
    const label = labelOf(r);
    if (label === null) continue;
    if (!out.has(label)) out.set(label, new Map());
    out.get(label)!.set(r.seed, { ...r.metrics, rteSeconds: r.rteSeconds });
  }
  return out;
}

/** Samples keyed by any label of a record (null: leave the record out), e.g. an ablation's variant; one configuration per label. */
export function samplesBy(records: RunRecord[], labelOf: (r: RunRecord) => string | null): Samples {
  // Labels may differ in their setting by design here (a sweep over the forget-set size); each label's
  // records are one configuration.
  const one = oneConfiguration(records.filter((r) => r.status === "ok"), labelOf, false);
  if (one.mixed) console.error(`warning: ${one.mixed}`);
  return toSamples(one.records, labelOf);
}

/** The end states' samples by row label, of one configuration, with the records read and the warning. */
function samplesOfConfiguration(records: RunRecord[]): { m: Samples; kept: RunRecord[]; mixed: string | null } {
  const label = (r: RunRecord) => rowLabel(r.method, r.variant);
  const one = oneConfiguration(records.filter((r) => r.status === "ok" && r.tags.epoch === undefined), label);
  if (one.mixed) console.error(`warning: ${one.mixed}`);
  const m = toSamples(one.records, label);
  for (const method of new Set(records.map((r) => r.method))) {
    if (!m.has(method) && m.has(rowLabel(method, "R"))) m.set(method, m.get(rowLabel(method, "R"))!);
  }
  return { m, kept: one.records, mixed: one.mixed };
}

export function samplesOf(records: RunRecord[]): Samples {
  return samplesOfConfiguration(records).m;
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");

/** The labels of the samples, without the plain-name aliases of "R" rows. */
function labelsOf(m: Samples): string[] {
  const seen = new Set<unknown>();
  return [...m.entries()].filter(([, v]) => !seen.has(v) && seen.add(v)).map(([l]) => l);
}

/** `col` of `label` per seed (finite values only). */
export function series(m: Samples, label: string, col: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [seed, metrics] of m.get(label) ?? []) if (Number.isFinite(metrics[col])) out.set(seed, metrics[col]);
  return out;
}

function missing(m: Samples, labels: string[], cols: string[]): string | null {
  const lack = labels.flatMap((l) => cols.filter((c) => series(m, l, c).size === 0).map((c) => `${l} ${c}`));
  return lack.length ? `not measured (no ${lack.join(", ")})` : null;
}

/** "d = 3.10 [1.20, 5.00], n = 5" for a paired difference. */
export function describeDifference(name: string, d: Interval & { seeds: number[] }): string {
  return `${name} = ${f2(d.mean)} [${f2(d.lo)}, ${f2(d.hi)}], n = ${d.n}`;
}

/**
 * The level a paired interval gives a claim "d > threshold": holds when the whole 95% interval is above
 * it, does not hold when the whole interval is at or below it, inconclusive otherwise (or with fewer than
 * two seeds).
 */
export function above(d: Interval, threshold: number): Level {
  if (d.n === 0) return "not measured";
  if (!Number.isFinite(d.halfWidth)) return "inconclusive";
  if (d.lo > threshold) return "holds";
  if (d.hi <= threshold) return "does not hold";
  return "inconclusive";
}

/** `a`'s `col` exceeds `b`'s (`higher` false: is below), as a paired interval over their common seeds. */
export function compare(m: Samples, a: string, b: string, col: string, claim: string, paper: string, higher = true): Check {
  const rule = `95% interval of the paired difference ${higher ? `${a} − ${b}` : `${b} − ${a}`} in ${col} above 0`;
  const miss = missing(m, [a, b], [col]);
  if (miss) return { claim, paper, rule, observed: miss, level: "not measured" };
  const d = higher ? pairedDifference(series(m, a, col), series(m, b, col)) : pairedDifference(series(m, b, col), series(m, a, col));
  return { claim, paper, rule, observed: describeDifference(higher ? `${a} − ${b}` : `${b} − ${a}`, d), level: above(d, 0), value: d.mean };
}

/** `a`'s `col` is at least `ref`'s minus `tolerance` points: the paired interval of a − ref lies above −tolerance. */
export function noDrop(m: Samples, a: string, ref: string, col: string, tolerance: number, claim: string, paper: string): Check {
  const rule = `95% interval of the paired difference ${a} − ${ref} in ${col} above −${tolerance}`;
  const miss = missing(m, [a, ref], [col]);
  if (miss) return { claim, paper, rule, observed: miss, level: "not measured" };
  const d = pairedDifference(series(m, a, col), series(m, ref, col));
  return { claim, paper, rule, observed: describeDifference(`${a} − ${ref}`, d), level: above(d, -tolerance), value: d.mean };
}

/**
 * The best of `ours` on `col` (by mean: highest, or lowest with `lower`) beats every one of `others`, each
 * by a paired interval: holds when it beats all, does not hold when some other beats it, else inconclusive.
 */
export function bestOf(m: Samples, ours: string[], others: string[], col: string, claim: string, paper: string, lower = false): Check {
  const have = ours.filter((o) => series(m, o, col).size > 0);
  const theirs = others.filter((o) => series(m, o, col).size > 0);
  const rule = `the ${lower ? "lowest" : "highest"}-mean of ${ours.join("/")} ${lower ? "below" : "above"} each of ${
    others.join("/")
  } in ${col}: every paired 95% interval on that side`;
  if (have.length === 0 || theirs.length === 0) {
    return { claim, paper, rule, observed: missing(m, [...ours, ...others], [col]) ?? "not measured", level: "not measured" };
  }
  const meanOf = (l: string) => meanInterval([...series(m, l, col).values()]).mean;
  const best = have.reduce((x, y) => ((lower ? meanOf(y) < meanOf(x) : meanOf(y) > meanOf(x)) ? y : x));
  const parts = theirs.map((o) => {
    const d = lower ? pairedDifference(series(m, o, col), series(m, best, col)) : pairedDifference(series(m, best, col), series(m, o, col));
    return { o, d, level: above(d, 0) };
  });
  const level: Level = parts.every((p) => p.level === "holds")
    ? "holds"
    : parts.some((p) => p.level === "does not hold")
    ? "does not hold"
    : "inconclusive";
  return {
    claim,
    paper,
    rule,
    observed: `best of ours: ${best}; ${
      parts.map((p) => describeDifference(lower ? `${p.o} − ${best}` : `${best} − ${p.o}`, p.d)).join("; ")
    }`,
    level,
  };
}

function blockNotes(records: RunRecord[], mixed: string | null = null): string[] {
  const seeds = [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b);
  const sizes = records[0]?.split?.sizes;
  const failed = [
    ...new Set(records.filter((r) => r.status !== "ok").map((r) => `${rowLabel(r.method, r.variant)} seed ${r.seed} (${r.status})`)),
  ];
  return [
    `${seeds.length} seed(s) (${seeds.join(", ")}); ${
      sizes ? `|D_tr| = ${sizes.train}, |D_f| = ${sizes.forget}, |D_te| = ${sizes.test}` : "sizes unknown"
    }; ${records[0]?.dataset ?? "?"} / ${records[0]?.model?.arch ?? "?"}`,
    "each check compares methods on the same seeds (paired), with the 95% Student-t interval of the mean difference; it holds only when the whole interval is on the claimed side, fails when the whole interval is on the other side, and is inconclusive otherwise",
    ...(failed.length ? [`diverged or failed runs (left out): ${failed.join(", ")}`] : []),
    ...(mixed ? [`warning: ${mixed}`] : []),
  ];
}

/** The samples of one paradigm (and model). */
function samplesFor(records: RunRecord[], paradigm: string, arch?: string): { m: Samples; recs: RunRecord[]; mixed: string | null } {
  const all = records.filter((r) => r.paradigm === paradigm && (arch === undefined || r.model.arch === arch));
  const { m, kept, mixed } = samplesOfConfiguration(all);
  // The notes describe the setting read (its failed runs included), not the records left out.
  const setting = mixed && kept.length ? settingOf(kept[0]) : null;
  return { m, recs: setting ? all.filter((r) => settingOf(r) === setting) : all, mixed };
}

/** Notebook 00: one class forgotten by UGradSL+, read off the table. */
export function quickstartVerdict(records: RunRecord[]): Verdict {
  const { m, recs, mixed } = samplesFor(records, "classwise");
  return makeVerdict(
    "quickstart: UGradSL+ forgets one class (class-wise)",
    "UGradSL+ reaches Retrain's forgetting (UA ≈ 100) while keeping TA within 5 points of Retrain (Table 1, CIFAR-10: UA 100.00, TA 94.29 vs Retrain 94.50).",
    [
      noDrop(m, "ugradsl+", "retrain", "UA", 5, "UGradSL+ UA within 5 points of Retrain's", "Table 1 CIFAR-10: 100.00 vs 100.00"),
      noDrop(m, "ugradsl+", "retrain", "TA", 5, "UGradSL+ TA within 5 points of Retrain's", "Table 1 CIFAR-10: 94.29 vs 94.50"),
    ],
    blockNotes(recs, mixed),
  );
}

/** Notebook 04, Tables 1 and 9: class-wise forgetting. */
export function classwiseVerdict(records: RunRecord[]): Verdict {
  const { m, recs, mixed } = samplesFor(records, "classwise");
  return makeVerdict(
    "class-wise forgetting (Tables 1, 9)",
    "UGradSL and UGradSL+ boost GA and FT respectively (higher UA and MIA) without a drop in RA or TA, stay closest to Retrain (Avg. Gap) and have about the highest Sum (§4.2).",
    [
      compare(
        m,
        "ugradsl+ (R)",
        "ft (R)",
        AVG_GAP,
        "UGradSL+ is closer to Retrain than FT (Avg. Gap)",
        "Table 1 CIFAR-10: 0.32 vs 25.02",
        false,
      ),
      compare(
        m,
        "ugradsl (R)",
        "ga (R)",
        AVG_GAP,
        "UGradSL is closer to Retrain than GA (Avg. Gap)",
        "Table 1 CIFAR-10: 4.38 vs 31.02",
        false,
      ),
      compare(
        m,
        "ugradsl (C)",
        "ga (C)",
        "UA",
        "UGradSL forgets more than GA (UA)",
        "Table 1 CIFAR-10: 94.99 vs 25.19; Table 9 CIFAR-100: 66.59 vs 99.00 (GA higher)",
      ),
      compare(
        m,
        "ugradsl+ (C)",
        "ft (C)",
        "UA",
        "UGradSL+ forgets more than FT (UA)",
        "Table 1 CIFAR-10: 100.00 vs 22.71; Table 9 CIFAR-100: 100.00 vs 0.67",
      ),
      compare(m, "ugradsl+ (C)", "ft (C)", "MIA", "UGradSL+ has higher MIA-efficacy than FT", "Table 1 CIFAR-10: 100.00 vs 79.21"),
      noDrop(m, "ugradsl (C)", "ga (C)", "TA", 5, "UGradSL keeps GA's TA (drop ≤ 5)", "Table 1 CIFAR-10: 86.78 vs 73.10"),
      noDrop(m, "ugradsl+ (C)", "ft (C)", "TA", 5, "UGradSL+ keeps FT's TA (drop ≤ 5)", "Table 1 CIFAR-10: 94.29 vs 94.13"),
      noDrop(m, "ugradsl+ (C)", "ft (C)", "RA", 5, "UGradSL+ keeps FT's RA (drop ≤ 5)", "Table 1 CIFAR-10: 99.26 vs 99.82"),
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft (R)", "ga (R)"],
        SUM,
        "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA",
        "Table 1 CIFAR-10: 392.55 vs 295.87",
      ),
      compare(m, "ugradsl+ (R)", "retrain", RTE, "UGradSL+ is faster than Retrain (RTE)", "Table 1 CIFAR-10: 3.07 vs 14.92 min", false),
    ],
    blockNotes(recs, mixed),
  );
}

/**
 * Notebook 05, Tables 2, 10, 13: random forgetting. Rows "ugradsl (C)"/"ugradsl+ (C)" start from the
 * selection for complete forgetting; "ugradsl (R)"/"ugradsl+ (R)" from the one closest to Retrain.
 */
export function randomVerdict(records: RunRecord[]): Verdict {
  const { m, recs, mixed } = samplesFor(records, "random");
  return makeVerdict(
    "random forgetting (Tables 2, 10, 13)",
    "Aiming at complete unlearning, UGradSL/UGradSL+ reach much higher UA and MIA than GA/FT at a drop in RA or TA of 15 points at most; aiming at Retrain, the (R) variants have a smaller Avg. Gap than FT and GA (§4.2).",
    [
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft (R)", "ga (R)"],
        AVG_GAP,
        "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)",
        "Table 2 CIFAR-100: 3.75 vs 18.83; Table 10 CIFAR-10: 2.01 vs 5.65",
        true,
      ),
      compare(
        m,
        "ugradsl+ (C)",
        "ft (C)",
        "UA",
        "UGradSL+ forgets more than FT (UA)",
        "Table 2 CIFAR-100: 63.89 vs 2.55; Table 10 CIFAR-10: 25.13 vs 1.10",
      ),
      compare(m, "ugradsl+ (C)", "ft (C)", "MIA", "UGradSL+ has higher MIA-efficacy than FT", "Table 2 CIFAR-100: 71.51 vs 10.59"),
      compare(
        m,
        "ugradsl (C)",
        "ga (C)",
        "UA",
        "UGradSL forgets more than GA (UA)",
        "Table 2 CIFAR-100: 15.10 vs 2.58; Table 10 CIFAR-10: 20.77 vs 0.56",
      ),
      noDrop(m, "ugradsl+ (C)", "retrain", "TA", 15, "UGradSL+ TA drop vs Retrain ≤ 15", "Table 2 CIFAR-100: 61.09 vs 70.51"),
      noDrop(m, "ugradsl (C)", "retrain", "TA", 15, "UGradSL TA drop vs Retrain ≤ 15", "Table 2 CIFAR-100: 59.25 vs 70.51"),
      noDrop(m, "ugradsl+ (C)", "retrain", "RA", 15, "UGradSL+ RA drop vs Retrain ≤ 15", "Table 2 CIFAR-100: 92.25 vs 99.98"),
    ],
    blockNotes(recs, mixed),
  );
}

/** Notebook 06, Table 3: group forgetting (a sub-class of a super-class). */
export function groupVerdict(records: RunRecord[]): Verdict {
  const { m, recs, mixed } = samplesFor(records, "group");
  return makeVerdict(
    "group forgetting (Table 3)",
    "Forgetting one sub-class of a super-class, UGradSL+ forgets far more than FT and UGradSL keeps far more TA than GA, at a mild cost in RA/TA; the best Sum is ours and the (R) variants are closest to Retrain (§4.2-4.3).",
    [
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft (R)", "ga (R)"],
        AVG_GAP,
        "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)",
        "Table 3 CIFAR-100: 2.40 vs 10.21",
        true,
      ),
      compare(m, "ugradsl+ (C)", "ft (C)", "UA", "UGradSL+ forgets more than FT (UA)", "Table 3 CIFAR-100: 81.11 vs 1.00"),
      compare(m, "ugradsl (C)", "ga (C)", "TA", "UGradSL keeps more TA than GA", "Table 3 CIFAR-100: 80.06 vs 64.07"),
      noDrop(m, "ugradsl+ (C)", "retrain", "TA", 15, "UGradSL+ TA drop vs Retrain ≤ 15", "Table 3 CIFAR-100: 78.02 vs 81.23"),
      bestOf(
        m,
        ["ugradsl (C)", "ugradsl+ (C)"],
        ["ft (C)", "ga (C)"],
        SUM,
        "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA",
        "Table 3 CIFAR-100: 348.22 vs 322.39",
      ),
    ],
    blockNotes(recs, mixed),
  );
}

/** Notebook 07, Table 4 analogue: forgetting every sample of a few identities. */
export function identityVerdict(records: RunRecord[]): Verdict {
  const { m, recs, mixed } = samplesFor(records, "identity");
  return makeVerdict(
    "identity forgetting (Table 4 analogue)",
    "Forgetting every sample of 1% of the identities, UGradSL/UGradSL+ forget more than GA/FT without losing much TA (≤ 5 points vs Retrain), and the (R) variants are closest to Retrain (§4.2, Table 4 on CelebA).",
    [
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft (R)", "ga (R)"],
        AVG_GAP,
        "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)",
        "Table 4 CelebA: 1.11 vs 1.75",
        true,
      ),
      compare(m, "ugradsl+ (C)", "ft (C)", "UA", "UGradSL+ forgets more than FT (UA)", "Table 4 CelebA: 15.63 vs 5.36"),
      compare(m, "ugradsl (C)", "ga (C)", "UA", "UGradSL forgets more than GA (UA)", "Table 4 CelebA: 11.33 vs 6.00"),
      noDrop(m, "ugradsl+ (C)", "retrain", "TA", 5, "UGradSL+ TA within 5 points of Retrain's", "Table 4 CelebA: 88.29 vs 91.78"),
    ],
    blockNotes(recs, mixed),
  );
}

/**
 * Notebook 09, Table 5 and Figs. 4, 7: the Additional MIA separates seen from unseen near 100% in
 * class-wise and near 50% in random forgetting; unlearning leaves no Streisand trace beyond Retrain's.
 */
export function miaVerdict(records: RunRecord[]): Verdict {
  const cwAll = samplesFor(records, "classwise");
  const rdAll = samplesFor(records, "random");
  const [cw, rd] = [cwAll.m, rdAll.m];
  const mixed = [cwAll.mixed, rdAll.mixed].filter(Boolean).join("; ") || null;
  // Every method's Additional MIA lies in [lo, hi]: holds when every 95% interval is inside, does not hold
  // when some interval is entirely outside, inconclusive otherwise.
  const range = (m: Samples, lo: number, hi: number, claim: string, paper: string): Check => {
    const rule = `every method's 95% interval of Additional MIA inside [${lo}, ${hi}]`;
    const parts = labelsOf(m).map((l) => ({
      l,
      i: meanInterval([...series(m, l, "AdditionalMIA").values()]),
    })).filter((p) => p.i.n > 0);
    if (parts.length === 0) return { claim, paper, rule, observed: "not measured (no AdditionalMIA)", level: "not measured" };
    const inside = (i: Interval) => Number.isFinite(i.halfWidth) && i.lo >= lo && i.hi <= hi;
    const outside = (i: Interval) => Number.isFinite(i.halfWidth) ? i.hi < lo || i.lo > hi : false;
    const level: Level = parts.every((p) => inside(p.i)) ? "holds" : parts.some((p) => outside(p.i)) ? "does not hold" : "inconclusive";
    return { claim, paper, rule, observed: parts.map((p) => `${p.l} ${formatInterval(p.i)}`).join(", "), level };
  };
  // The method's predicted-class distance D_f vs D_te is at most Retrain's plus `tol` points.
  const streisand = (m: Samples, method: string, paradigm: string, tol: number): Check => {
    const claim = `${paradigm}: ${method}'s D_f-vs-D_te predicted-class distance is within ${tol} points of Retrain's`;
    const paper = "Fig. 4 (random, CIFAR-10): UGradSL's confusion on D_f looks like D_te's";
    const rule = `95% interval of the paired difference Retrain − ${method} in Streisand_TV_pred above −${tol}`;
    const miss = missing(m, [method, "retrain"], ["Streisand_TV_pred"]);
    if (miss) return { claim, paper, rule, observed: miss, level: "not measured" };
    const d = pairedDifference(series(m, "retrain", "Streisand_TV_pred"), series(m, method, "Streisand_TV_pred"));
    return { claim, paper, rule, observed: describeDifference(`retrain − ${method}`, d), level: above(d, -tol) };
  };
  const recs = records.filter((r) => r.paradigm === "classwise" || r.paradigm === "random");
  return makeVerdict(
    "MIA and the Streisand effect (Table 5, Figs. 4, 7)",
    "An attacker told seen from unseen is right ≈100% of the time after class-wise forgetting and ≈50% after random forgetting (Table 5), and UGradSL leaves D_f looking like unseen data rather than revealing it (Fig. 4).",
    [
      range(cw, 90, 100, "class-wise: Additional MIA ≥ 90 for every method", "Table 5: 99.02-100.00"),
      range(rd, 40, 65, "random: Additional MIA within 40-65 for every method", "Table 5: 50.69-56.41"),
      streisand(rd, "ugradsl", "random", 10),
      streisand(rd, "ugradsl+", "random", 10),
    ],
    blockNotes(recs, mixed),
  );
}

/** Notebook 10, Tables 11 and 12: the same comparisons on other architectures, one block per model. */
/** An original model below this train accuracy has not learnt its subset: its block of notebook 10 is withdrawn. */
export const MIN_ORIGINAL_TRAIN_ACC = 0.8;

/** "original train accuracy 10.6-35.6% on seeds 0, 3" when some original is below the bar, else null. */
export function unlearntOriginals(records: RunRecord[]): string | null {
  const bySeed = new Map(records.map((r) => [r.seed, r.original.trainAcc]));
  const low = [...bySeed.entries()].filter(([, acc]) => !(acc >= MIN_ORIGINAL_TRAIN_ACC)).sort((a, b) => a[0] - b[0]);
  if (!low.length) return null;
  const pct = low.map(([, a]) => 100 * a);
  const range = `${Math.min(...pct).toFixed(1)}-${Math.max(...pct).toFixed(1)}%`;
  return `original train accuracy ${range} on seed(s) ${low.map(([s]) => s).join(", ")} (below ${100 * MIN_ORIGINAL_TRAIN_ACC}%)`;
}

export function architecturesVerdict(records: RunRecord[]): Verdict {
  const archs = [...new Set(records.map((r) => r.model.arch))];
  const checks: Check[] = [];
  const warnings: string[] = [];
  for (const arch of archs) {
    for (const paradigm of [...new Set(records.filter((r) => r.model.arch === arch).map((r) => r.paradigm))]) {
      const { m, mixed } = samplesFor(records, paradigm, arch);
      if (mixed) warnings.push(`warning: ${arch}, ${paradigm}: ${mixed}`);
      const tag = `${arch}, ${paradigm}`;
      const untrained = unlearntOriginals(records.filter((r) => r.model.arch === arch && r.paradigm === paradigm));
      if (untrained) {
        checks.push(...["UA", "Avg. Gap"].map((col) => ({
          claim: `${tag}: the best of UGradSL/UGradSL+ beats FT and GA (${col})`,
          paper: "Tables 11, 12",
          rule: `tested only when every original model learnt its training subset (train accuracy ≥ ${100 * MIN_ORIGINAL_TRAIN_ACC}%)`,
          observed: `withdrawn: ${untrained}; forgetting a class the model never told apart says nothing about the methods`,
          level: "not measured" as const,
        })));
        continue;
      }
      checks.push(
        bestOf(
          m,
          ["ugradsl", "ugradsl+"],
          ["ft", "ga"],
          "UA",
          `${tag}: the best of UGradSL/UGradSL+ forgets more than FT and GA (UA)`,
          "Table 12 ViT class-wise: 99.99 vs 33.77; Table 11 VGG-16 random: 13.45 vs 1.35",
        ),
        bestOf(
          m,
          ["ugradsl", "ugradsl+"],
          ["ft", "ga"],
          AVG_GAP,
          `${tag}: the best of UGradSL/UGradSL+ is closer to Retrain than FT and GA (Avg. Gap)`,
          "Table 12 ViT: 12.85 vs 41.63; Table 11 VGG-16: 4.86 vs 4.96",
          true,
        ),
      );
    }
  }
  return makeVerdict(
    "other architectures (Tables 11, 12)",
    "With VGG-16 (random forgetting) and ViT (class-wise forgetting) the observations of Tables 1-2 repeat: UGradSL/UGradSL+ forget more than GA/FT and are closer to Retrain (§11.6).",
    checks,
    [`architectures here: ${archs.join(", ") || "none"}; seeds: ${new Set(records.map((r) => r.seed)).size}`, ...warnings],
  );
}
