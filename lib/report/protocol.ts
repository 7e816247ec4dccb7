/**
 * Evidence v2's pre-registered protocol, declared once: every check (claim, metric, pair, threshold,
 * direction, family, test), the margins with their reasons, the design (units, seeds, scales, looks), the
 * search and selection rules, the multiplicity policy and the verdict vocabulary. `deno task protocol`
 * writes it to results/protocol.json (the machine form, whose sha256 every v2 run records) and to
 * docs/protocol.md (the same content for a reader); tests/report/protocol_test.ts fails when either
 * committed file differs from what this module declares, so a change is a visible edit that adds an entry to
 * `PROTOCOL_CHANGES` (date and reason); a change once v2 records exist also raises the version.
 *
 * The design and the search rules are not declared here: they are read from design v2
 * (lib/experiment/design.ts: DESIGNS.v2, searchCoverage), lib/search/rules.ts (BUDGET_RULE, EDGE_RULE) and
 * lib/experiment/selection.ts (SELECTION_RULES), so the protocol states what the runs do.
 *
 * The claims writer (lib/report/claims_v2.ts) judges against the protocol *file* it is given (parsed by
 * `parseProtocol`), not against this module: a verdict is always read against the protocol its records were
 * made under.
 */
import type { SearchSpace } from "../config.ts";
import { DATASETS } from "../data/registry.ts";
import type { Paradigm } from "../data/splits.ts";
import { DEFAULT_SPLIT, subclassCycle } from "../data/splits.ts";
import { KitError } from "../errors.ts";
import { DESIGNS, searchCoverage } from "../experiment/design.ts";
import { PROTOCOL_SCHEMA } from "../experiment/protocol_ref.ts";
import { SELECTION_RULES } from "../experiment/selection.ts";
import { BUDGET_RULE, budgetFor, EDGE_RULE } from "../search/rules.ts";
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
  /** The family whose checks Holm's adjustment runs over (FAMILIES: one per paradigm of the main job, one per further question). */
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
  Streisand_TV_pred: {
    margin: 1,
    reason: "Retrain's own seed-to-seed standard deviation of this distance in v1's random-forgetting records " +
      "(notebook 09) is 0.5 points; ±1 is two of them",
  },
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
const FIG3_V1 = "Fig. 3: some negative smooth rate raises UA over α = 0 while TA stays within 5 points";
const FIG3_CHANGE = "v1 asked whether some rate of a fixed sweep (−0.03 … −3) raised UA over α = 0 with TA within 5 " +
  "points; positive rates passed the same rule (+0.03 and +0.1 in v1's records, and +0.1 raised UA more than −0.1 " +
  "did), so it did not show that the sign matters. v2 compares the searched negative rate with α = 0 and with +|α| " +
  "on the same units and options, UA and TA as separate checks, and no choice among rates after the run";

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
  // Negative smoothing (Fig. 3, Table 8): the same method at its searched negative rate, at 0 and at +|α|.
  check({
    id: "sm.ua.ugradsl+.nls.none",
    family: "smoothing",
    paradigm: "random",
    claim: "UGradSL+ at its negative smooth rate forgets more than at α = 0 (UA)",
    paper: "Fig. 3 (UGradSL+, random, CIFAR-10): UA rises as α turns negative; Table 8: 25.13 vs 14.12",
    metric: "UA",
    a: "ugradsl+ (ft+gm+nls)",
    b: "ugradsl+ (ft+gm)",
    direction: "higher",
    v1: { notebook: "08", claim: FIG3_V1, change: FIG3_CHANGE },
  }),
  check({
    id: "sm.ta.ugradsl+.nls.none",
    family: "smoothing",
    paradigm: "random",
    claim: "UGradSL+ at its negative smooth rate keeps its TA at α = 0 (drop ≤ 5)",
    paper: 'Fig. 3: "without significant drop of TA"; Table 8: 84.78 vs 90.17 (a 5.4-point drop)',
    metric: "TA",
    a: "ugradsl+ (ft+gm+nls)",
    b: "ugradsl+ (ft+gm)",
    kind: "keeps",
    threshold: 5,
    direction: "higher",
    v1: { notebook: "08", claim: FIG3_V1, change: FIG3_CHANGE },
  }),
  check({
    id: "sm.ua.ugradsl+.nls.pls",
    family: "smoothing",
    paradigm: "random",
    claim: "UGradSL+ forgets more at its negative smooth rate than at the positive rate of the same size (UA)",
    paper: "Table 8 (UGradSL+, random, CIFAR-10): NLS 25.13 vs PLS 10.81",
    metric: "UA",
    a: "ugradsl+ (ft+gm+nls)",
    b: "ugradsl+ (ft+gm+pls)",
    direction: "higher",
    v1: null,
  }),
  check({
    id: "sm.sum.ugradsl+.nls.pls",
    family: "smoothing",
    paradigm: "random",
    claim: "UGradSL+ has a higher Sum at its negative smooth rate than at the positive rate of the same size",
    paper: "Table 8: NLS 237.87 vs PLS 215.04",
    metric: "Sum",
    a: "ugradsl+ (ft+gm+nls)",
    b: "ugradsl+ (ft+gm+pls)",
    direction: "higher",
    v1: null,
  }),
  check({
    id: "sm.sum.ugradsl+.nls.none",
    family: "smoothing",
    paradigm: "random",
    claim: "NLS improves gradient-mixed FT further: UGradSL+ has a higher Sum at its negative rate than at α = 0",
    paper: "Table 8: UGradSL+ 237.87 vs 219.91",
    metric: "Sum",
    a: "ugradsl+ (ft+gm+nls)",
    b: "ugradsl+ (ft+gm)",
    direction: "higher",
    v1: { notebook: "08", claim: "Table 8: NLS improves gradient-mixed FT further (Sum)", change: SAME },
  }),
  check({
    id: "sm.sum.ugradsl.nls.none",
    family: "smoothing",
    paradigm: "random",
    claim: "NLS improves gradient-mixed GA further: UGradSL has a higher Sum at its negative rate than at α = 0",
    paper: "Table 8: UGradSL 209.99 vs 205.42",
    metric: "Sum",
    a: "ugradsl (ga+gm+nls)",
    b: "ugradsl (ga+gm)",
    direction: "higher",
    v1: { notebook: "08", claim: "Table 8: NLS improves gradient-mixed GA further (Sum)", change: SAME },
  }),
  check({
    id: "sm.sum.ugradsl.nls.pls",
    family: "smoothing",
    paradigm: "random",
    claim: "UGradSL has a higher Sum at its negative smooth rate than at the positive rate of the same size",
    paper: "Table 8: NLS 209.99 vs PLS 210.86 (the paper's own PLS row is higher; its text says NLS, not PLS, helps)",
    metric: "Sum",
    a: "ugradsl (ga+gm+nls)",
    b: "ugradsl (ga+gm+pls)",
    direction: "higher",
    v1: null,
  }),
  // Gradient mixing (Table 8).
  check({
    id: "mx.sum.ga",
    family: "mixing",
    paradigm: "random",
    claim: "gradient mixing improves GA (Sum)",
    paper: "Table 8: 205.42 vs 195.78",
    metric: "Sum",
    a: "ugradsl (ga+gm)",
    b: "ugradsl (ga)",
    direction: "higher",
    v1: { notebook: "08", claim: "Table 8: gradient mixing improves GA (Sum)", change: SAME },
  }),
  check({
    id: "mx.sum.ft",
    family: "mixing",
    paradigm: "random",
    claim: "gradient mixing improves FT (Sum)",
    paper: "Table 8: 219.91 vs 198.69",
    metric: "Sum",
    a: "ugradsl+ (ft+gm)",
    b: "ugradsl+ (ft)",
    direction: "higher",
    v1: { notebook: "08", claim: "Table 8: gradient mixing improves FT (Sum)", change: SAME },
  }),
  // Identity forgetting on the Debian corpus (Table 4 analogue).
  check({
    id: "id.gap.ugradsl.ga",
    family: "identity",
    paradigm: "identity",
    claim: "UGradSL (R) is closer to Retrain than GA (R) (Avg. Gap)",
    paper: "Table 4 CelebA: 1.11 (best of ours) vs 1.75",
    metric: "AvgGap",
    a: "ugradsl (R)",
    b: "ga (R)",
    direction: "lower",
    v1: { notebook: "07", claim: "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)", change: BEST_OF },
  }),
  check({
    id: "id.gap.ugradsl+.ft",
    family: "identity",
    paradigm: "identity",
    claim: "UGradSL+ (R) is closer to Retrain than FT (R) (Avg. Gap)",
    paper: "Table 4 CelebA: 1.11 (best of ours) vs 1.75",
    metric: "AvgGap",
    a: "ugradsl+ (R)",
    b: "ft (R)",
    direction: "lower",
    v1: { notebook: "07", claim: "the (R) variants are closer to Retrain than FT and GA (Avg. Gap)", change: BEST_OF },
  }),
  check({
    id: "id.ua.ugradsl+.ft",
    family: "identity",
    paradigm: "identity",
    claim: "UGradSL+ forgets more than FT (UA)",
    paper: "Table 4 CelebA: 15.63 vs 5.36",
    metric: "UA",
    a: "ugradsl+ (C)",
    b: "ft (C)",
    direction: "higher",
    v1: { notebook: "07", claim: "UGradSL+ forgets more than FT (UA)", change: C15 },
  }),
  check({
    id: "id.ua.ugradsl.ga",
    family: "identity",
    paradigm: "identity",
    claim: "UGradSL forgets more than GA (UA)",
    paper: "Table 4 CelebA: 11.33 vs 6.00",
    metric: "UA",
    a: "ugradsl (C)",
    b: "ga (C)",
    direction: "higher",
    v1: { notebook: "07", claim: "UGradSL forgets more than GA (UA)", change: C15 },
  }),
  check({
    id: "id.ta.ugradsl+.retrain",
    family: "identity",
    paradigm: "identity",
    claim: "UGradSL+ TA drop vs Retrain ≤ 5",
    paper: "Table 4 CelebA: 88.29 vs 91.78",
    metric: "TA",
    a: "ugradsl+ (C)",
    b: "retrain",
    kind: "keeps",
    threshold: 5,
    direction: "higher",
    v1: { notebook: "07", claim: "UGradSL+ TA within 5 points of Retrain's", change: `${C15}; a tie inside ±2 is now "equivalent"` },
  }),
  // The Streisand effect (Fig. 4).
  check({
    id: "st.tv.ugradsl.retrain",
    family: "streisand",
    paradigm: "random",
    claim: "UGradSL's D_f-vs-D_te predicted-class distance is at most 10 points above Retrain's",
    paper: "Fig. 4 (random, CIFAR-10): UGradSL's confusion on D_f looks like D_te's",
    metric: "Streisand_TV_pred",
    a: "ugradsl (R)",
    b: "retrain",
    kind: "keeps",
    threshold: 10,
    direction: "lower",
    v1: {
      notebook: "09",
      claim: "random: ugradsl's D_f-vs-D_te predicted-class distance is within 10 points of Retrain's",
      change: `${SAME}; v1 read the method's unlabelled rows, v2 reads selection R's`,
    },
  }),
  check({
    id: "st.tv.ugradsl+.retrain",
    family: "streisand",
    paradigm: "random",
    claim: "UGradSL+'s D_f-vs-D_te predicted-class distance is at most 10 points above Retrain's",
    paper: "Fig. 4 (random, CIFAR-10): UGradSL's confusion on D_f looks like D_te's",
    metric: "Streisand_TV_pred",
    a: "ugradsl+ (R)",
    b: "retrain",
    kind: "keeps",
    threshold: 10,
    direction: "lower",
    v1: {
      notebook: "09",
      claim: "random: ugradsl+'s D_f-vs-D_te predicted-class distance is within 10 points of Retrain's",
      change: `${SAME}; v1 read the method's unlabelled rows, v2 reads selection R's`,
    },
  }),
];

