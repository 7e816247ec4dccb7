/**
 * Verdict logic on hand-made records: the paper's own numbers must give "holds" (the checks encode the
 * paper's claims, not something stricter), a reversed table "does not hold", a mixed one "partly", and
 * missing methods "not measured".
 */
import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/record.ts";
import {
  architecturesVerdict,
  classwiseVerdict,
  groupVerdict,
  identityVerdict,
  miaVerdict,
  quickstartVerdict,
  randomVerdict,
  unlearntOriginals,
  verdictText,
} from "../../lib/report/verdicts.ts";
import { levelOf } from "../../lib/verdict.ts";
import { record, withGaps } from "./_records.ts";

type Row = [method: string, UA: number, MIA: number, RA: number, TA: number, rteMinutes?: number, extra?: Record<string, number>];

/** The seeds of the paper-shaped records: five, so that paired 95% intervals are narrow but finite. */
const SEEDS = [0, 1, 2, 3, 4];

/**
 * Records of the paper's rows over `seeds` ("ugradsl (R)" is method ugradsl, variant R), with Avg. Gap and
 * Sum as the runner records them. UA, MIA, RA, TA and RTE get a small per-seed jitter (−0.1 … 0.1, mean 0
 * over five consecutive seeds, a different pattern per row) so the paired differences have a spread.
 */
function paperRecords(paradigm: string, rows: Row[], seeds = SEEDS): RunRecord[] {
  return withGaps(rows.flatMap(([method, UA, MIA, RA, TA, rte, extra], row) =>
    seeds.map((seed) => {
      const j = (k: number) => 0.05 * (((seed * 7 + k * 3 + row) % 5) - 2);
      return {
        ...record(method, seed, { UA: UA + j(0), MIA: MIA + j(1), RA: RA + j(2), TA: TA + j(3), ...extra }, { paradigm }),
        rteSeconds: (rte ?? 1) * 60 + j(4),
      };
    })
  ));
}

/** The rows as selections: a method the paper reports once stands for both R and C; "(complete)" is C. */
function asSelections(rows: Row[]): Row[] {
  return rows.flatMap((r): Row[] => {
    const [label, ...rest] = r;
    if (label === "retrain" || label.endsWith(" (R)")) return [r];
    if (label.endsWith(" (complete)")) return [[label.replace(" (complete)", " (C)"), ...rest]];
    return [[`${label} (R)`, ...rest], [`${label} (C)`, ...rest]];
  });
}

// Table 1, CIFAR-10 (class-wise), means only.
const TABLE1 = paperRecords(
  "classwise",
  asSelections([
    ["retrain", 100, 100, 98.19, 94.5, 14.92],
    ["ft", 22.71, 79.21, 99.82, 94.13, 2.02],
    ["ga", 25.19, 73.48, 96.84, 73.1, 0.08],
    ["ugradsl", 94.99, 97.95, 95.47, 86.78, 0.22],
    ["ugradsl+", 100, 100, 99.26, 94.29, 3.07],
  ]),
);

// Table 2, CIFAR-100 (random): the complete-unlearning rows (selection C) and the (R) rows.
const TABLE2 = paperRecords(
  "random",
  asSelections([
    ["retrain", 29.47, 53.5, 99.98, 70.51],
    ["ft", 2.55, 10.59, 99.95, 75.95],
    ["ga", 2.58, 5.95, 97.45, 76.09],
    ["ugradsl (complete)", 15.1, 34.67, 86.69, 59.25],
    ["ugradsl+ (complete)", 63.89, 71.51, 92.25, 61.09],
    ["ugradsl (R)", 18.36, 40.71, 98.38, 68.23],
    ["ugradsl+ (R)", 21.69, 49.47, 99.87, 73.6],
  ]),
);

// Table 3, CIFAR-100 (group).
const TABLE3 = paperRecords(
  "group",
  asSelections([
    ["retrain", 13.33, 28.47, 99.94, 81.23],
    ["ft", 1.0, 2.73, 99.37, 79.02],
    ["ga", 87.93, 88.93, 81.46, 64.07],
    ["ugradsl (complete)", 79.56, 90.44, 98.16, 80.06],
    ["ugradsl+ (complete)", 81.11, 86.96, 95.69, 78.02],
    ["ugradsl (R)", 22.87, 38.93, 97.2, 75.84],
    ["ugradsl+ (R)", 78.44, 88.67, 97.93, 79.77],
  ]),
);

