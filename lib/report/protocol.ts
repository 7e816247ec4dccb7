/**
 * Evidence v2's pre-registered protocol, declared once: every check (claim, metric, pair, threshold,
 * direction, family, test), the margins with their reasons, the design (units, seeds, scales, looks), the
 * search and selection rules, the multiplicity policy and the verdict vocabulary. `deno task protocol`
 * writes it to results/protocol.json (the machine form, whose sha256 every v2 run records) and to
 * docs/protocol.md (the same content for a reader); tests/report/protocol_test.ts fails when either
 * committed file differs from what this module declares, so a change is a visible edit that adds an entry to
 * `PROTOCOL_CHANGES` (date and reason) and raises the version.
 *
 * The claims writer (lib/report/claims_v2.ts) judges against the protocol *file* it is given (parsed by
 * `parseProtocol`), not against this module: a verdict is always read against the protocol its records were
 * made under.
 */
import type { SearchSpace } from "../config.ts";
import type { Paradigm } from "../data/splits.ts";
import { KitError } from "../errors.ts";
import { PROTOCOL_SCHEMA } from "../experiment/protocol_ref.ts";
import { methodSpec } from "../unlearn/registry.ts";
import type { PairedTest } from "./stats.ts";

/**
 * A check's kind: "superiority" (A beats B on the metric by more than `threshold` in `direction`) or
 * "keeps" (A does not fall more than `threshold` points below B in `direction`: a non-inferiority claim,
 * with an equivalence test at the same margin).
 */
export type CheckKind = "superiority" | "keeps";

/** The verdict vocabulary of evidence v2. */
export type V2Verdict = "holds" | "does not hold" | "equivalent" | "inconclusive" | "not testable";

export interface ProtocolCheck {
  /** Stable id, e.g. "cw.gap.ugradsl+.ft". */
  id: string;
  /** The family whose checks Holm's adjustment runs over (one per paradigm). */
  family: string;
  paradigm: Paradigm;
  claim: string;
  /** What the paper reports for it. */
  paper: string;
  /** The record metric read (UA, TA, AvgGap, …; rteSeconds for the run time). */
  metric: string;
  /** The pair, as table rows label them: A is the method the claim is about, B the one it is compared with. */
  a: string;
  b: string;
  kind: CheckKind;
  /** Which way A should lie from B: "higher" (A − B > threshold) or "lower" (B − A > threshold). */
  direction: "higher" | "lower";
  /** superiority: the difference A must exceed (points, ≥ 0); keeps: the largest drop allowed (points). */
  threshold: number;
  /** The equivalence margin ±margin (points) of the tie test; 0: no tie test for this check. */
  margin: number;
  test: PairedTest;
  /** The v1 check it replaces: its notebook and claim text in results/claims.json, and what differs. */
  v1: { notebook: string; claim: string; change: string } | null;
}

/** The equivalence margins by metric, with the reason each was chosen (before any v2 run). */
export const MARGINS: Record<string, { margin: number; reason: string }> = {
  AvgGap: {
    margin: 1,
    reason: "Avg. Gap averages four accuracy gaps, so two methods within ±2 on each metric are within ±2 on Avg. Gap; a tie " +
      "on the headline metric asks for half that",
  },
  UA: {
    margin: 2,
    reason: "Retrain's own seed-to-seed standard deviation in the v1 records (random forgetting: UA 1.0, MIA 1.2, TA 0.4, " +
      "RA 0.15; class-wise TA 1.6) is at most about 2 points: a smaller difference between two methods is smaller than " +
      "how much retraining differs from itself",
  },
  MIA: { margin: 2, reason: "as UA" },
  TA: { margin: 2, reason: "as UA" },
  RA: { margin: 2, reason: "as UA" },
  Sum: { margin: 4, reason: "Sum adds four accuracies; 2 points each with independent errors give 2·√4 = 4" },
  rteSeconds: { margin: 0, reason: "no tie test: a run time is compared for speed only" },
};

const margin = (metric: string) => MARGINS[metric]?.margin ?? 0;

