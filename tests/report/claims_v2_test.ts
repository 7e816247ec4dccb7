/**
 * The v2 claims writer on records this test writes: records of another protocol are refused and listed; Holm's
 * adjustment over a family turns a check that holds alone into an inconclusive one; each verdict of the
 * vocabulary comes out where its data say so; failed runs are counted; the transfer split, the scales, the
 * interim look, rule changes after runs and the v1 comparison are shown.
 */
import assert from "node:assert/strict";
import { claimsV2Main } from "../../cli/claims_v2.ts";
import { KitError } from "../../lib/errors.ts";
import type { RunRecord } from "../../lib/record.ts";
import { admit, claimsV2Markdown, judgeClaims } from "../../lib/report/claims_v2.ts";
import type { CheckResult } from "../../lib/report/judge.ts";
import { judgeFamily, unitTable } from "../../lib/report/judge.ts";
import type { Protocol } from "../../lib/report/protocol.ts";
import { signFlipP } from "../../lib/report/stats.ts";
import {
  family,
  gapFlips,
  gapHolds,
  input,
  METRICS,
  neutral,
  PROTOCOL,
  PROTOCOL_TEXT,
  SHA,
  unitRecord,
  UNITS,
} from "./_claims_v2_records.ts";

const resultOf = (c: ReturnType<typeof judgeClaims>, id: string, scale = 0): CheckResult =>
  c.scales[scale].families.flatMap((f) => f.all).find((r) => r.check.id === id)!;

