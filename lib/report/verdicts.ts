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
import type { Table } from "./table.ts";
import type { Check, Level, Verdict } from "../verdict.ts";
import { verdictOf } from "../verdict.ts";
import { displayable, escapeHtml } from "./html.ts";
import { buildTable } from "./table.ts";

const AVG_GAP = "AvgGap";
const SUM = "Sum";
const RTE = "rteSeconds";

export type { Check, Level, Verdict } from "../verdict.ts";

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

/** Means of one block of a table: means.get(label)?.[column], labels as rows show them ("ugradsl (R)"). */
export type Means = Map<string, Record<string, number>>;

/**
 * A method's plain name also finds its row when the only row of that method without a special variant is
 * its selection "R" (the searched defaults every core table starts from).
 */
export function meansOf(table: Table, block?: string): Means {
  const b = block ?? table.rows[0]?.block;
  const out: Means = new Map();
  const rows = table.rows.filter((r) => r.block === b);
  for (const r of rows) out.set(r.label, Object.fromEntries(Object.entries(r.cells).map(([k, s]) => [k, s.mean])));
  for (const method of new Set(rows.map((r) => r.method))) {
    const selected = rows.filter((r) => r.method === method && r.variant === "R");
    if (!out.has(method) && selected.length === 1) out.set(method, out.get(selected[0].label)!);
  }
  return out;
}

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");

