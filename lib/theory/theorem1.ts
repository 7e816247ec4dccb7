/**
 * Theorem 1 (docs/paper.md §2, DERIVED): why gradient ascent alone is not enough.
 *
 * Claims checked on the convex model, per forget set:
 * - Eq. 3: θ_r − θ_GA ≈ Δθ_r − Δθ_f. Measured as the relative error
 *   ‖(θ_r − θ_GA) − (Δθ_r − Δθ_f)‖ / ‖Δθ_r − Δθ_f‖ with θ_r the exact retrain and θ_GA the influence step
 *   θ_o + Δθ_f (for which the error is exactly ‖θ_r − θ_o − Δθ_r‖, the error of the retrain expansion), and
 *   again with θ_GA from gradient ascent actually run (`naturalAscent`).
 * - GA is exact only when Δθ_r = Δθ_f: across forget sets, GA's relative residual ‖θ_r − θ_GA‖/‖θ_r − θ_o‖
 *   should rank with the relative gap ‖Δθ_r − Δθ_f‖/‖Δθ_r‖ (Spearman ρ).
 * - GA moves away from θ_r (‖θ_r − θ_GA‖ > ‖θ_r − θ_o‖) iff ‖Δθ_f‖² > 2⟨Δθ_r, Δθ_f⟩: confusion counts of
 *   the condition against what was measured, for the influence step, natural GA and plain GA. The verdict
 *   grades the influence step (the GA the theorem models) and plain GA (the GA one actually runs).
 */
import { type ForgetSet, influence, influenceAscent, naturalAscent, type Original, plainAscent, plainStepSize } from "./influence.ts";
import { dist, dot, norm, spearman, sub } from "./linalg.ts";
import { type Check, grade, type Level, levelOf } from "../verdict.ts";

export interface Theorem1Options {
  /** Steps of `naturalAscent` (step 1/steps in the H_{θ_o} metric). */
  naturalSteps: number;
  /** Plain GA: step 1/λ_max(H_{θ_o}), run until it has travelled ‖Δθ_f‖ or this many steps. */
  plainMaxSteps: number;
  /** Median Eq. 3 relative error: ≤ holds → holds, ≤ partly → partly. */
  eq3RelErr: { holds: number; partly: number };
  /** Share of forget sets whose direction the condition predicts. */
  agreement: { holds: number; partly: number };
  /** Spearman ρ between ‖Δθ_r − Δθ_f‖/‖Δθ_r‖ and ‖θ_r − θ_GA‖/‖θ_r − θ_o‖. */
  rankCorrelation: { holds: number; partly: number };
}

export const THEOREM1_DEFAULTS: Theorem1Options = {
  naturalSteps: 20,
  plainMaxSteps: 2000,
  eq3RelErr: { holds: 0.1, partly: 0.5 },
  agreement: { holds: 1, partly: 0.8 },
  rankCorrelation: { holds: 0.9, partly: 0.5 },
};

export interface Theorem1Row {
  kind: ForgetSet["kind"];
  label: string;
  size: number;
  normRetrainShift: number;
  normDeltaR: number;
  normDeltaF: number;
  /** ‖Δθ_r − Δθ_f‖. */
  normGap: number;
  /** ‖(θ_r − θ_o) − Δθ_r‖ / ‖θ_r − θ_o‖: how well the influence formula gives the retrain. */
  retrainRelErr: number;
  /** Eq. 3 relative error with θ_GA = θ_o + Δθ_f. */
  eq3RelErr: number;
  /** Eq. 3 relative error with θ_GA from natural gradient ascent. */
  eq3RelErrNatural: number;
  distOriginal: number;
  distInfluence: number;
  distNatural: number;
  distPlain: number;
  plainSteps: number;
  plainReached: boolean;
  /** ‖Δθ_f‖² and 2⟨Δθ_r, Δθ_f⟩. */
  condLhs: number;
  condRhs: number;
  predictedAway: boolean;
  awayInfluence: boolean;
  awayNatural: boolean;
  awayPlain: boolean;
  /** Theorem 2's premise on the same set: ⟨Δθ_r − Δθ_f, Δθ_n − Δθ_f⟩, and with θ_r − θ_o in place of Δθ_r. */
  premiseInner: number;
  premiseInnerMeasured: number;
}