Deno.test("records made under another protocol, or none, are refused and listed; none admitted writes nothing", async () => {
  const mine = family("random");
  const other = family("random", () => {}, { sha: "f".repeat(64) }).slice(0, 7);
  const none = family("random", () => {}, { sha: null }).slice(0, 3);
  const { accepted, refused } = admit([...mine, ...other, ...none], SHA);
  assert.equal(accepted.length, mine.length);
  assert.deepEqual(refused.map((r) => r.count), [7, 3]);
  assert.match(refused[0].reason, /another protocol: version 1, sha256 ffffffffffff/);
  assert.equal(refused[1].reason, "made under no protocol");
  const md = claimsV2Markdown(input([...mine, ...other, ...none]));
  assert.match(md, /## Records refused\n\n10 of 190 records were not made under this protocol/);
  assert.match(md, /- 7 made under another protocol: version 1, sha256 ffffffffffff… \(results\/protocol\.json\); e\.g\. hand:/);

  // The command: a folder of records of another protocol only is refused, and nothing is written.
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/protocol.json`, PROTOCOL_TEXT);
  await Deno.mkdir(`${dir}/v2`);
  await Deno.writeTextFile(`${dir}/v2/records.jsonl`, other.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const args = [`--protocol=${dir}/protocol.json`, `--records=${dir}/v2`, `--out=${dir}/claims.md`, `--json=${dir}/c.json`];
  await assert.rejects(claimsV2Main(args), (e: unknown) => e instanceof KitError && /none of 7 records was made under/.test(e.message));
  await assert.rejects(Deno.stat(`${dir}/claims.md`), Deno.errors.NotFound);
  // With this protocol's records beside them, the board is written and lists the refused.
  await Deno.writeTextFile(`${dir}/v2/records.jsonl`, [...mine, ...other].map((r) => JSON.stringify(r)).join("\n") + "\n");
  assert.equal(await claimsV2Main([...args, `--v1=${dir}/none.json`]), 0);
  assert.match(await Deno.readTextFile(`${dir}/claims.md`), /7 made under another protocol/);
});

Deno.test("Holm over the family turns a check that holds alone into an inconclusive one (raw and adjusted p shown)", () => {
  // UGradSL (C) forgets more than GA (C) on 15 of 20 units by 5 points and less on 5 by as much: sign-flip
  // p = 21700/2^20 ≈ 0.021; the mean, 2.5, is outside the ±2 tie margin.
  const records = family("random", (label, i, m) => {
    if (label === "ugradsl (C)") m.UA = 30 + (i < 15 ? 5 : -5);
    if (label === "ga (C)") m.UA = 30;
  });
  const p = signFlipP(Array.from({ length: 20 }, (_, i) => i < 15 ? 1 : -1), 0, "greater");
  assert.equal(p, 21700 / 2 ** 20);
  const judged = judgeClaims(input(records));
  const r = resultOf(judged, "rd.ua.ugradsl.ga");
  assert.equal(judged.scales[0].families[0].look, "final");
  assert.equal(r.raw.claim, p);
  assert.ok(r.raw.claim < 0.05 && r.adjusted.claim >= 0.05, `raw ${r.raw.claim}, Holm ${r.adjusted.claim}`);
  assert.equal(r.verdict, "inconclusive");
  assert.deepEqual(r.counts, { favour: 15, against: 5, ties: 0, n: 20 });
  // The same check judged alone (a family of one): Holm leaves p as it is, and it holds.
  const alone = judgeFamily(PROTOCOL.checks.filter((c) => c.id === "rd.ua.ugradsl.ga"), unitTable(records), 0.05);
  assert.equal(alone[0].verdict, "holds");
  assert.equal(alone[0].adjusted.claim, p);
  // The scoreboard shows both p-values on the row.
  const row = claimsV2Markdown(input(records)).split("\n").find((l) => l.startsWith("| UGradSL forgets more than GA (UA) |"))!;
  assert.ok(row.includes("| 0.021 |") && row.includes(`| ${r.adjusted.claim.toFixed(3)} |`) && row.includes("**inconclusive**"), row);
});

Deno.test("each verdict where the data say so: holds, does not hold, equivalent, not testable (no-op, ceiling), inconclusive", () => {
  const records = family("classwise", (label, i, m) => {
    // Holds: UGradSL+ (R)'s Avg. Gap 10 points below FT (R)'s on every unit.
    if (label === "ft (R)") m.AvgGap = 20 + (i % 4);
    if (label === "ugradsl+ (R)") m.AvgGap = 10 + (i % 3);
    // Does not hold: UGradSL (R)'s Avg. Gap above GA (R)'s on every unit.
    if (label === "ga (R)") m.AvgGap = 5 + (i % 2);
    if (label === "ugradsl (R)") m.AvgGap = 15 + (i % 5);
    // Not testable (no-op): UGradSL (C) and GA (C) both forget the class completely.
    if (label === "ugradsl (C)" || label === "ga (C)") m.UA = 100;
    // Not testable (ceiling): FT (C) has MIA 100 everywhere, so UGradSL+ (C) cannot be higher.
    if (label === "ft (C)") m.MIA = 100;
    // Equivalent: UGradSL+ (C) keeps FT (C)'s TA within ±0.3.
    if (label === "ft (C)") m.TA = 80 + (i % 3);
    if (label === "ugradsl+ (C)") m.TA = 80 + (i % 3) + (i % 2 ? 0.3 : -0.3);
    // Inconclusive: UGradSL (R)'s Sum 10 above or below GA (R)'s, by turns.
    if (label === "ga (R)") m.Sum = 300;
    if (label === "ugradsl (R)") m.Sum = 300 + (i % 2 ? 10 : -10);
  });
  const judged = judgeClaims(input(records));
  assert.equal(resultOf(judged, "cw.gap.ugradsl+.ft").verdict, "holds");
  const against = resultOf(judged, "cw.gap.ugradsl.ga");
  assert.equal(against.verdict, "does not hold");
  assert.equal(against.decidedBy, "reverse");
  assert.deepEqual(against.counts, { favour: 0, against: 20, ties: 0, n: 20 });
  const noop = resultOf(judged, "cw.ua.ugradsl.ga");
  assert.equal(noop.verdict, "not testable");
  assert.match(noop.notTestable!, /no-op: ugradsl \(C\) equals ga \(C\) on every unit/);
  const ceiling = resultOf(judged, "cw.mia.ugradsl+.ft");
  assert.equal(ceiling.verdict, "not testable");
  assert.match(ceiling.notTestable!, /ceiling: ft \(C\) is at MIA's bound \(100\)/);
  assert.ok(Number.isNaN(ceiling.raw.claim) && Number.isNaN(ceiling.adjusted.claim), "a not-testable check makes no statement");
  const tie = resultOf(judged, "cw.ta.ugradsl+.ft");
  assert.equal(tie.verdict, "equivalent");
  assert.equal(tie.decidedBy, "tie");
  assert.equal(resultOf(judged, "cw.sum.ugradsl.ga").verdict, "inconclusive");
  const md = claimsV2Markdown(input(records));
  assert.match(md, /\*\*equivalent\*\* \(TOST ±2, p Holm [0-9.e-]+\)/);
  assert.match(md, /\*\*does not hold\*\* \(reverse, p Holm [0-9.e-]+\)/);
  assert.match(md, /\*\*not testable\*\*: a ceiling/);
});

Deno.test("class-wise units are split by the classes the search saw; failed runs are counted, not dropped", () => {
  const records = family("classwise").map((r) =>
    r.method === "ugradsl" && r.variant === "C" && r.seed === 12 ? { ...r, status: "diverged" as const, metrics: {} } : r
  );
  const judged = judgeClaims(input(records));
  const f = judged.scales[0].families[0];
  assert.equal(f.units, 20);
  const seen = PROTOCOL.design.paradigms.classwise!.searchClasses!;
  assert.equal(f.seen![0].n, 2 * seen.length);
  assert.equal(f.unseen![0].n, 20 - 2 * seen.length);
  const ua = resultOf(judged, "cw.ua.ugradsl.ga");
  assert.equal(ua.n, 19);
  assert.deepEqual(ua.failedUnits, { a: 1, b: 0 });
  assert.deepEqual(f.failed, [{ label: "ugradsl (C)", status: "diverged", count: 1 }]);
  const md = claimsV2Markdown(input(records));
  assert.match(md, /Diverged or failed runs: ugradsl \(C\) diverged on 1\./);
  // A label read under two configurations is said so.
  const twice = records.map((r) =>
    r.method === "ft" && r.variant === "R" && r.seed === 3 ? { ...r, configHash: "another-configuration" } : r
  );
  assert.match(claimsV2Markdown(input(twice)), /- ft \(R\) ran under 2 configurations \(.*\); each unit reads its latest record/);
  assert.match(md, new RegExp(`Transfer: units of the classes the search forgot \\(${seen.join(", ")}\\)`));
});

Deno.test("scales side by side; fewer units than the final look are judged at the interim boundary", () => {
  const standard = family("random");
  const full = family("random", () => {}, { trainSize: 0, arch: "cnn" }, UNITS.random.slice(0, 10));
  const judged = judgeClaims(input([...standard, ...full]));
  assert.deepEqual(judged.scales.map((s) => s.name), ["standard subset", "full set"]);
  const [a, b] = judged.scales.map((s) => s.families[0]);
  assert.deepEqual([a.look, a.alpha, a.units], ["final", 0.05, 20]);
  assert.deepEqual([b.look, b.alpha, b.units, b.models], ["interim", 0.001, 10, ["cnn"]]);
  const md = claimsV2Markdown(input([...standard, ...full]));
  assert.match(md, /\| Check \| standard subset \| full set \|/);
  assert.match(md, /### random forgetting \(Tables 2, 10, 13\) · full set\n\n10 unit\(s\), model cnn; interim look \(α = 0\.001/);
  // At 10 units no statement of a family of several checks can pass 0.001 after Holm: said in the section and marked.
  const m = b.all.length;
  assert.ok(m >= 2);
  assert.match(
    md,
    new RegExp(
      `No verdict is reachable at this look: with 10 units the smallest sign-flip p is 2\\^−10 \\(0\\.00098\\), and Holm over the family's ${m} checks`,
    ),
  );
  assert.ok(b.all.every((r) => r.verdict === "inconclusive" || r.verdict === "not testable"), "no verdict reached");
  assert.match(md, /\| inconclusive \(n 10, †\) \|/);
  assert.match(md, /† An interim look/);
  // The final look (20 units) can reach α = 0.05: no such sentence for the standard subset.
  assert.equal(md.match(/No verdict is reachable/g)?.length, 1);
});

