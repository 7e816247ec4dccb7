/** Notebook 08's verdict and figures on hand-made ablation rows: the paper's Table 8 and 14 numbers hold. */
import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/record.ts";
import { ablationFigures, ablationVerdict, epochSeries, unfinishedRuns, variantStats } from "../../lib/report/ablation_report.ts";
import { verdictText } from "../../lib/report/verdicts.ts";
import { record, withGaps } from "./_records.ts";

const SEEDS = [0, 1, 2, 3, 4];

/**
 * One ablation record (method, variant, tags) with UA, MIA, RA, TA on one seed, with a small per-seed
 * jitter (−0.1 … 0.1, mean 0 over the five seeds, a different pattern per variant); Sum added as the
 * runner records it.
 */
function row(
  ablation: string,
  variant: string,
  m: [number, number, number, number],
  seed: number,
  extra: Partial<RunRecord> = {},
): RunRecord {
  const shift = [...variant].reduce((a, ch) => a + ch.charCodeAt(0), 0);
  const j = (k: number) => 0.05 * (((seed * 7 + k * 3 + shift) % 5) - 2);
  const [UA, MIA, RA, TA] = m.map((v, k) => v + j(k));
  const method = variant === "retrain" ? "retrain" : variant.startsWith("ft") || variant === "ugradsl+" ? "ugradsl+" : "ugradsl";
  const r = record(method, seed, { UA, MIA, RA, TA }, { paradigm: "random", ...extra });
  const tags = { ablation, labels: {}, ...(variant === "retrain" ? { reference: true } : {}), ...extra.tags };
  const base = { ...r, variant, tags, configHash: `${ablation}-${variant}` };
  return withGaps([base])[0];
}

// §11.1 Table 8 (CIFAR-10, random).
const TABLE8: [string, [number, number, number, number]][] = [
  ["ga", [0.56, 1.19, 99.48, 94.55]],
  ["ga+gm", [25.2, 33.66, 76.41, 70.15]],
  ["ga+nls", [0.58, 1.18, 99.48, 94.61]],
  ["ga+gm+nls", [20.77, 35.45, 79.83, 73.94]],
  ["ga+gm+pls", [2.02, 18.66, 98.03, 92.15]],
  ["ft", [1.1, 4.06, 99.83, 93.7]],
  ["ft+gm", [14.12, 18.31, 97.31, 90.17]],
  ["ft+gm+nls", [25.13, 37.19, 90.77, 84.78]],
  ["ft+gm+pls", [10.81, 22.29, 93.98, 87.96]],
];
// §11.10 Table 14 (UA, MIA, RA, TA). The paper prints a few epochs; here its first printed row stands at
// epoch 1 and its last at the last epoch (records always have every epoch from 1).
const TABLE14: [string, number, [number, number, number, number]][] = [
  ["ga", 1, [0, 0.32, 100, 95.31]],
  ["ga", 10, [76.26, 72.22, 24.24, 6.49]],
  ["ft", 1, [0.04, 0.34, 99.99, 95.13]],
  ["ft", 15, [0.02, 0.8, 99.96, 94.68]],
  ["ugradsl", 1, [14.98, 33.22, 84.07, 77.18]],
  ["ugradsl", 14, [99.86, 86.74, 0.2, 0.45]],
  ["ugradsl+", 1, [6.26, 14.1, 99.62, 93.39]],
  ["ugradsl+", 14, [31.62, 32.68, 93.36, 86.53]],
];
// Fig. 3 is a plot without printed numbers: a sweep shaped as the text describes it.
const FIG3: [number, [number, number, number, number]][] = [
  [0.5, [1, 3, 99.8, 94]],
  [0, [2, 5, 99.5, 93.5]],
  [-0.5, [8, 15, 98.5, 92.5]],
  [-4, [40, 45, 70, 60]],
];