export interface Confusion {
  /** predicted away & moved away */
  tp: number;
  /** predicted away, moved closer */
  fp: number;
  /** predicted closer, moved away */
  fn: number;
  tn: number;
  agreement: number;
}

export interface Theorem1Summary {
  sets: number;
  medianEq3RelErr: number;
  medianEq3RelErrNatural: number;
  medianRetrainRelErr: number;
  /**
   * Spearman ρ between the relative gap ‖Δθ_r − Δθ_f‖/‖Δθ_r‖ and GA's relative residual ‖θ_r − θ_GA‖/‖θ_r − θ_o‖
   * (influence step): scale-free, so forget-set size alone cannot make it high. NaN for fewer than 3 sets.
   */
  rankCorrelation: number;
  confusionInfluence: Confusion;
  confusionNatural: Confusion;
  confusionPlain: Confusion;
  criteria: Check[];
  verdict: Level;
  notes: string[];
}

export interface Theorem1Result {
  options: Theorem1Options;
  plainStepSize: number;
  rows: Theorem1Row[];
  /** Per kind of forget set, and "all". */
  summary: Record<string, Theorem1Summary>;
  verdict: Level;
}

export function confusion(predicted: boolean[], measured: boolean[]): Confusion {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0, agreement: 0 };
  predicted.forEach((p, i) => {
    const m = measured[i];
    if (p && m) c.tp++;
    else if (p) c.fp++;
    else if (m) c.fn++;
    else c.tn++;
  });
  c.agreement = predicted.length ? (c.tp + c.tn) / predicted.length : NaN;
  return c;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

/** One forget set's numbers. */
export function theorem1Row(original: Original, forget: ForgetSet, o: Theorem1Options, stepSize: number): Theorem1Row {
  // Chord retraining + PCG for tiny forget sets (cheap and exact to tolerance), full Newton otherwise.
  const inf = influence(original, forget, forget.rows.length <= 20 ? "pcg" : "exact");
  const { thetaO, thetaR, deltaR, deltaF } = inf;
  const gap = sub(deltaR, deltaF);
  const ga = influenceAscent(original, forget.rows);
  const nat = naturalAscent(original, forget.rows, 0, o.naturalSteps);
  const plain = plainAscent(original, forget.rows, { stepSize, travel: norm(deltaF), maxSteps: o.plainMaxSteps });
  const shift = sub(thetaR, thetaO);
  const distOriginal = norm(shift);
  const condLhs = norm(deltaF) ** 2;
  const condRhs = 2 * dot(deltaR, deltaF);
  const d = { inf: dist(thetaR, ga), nat: dist(thetaR, nat), plain: dist(thetaR, plain.theta) };
  return {
    kind: forget.kind,
    label: forget.label,
    size: forget.rows.length,
    normRetrainShift: distOriginal,
    normDeltaR: norm(deltaR),
    normDeltaF: norm(deltaF),
    normGap: norm(gap),
    retrainRelErr: dist(shift, deltaR) / distOriginal,
    eq3RelErr: dist(sub(thetaR, ga), gap) / norm(gap),
    eq3RelErrNatural: dist(sub(thetaR, nat), gap) / norm(gap),
    distOriginal,
    distInfluence: d.inf,
    distNatural: d.nat,
    distPlain: d.plain,
    plainSteps: plain.steps,
    plainReached: plain.reached,
    condLhs,
    condRhs,
    predictedAway: condLhs > condRhs,
    awayInfluence: d.inf > distOriginal,
    awayNatural: d.nat > distOriginal,
    awayPlain: d.plain > distOriginal,
    premiseInner: dot(gap, sub(inf.deltaN, deltaF)),
    premiseInnerMeasured: dot(sub(shift, deltaF), sub(inf.deltaN, deltaF)),
  };
}