function get(m: Means, method: string, col: string): number | undefined {
  const v = m.get(method)?.[col];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function missing(m: Means, methods: string[], cols: string[]): string | null {
  const lack = methods.flatMap((me) => cols.filter((c) => get(m, me, c) === undefined).map((c) => `${me} ${c}`));
  return lack.length ? `not measured (no ${lack.join(", ")})` : null;
}

/** `a`'s `col` exceeds `b`'s (strictly; `higher` false: is below). */
export function compare(m: Means, a: string, b: string, col: string, claim: string, paper: string, higher = true): Check {
  const miss = missing(m, [a, b], [col]);
  const rule = `mean ${col} of ${a} ${higher ? ">" : "<"} that of ${b}`;
  if (miss) return { claim, paper, rule, observed: miss, level: "not measured" };
  const [va, vb] = [get(m, a, col)!, get(m, b, col)!];
  return { claim, paper, rule, observed: `${a} ${col} ${f1(va)} vs ${b} ${f1(vb)}`, level: passLevel(higher ? va > vb : va < vb) };
}

/** `a`'s `col` is at least `ref`'s minus `tolerance` points. */
export function noDrop(m: Means, a: string, ref: string, col: string, tolerance: number, claim: string, paper: string): Check {
  const miss = missing(m, [a, ref], [col]);
  const rule = `mean ${col} of ${a} ≥ that of ${ref} − ${tolerance}`;
  if (miss) return { claim, paper, rule, observed: miss, level: "not measured" };
  const [va, vr] = [get(m, a, col)!, get(m, ref, col)!];
  return {
    claim,
    paper,
    rule,
    observed: `${a} ${col} ${f1(va)} vs ${ref} ${f1(vr)} (drop ${f1(vr - va)}, allowed ${tolerance})`,
    level: passLevel(va >= vr - tolerance),
  };
}

/** The best of `ours` on `col` (max, or min with `lower`) beats every one of `others`. */
export function bestOf(m: Means, ours: string[], others: string[], col: string, claim: string, paper: string, lower = false): Check {
  const have = ours.filter((o) => get(m, o, col) !== undefined);
  const theirs = others.filter((o) => get(m, o, col) !== undefined);
  const rule = `the ${lower ? "lowest" : "highest"} mean ${col} of ${ours.join("/")} ${lower ? "<" : ">"} that of every one of ${
    others.join("/")
  }`;
  if (have.length === 0 || theirs.length === 0) {
    return { claim, paper, rule, observed: missing(m, [...ours, ...others], [col]) ?? "not measured", level: "not measured" };
  }
  const pick = (xs: string[]) =>
    xs.reduce((a, b) => ((lower ? get(m, b, col)! < get(m, a, col)! : get(m, b, col)! > get(m, a, col)!) ? b : a));
  const [o, t] = [pick(have), pick(theirs)];
  const [vo, vt] = [get(m, o, col)!, get(m, t, col)!];
  return {
    claim,
    paper,
    rule,
    observed: `best of ours: ${o} ${col} ${f1(vo)}; best other: ${t} ${f1(vt)}`,
    level: passLevel(lower ? vo < vt : vo > vt),
  };
}

function blockNotes(table: Table, records: RunRecord[]): string[] {
  const seeds = new Set(records.map((r) => r.seed)).size;
  const sizes = records[0]?.split?.sizes;
  const failed = table.rows.filter((r) => r.failed > 0).map((r) => `${r.label} (${r.failed}/${r.runs})`);
  return [
    `${seeds} seed(s); ${sizes ? `|D_tr| = ${sizes.train}, |D_f| = ${sizes.forget}, |D_te| = ${sizes.test}` : "sizes unknown"}; ${
      records[0]?.dataset ?? "?"
    } / ${records[0]?.model?.arch ?? "?"}`,
    ...(failed.length ? [`diverged or failed runs (left out of the means): ${failed.join(", ")}`] : []),
  ];
}

const TABLE_OPTS = { extraColumns: ["AdditionalMIA", "Streisand_TV_pred"] };

/** Picks the records of one paradigm (and model) and builds their table. */
function tableFor(records: RunRecord[], paradigm: string, arch?: string): { table: Table; recs: RunRecord[] } {
  const recs = records.filter((r) => r.paradigm === paradigm && (arch === undefined || r.model.arch === arch));
  return { table: buildTable(recs, TABLE_OPTS), recs };
}

/** Notebook 00: one class forgotten by UGradSL+, read off the table. */
export function quickstartVerdict(records: RunRecord[]): Verdict {
  const { table, recs } = tableFor(records, "classwise");
  const m = meansOf(table);
  return makeVerdict(
    "quickstart: UGradSL+ forgets one class (class-wise)",
    "UGradSL+ reaches Retrain's forgetting (UA ≈ 100) while keeping TA within 5 points of Retrain (Table 1, CIFAR-10: UA 100.00, TA 94.29 vs Retrain 94.50).",
    [
      noDrop(m, "ugradsl+", "retrain", "UA", 5, "UGradSL+ UA within 5 points of Retrain's", "Table 1 CIFAR-10: 100.00 vs 100.00"),
      noDrop(m, "ugradsl+", "retrain", "TA", 5, "UGradSL+ TA within 5 points of Retrain's", "Table 1 CIFAR-10: 94.29 vs 94.50"),
    ],
    blockNotes(table, recs),
  );
}

/** Notebook 04, Tables 1 and 9: class-wise forgetting. */
export function classwiseVerdict(records: RunRecord[]): Verdict {
  const { table, recs } = tableFor(records, "classwise");
  const m = meansOf(table);
  return makeVerdict(
    "class-wise forgetting (Tables 1, 9)",
    "UGradSL and UGradSL+ boost GA and FT respectively (higher UA and MIA) without a drop in RA or TA, stay closest to Retrain (Avg. Gap) and have about the highest Sum (§4.2).",
    [
      compare(
        m,
        "ugradsl",
        "ga",
        "UA",
        "UGradSL forgets more than GA (UA)",
        "Table 1 CIFAR-10: 94.99 vs 25.19; Table 9 CIFAR-100: 66.59 vs 99.00 (GA higher)",
      ),
      compare(
        m,
        "ugradsl+",
        "ft",
        "UA",
        "UGradSL+ forgets more than FT (UA)",
        "Table 1 CIFAR-10: 100.00 vs 22.71; Table 9 CIFAR-100: 100.00 vs 0.67",
      ),
      compare(m, "ugradsl+", "ft", "MIA", "UGradSL+ has higher MIA-efficacy than FT", "Table 1 CIFAR-10: 100.00 vs 79.21"),
      noDrop(m, "ugradsl", "ga", "TA", 5, "UGradSL keeps GA's TA (drop ≤ 5)", "Table 1 CIFAR-10: 86.78 vs 73.10"),
      noDrop(m, "ugradsl+", "ft", "TA", 5, "UGradSL+ keeps FT's TA (drop ≤ 5)", "Table 1 CIFAR-10: 94.29 vs 94.13"),
      noDrop(m, "ugradsl+", "ft", "RA", 5, "UGradSL+ keeps FT's RA (drop ≤ 5)", "Table 1 CIFAR-10: 99.26 vs 99.82"),
      compare(m, "ugradsl+", "ft", AVG_GAP, "UGradSL+ is closer to Retrain than FT (Avg. Gap)", "Table 1 CIFAR-10: 0.32 vs 25.02", false),
      compare(m, "ugradsl", "ga", AVG_GAP, "UGradSL is closer to Retrain than GA (Avg. Gap)", "Table 1 CIFAR-10: 4.38 vs 31.02", false),
      bestOf(
        m,
        ["ugradsl", "ugradsl+"],
        ["ft", "ga"],
        SUM,
        "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA",
        "Table 1 CIFAR-10: 392.55 vs 295.87",
      ),
      compare(m, "ugradsl+", "retrain", RTE, "UGradSL+ is faster than Retrain (RTE)", "Table 1 CIFAR-10: 3.07 vs 14.92 min", false),
    ],
    blockNotes(table, recs),
  );
}

/**
 * Notebook 05, Tables 2, 10, 13: random forgetting. Rows "ugradsl (complete)"/"ugradsl+ (complete)" aim at
 * complete unlearning; "ugradsl (R)"/"ugradsl+ (R)" start from the selection that matches Retrain.
 */
export function randomVerdict(records: RunRecord[]): Verdict {
  const { table, recs } = tableFor(records, "random");
  const m = meansOf(table);
  return makeVerdict(
    "random forgetting (Tables 2, 10, 13)",
    "Aiming at complete unlearning, UGradSL/UGradSL+ reach much higher UA and MIA than GA/FT at a drop in RA or TA of 15 points at most; aiming at Retrain, the (R) variants have a smaller Avg. Gap than FT and GA (§4.2).",
    [
      compare(
        m,
        "ugradsl+ (complete)",
        "ft",
        "UA",
        "UGradSL+ forgets more than FT (UA)",
        "Table 2 CIFAR-100: 63.89 vs 2.55; Table 10 CIFAR-10: 25.13 vs 1.10",
      ),
      compare(m, "ugradsl+ (complete)", "ft", "MIA", "UGradSL+ has higher MIA-efficacy than FT", "Table 2 CIFAR-100: 71.51 vs 10.59"),
      compare(
        m,
        "ugradsl (complete)",
        "ga",
        "UA",
        "UGradSL forgets more than GA (UA)",
        "Table 2 CIFAR-100: 15.10 vs 2.58; Table 10 CIFAR-10: 20.77 vs 0.56",
      ),
      noDrop(m, "ugradsl+ (complete)", "retrain", "TA", 15, "UGradSL+ TA drop vs Retrain ≤ 15", "Table 2 CIFAR-100: 61.09 vs 70.51"),
      noDrop(m, "ugradsl (complete)", "retrain", "TA", 15, "UGradSL TA drop vs Retrain ≤ 15", "Table 2 CIFAR-100: 59.25 vs 70.51"),
      noDrop(m, "ugradsl+ (complete)", "retrain", "RA", 15, "UGradSL+ RA drop vs Retrain ≤ 15", "Table 2 CIFAR-100: 92.25 vs 99.98"),
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft", "ga"],
        AVG_GAP,
        "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)",
        "Table 2 CIFAR-100: 3.75 vs 18.83; Table 10 CIFAR-10: 2.01 vs 5.65",
        true,
      ),
    ],
    blockNotes(table, recs),
  );
}