// Table 4, CelebA (identity).
const TABLE4 = paperRecords(
  "identity",
  asSelections([
    ["retrain", 6.74, 9.77, 94.38, 91.78],
    ["ft", 5.36, 5.87, 93.91, 93.18],
    ["ga", 6.0, 5.76, 92.86, 92.52],
    ["ugradsl (complete)", 11.33, 23.08, 87.86, 87.68],
    ["ugradsl+ (complete)", 15.63, 26.95, 89.17, 88.29],
    ["ugradsl (R)", 6.29, 5.73, 93.44, 92.8],
    ["ugradsl+ (R)", 6.12, 5.54, 92.79, 92.49],
  ]),
);

// Table 5 (CIFAR-10), Additional MIA column.
const TABLE5 = [
  ...paperRecords("classwise", [
    ["retrain", 100, 100, 98.19, 94.5, 1, { AdditionalMIA: 99.23 }],
    ["ft", 22.71, 79.21, 99.82, 94.13, 1, { AdditionalMIA: 99.09 }],
    ["ugradsl", 94.99, 97.95, 95.47, 86.78, 1, { AdditionalMIA: 99.94 }],
    ["ugradsl+", 100, 100, 99.26, 94.29, 1, { AdditionalMIA: 100 }],
  ]),
  ...paperRecords("random", [
    ["retrain", 8.07, 17.41, 100, 91.61, 1, { AdditionalMIA: 50.69 }],
    ["ft", 1.1, 4.06, 99.83, 93.7, 1, { AdditionalMIA: 54.05 }],
    ["ugradsl", 20.77, 35.45, 79.83, 73.94, 1, { AdditionalMIA: 56.27 }],
    ["ugradsl+", 25.13, 37.19, 90.77, 84.78, 1, { AdditionalMIA: 56.41 }],
  ]),
];

Deno.test("the paper's own numbers over five seeds: every claim holds", () => {
  for (
    const [name, v] of [
      ["Table 1 → classwise", classwiseVerdict(TABLE1)],
      ["Table 1 → quickstart", quickstartVerdict(TABLE1)],
      ["Table 2 → random", randomVerdict(TABLE2)],
      ["Table 3 → group", groupVerdict(TABLE3)],
      ["Table 4 → identity", identityVerdict(TABLE4)],
    ] as const
  ) {
    assert.equal(v.level, "holds", `${name}:\n${verdictText(v)}`);
    assert.ok(v.checks.every((c) => c.level === "holds"), name);
  }
  // Every check states its rule and reads a paired interval over the five seeds.
  const v = classwiseVerdict(TABLE1);
  const avgGap = v.checks.find((c) => c.claim === "UGradSL+ is closer to Retrain than FT (Avg. Gap)")!;
  assert.equal(avgGap.rule, "95% interval of the paired difference ft (R) − ugradsl+ (R) in AvgGap above 0");
  assert.match(avgGap.observed, /^ft \(R\) − ugradsl\+ \(R\) = 24\.\d\d \[\d+\.\d\d, \d+\.\d\d\], n = 5$/);
  assert.match(v.notes[0], /^5 seed\(s\) \(0, 1, 2, 3, 4\)/);
});

Deno.test("Table 5 holds; the Streisand checks it cannot measure say so and do not count", () => {
  const v = miaVerdict(TABLE5);
  assert.equal(v.level, "holds", verdictText(v));
  assert.equal(v.checks.filter((c) => c.level === "not measured").length, 2);
  assert.match(v.checks.find((c) => c.level === "not measured")!.observed, /not measured/);
  // An Additional MIA outside the range on every seed does not hold.
  const low = TABLE5.map((
    r,
  ) => (r.paradigm === "classwise" && r.method === "ft" ? { ...r, metrics: { ...r.metrics, AdditionalMIA: 60 } } : r));
  assert.equal(miaVerdict(low).checks[0].level, "does not hold");
});