type CheckInput = Omit<ProtocolCheck, "margin" | "test" | "threshold" | "kind"> & Partial<Pick<ProtocolCheck, "kind" | "threshold">>;
const check = (c: CheckInput): ProtocolCheck => ({
  kind: "superiority",
  threshold: 0,
  ...c,
  margin: margin(c.metric),
  test: "sign-flip",
});
const BEST_OF = 'v1 compared the better-by-mean of UGradSL/UGradSL+ with both baselines ("best of ours"); v2 compares each ' +
  "method with its own backbone (UGradSL with GA, UGradSL+ with FT), so a selection of the winner after the run cannot decide it";
const SAME = "same claim and pair; v2 differs in design (more units, class-blocked), search (wider ranges, clipping), " +
  "statistics (sign-flip test, Holm, equivalence)";
const C15 = `${SAME}; selection C now allows a 15-point VA drop (the paper's complete-unlearning rows), v1 allowed 5`;

/** Every check, in the order of the scoreboard. */
export const CHECKS: ProtocolCheck[] = [
  // Class-wise forgetting (Tables 1, 9).
  check({
    id: "cw.gap.ugradsl+.ft",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ is closer to Retrain than FT (Avg. Gap)",
    paper: "Table 1 CIFAR-10: 0.32 vs 25.02",
    metric: "AvgGap",
    a: "ugradsl+ (R)",
    b: "ft (R)",
    direction: "lower",
    v1: { notebook: "04", claim: "UGradSL+ is closer to Retrain than FT (Avg. Gap)", change: SAME },
  }),
  check({
    id: "cw.gap.ugradsl.ga",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL is closer to Retrain than GA (Avg. Gap)",
    paper: "Table 1 CIFAR-10: 4.38 vs 31.02",
    metric: "AvgGap",
    a: "ugradsl (R)",
    b: "ga (R)",
    direction: "lower",
    v1: { notebook: "04", claim: "UGradSL is closer to Retrain than GA (Avg. Gap)", change: SAME },
  }),
  check({
    id: "cw.ua.ugradsl.ga",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL forgets more than GA (UA)",
    paper: "Table 1 CIFAR-10: 94.99 vs 25.19; Table 9 CIFAR-100: 66.59 vs 99.00 (GA higher)",
    metric: "UA",
    a: "ugradsl (C)",
    b: "ga (C)",
    direction: "higher",
    v1: { notebook: "04", claim: "UGradSL forgets more than GA (UA)", change: C15 },
  }),
  check({
    id: "cw.ua.ugradsl+.ft",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ forgets more than FT (UA)",
    paper: "Table 1 CIFAR-10: 100.00 vs 22.71; Table 9 CIFAR-100: 100.00 vs 0.67",
    metric: "UA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "04", claim: "UGradSL+ forgets more than FT (UA)", change: C15 },
  }),
  check({
    id: "cw.mia.ugradsl+.ft",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ has higher MIA-efficacy than FT",
    paper: "Table 1 CIFAR-10: 100.00 vs 79.21",
    metric: "MIA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "04", claim: "UGradSL+ has higher MIA-efficacy than FT", change: C15 },
  }),
  check({
    id: "cw.ta.ugradsl.ga",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL keeps GA's TA (drop ≤ 5)",
    paper: "Table 1 CIFAR-10: 86.78 vs 73.10",
    metric: "TA",
    a: "ugradsl (C)",
    b: "ga (C)",
    kind: "keeps",
    threshold: 5,
    direction: "higher",
    v1: { notebook: "04", claim: "UGradSL keeps GA's TA (drop ≤ 5)", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  check({
    id: "cw.ta.ugradsl+.ft",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ keeps FT's TA (drop ≤ 5)",
    paper: "Table 1 CIFAR-10: 94.29 vs 94.13",
    metric: "TA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    kind: "keeps",
    threshold: 5,
    direction: "higher",
    v1: { notebook: "04", claim: "UGradSL+ keeps FT's TA (drop ≤ 5)", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  check({
    id: "cw.ra.ugradsl+.ft",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ keeps FT's RA (drop ≤ 5)",
    paper: "Table 1 CIFAR-10: 99.26 vs 99.82",
    metric: "RA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    kind: "keeps",
    threshold: 5,
    direction: "higher",
    v1: { notebook: "04", claim: "UGradSL+ keeps FT's RA (drop ≤ 5)", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  check({
    id: "cw.sum.ugradsl.ga",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL has a higher Sum than GA",
    paper: "Table 1 CIFAR-10: 375.19 vs 268.61",
    metric: "Sum",
    a: "ugradsl (R)",
    b: "ga (R)",
    direction: "higher",
    v1: { notebook: "04", claim: "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA", change: BEST_OF },
  }),
  check({
    id: "cw.sum.ugradsl+.ft",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ has a higher Sum than FT",
    paper: "Table 1 CIFAR-10: 392.55 vs 295.87",
    metric: "Sum",
    a: "ugradsl+ (R)",
    b: "ft (R)",
    direction: "higher",
    v1: { notebook: "04", claim: "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA", change: BEST_OF },
  }),
  check({
    id: "cw.rte.ugradsl+.retrain",
    family: "classwise",
    paradigm: "classwise",
    claim: "UGradSL+ is faster than Retrain (RTE)",
    paper: "Table 1 CIFAR-10: 3.07 vs 14.92 min",
    metric: "rteSeconds",
    a: "ugradsl+ (R)",
    b: "retrain",
    direction: "lower",
    v1: { notebook: "04", claim: "UGradSL+ is faster than Retrain (RTE)", change: SAME },
  }),
  // Random forgetting (Tables 2, 10, 13).
  check({
    id: "rd.gap.ugradsl.ga",
    family: "random",
    paradigm: "random",
    claim: "UGradSL (R) is closer to Retrain than GA (R) (Avg. Gap)",
    paper: "Table 2 CIFAR-100: 6.95 vs 20.64 (GA has no (R) row)",
    metric: "AvgGap",
    a: "ugradsl (R)",
    b: "ga (R)",
    direction: "lower",
    v1: { notebook: "05", claim: "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)", change: BEST_OF },
  }),
  check({
    id: "rd.gap.ugradsl+.ft",
    family: "random",
    paradigm: "random",
    claim: "UGradSL+ (R) is closer to Retrain than FT (R) (Avg. Gap)",
    paper: "Table 2 CIFAR-100: 3.75 vs 18.83 (FT has no (R) row)",
    metric: "AvgGap",
    a: "ugradsl+ (R)",
    b: "ft (R)",
    direction: "lower",
    v1: { notebook: "05", claim: "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)", change: BEST_OF },
  }),
  check({
    id: "rd.ua.ugradsl+.ft",
    family: "random",
    paradigm: "random",
    claim: "UGradSL+ forgets more than FT (UA)",
    paper: "Table 2 CIFAR-100: 63.89 vs 2.55; Table 10 CIFAR-10: 25.13 vs 1.10",
    metric: "UA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "05", claim: "UGradSL+ forgets more than FT (UA)", change: C15 },
  }),
  check({
    id: "rd.mia.ugradsl+.ft",
    family: "random",
    paradigm: "random",
    claim: "UGradSL+ has higher MIA-efficacy than FT",
    paper: "Table 2 CIFAR-100: 71.51 vs 10.59",
    metric: "MIA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "05", claim: "UGradSL+ has higher MIA-efficacy than FT", change: C15 },
  }),
  check({
    id: "rd.ua.ugradsl.ga",
    family: "random",
    paradigm: "random",
    claim: "UGradSL forgets more than GA (UA)",
    paper: "Table 2 CIFAR-100: 15.10 vs 2.58; Table 10 CIFAR-10: 20.77 vs 0.56",
    metric: "UA",
    a: "ugradsl (C)",
    b: "ga (C)",
    direction: "higher",
    v1: { notebook: "05", claim: "UGradSL forgets more than GA (UA)", change: C15 },
  }),
  check({
    id: "rd.ta.ugradsl+.retrain",
    family: "random",
    paradigm: "random",
    claim: "UGradSL+ TA drop vs Retrain ≤ 15",
    paper: "Table 2 CIFAR-100: 61.09 vs 70.51",
    metric: "TA",
    a: "ugradsl+ (C)",
    b: "retrain",
    kind: "keeps",
    threshold: 15,
    direction: "higher",
    v1: { notebook: "05", claim: "UGradSL+ TA drop vs Retrain ≤ 15", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  check({
    id: "rd.ta.ugradsl.retrain",
    family: "random",
    paradigm: "random",
    claim: "UGradSL TA drop vs Retrain ≤ 15",
    paper: "Table 2 CIFAR-100: 59.25 vs 70.51",
    metric: "TA",
    a: "ugradsl (C)",
    b: "retrain",
    kind: "keeps",
    threshold: 15,
    direction: "higher",
    v1: { notebook: "05", claim: "UGradSL TA drop vs Retrain ≤ 15", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  check({
    id: "rd.ra.ugradsl+.retrain",
    family: "random",
    paradigm: "random",
    claim: "UGradSL+ RA drop vs Retrain ≤ 15",
    paper: "Table 2 CIFAR-100: 92.25 vs 99.98",
    metric: "RA",
    a: "ugradsl+ (C)",
    b: "retrain",
    kind: "keeps",
    threshold: 15,
    direction: "higher",
    v1: { notebook: "05", claim: "UGradSL+ RA drop vs Retrain ≤ 15", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  // Group forgetting (Table 3).
  check({
    id: "gp.gap.ugradsl.ga",
    family: "group",
    paradigm: "group",
    claim: "UGradSL (R) is closer to Retrain than GA (R) (Avg. Gap)",
    paper: "Table 3 CIFAR-100: 7.03 vs 42.68 (GA has no (R) row)",
    metric: "AvgGap",
    a: "ugradsl (R)",
    b: "ga (R)",
    direction: "lower",
    v1: { notebook: "06", claim: "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)", change: BEST_OF },
  }),
  check({
    id: "gp.gap.ugradsl+.ft",
    family: "group",
    paradigm: "group",
    claim: "UGradSL+ (R) is closer to Retrain than FT (R) (Avg. Gap)",
    paper:
      "Table 3 CIFAR-100: 2.40 vs 10.21 (FT has no (R) row; the row's own UA, MIA, RA, TA against Retrain's give 32.2, not the printed 2.40)",
    metric: "AvgGap",
    a: "ugradsl+ (R)",
    b: "ft (R)",
    direction: "lower",
    v1: { notebook: "06", claim: "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)", change: BEST_OF },
  }),
  check({
    id: "gp.ua.ugradsl+.ft",
    family: "group",
    paradigm: "group",
    claim: "UGradSL+ forgets more than FT (UA)",
    paper: "Table 3 CIFAR-100: 81.11 vs 1.00",
    metric: "UA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "06", claim: "UGradSL+ forgets more than FT (UA)", change: C15 },
  }),
  check({
    id: "gp.ta.ugradsl.ga",
    family: "group",
    paradigm: "group",
    claim: "UGradSL keeps more TA than GA",
    paper: "Table 3 CIFAR-100: 80.06 vs 64.07",
    metric: "TA",
    a: "ugradsl (C)",
    b: "ga (C)",
    direction: "higher",
    v1: { notebook: "06", claim: "UGradSL keeps more TA than GA", change: C15 },
  }),
  check({
    id: "gp.ta.ugradsl+.retrain",
    family: "group",
    paradigm: "group",
    claim: "UGradSL+ TA drop vs Retrain ≤ 15",
    paper: "Table 3 CIFAR-100: 78.02 vs 81.23",
    metric: "TA",
    a: "ugradsl+ (C)",
    b: "retrain",
    kind: "keeps",
    threshold: 15,
    direction: "higher",
    v1: { notebook: "06", claim: "UGradSL+ TA drop vs Retrain ≤ 15", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  check({
    id: "gp.sum.ugradsl.ga",
    family: "group",
    paradigm: "group",
    claim: "UGradSL has a higher Sum than GA",
    paper: "Table 3 CIFAR-100: 348.22 vs 322.39",
    metric: "Sum",
    a: "ugradsl (C)",
    b: "ga (C)",
    direction: "higher",
    v1: { notebook: "06", claim: "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA", change: BEST_OF },
  }),
  check({
    id: "gp.sum.ugradsl+.ft",
    family: "group",
    paradigm: "group",
    claim: "UGradSL+ has a higher Sum than FT",
    paper: "Table 3 CIFAR-100: 341.78 vs 182.12",
    metric: "Sum",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "06", claim: "the best of UGradSL/UGradSL+ has a higher Sum than FT and GA", change: BEST_OF },
  }),
];

/** The families: Holm's adjustment runs over each one's checks, at each scale and on each subset of units. */
export const FAMILIES: { id: string; paradigm: Paradigm; title: string }[] = [
  { id: "classwise", paradigm: "classwise", title: "class-wise forgetting (Tables 1, 9)" },
  { id: "random", paradigm: "random", title: "random forgetting (Tables 2, 10, 13)" },
  { id: "group", paradigm: "group", title: "group forgetting (Table 3)" },
];

/** One paradigm's evaluation and search units. */
export interface ParadigmDesign {
  /** What one unit is, in words. */
  unit: string;
  /** Evaluation seeds. */
  seeds: number[];
  /** Class-wise: the forgotten classes evaluated, each on every seed (class as a blocking factor). */
  classes?: number[];
  /** Seeds of the search tasks, disjoint from `seeds`. */
  searchSeeds: number[];
  /** Class-wise: the classes the search forgot; the scoreboard shows evaluation units of these apart from the others. */
  searchClasses?: number[];
}

/**
 * The evaluation design. lib/experiment/design.ts (built beside this module) will own these values; until it
 * lands they are declared here with the numbers, and `source` says so.
 */
export interface DesignDeclaration {
  source: string;
  paradigms: Record<"classwise" | "random" | "group", ParadigmDesign>;
  /** The scales each claim is shown at; a record's scale is its split's trainSize (0 = the whole training set). */
  scales: { name: string; trainSize: number; model: string; note: string }[];
  /** The looks at the data: an interim look at `interim.units` evaluation units per paradigm, the final at `final.units`. */
  looks: { interim: { units: number; alpha: number }; final: { units: number; alpha: number } };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

export const DESIGN: DesignDeclaration = {
  source: "design v2 of lib/experiment/design.ts (built beside this module: a unit is one seed, whose forgotten class " +
    "or sub-class cycles with it); declared here with its values until it lands on main, then read from it",
  paradigms: {
    classwise: {
      unit: "one seed; it forgets class seed mod 10, so every class is forgotten on two seeds (c and c + 10)",
      seeds: range(0, 20),
      classes: range(0, 10),
      searchSeeds: [100, 101, 102],
      searchClasses: [0, 1, 2],
    },
    random: { unit: "one seed; its own random 10% of D_tr", seeds: range(0, 20), searchSeeds: [100, 101, 102] },
    group: {
      unit: "one seed; it forgets the sub-classes in turn over the super-classes (every sub-class on two seeds)",
      seeds: range(0, 20),
      searchSeeds: [100, 101, 102],
    },
  },
  scales: [
    { name: "standard subset", trainSize: 10000, model: "mlp", note: "10,000-image stratified subset (9,000 train + 1,000 validation)" },
    {
      name: "full set",
      trainSize: 0,
      model: "cnn",
      note:
        "the whole 60,000-image training set; the MLP stands in where the CNN does not fit the time budget, and the scoreboard names the model each record used",
    },
  ],
  // Haybittle–Peto: the interim look decides a check only at p < 0.001, so the final look keeps α = 0.05.
  looks: { interim: { units: 10, alpha: 0.001 }, final: { units: 20, alpha: 0.05 } },
};

/** The methods searched, and the search rules. The spaces are the methods' own (their files), read when the protocol is built. */
export const SEARCHED = ["ft", "ga", "ugradsl", "ugradsl+"];
export const SEARCH_RULES = {
  source: "lib/search/rules.ts (built beside this module); declared here with its values until it lands on main, then read from it",
  budget: "10 points per searched dimension, at least 20 (a method with more knobs needs more points to cover them); " +
    "point 0 is the method's defaults; each method's usable (non-diverged) budget is reported",
  learningRate: "learning rates from 1e-5 to 1 for every SGD method; a chosen value in the outer tenth of its range (log10 " +
    "for a log range) widens that side (a log range by a decade, a uniform or integer range by half its width) and the " +
    "method's search runs again, at most 3 rounds, each recorded in the search's summary",
  divergence: "one policy for every method: gradient-norm clipping (none, 1 or 10) is a searched option of every SGD " +
    "method; a point that diverged or failed on any search task is never selected",
  selections: {
    R: "closest to Retrain: the lowest ValGap (mean |UA, RA, VA − Retrain's|) over the search tasks",
    C: "complete unlearning: the highest UA among points whose VA stays within 15 points of the original's (the paper's " +
      "complete-unlearning rows accept about 15)",
    C5: "sensitivity only: as C with a 5-point VA bound (v1's rule); its verdicts are shown, never counted",
  },
  stopRules: "a stop rule that fires on no search run is removed and the method is named fixed-epoch (UGradSL+: its " +
    "retain-loss plateau never fired in v1)",
  tasks: "search tasks use seeds 100, 101, 102, disjoint from the evaluation seeds, with the same forget-target rule " +
    "(class-wise: classes 0, 1, 2); the test split is sealed",
};

export const VERDICTS: Record<V2Verdict, string> = {
  holds: "the claim's one-sided test rejects its null after Holm's adjustment over the family (the whole data on the claimed side)",
  "does not hold": "the reverse one-sided test rejects after Holm: the data lie significantly on the other side of the claim",
  equivalent: "TOST rejects after Holm: the mean difference lies inside ±margin, a tie (for a keeps check: it keeps the metric)",
  inconclusive: "none of the three tests rejects: more units could decide it",
  "not testable": "the data cannot speak to the claim: no paired units, both sides identical on every unit (a no-op), or the " +
    "side the claim must beat already at the metric's bound on every unit (a ceiling)",
};

export const STATISTICS = {
  alpha: 0.05,
  pairing: "A and B are paired by unit (same seed, same split, same original model); a unit where either side diverged or " +
    "failed is left out of that check's test and counted in its row, never dropped silently",
  test: "sign-flip permutation test of the paired differences (exact over all 2^n sign patterns for n ≤ 20, 100,000 seeded " +
    "Monte Carlo patterns above); each row also shows the paired Student-t 95% interval and the seeded percentile bootstrap " +
    "95% interval (10,000 resamples), which follows bimodal rows",
  statements: "each check makes three one-sided statements: the claim (superiority: d > threshold; keeps: d > −threshold), its " +
    "reverse, and the tie (TOST within ±margin; none where the margin is 0), d = A − B in the claimed direction",
  multiplicity: "Holm's step-down adjustment over each family's checks, separately for the claim, reverse and tie statements, at " +
    "each scale; the class-wise units the search saw and never saw are secondary families of their own",
  order: "holds if the adjusted claim p < α; else does not hold if the adjusted reverse p < α; else equivalent if the adjusted " +
    "tie p < α; else inconclusive (keeps checks: equivalent, then holds, then does not hold)",
  looks: "at the interim look (10 units) the smallest sign-flip p is 2^−10 ≈ 0.00098, so after Holm over a family of " +
    "several checks no statement can pass the 0.001 boundary: the interim look cannot stop a paradigm early for a " +
    "verdict; it is a look for failures (diverged or failed runs, a broken setting), reported as such",
  sensitivity: "selection C5 (the 5-point bound) is judged with the same checks, its (C) rows read as (C5), as a family " +
    "of its own; shown beside C, never counted",
  directionCounts: "each row counts the units whose difference favours A (in the claimed direction), opposes it, or ties",
};

/** A change to the protocol: its version, date, reason, the checks it touches, and whether v2 records existed then. */
export interface ProtocolChange {
  version: number;
  date: string;
  reason: string;
  checks: string[];
  afterRuns: boolean;
}

/** Every version of the protocol; the last entry's version is the protocol's. Add an entry for any change. */
export const PROTOCOL_CHANGES: ProtocolChange[] = [
  { version: 1, date: "2026-12-07", reason: "first version, committed before any v2 run", checks: [], afterRuns: false },
];

/** The protocol in machine form (results/protocol.json). */
export interface Protocol {
  schema: typeof PROTOCOL_SCHEMA;
  version: number;
  changes: ProtocolChange[];
  statistics: typeof STATISTICS;
  verdicts: Record<V2Verdict, string>;
  margins: typeof MARGINS;
  design: DesignDeclaration;
  search: { rules: typeof SEARCH_RULES; spaces: Record<string, SearchSpace> };
  families: typeof FAMILIES;
  checks: ProtocolCheck[];
}

/** The protocol as this module declares it, the methods' current search spaces included. */
export function buildProtocol(): Protocol {
  return {
    schema: PROTOCOL_SCHEMA,
    version: PROTOCOL_CHANGES[PROTOCOL_CHANGES.length - 1].version,
    changes: PROTOCOL_CHANGES,
    statistics: STATISTICS,
    verdicts: VERDICTS,
    margins: MARGINS,
    design: DESIGN,
    search: { rules: SEARCH_RULES, spaces: Object.fromEntries(SEARCHED.map((m) => [m, methodSpec(m).searchSpace])) },
    families: FAMILIES,
    checks: CHECKS,
  };
}

/** The text of results/protocol.json. */
export function protocolJson(p: Protocol = buildProtocol()): string {
  return JSON.stringify(p, null, 1) + "\n";
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const CHECK_FIELDS: [keyof ProtocolCheck, "string" | "number"][] = [
  ["id", "string"],
  ["family", "string"],
  ["paradigm", "string"],
  ["claim", "string"],
  ["paper", "string"],
  ["metric", "string"],
  ["a", "string"],
  ["b", "string"],
  ["kind", "string"],
  ["direction", "string"],
  ["threshold", "number"],
  ["margin", "number"],
  ["test", "string"],
];

/** The problems of one check of a protocol file (empty when it is well formed). */
function checkProblems(c: unknown, i: number): string[] {
  if (!isObject(c)) return [`checks[${i}] is not an object`];
  const typeOf = (v: unknown) => typeof v;
  const out = CHECK_FIELDS.filter(([k, type]) => typeOf(c[k]) !== type).map(([k, type]) => `checks[${i}].${k} is not a ${type}`);
  if (!["superiority", "keeps"].includes(String(c.kind))) {
    out.push(`checks[${i}].kind ${JSON.stringify(c.kind)} is not superiority or keeps`);
  }
  if (!["higher", "lower"].includes(String(c.direction))) {
    out.push(`checks[${i}].direction ${JSON.stringify(c.direction)} is not higher or lower`);
  }
  if (!["sign-flip", "t"].includes(String(c.test))) out.push(`checks[${i}].test ${JSON.stringify(c.test)} is not sign-flip or t`);
  return out;
}

/**
 * A protocol file's text as a Protocol, checked where the claims writer reads it (schema, version, changes,
 * α, looks, scales, the class-wise search classes, every check's fields); a KitError naming the file and
 * every problem otherwise.
 */
export function parseProtocol(text: string, file: string): Protocol {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new KitError(`is not JSON (${(e as Error).message})`, file);
  }
  if (!isObject(o) || o.schema !== PROTOCOL_SCHEMA) throw new KitError(`is not a protocol (schema is not "${PROTOCOL_SCHEMA}")`, file);
  const problems: string[] = [];
  if (!Number.isInteger(o.version)) problems.push("version is not an integer");
  if (!Array.isArray(o.changes) || o.changes.some((c) => !isObject(c) || !Array.isArray(c.checks) || typeof c.reason !== "string")) {
    problems.push("changes is not a list of {version, date, reason, checks, afterRuns}");
  }
  if (!isObject(o.statistics) || typeof o.statistics.alpha !== "number") problems.push("statistics.alpha is not a number");
  const design = isObject(o.design) ? o.design : {};
  const looks = isObject(design.looks) ? design.looks : {};
  for (const look of ["interim", "final"]) {
    const l = looks[look];
    if (!isObject(l) || typeof l.units !== "number" || typeof l.alpha !== "number") {
      problems.push(`design.looks.${look} is not {units, alpha}`);
    }
  }
  if (!Array.isArray(design.scales)) problems.push("design.scales is not a list");
  if (!isObject(design.paradigms)) problems.push("design.paradigms is not an object");
  if (!Array.isArray(o.checks)) problems.push("checks is not a list");
  else o.checks.forEach((c, i) => problems.push(...checkProblems(c, i)));
  if (problems.length) throw new KitError(`is not a well-formed protocol: ${problems.join("; ")}`, file);
  // Checked above for every field the claims writer reads.
  return o as unknown as Protocol;
}