/**
 * Which records a family reads. Main-job families read the methods' end states (no ablation, no per-epoch
 * snapshot, no search point); `ablation` reads the end states of that ablation's variants instead (rows
 * labelled "method (variant)", e.g. "ugradsl+ (ft+gm+nls)"); `metric` keeps only runs that asked for that
 * metric (a run's `metricNames`, so its diverged or failed runs still count).
 */
export interface FamilyRecords {
  ablation?: string;
  metric?: string;
}

export interface ProtocolFamily {
  id: string;
  paradigm: Paradigm;
  title: string;
  records: FamilyRecords;
  /** The command that makes the family's records under design v2 (after the searches). */
  command: string;
  /** What a reader must know about the family's rows (how they were chosen, what they share). */
  note: string;
}

const MAIN_RUN = "./kit main --design v2";
const TABLE8_RUN = "deno task ablation table8 --design v2 --paradigm random";

/** The families: Holm's adjustment runs over each one's checks, at each scale and on each subset of units. */
export const FAMILIES: ProtocolFamily[] = [
  { id: "classwise", paradigm: "classwise", title: "class-wise forgetting (Tables 1, 9)", records: {}, command: MAIN_RUN, note: "" },
  { id: "random", paradigm: "random", title: "random forgetting (Tables 2, 10, 13)", records: {}, command: MAIN_RUN, note: "" },
  { id: "group", paradigm: "group", title: "group forgetting (Table 3)", records: {}, command: MAIN_RUN, note: "" },
  {
    id: "smoothing",
    paradigm: "random",
    title: "negative smoothing helps (Fig. 3, Table 8 NLS against PLS and none)",
    records: { ablation: "table8" },
    command: TABLE8_RUN,
    note: "Each gradient-mixed method runs from its selection R three times on every unit, changing only the smooth " +
      "rate: its searched negative rate α (NLS, the search space of smoothRate is negative only), 0 (none) and +|α| " +
      "(PLS, the same size). The none and PLS rows are not searched themselves: they keep the options chosen with the " +
      "negative rate, which favours NLS; a check that NLS beats them says that, at the options the search chose, the sign " +
      "of α matters, not that the best PLS setting loses. Fig. 3's sweep over fixed rates stays a figure (notebook 08)",
  },
  {
    id: "mixing",
    paradigm: "random",
    title: "gradient mixing helps (Table 8)",
    records: { ablation: "table8" },
    command: TABLE8_RUN,
    note: "The backbones without gradient mixing are the same methods with mixWeight 0 (pure ascent, GA) or 1 (pure " +
      "fine-tuning, FT) and smooth rate 0, on the same units and with the rest of selection R's options",
  },
  {
    id: "identity",
    paradigm: "identity",
    title: "identity forgetting on the Debian corpus (Table 4 analogue)",
    records: {},
    command: "deno task unlearn --design v2 --paradigm identity --dataset debian-corpus --model bag-of-embeddings " +
      "--selection-name R,C",
    note: "A unit is one seed with its own draw of the identities forgotten (split option identityFraction). Its " +
      "selections come from its own search on seeds 100-102 (deno task search --design v2 --paradigm identity " +
      "--dataset debian-corpus --model bag-of-embeddings). The Debian corpus is a scale of its own, named on the " +
      "scoreboard by the data set",
  },
  {
    id: "streisand",
    paradigm: "random",
    title: "no Streisand effect (Fig. 4)",
    records: { metric: "Streisand" },
    command: "deno task unlearn --design v2 --paradigm random --metrics UA,RA,TA,VA,MIA,AvgGap,Sum,AdditionalMIA,Streisand",
    note: "The metric is the distance (total variation, %) between the classes the model predicts on D_f and on D_te; " +
      "a method that leaves D_f looking like unseen data keeps it near Retrain's",
  },
];