/** Notebook 06, Table 3: group forgetting (a sub-class of a super-class). */
export function groupVerdict(records: RunRecord[]): Verdict {
  const { table, recs } = tableFor(records, "group");
  const m = meansOf(table);
  return makeVerdict(
    "group forgetting (Table 3)",
    "Forgetting one sub-class of a super-class, UGradSL+ forgets far more than FT and UGradSL keeps far more TA than GA, at a mild cost in RA/TA; the best Sum is ours and the (R) variants are closest to Retrain (§4.2-4.3).",
    [
      compare(m, "ugradsl+ (complete)", "ft", "UA", "UGradSL+ forgets more than FT (UA)", "Table 3 CIFAR-100: 81.11 vs 1.00"),
      compare(m, "ugradsl (complete)", "ga", "TA", "UGradSL keeps more TA than GA", "Table 3 CIFAR-100: 80.06 vs 64.07"),
      noDrop(m, "ugradsl+ (complete)", "retrain", "TA", 15, "UGradSL+ TA drop vs Retrain ≤ 15", "Table 3 CIFAR-100: 78.02 vs 81.23"),
      bestOf(
        m,
        ["ugradsl (complete)", "ugradsl+ (complete)"],
        ["ft", "ga"],
        SUM,
        "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA",
        "Table 3 CIFAR-100: 348.22 vs 322.39",
      ),
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft", "ga"],
        AVG_GAP,
        "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)",
        "Table 3 CIFAR-100: 2.40 vs 10.21",
        true,
      ),
    ],
    blockNotes(table, recs),
  );
}