Deno.test("ours worse on every count: does not hold", () => {
  const recs = paperRecords(
    "classwise",
    asSelections([
      ["retrain", 100, 100, 98, 94, 10],
      ["ft", 30, 80, 99, 94, 2],
      ["ga", 40, 75, 97, 90, 1],
      ["ugradsl", 20, 50, 80, 70, 20],
      ["ugradsl+", 10, 40, 85, 80, 20],
    ]),
  );
  const v = classwiseVerdict(recs);
  assert.equal(v.level, "does not hold", verdictText(v));
  // Swapping the paper's rows (GA's numbers for UGradSL's and so on) fails every forgetting check.
  const swap: Record<string, string> = { ugradsl: "ga", ga: "ugradsl", "ugradsl+": "ft", ft: "ugradsl+" };
  const swapped = TABLE1.map((r) => ({ ...r, method: swap[r.method] ?? r.method, configHash: `x-${r.configHash}` }));
  const w = classwiseVerdict(swapped);
  assert.equal(w.level, "partly", verdictText(w));
  assert.ok(w.checks.filter((c) => /forgets more|MIA-efficacy|closer to Retrain/.test(c.claim)).every((c) => c.level === "does not hold"));
});

Deno.test("some checks pass, some fail: partly", () => {
  // UGradSL+ forgets (UA up) but loses 34 points of TA on every seed.
  const recs = withGaps(TABLE1.map((r) => (r.method === "ugradsl+" ? { ...r, metrics: { ...r.metrics, TA: 60 } } : r)));
  const v = classwiseVerdict(recs);
  assert.equal(v.level, "partly");
  const ta = v.checks.find((c) => c.claim.startsWith("UGradSL+ keeps FT's TA"))!;
  assert.equal(ta.level, "does not hold");
  assert.equal(ta.rule, "95% interval of the paired difference ugradsl+ (C) − ft (C) in TA above −5");
  assert.match(ta.observed, /^ugradsl\+ \(C\) − ft \(C\) = -34\.13 \[-34\.\d\d, -34\.\d\d\], n = 5$/);
});

Deno.test("too few seeds or overlapping intervals are inconclusive, not a pass or a fail", () => {
  // One seed: a difference has no interval.
  const one = classwiseVerdict(TABLE1.filter((r) => r.seed === 0));
  assert.equal(one.level, "inconclusive", verdictText(one));
  assert.ok(one.checks.every((c) => c.level === "inconclusive"));
  // Pairing uses the seeds both methods have: disjoint seeds leave nothing to compare.
  const apart = TABLE1.filter((r) => !(r.method === "ft" && r.seed < 4) && !(r.method === "ugradsl+" && r.seed === 4));
  const c = classwiseVerdict(apart).checks.find((x) => x.claim === "UGradSL+ forgets more than FT (UA)")!;
  assert.match(c.observed, /n = 0$/);
  assert.notEqual(c.level, "holds");
  // Noise larger than the difference: the interval straddles the threshold.
  const noisy = TABLE1.map((r) =>
    r.method === "ugradsl+" && r.variant === "C" ? { ...r, metrics: { ...r.metrics, UA: 22.71 + (r.seed % 2 ? 30 : -29) } } : r
  );
  const n = classwiseVerdict(noisy).checks.find((x) => x.claim === "UGradSL+ forgets more than FT (UA)")!;
  assert.equal(n.level, "inconclusive", n.observed);
  assert.equal(levelOf([{ ...n }, { ...n, level: "holds" }]), "partly");
  assert.equal(levelOf([n, n]), "inconclusive");
});

Deno.test("missing methods are not measured; nothing measured is not a pass", () => {
  const onlyRetrain = TABLE1.filter((r) => r.method === "retrain");
  const v = classwiseVerdict(onlyRetrain);
  assert.equal(v.level, "not measured");
  assert.ok(v.checks.every((c) => c.level === "not measured"));
  assert.equal(levelOf([]), "not measured");
  // Failed runs are left out and named in the notes.
  const failed = TABLE1.map((r) => (r.method === "ga" ? { ...r, status: "diverged" as const, metrics: {} } : r));
  const w = classwiseVerdict(failed);
  assert.ok(w.notes.some((n) => /diverged or failed runs \(left out\): ga \(R\) seed 0 \(diverged\)/.test(n)), w.notes.join("\n"));
  assert.equal(w.checks.find((c) => c.claim.startsWith("UGradSL forgets more than GA"))!.level, "not measured");
});