function paperRows(seeds = SEEDS): RunRecord[] {
  return seeds.flatMap((seed) => [
    row("table8", "retrain", [8.07, 17.41, 100, 91.61], seed),
    ...TABLE8.map(([v, m]) => row("table8", v, m, seed)),
    ...FIG3.map(([a, m]) => row("fig3", `ugradsl+@${a}`, m, seed, { methodOptions: { smoothRate: a } })),
    ...TABLE14.map(([v, e, m]) => row("table14", v, m, seed, { tags: { ablation: "table14", epoch: e }, method: v })),
  ]);
}

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("the paper's Table 8 and 14 numbers and a Fig. 3-shaped sweep over five seeds: holds", () => {
  const v = ablationVerdict(paperRows());
  assert.equal(v.level, "holds", verdictText(v));
  assert.equal(v.checks.length, 8);
  assert.ok(v.checks.every((c) => c.level === "holds"), verdictText(v));
  const fig3 = v.checks.find((c) => c.claim.startsWith("Fig. 3"))!;
  assert.match(fig3.observed, /α = -0\.5: ΔUA = 6\.00 \[[\d.]+, [\d.]+\], n = 5; ΔTA = -1\.00 \[-[\d.]+, -[\d.]+\], n = 5/);
  assert.match(fig3.observed, /α = -4: ΔUA = 38\.00 .*; ΔTA = -33\.50/);
  const gm = v.checks.find((c) => c.claim.startsWith("Table 8: gradient mixing improves GA"))!;
  assert.match(gm.observed, /^GA \+ mix − GA = 9\.64 \[/);
  // One seed: every check is inconclusive (no interval), none passes.
  const one = ablationVerdict(paperRows([0]));
  assert.ok(one.checks.every((c) => c.level === "inconclusive"), verdictText(one));
});

Deno.test("a sweep where every helpful α costs TA fails Fig. 3; missing parts are not measured", () => {
  const rows = paperRows().map((r) =>
    r.tags.ablation === "fig3" && r.variant === "ugradsl+@-0.5" ? { ...r, metrics: { ...r.metrics, TA: 80 } } : r
  );
  const v = ablationVerdict(rows);
  assert.equal(v.level, "partly");
  const fig3 = v.checks.find((c) => c.claim.startsWith("Fig. 3"))!;
  assert.equal(fig3.level, "does not hold", fig3.observed);
  assert.match(fig3.observed, /α = -0\.5: .*ΔTA = -13\.50/);
  const onlyT8 = ablationVerdict(paperRows().filter((r) => r.tags.ablation === "table8"));
  assert.equal(onlyT8.checks.filter((c) => c.level === "not measured").length, 4);
  assert.equal(onlyT8.level, "holds");
});

Deno.test("means, per-epoch series and figures come from the rows alone", () => {
  const rows = [...paperRows(), row("table8", "ga", [1.56, 1.19, 99.48, 94.55], 5)];
  // Sum comes from the records (the runner's metric), averaged per variant.
  const t8 = variantStats(rows, "table8");
  const gaUA = rows.filter((r) => r.tags.ablation === "table8" && r.variant === "ga").map((r) => r.metrics.UA);
  close(t8.get("ga")!.UA.mean, gaUA.reduce((a, b) => a + b) / 6);
  close(t8.get("ga")!.UA.mean, (5 * 0.56 + (1.56 - 0.1)) / 6); // five seeds averaging 0.56, and seed 5 (jitter −0.1)
  assert.equal(t8.get("ga")!.UA.n, 6);
  close(t8.get("ga+gm+nls")!.Sum.mean, 209.99);
  const ga = epochSeries(rows, "TA")["ga TA"];
  assert.deepEqual(ga.map((p) => p.x), [1, 10]);
  close(ga[0].y, 95.31);
  close(ga[1].y, 6.49);
  assert.deepEqual(Object.keys(ablationFigures(rows)), ["table8_sum", "fig3_sweep", "table14_ta", "table14_ua"]);
});

Deno.test("Algorithm 1's variants, the p and β sweeps and the forget-set sizes each get their figure, from the rows alone", () => {
  const rows: RunRecord[] = [];
  for (const seed of SEEDS) {
    for (const paradigm of ["classwise", "random"] as const) {
      rows.push(row("adaptive", "retrain", [10, 12, 99, 86], seed, { paradigm }));
      for (const [variant, gap] of [["ugradsl/fixed", 1.5], ["ugradsl/default", 1.25]] as const) {
        const r = row("adaptive", variant, [9, 11, 98, 85], seed, { paradigm });
        rows.push({ ...r, metrics: { ...r.metrics, AvgGap: gap } });
      }
    }
    for (const p of [0, 0.5, 0.9]) {
      const r = row("mixweight", `ugradsl@p=${p}`, [50 * (1 - p), 40, 90 + 5 * p, 80], seed);
      rows.push({ ...r, methodOptions: { mixWeight: p } });
    }
    rows.push({ ...row("threshold", "ugradsl@fixed", [5, 6, 98, 85], seed), methodOptions: { adaptive: false, adaptiveThreshold: 0.5 } });
    for (const b of [0.3, 0.7]) {
      rows.push({
        ...row("threshold", `ugradsl@β=${b}`, [5 + b, 6, 98, 85], seed),
        methodOptions: { adaptive: true, adaptiveThreshold: b },
      });
    }
    for (const f of [0.01, 0.1, 0.5]) {
      for (const method of ["retrain", "ugradsl"]) {
        const r = row("forgetsize", method === "retrain" ? "retrain" : `ugradsl@${100 * f}%`, [10 + 20 * f, 10, 99, 86], seed);
        rows.push({ ...r, method, split: { ...r.split, options: { ...r.split.options, forgetFraction: f } } });
      }
    }
  }
  const figs = ablationFigures(rows);
  assert.deepEqual(Object.keys(figs), [
    "adaptive_classwise_avg_gap",
    "adaptive_random_avg_gap",
    "mixweight_sweep",
    "threshold_sweep",
    "forgetsize_ua",
    "forgetsize_avggap",
  ]);
  // Bars: one per non-reference variant; the sweep's x values are the swept option; the fixed rate is not a β point.
  // Horizontal bars: the variants on y, their values on x.
  assert.deepEqual((figs.adaptive_random_avg_gap.data[0] as { y: string[] }).y, ["ugradsl/fixed", "ugradsl/default"]);
  assert.deepEqual((figs.adaptive_random_avg_gap.data[0] as { x: number[] }).x, [1.5, 1.25]);
  assert.deepEqual((figs.mixweight_sweep.data[0] as { customdata: number[] }).customdata, [0, 0.5, 0.9]);
  close((figs.mixweight_sweep.data[0] as { y: number[] }).y[0], 50, 0.2);
  assert.deepEqual((figs.threshold_sweep.data[0] as { customdata: number[] }).customdata, [0.3, 0.7]);
  // Forget-set size: x in percent of D_tr, one series per method (Retrain has UA, no Avg. Gap).
  const ua = figs.forgetsize_ua.data as { name: string; x: number[] }[];
  assert.deepEqual(ua.map((d) => d.name.split(" ")[0]), ["retrain", "ugradsl"]);
  assert.deepEqual(ua[0].x, [1, 10, 50]);
  assert.equal((figs.forgetsize_avggap.data as unknown[]).length, 1);
  // The verdict's note names the architecture, not an object.
  assert.match(ablationVerdict(rows).notes[0], /^5 seed\(s\); synthetic \/ mlp \/ classwise, random$/);
});

Deno.test("runs that did not finish are shown as such: counted beside their variant in bars, crosses in sweeps, notes in the verdict", () => {
  const diverge = (r: RunRecord): RunRecord => ({ ...r, status: "diverged", metrics: {} });
  const rows = paperRows().flatMap((r) => {
    // α = +1 diverges on every seed (as in the committed sweep); one seed of FT + mix + PLS diverges.
    if (r.tags.ablation === "fig3" && r.variant === "ugradsl+@0.5") {
      return [r, diverge({ ...r, variant: "ugradsl+@1", methodOptions: { smoothRate: 1 } })];
    }
    if (r.tags.ablation === "table8" && r.variant === "ft+gm+pls" && r.seed === 0) return [diverge(r)];
    return [r];
  });
  assert.deepEqual(unfinishedRuns(rows, "table8"), new Map([["ft+gm+pls", "1/5 diverged"]]));
  assert.deepEqual(unfinishedRuns(rows, "fig3"), new Map([["ugradsl+@1", "5/5 diverged"]]));
  const figs = ablationFigures(rows);
  const bars = figs.table8_sum.data[0] as { y: string[]; x: (number | null)[] };
  assert.ok(bars.y.includes("FT + mix + PLS (1/5 diverged)"), bars.y.join(", "));
  const sweepText = JSON.stringify(figs.fig3_sweep.data);
  assert.match(sweepText, /5\/5 diverged/);
  const v = ablationVerdict(rows);
  assert.ok(v.notes.some((n) => /^fig3: Not finished, left out: ugradsl\+@1 5\/5 diverged\./.test(n)), v.notes.join("\n"));
  assert.ok(v.notes.some((n) => /^table8: .*ft\+gm\+pls 1\/5 diverged/.test(n)), v.notes.join("\n"));
  // A variant with no finished run keeps its bar's label, with no bar.
  const allGone = rows.map((r) => (r.tags.ablation === "table8" && r.variant === "ga+gm+pls" ? diverge(r) : r));
  const gone = ablationFigures(allGone).table8_sum.data[0] as { y: string[]; x: (number | null)[] };
  const i = gone.y.indexOf("GA + mix + PLS (5/5 diverged)");
  assert.ok(i >= 0 && gone.x[i] === null, `${gone.y[i]}: ${gone.x[i]}`);
});

Deno.test("the p sweep draws a diverged value as a cross with its count, not a gap", () => {
  const rows = SEEDS.flatMap((seed) =>
    [0, 0.5].map((p) => {
      const r = { ...row("mixweight", `ugradsl@p=${p}`, [50 * (1 - p), 40, 95, 85], seed), methodOptions: { mixWeight: p } };
      return p === 0 && seed < 2 ? { ...r, status: "diverged" as const, metrics: {} } : r;
    })
  );
  const text = JSON.stringify(ablationFigures(rows).mixweight_sweep);
  assert.match(text, /2\/5 diverged/);
  assert.match(text, /p = 0: 2 of 5/);
});