/** Notebook 07, Table 4 analogue: forgetting every sample of a few identities. */
export function identityVerdict(records: RunRecord[]): Verdict {
  const { table, recs } = tableFor(records, "identity");
  const m = meansOf(table);
  return makeVerdict(
    "identity forgetting (Table 4 analogue)",
    "Forgetting every sample of 1% of the identities, UGradSL/UGradSL+ forget more than GA/FT without losing much TA (≤ 5 points vs Retrain), and the (R) variants are closest to Retrain (§4.2, Table 4 on CelebA).",
    [
      compare(m, "ugradsl+ (complete)", "ft", "UA", "UGradSL+ forgets more than FT (UA)", "Table 4 CelebA: 15.63 vs 5.36"),
      compare(m, "ugradsl (complete)", "ga", "UA", "UGradSL forgets more than GA (UA)", "Table 4 CelebA: 11.33 vs 6.00"),
      noDrop(m, "ugradsl+ (complete)", "retrain", "TA", 5, "UGradSL+ TA within 5 points of Retrain's", "Table 4 CelebA: 88.29 vs 91.78"),
      bestOf(
        m,
        ["ugradsl (R)", "ugradsl+ (R)"],
        ["ft", "ga"],
        AVG_GAP,
        "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)",
        "Table 4 CelebA: 1.11 vs 1.75",
        true,
      ),
    ],
    blockNotes(table, recs),
  );
}

/**
 * Notebook 09, Table 5 and Figs. 4, 7: the Additional MIA separates seen from unseen near 100% in
 * class-wise and near 50% in random forgetting; unlearning leaves no Streisand trace beyond Retrain's.
 */
export function miaVerdict(records: RunRecord[]): Verdict {
  const cw = meansOf(tableFor(records, "classwise").table);
  const rd = meansOf(tableFor(records, "random").table);
  const methods = (m: Means) => [...m.keys()];
  const range = (m: Means, lo: number, hi: number, claim: string, paper: string): Check => {
    const vals = methods(m).map((me) => [me, get(m, me, "AdditionalMIA")] as const).filter(([, v]) => v !== undefined) as [
      string,
      number,
    ][];
    const rule = `every method's mean Additional MIA in [${lo}, ${hi}]`;
    if (vals.length === 0) return { claim, paper, rule, observed: "not measured (no AdditionalMIA)", level: "not measured" };
    return {
      claim,
      paper,
      rule,
      observed: vals.map(([me, v]) => `${me} ${f1(v)}`).join(", "),
      level: passLevel(vals.every(([, v]) => v >= lo && v <= hi)),
    };
  };
  const streisand = (m: Means, method: string, paradigm: string, tol: number): Check => {
    const claim = `${paradigm}: ${method}'s D_f-vs-D_te predicted-class distance is within ${tol} points of Retrain's`;
    const paper = "Fig. 4 (random, CIFAR-10): UGradSL's confusion on D_f looks like D_te's";
    const miss = missing(m, [method, "retrain"], ["Streisand_TV_pred"]);
    const rule = `mean TV of ${method} ≤ Retrain's + ${tol}`;
    if (miss) return { claim, paper, rule, observed: miss, level: "not measured" };
    const [v, r] = [get(m, method, "Streisand_TV_pred")!, get(m, "retrain", "Streisand_TV_pred")!];
    return { claim, paper, rule, observed: `TV ${f1(v)} vs Retrain ${f1(r)}`, level: passLevel(v <= r + tol) };
  };
  const recs = records.filter((r) => r.paradigm === "classwise" || r.paradigm === "random");
  const seeds = new Set(recs.map((r) => r.seed)).size;
  return makeVerdict(
    "MIA and the Streisand effect (Table 5, Figs. 4, 7)",
    "An attacker told seen from unseen is right ≈100% of the time after class-wise forgetting and ≈50% after random forgetting (Table 5), and UGradSL leaves D_f looking like unseen data rather than revealing it (Fig. 4).",
    [
      range(cw, 90, 100, "class-wise: Additional MIA ≥ 90 for every method", "Table 5: 99.02-100.00"),
      range(rd, 40, 65, "random: Additional MIA within 40-65 for every method", "Table 5: 50.69-56.41"),
      streisand(rd, "ugradsl", "random", 10),
      streisand(rd, "ugradsl+", "random", 10),
    ],
    [`${seeds} seed(s); ${recs[0]?.dataset ?? "?"} / ${recs[0]?.model?.arch ?? "?"}`],
  );
}

/** Notebook 10, Tables 11 and 12: the same comparisons on other architectures, one block per model. */
export function architecturesVerdict(records: RunRecord[]): Verdict {
  const archs = [...new Set(records.map((r) => r.model.arch))];
  const checks: Check[] = [];
  for (const arch of archs) {
    for (const paradigm of [...new Set(records.filter((r) => r.model.arch === arch).map((r) => r.paradigm))]) {
      const m = meansOf(tableFor(records, paradigm, arch).table);
      const tag = `${arch}, ${paradigm}`;
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
    [`architectures here: ${archs.join(", ") || "none"}; seeds: ${new Set(records.map((r) => r.seed)).size}`],
  );
}