Deno.test("a model other than the scale's is named; selection C5 is judged beside C as a sensitivity family", () => {
  const mlpFull = family("random", () => {}, { trainSize: 0, arch: "mlp" });
  const judged = judgeClaims(input(mlpFull));
  assert.deepEqual(judged.scales.map((s) => s.name), ["full set (mlp in place of cnn)"]);
  // C5 rows: UGradSL (C5) forgets more than GA (C5) on every unit; C's rows stay neutral.
  const c5 = family("random", (label, _i, m) => {
    if (label === "ugradsl (C)") m.UA = 40;
    if (label === "ga (C)") m.UA = 30;
  }).filter((r) => r.variant === "C").map((r) => ({ ...r, variant: "C5", configHash: `${r.configHash}-5` }));
  const withC5 = judgeClaims(input([...family("random"), ...c5]));
  const f = withC5.scales[0].families[0];
  assert.equal(judged.scales[0].families[0].c5, null, "no C5 records, no sensitivity family");
  assert.deepEqual(
    f.c5!.map((r) => r.check.id),
    PROTOCOL.checks.filter((c) => c.family === "random" && /\(C\)/.test(c.a + c.b)).map((c) => `${c.id}@C5`),
  );
  assert.equal(f.c5!.find((r) => r.check.id === "rd.ua.ugradsl.ga@C5")!.verdict, "holds");
  assert.notEqual(resultOf(withC5, "rd.ua.ugradsl.ga").verdict, "holds", "C's own verdict is not moved by C5");
  assert.match(
    claimsV2Markdown(input([...family("random"), ...c5])),
    /Sensitivity: the checks that read selection C, on selection C5's rows/,
  );
});