Deno.test("a verdict displays itself as HTML and text", () => {
  const v = classwiseVerdict(TABLE1) as unknown as Record<symbol, () => Record<string, string>>;
  const bundle = v[Symbol.for("Jupyter.display")]();
  assert.match(bundle["text/html"], /VERDICT: <span[^>]*>HOLDS/);
  assert.match(bundle["text/plain"], /^VERDICT: HOLDS/);
  assert.match(bundle["text/plain"], /paper: Table 1 CIFAR-10: 94\.99 vs 25\.19/);
  assert.match(bundle["text/plain"], /rule: {2}95% interval of the paired difference/);
});

Deno.test("rows started from the search's selection R answer to the method's plain name, unless that is ambiguous", () => {
  // The quickstart names plain methods; its records are "ugradsl+ (R)" and "retrain".
  assert.deepEqual([...new Set(TABLE1.map((r) => r.variant))].sort(), ["C", "R", null]);
  assert.equal(quickstartVerdict(TABLE1).level, "holds");
  // With both a plain row and an (R) row of a method, the plain name means the plain row.
  const plain = TABLE1.filter((r) => r.method === "ugradsl+" && r.variant === "R").map((r) => ({
    ...r,
    variant: null,
    configHash: "plain",
    metrics: { ...r.metrics, UA: 0 },
  }));
  const w = quickstartVerdict([...TABLE1, ...plain]);
  assert.equal(w.checks[0].level, "does not hold", "the plain row's UA 0, not the (R) row's 100");
  assert.match(w.checks[0].observed, /^ugradsl\+ − retrain = -100\.\d\d/);
});

Deno.test("other architectures: one check pair per architecture and paradigm", () => {
  const vit = TABLE1.filter((r) => r.variant !== "C").map((r) => ({
    ...r,
    model: { ...r.model, arch: "vit" },
    configHash: `vit-${r.configHash}`,
  }));
  const v = architecturesVerdict([...TABLE1.filter((r) => r.variant !== "C"), ...vit]);
  assert.equal(v.checks.length, 4);
  assert.equal(v.level, "holds", verdictText(v));
  assert.ok(v.checks.some((c) => c.claim.startsWith("vit, classwise:")));
});

Deno.test("other architectures: a block whose original models did not learn their subset is withdrawn, with the reason", () => {
  const base = TABLE1.filter((r) => r.variant !== "C");
  // The ViT of the committed notebook 10: train accuracy 10.6-35.6% on its 2,000-image subset.
  const accs = [0.253, 0.351, 0.356, 0.106, 0.115];
  const vit = base.map((r) => ({
    ...r,
    model: { ...r.model, arch: "vit" },
    configHash: `vit-${r.configHash}`,
    original: { ...r.original, trainAcc: accs[r.seed % accs.length] },
  }));
  const v = architecturesVerdict([...base, ...vit]);
  const vitChecks = v.checks.filter((c) => c.claim.startsWith("vit, classwise:"));
  assert.equal(vitChecks.length, 2);
  assert.ok(vitChecks.every((c) => c.level === "not measured"), verdictText(v));
  const seeds = [...new Set(base.map((r) => r.seed))].sort((a, b) => a - b);
  const pct = seeds.map((s) => 100 * accs[s % accs.length]);
  assert.match(
    vitChecks[0].observed,
    new RegExp(`^withdrawn: original train accuracy ${Math.min(...pct).toFixed(1)}-${Math.max(...pct).toFixed(1)}%`),
  );
  // The other architecture's checks still decide the verdict.
  assert.equal(v.level, "holds", verdictText(v));
  // Every original at the bar keeps the block; a single one below withdraws it.
  assert.equal(unlearntOriginals(vit.map((r) => ({ ...r, original: { ...r.original, trainAcc: 0.8 } }))), null);
  assert.match(
    unlearntOriginals(vit.map((r) => ({ ...r, original: { ...r.original, trainAcc: r.seed === seeds[0] ? 0.79 : 0.99 } })))!,
    /79\.0-79\.0% on seed\(s\) /,
  );
});