/** Grades a set of rows (a kind of forget set, or all of them). */
export function summariseTheorem1(rows: Theorem1Row[], o: Theorem1Options = THEOREM1_DEFAULTS): Theorem1Summary {
  const pred = rows.map((r) => r.predictedAway);
  const ci = confusion(pred, rows.map((r) => r.awayInfluence));
  const rho = rows.length >= 3
    ? spearman(rows.map((r) => r.normGap / r.normDeltaR), rows.map((r) => r.distInfluence / r.distOriginal))
    : NaN;
  const criteria: Check[] = [
    grade("median Eq. 3 relative error (influence GA)", median(rows.map((r) => r.eq3RelErr)), o.eq3RelErr),
    grade("share of sets whose direction ‖Δθ_f‖² > 2⟨Δθ_r,Δθ_f⟩ predicts (influence GA)", ci.agreement, {
      ...o.agreement,
      higherIsBetter: true,
    }),
  ];
  criteria.push(
    grade(
      "share of sets whose direction the condition predicts for plain GA actually run",
      confusion(pred, rows.map((r) => r.awayPlain)).agreement,
      {
        ...o.agreement,
        higherIsBetter: true,
      },
    ),
  );
  if (rows.length >= 3) {
    criteria.push(
      grade("Spearman ρ(‖Δθ_r − Δθ_f‖/‖Δθ_r‖, ‖θ_r − θ_GA‖/‖θ_r − θ_o‖)", rho, {
        ...o.rankCorrelation,
        higherIsBetter: true,
      }),
    );
  }
  const notes: string[] = [];
  const away = rows.filter((r) => r.awayInfluence).length;
  if (away === 0) {
    notes.push(
      `no forget set made the influence-step GA move away from θ_r (0 of ${rows.length}): the "moves away" case was not witnessed`,
    );
  }
  const plainAway = rows.filter((r) => r.awayPlain).length;
  if (plainAway > 0) notes.push(`plain GA moved away from θ_r on ${plainAway} of ${rows.length} sets`);
  const unreached = rows.filter((r) => !r.plainReached).length;
  if (unreached > 0) notes.push(`plain GA stopped at its step cap before travelling ‖Δθ_f‖ on ${unreached} sets`);
  return {
    sets: rows.length,
    medianEq3RelErr: median(rows.map((r) => r.eq3RelErr)),
    medianEq3RelErrNatural: median(rows.map((r) => r.eq3RelErrNatural)),
    medianRetrainRelErr: median(rows.map((r) => r.retrainRelErr)),
    rankCorrelation: rho,
    confusionInfluence: ci,
    confusionNatural: confusion(pred, rows.map((r) => r.awayNatural)),
    confusionPlain: confusion(pred, rows.map((r) => r.awayPlain)),
    criteria,
    verdict: levelOf(criteria),
    notes,
  };
}

/** Theorem 1 over many forget sets; the overall verdict grades all sets together. */
export function theorem1Check(
  original: Original,
  sets: ForgetSet[],
  partial: Partial<Theorem1Options> = {},
  onProgress?: (done: number, total: number) => void,
): Theorem1Result {
  const o = { ...THEOREM1_DEFAULTS, ...partial };
  const stepSize = plainStepSize(original);
  const rows: Theorem1Row[] = [];
  for (const s of sets) {
    rows.push(theorem1Row(original, s, o, stepSize));
    onProgress?.(rows.length, sets.length);
  }
  const summary: Record<string, Theorem1Summary> = {};
  for (const kind of [...new Set(rows.map((r) => r.kind))]) {
    summary[kind] = summariseTheorem1(rows.filter((r) => r.kind === kind), o);
  }
  summary.all = summariseTheorem1(rows, o);
  return { options: o, plainStepSize: stepSize, rows, summary, verdict: summary.all.verdict };
}