/**
 * v1 checks not carried into v2, by notebook: each named (results/claims.json's claim text, or every check of the
 * notebook) with the reason. tests/report/protocol_test.ts fails when a v1 check is neither replaced by a v2 check
 * (its `v1` field) nor listed here.
 */
export const KEPT_AT_V1: { notebook: string; claims: string[] | "every check"; reason: string }[] = [
  {
    notebook: "00",
    claims: "every check",
    reason: "the quick-start's one-seed run repeats class-wise checks of notebook 04, which family classwise judges",
  },
  {
    notebook: "01",
    claims: "every check",
    reason: "Theorem 1's checks are exact computations on the convex model (errors, shares, rank correlations), not " +
      "comparisons of two methods on sampled units; there is nothing for a paired test to judge",
  },
  { notebook: "02", claims: "every check", reason: "as notebook 01: Theorem 2 and Figure 5's checks are computations" },
  { notebook: "03", claims: "every check", reason: "as notebook 01: Theorem 3's checks are computations" },
  {
    notebook: "08",
    claims: [
      "Table 14: FT stays usable epoch after epoch (TA at the last epoch within 5 points of epoch 1)",
      "Table 14: GA degrades with more epochs (TA after the last epoch more than 5 points below epoch 1)",
      "Table 14: UGradSL+ is more stable than UGradSL (higher TA at the last epoch)",
    ],
    reason: "Table 14 compares one method with itself across unlearning epochs; the v2 design fixes no epochs to compare " +
      "(the searched epochs differ by method), so a pre-registered pair of epochs would be chosen after seeing v1's curves",
  },
  {
    notebook: "09",
    claims: ["class-wise: Additional MIA ≥ 90 for every method", "random: Additional MIA within 40-65 for every method"],
    reason: "a range that every method's own interval must lie in, not a comparison of two rows on the same units: the " +
      "v2 statistics (paired sign-flip tests, Holm within a family) do not apply; v1's interval rule stands",
  },
  {
    notebook: "10",
    claims: "every check",
    reason: "each architecture needs its own search on seeds 100-102 before a v2 run, which design v2 does not make; " +
      "v1's checks also compared the better of UGradSL/UGradSL+ with both baselines, which v2 dropped",
  },
  {
    notebook: "11",
    claims: "every check",
    reason: "rank correlations across the rows of one table (Kendall τ between two rankings), not paired comparisons on units",
  },
];