Deno.test("a rule changed after v2 runs is shown beside the verdicts it touches; v1's verdicts are compared", () => {
  const changed: Protocol = {
    ...PROTOCOL,
    version: 2,
    changes: [
      ...PROTOCOL.changes,
      { version: 2, date: "2027-01-05", reason: "margin of TA ties 2 → 1", checks: ["rd.ta.ugradsl.retrain"], afterRuns: true },
    ],
  };
  const v1 = [{ id: "05", verdict: { checks: [{ claim: "UGradSL TA drop vs Retrain ≤ 15", level: "holds" }] } }];
  const md = claimsV2Markdown({ ...input(family("random"), changed), v1 });
  const row = md.split("\n").find((l) => l.startsWith("| UGradSL TA drop vs Retrain ≤ 15 | ugradsl (C)"))!;
  assert.match(row, /\(rule changed after runs, v2 2027-01-05: margin of TA ties 2 → 1\)/);
  const other = md.split("\n").find((l) => l.startsWith("| UGradSL+ TA drop vs Retrain ≤ 15 | ugradsl+ (C)"))!;
  assert.ok(!other.includes("rule changed"), other);
  const v1Row = md.split("\n").find((l) => l.startsWith("| UGradSL TA drop vs Retrain ≤ 15 (random) | 05:"))!;
  assert.match(v1Row, /\| holds \| (holds|equivalent|inconclusive) \|/);
  assert.match(md, /\| UGradSL\+ TA drop vs Retrain ≤ 15 \(random\) \| 05: UGradSL\+ TA drop vs Retrain ≤ 15 \| not in v1's records \|/);
});

/** Table 8's variants (rows "method (variant)") on every unit of random forgetting, tagged as the runner tags an ablation's runs. */
const TABLE8 = [
  "retrain (retrain)",
  "ugradsl (ga)",
  "ugradsl (ga+gm)",
  "ugradsl (ga+gm+nls)",
  "ugradsl (ga+gm+pls)",
  "ugradsl+ (ft)",
  "ugradsl+ (ft+gm)",
  "ugradsl+ (ft+gm+nls)",
  "ugradsl+ (ft+gm+pls)",
];
function table8(edit: (label: string, i: number, m: Record<string, number>) => void): RunRecord[] {
  return TABLE8.flatMap((label) =>
    UNITS.random.map((u, i) => {
      const m = Object.fromEntries(METRICS.map((k) => [k, neutral(i, label, k)]));
      m.Sum = m.Sum * 4;
      edit(label, i, m);
      const r = unitRecord("random", label, u, m);
      return { ...r, tags: { ablation: "table8", labels: {} } };
    })
  );
}

Deno.test("the smoothing family reads Table 8's variants and tells a negative rate from a positive one; main families never read them", () => {
  // As in v1's records: a positive rate raises UA more than the negative one, and both more than α = 0.
  const records = table8((label, i, m) => {
    if (label === "ugradsl+ (ft+gm)") m.UA = 3 + (i % 3) * 0.1;
    if (label === "ugradsl+ (ft+gm+nls)") m.UA = 6 + (i % 4) * 0.1;
    if (label === "ugradsl+ (ft+gm+pls)") m.UA = 16 + (i % 2) * 0.1;
  }).map((r) => r.variant === "ft+gm+pls" && r.seed < 2 ? { ...r, status: "diverged" as const, metrics: {} } : r);
  const main = family("random");
  const judged = judgeClaims(input([...main, ...records]));
  const families = judged.scales[0].families;
  assert.deepEqual(families.map((f) => f.family), ["random", "smoothing", "mixing"]);
  // The negative rate beats α = 0: v1's question, answered yes ...
  assert.equal(resultOf(judged, "sm.ua.ugradsl+.nls.none").verdict, "holds");
  // ... but not the positive rate of the same size: v2's check says so, and counts the diverged positive-rate runs.
  const pls = resultOf(judged, "sm.ua.ugradsl+.nls.pls");
  assert.equal(pls.verdict, "does not hold");
  assert.equal(pls.n, 18);
  assert.deepEqual(pls.failedUnits, { a: 0, b: 2 });
  assert.deepEqual(families[1].failed, [{ label: "ugradsl+ (ft+gm+pls)", status: "diverged", count: 2 }]);
  // The main random family reads the main runs only: the same as without the ablation's records.
  const alone = judgeClaims(input(main)).scales[0].families[0];
  assert.equal(families[0].units, 20);
  assert.deepEqual(families[0].all.map((r) => [r.check.id, r.mean, r.verdict]), alone.all.map((r) => [r.check.id, r.mean, r.verdict]));
  assert.deepEqual(families[0].notes, []);
  const md = claimsV2Markdown(input([...main, ...records]));
  assert.match(md, /### negative smoothing helps \(Fig\. 3, Table 8 NLS against PLS and none\) · standard subset/);
  assert.match(md, /Rows: Each gradient-mixed method runs from its selection R three times/);
  assert.match(md, /Diverged or failed runs: ugradsl\+ \(ft\+gm\+pls\) diverged on 2\./);
});

Deno.test("the Streisand family reads the runs that asked for the metric, failed ones included; identity and group are judged", () => {
  const tv = (label: string, i: number) => label === "retrain" ? 2 + (i % 3) * 0.2 : 2.5 + (i % 3) * 0.2;
  const streisand = family("random", (label, i, m) => {
    m.Streisand_TV_pred = tv(label, i);
  }).map((r) => ({ ...r, metricNames: [...r.metricNames, "Streisand"] }))
    .map((r) => r.method === "ugradsl+" && r.variant === "R" && r.seed === 4 ? { ...r, status: "failed" as const, metrics: {} } : r);
  const judged = judgeClaims(input([...family("random"), ...streisand]));
  const st = judged.scales[0].families.find((f) => f.family === "streisand")!;
  assert.equal(st.units, 20);
  const plus = resultOf(judged, "st.tv.ugradsl+.retrain");
  assert.deepEqual([plus.n, plus.failedUnits], [19, { a: 1, b: 0 }]);
  assert.ok(["holds", "equivalent"].includes(plus.verdict), plus.verdict);
  // Without runs that asked for the metric there is no Streisand family at all (not an empty one).
  assert.ok(!judgeClaims(input(family("random"))).scales[0].families.some((f) => f.family === "streisand"));

  // Identity forgetting on the Debian corpus: its own scale, named by the data set, not one of Fashion-MNIST's.
  const identity = family("identity", (label, i, m) => {
    if (label === "ugradsl+ (C)") m.UA = 40 + (i % 3);
    if (label === "ft (C)") m.UA = 10 + (i % 2);
  }, { dataset: "debian-corpus", arch: "bag-of-embeddings" });
  const both = judgeClaims(input([...family("random"), ...identity]));
  assert.deepEqual(both.scales.map((s) => s.name), ["standard subset", "debian-corpus, trainSize 10000 (bag-of-embeddings)"]);
  assert.equal(resultOf(both, "id.ua.ugradsl+.ft", 1).verdict, "holds");
  // v1's comparison reads an identity check at the scale that judges it, named, not "no records" at the first.
  const changes = claimsV2Markdown(input([...family("random"), ...identity])).split("## What changed from v1 and why")[1];
  const idRow = changes.split("\n").find((line) => line.startsWith(`| ${resultOf(both, "id.ua.ugradsl+.ft", 1).check.claim} (identity) |`));
  assert.match(idRow ?? "", /\| holds \(debian-corpus, trainSize 10000 \(bag-of-embeddings\)\) \|/);
  // A family without a check that reads selection C (Streisand) shows no C5 sensitivity table, even beside C5 rows.
  const c5 = family("random", () => {}).filter((r) => r.variant === "C").map((r) => ({
    ...r,
    variant: "C5",
    configHash: `${r.configHash}-5`,
  }));
  const withC5 = judgeClaims(
    input([...family("random"), ...streisand, ...c5.map((r) => ({ ...r, metricNames: [...r.metricNames, "Streisand"] }))]),
  );
  assert.equal(withC5.scales[0].families.find((f) => f.family === "streisand")!.c5, null);

  // Group: units of the sub-classes the search forgot apart from the others.
  const group = judgeClaims(input(family("group"))).scales[0].families[0];
  const seen = PROTOCOL.design.paradigms.group!.searchClasses!;
  assert.equal(group.seen![0].n, 2 * seen.length);
  assert.equal(group.unseen![0].n, 20 - 2 * seen.length);
  assert.match(
    claimsV2Markdown(input(family("group"))),
    new RegExp(`Transfer: units of the sub-classes the search forgot \\(${seen.join(", ")}\\)`),
  );
});

Deno.test("runs from shifted searches are judged beside the main ones: a check survives or flips, never counted", () => {
  // Main: the gap holds (gapHolds); under the higher range FT forgets as well as UGradSL+ and it reverses (gapFlips).
  const main = family("classwise", gapHolds);
  const sensitivity = [
    { name: "lr-1", records: family("classwise", gapHolds) },
    { name: "lr1", records: family("classwise", gapFlips) },
  ];
  const judged = judgeClaims({ ...input(main), sensitivity });
  assert.deepEqual(judged.sensitivity.map((s) => [s.name, s.accepted]), [["lr-1", main.length], ["lr1", main.length]]);
  // The main verdicts are the same as without the shifted runs: they are never counted.
  assert.deepEqual(judged.scales, judgeClaims(input(main)).scales);
  assert.equal(resultOf(judged, "cw.gap.ugradsl+.ft").verdict, "holds");
  const md = claimsV2Markdown({ ...input(main), sensitivity }, judged);
  assert.match(md, /## Sensitivity to the learning-rate range \(not in the protocol\)/);
  const section = md.slice(md.indexOf("## Sensitivity to the learning-rate range"));
  const row = section.split("\n").find((l) => l.startsWith("| UGradSL+ is closer to Retrain than FT (Avg. Gap) (classwise) |"))!;
  assert.match(row, /\| holds \(n 20, [0-9.]+\) \| holds \(n 20, [0-9.]+\) \| does not hold \(n 20, -[0-9.]+\) \| \*\*no\*\* \|$/);
  // Without shifted runs there is no such section.
  assert.doesNotMatch(claimsV2Markdown(input(main)), /Sensitivity to the learning-rate range/);
});