/** One paradigm's evaluation and search units. */
export interface ParadigmDesign {
  /** What one unit is, in words. */
  unit: string;
  /** Evaluation seeds. */
  seeds: number[];
  /** Class-wise: the forgotten classes (group: sub-classes) evaluated, each on the same number of seeds (a blocking factor). */
  classes?: number[];
  /** Seeds of the search tasks, disjoint from `seeds`. */
  searchSeeds: number[];
  /** The classes (sub-classes) the search forgot; the scoreboard shows evaluation units of these apart from the others. */
  searchClasses?: number[];
}

/** The evaluation design, read from design v2 (lib/experiment/design.ts) on the kit's data set. */
export interface DesignDeclaration {
  source: string;
  /** The data set the units and scales are stated for (a file without it: every data set). */
  dataset?: string;
  paradigms: Partial<Record<Paradigm, ParadigmDesign>>;
  /** The scales each claim is shown at; a record's scale is its split's trainSize (0 = the whole training set). */
  scales: { name: string; trainSize: number; model: string; note: string }[];
  /** The looks at the data: an interim look at `interim.units` evaluation units per paradigm, the final at `final.units`. */
  looks: { interim: { units: number; alpha: number }; final: { units: number; alpha: number } };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

const V2 = DESIGNS.v2;
/** The data set design v2 runs on, and its classes' super-classes (group forgetting). */
const DATA_SET = "fashion-mnist";
const OF_CLASS = DATASETS[DATA_SET].superClasses!.ofClass;

/** One paradigm of design v2 as the protocol states it: its units, blocks and what the search saw. */
function paradigmDesign(paradigm: Paradigm): ParadigmDesign {
  const classes = OF_CLASS.length;
  const seeds = range(0, V2.seeds);
  const base = { seeds, searchSeeds: V2.searchSeeds };
  const { seen } = searchCoverage(V2, paradigm, classes, OF_CLASS);
  const per = V2.seeds / classes;
  if (V2.blocks[paradigm] === "class") {
    const unit = `one seed; it forgets class seed mod ${classes}, so every class is forgotten on ${per} seeds (c, c + ${classes}, …)`;
    return { unit, ...base, classes: range(0, classes), searchClasses: seen };
  }
  if (V2.blocks[paradigm] === "subclass") {
    const order = subclassCycle(OF_CLASS).join(", ");
    const unit = `one seed; it forgets sub-class number seed mod ${classes} of the order ${order} (the super-classes in ` +
      `turn), so every sub-class is forgotten on ${per} seeds`;
    return { unit, ...base, classes: range(0, classes), searchClasses: seen };
  }
  return { unit: `one seed; its own random ${100 * DEFAULT_SPLIT.forgetFraction}% of D_tr`, ...base };
}

export const DESIGN: DesignDeclaration = {
  source: `design ${V2.name} of lib/experiment/design.ts (${V2.doc}), on ${DATA_SET}; the classes the search saw are its ` +
    "searchCoverage",
  dataset: DATA_SET,
  paradigms: Object.fromEntries(V2.paradigms.map((p) => [p, paradigmDesign(p)])),
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
  looks: { interim: { units: V2.looks.interim, alpha: 0.001 }, final: { units: V2.looks.final, alpha: 0.05 } },
};

/** The methods searched, and the search rules. The spaces are the methods' own (their files), read when the protocol is built. */
export const SEARCHED = ["ft", "ga", "ugradsl", "ugradsl+"];

/** The values of one option across the searched methods' spaces, as text (one when they share it). */
function sharedOption(option: string): string {
  const texts = [...new Set(SEARCHED.map((m) => JSON.stringify(methodSpec(m).searchSpace[option] ?? null)))];
  if (texts.length !== 1 || texts[0] === "null") throw new Error(`protocol: the searched methods do not share one ${option} range`);
  const d = JSON.parse(texts[0]);
  return d.kind === "choice" ? d.values.join(", ") : `${d.min} to ${d.max}`;
}

/** The selections used by the checks (counted) and the others (a sensitivity row, shown, never counted). */
function selectionRules(): Record<string, string> {
  const counted = (name: string) => CHECKS.some((c) => c.a.endsWith(`(${name})`) || c.b.endsWith(`(${name})`));
  return Object.fromEntries(
    Object.entries(SELECTION_RULES).map(([name, rule]) => [
      name,
      `${rule.doc}${counted(name) ? "" : "; judged beside C with the same checks, shown and never counted"}`,
    ]),
  );
}

/** The search's rules, read from lib/search/rules.ts, lib/experiment/selection.ts and design v2 (declared there once). */
export const SEARCH_RULES = {
  source: "lib/search/rules.ts (BUDGET_RULE, EDGE_RULE), lib/experiment/selection.ts (SELECTION_RULES) and design v2's " +
    "search seeds (lib/experiment/design.ts)",
  budgetRule: BUDGET_RULE,
  budgets: Object.fromEntries(SEARCHED.map((m) => [m, budgetFor(methodSpec(m).searchSpace)])),
  edgeRule: EDGE_RULE,
  budget: `${BUDGET_RULE.pointsPerDimension} points per searched dimension, at least ${BUDGET_RULE.minimum} (a method with ` +
    `more knobs needs more points to cover them): ${SEARCHED.map((m) => `${m} ${budgetFor(methodSpec(m).searchSpace)}`).join(", ")}; ` +
    "point 0 is the method's defaults; each method's usable (non-diverged) budget is reported",
  learningRate: `learning rates from ${sharedOption("learningRate")} (log-uniform) for every SGD method; a chosen value in ` +
    `the outer ${100 * EDGE_RULE.share}% of its range (log10 for a log range) widens that side (a log range by a decade, a ` +
    `uniform or integer range by half its width, within its limit) and the method's search runs again, at most ` +
    `${EDGE_RULE.maxRounds} rounds, each recorded in the search's summary`,
  divergence: `one policy for every method: gradient-norm clipping (${sharedOption("clipNorm")}; 0 = none) is a searched ` +
    "option of every SGD method; a point that diverged or failed on any search task is never selected",
  selectionRules: SELECTION_RULES,
  selections: selectionRules(),
  stopRules: "a stop rule that fires on no search run is removed and the method is named fixed-epoch (UGradSL+: its " +
    "retain-loss plateau never fired in v1)",
  tasks: `search tasks use seeds ${V2.searchSeeds.join(", ")}, disjoint from the evaluation seeds, with the same ` +
    `forget-target rule (${V2.forgetTarget}: class-wise classes ${
      searchCoverage(V2, "classwise", OF_CLASS.length, OF_CLASS).seen.join(", ")
    }, group sub-classes ${searchCoverage(V2, "group", OF_CLASS.length, OF_CLASS).seen.join(", ")}); the test split is sealed`,
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

/**
 * Every version of the protocol; the last entry's version is the protocol's. Add an entry for any change; a change
 * made once v2 records exist (`afterRuns`) raises the version, one made before keeps it (nothing was run under it).
 */
export const PROTOCOL_CHANGES: ProtocolChange[] = [
  { version: 1, date: "2026-12-07", reason: "first version, committed before any v2 run", checks: [], afterRuns: false },
  {
    version: 1,
    date: "2026-12-07",
    reason: "still before any v2 run, so still version 1: the design and search rules are read from design v2 and the " +
      "search's rule modules instead of a copy; families smoothing (negative smoothing against α = 0 and +|α|, replacing " +
      "v1's Fig. 3 check, which positive rates also passed), mixing (Table 8), identity (notebook 07) and streisand " +
      "(notebook 09) added; the v1 checks not carried into v2 listed with their reasons",
    checks: [
      "sm.ua.ugradsl+.nls.none",
      "sm.ta.ugradsl+.nls.none",
      "sm.ua.ugradsl+.nls.pls",
      "sm.sum.ugradsl+.nls.pls",
      "sm.sum.ugradsl+.nls.none",
      "sm.sum.ugradsl.nls.none",
      "sm.sum.ugradsl.nls.pls",
      "mx.sum.ga",
      "mx.sum.ft",
      "id.gap.ugradsl.ga",
      "id.gap.ugradsl+.ft",
      "id.ua.ugradsl+.ft",
      "id.ua.ugradsl.ga",
      "id.ta.ugradsl+.retrain",
      "st.tv.ugradsl.retrain",
      "st.tv.ugradsl+.retrain",
    ],
    afterRuns: false,
  },
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
  families: ProtocolFamily[];
  checks: ProtocolCheck[];
  /** v1 checks not carried into v2, with the reason. */
  keptAtV1: typeof KEPT_AT_V1;
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
    keptAtV1: KEPT_AT_V1,
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
 * The problems of one family of a protocol file; a family without `records` (written before families named
 * their records) is given `{}`, the main job's end states.
 */
function familyProblems(f: unknown, i: number): string[] {
  if (!isObject(f)) return [`families[${i}] is not an object`];
  const out = ["id", "paradigm", "title"].filter((k) => typeof f[k] !== "string").map((k) => `families[${i}].${k} is not a string`);
  if (f.records === undefined) f.records = {};
  if (!isObject(f.records)) out.push(`families[${i}].records is not an object`);
  else {
    for (const k of ["ablation", "metric"]) {
      if (f.records[k] !== undefined && typeof f.records[k] !== "string") out.push(`families[${i}].records.${k} is not a string`);
    }
  }
  return out;
}

/**
 * A protocol file's text as a Protocol, checked where the claims writer reads it (schema, version, changes,
 * α, looks, scales, the class-wise search classes, every family's records, every check's fields); a KitError naming the file and
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
  if (design.dataset !== undefined && typeof design.dataset !== "string") problems.push("design.dataset is not a string");
  if (!isObject(design.paradigms)) problems.push("design.paradigms is not an object");
  if (!Array.isArray(o.families)) problems.push("families is not a list");
  else o.families.forEach((f, i) => problems.push(...familyProblems(f, i)));
  if (!Array.isArray(o.checks)) problems.push("checks is not a list");
  else o.checks.forEach((c, i) => problems.push(...checkProblems(c, i)));
  if (problems.length) throw new KitError(`is not a well-formed protocol: ${problems.join("; ")}`, file);
  // Checked above for every field the claims writer reads.
  return o as unknown as Protocol;
}
