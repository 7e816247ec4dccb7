/**
 * Theorem 2 (docs/paper.md §3; Eq. 5 and the theorem SOURCED, Δθ_n and the proof DERIVED): negative label
 * smoothing helps gradient ascent.
 *
 * With a = Δθ_r − Δθ_f, b = Δθ_n − Δθ_f and c = (1 − K)α/K (> 0 for α < 0), Eq. 5 predicts
 *   ‖θ_r − θ_{GA+GLS}(α)‖ ≈ ‖a + c·b‖,
 * which is below ‖a‖ (plain GA) exactly for α ∈ (2K⟨a,b⟩ / ((K−1)‖b‖²), 0) when ⟨a,b⟩ < 0, best at
 * α* = K⟨a,b⟩ / ((K−1)‖b‖²). Measured over a sweep of α with the exact retrain θ_r:
 * - "influence": θ_{GA+GLS}(α) = θ_o + H_{θ_o}⁻¹∇R_f^{GLS,α}(θ_o). Then θ_r − θ_{GA+GLS} = a' + c·b EXACTLY,
 *   with a' = θ_r − θ_o − Δθ_f (the measured gap), so this curve tests whether ⟨a,b⟩ stands for ⟨a',b⟩.
 * - "natural": gradient ascent on R_f^{GLS,α} actually run (`naturalAscent`).
 * - "plain": plain gradient ascent at a few probe α (`plainAscent`, step 1/λ_max(H_{θ_o}), travel equal to
 *   the influence step's length).
 */
import { type ForgetSet, influence, influenceAscent, naturalAscent, type Original, plainAscent, plainStepSize } from "./influence.ts";
import { dist, dot, norm, sub } from "./linalg.ts";
import { type Check, flag, grade, type Level } from "../verdict.ts";

export interface Theorem2Options {
  /** α values always swept (more are added: the predicted α* and interval ends, and a log grid that covers them). */
  baseAlphas: number[];
  naturalSteps: number;
  /** α values where plain GA is also run (besides 0 and the predicted α* when it lies in [−10, 0]). */
  plainProbeAlphas: number[];
  plainMaxSteps: number;
  /** Overlap (intersection over union) of the predicted and measured improving intervals. */
  overlap: { holds: number; partly: number };
}

export const THEOREM2_DEFAULTS: Theorem2Options = {
  baseAlphas: [-2, -1, -0.5, -0.2, -0.1, 0, 0.1, 0.2, 0.5, 1],
  naturalSteps: 20,
  plainProbeAlphas: [-0.5, -1],
  plainMaxSteps: 2000,
  overlap: { holds: 0.5, partly: 0.2 },
};

export interface Theorem2Point {
  alpha: number;
  /** ‖a + c·b‖ (Eq. 5 with the influence Δθ_r). */
  predicted: number;
  /** ‖θ_r − θ_{GA+GLS}^{influence}(α)‖. */
  influence: number;
  /** ‖θ_r − θ_{GA+GLS}^{natural}(α)‖. */
  natural: number;
  /** ‖θ_r − θ_{GA+GLS}^{plain}(α)‖ at probe α, else null. */
  plain: number | null;
}

export interface AlphaInterval {
  lo: number;
  hi: number;
}

export interface Theorem2Result {
  forget: { kind: ForgetSet["kind"]; label: string; size: number };
  numClasses: number;
  /** ⟨a,b⟩ with a = Δθ_r − Δθ_f, b = Δθ_n − Δθ_f. */
  inner: number;
  cosine: number;
  normA: number;
  normB: number;
  /** ⟨a',b⟩ with the measured gap a' = θ_r − θ_o − Δθ_f. */
  innerMeasured: number;
  cosineMeasured: number;
  /** Predicted improving interval (α < 0) and optimum; null when ⟨a,b⟩ ≥ 0. */
  predictedInterval: AlphaInterval | null;
  predictedAlphaStar: number | null;
  /** The same from a' (exact for the influence curve). */
  measuredInterval: AlphaInterval | null;
  measuredAlphaStar: number | null;
  /** From the sweep: α < 0 grid points where the curve is below its α = 0 value, as [min, max]. */
  sweepImproving: { influence: AlphaInterval | null; natural: AlphaInterval | null };
  bestSweepAlpha: { influence: number; natural: number };
  sweep: Theorem2Point[];
  plainStepSize: number;
  criteria: Check[];
  verdict: Level;
  notes: string[];
}

/** The improving interval and optimum of ‖u + c·b‖ over α < 0, c = (1 − K)α/K, from ⟨u,b⟩ and ‖b‖². */
export function improvingInterval(
  inner: number,
  normB2: number,
  k: number,
): { interval: AlphaInterval | null; alphaStar: number | null } {
  if (!(inner < 0) || !(normB2 > 0)) return { interval: null, alphaStar: null };
  return { interval: { lo: (2 * k * inner) / ((k - 1) * normB2), hi: 0 }, alphaStar: (k * inner) / ((k - 1) * normB2) };
}

/** Intersection over union of two intervals (0 if either is null, 1 if both are). */
export function intervalOverlap(a: AlphaInterval | null, b: AlphaInterval | null): number {
  if (!a && !b) return 1;
  if (!a || !b) return 0;
  const inter = Math.max(0, Math.min(a.hi, b.hi) - Math.max(a.lo, b.lo));
  const union = Math.max(a.hi, b.hi) - Math.min(a.lo, b.lo);
  return union > 0 ? inter / union : 0;
}

function improvingOnGrid(sweep: Theorem2Point[], key: "influence" | "natural"): AlphaInterval | null {
  const at0 = sweep.find((p) => p.alpha === 0)![key];
  const better = sweep.filter((p) => p.alpha < 0 && p[key] < at0 * (1 - 1e-12)).map((p) => p.alpha);
  return better.length ? { lo: Math.min(...better), hi: 0 } : null;
}

/**
 * The verdict table: premise and conclusion hold → the interval overlap decides ("holds" if it holds,
 * else "partly"); premise holds but no α < 0 helps → "does not hold" (the theorem is contradicted);
 * premise fails and no α < 0 helps → "does not hold" (NLS does not help here, as Eq. 5 then predicts);
 * premise fails yet some α < 0 helps → "partly".
 */
export function theorem2Level(criteria: Check[]): Level {
  const [premise, conclusion, overlap] = criteria;
  if (conclusion.level !== "holds") return "does not hold";
  if (premise.level !== "holds") return "partly";
  return overlap && overlap.level === "holds" ? "holds" : "partly";
}

/** The α grid: base values, negative α on a log grid (8 a decade from −0.01) out past every predicted interval end, and the predictions. */
export function alphaGrid(base: number[], extra: (number | null)[]): number[] {
  const reach = Math.max(
    2,
    ...extra.filter((v): v is number => v !== null && Number.isFinite(v)).map((v) => 1.5 * Math.abs(v)),
  );
  const grid = new Set<number>(base);
  for (let e = -2; 10 ** e <= reach * 1.0001; e += 0.125) grid.add(-Number((10 ** e).toPrecision(3)));
  for (const v of extra) if (v !== null && Number.isFinite(v)) grid.add(v);
  grid.add(0);
  return [...grid].sort((a, b) => a - b);
}

export function theorem2Check(
  original: Original,
  forget: ForgetSet,
  partial: Partial<Theorem2Options> = {},
): Theorem2Result {
  const o = { ...THEOREM2_DEFAULTS, ...partial };
  const k = original.data.numClasses;
  const inf = influence(original, forget);
  const a = sub(inf.deltaR, inf.deltaF);
  const b = sub(inf.deltaN, inf.deltaF);
  const aMeasured = sub(sub(inf.thetaR, inf.thetaO), inf.deltaF);
  const nb2 = dot(b, b);
  const inner = dot(a, b);
  const innerMeasured = dot(aMeasured, b);
  const pred = improvingInterval(inner, nb2, k);
  const meas = improvingInterval(innerMeasured, nb2, k);
  const alphas = alphaGrid(o.baseAlphas, [
    pred.alphaStar,
    pred.interval?.lo ?? null,
    meas.alphaStar,
    meas.interval?.lo ?? null,
  ]);
  const stepSize = plainStepSize(original);
  const probes = new Set([0, ...o.plainProbeAlphas]);
  if (pred.alphaStar !== null && pred.alphaStar >= -10) probes.add(pred.alphaStar);
  const sweep = alphas.map((alpha) => sweepPoint(original, forget, { inf, a, b, k, o, stepSize, probes }, alpha));
  const sweepImproving = { influence: improvingOnGrid(sweep, "influence"), natural: improvingOnGrid(sweep, "natural") };
  const argmin = (key: "influence" | "natural") => sweep.reduce((best, p) => (p[key] < best[key] ? p : best)).alpha;
  const criteria = theorem2Criteria(inner, pred.interval, sweepImproving, o);
  const verdict = theorem2Level(criteria);
  const notes = theorem2Notes(inner, innerMeasured, sweepImproving);
  return {
    forget: { kind: forget.kind, label: forget.label, size: forget.rows.length },
    numClasses: k,
    inner,
    cosine: inner / (norm(a) * norm(b)),
    normA: norm(a),
    normB: norm(b),
    innerMeasured,
    cosineMeasured: innerMeasured / (norm(aMeasured) * norm(b)),
    predictedInterval: pred.interval,
    predictedAlphaStar: pred.alphaStar,
    measuredInterval: meas.interval,
    measuredAlphaStar: meas.alphaStar,
    sweepImproving,
    bestSweepAlpha: { influence: argmin("influence"), natural: argmin("natural") },
    sweep,
    plainStepSize: stepSize,
    criteria,
    verdict,
    notes,
  };
}

/** What one α of the sweep needs besides α: the influence quantities, a and b of Eq. 5, K, the options. */
interface SweepInputs {
  inf: ReturnType<typeof influence>;
  a: Float64Array;
  b: Float64Array;
  k: number;
  o: Theorem2Options;
  stepSize: number;
  /** The α at which plain gradient ascent is run too (it is slow). */
  probes: Set<number>;
}

/** One α: Eq. 5's predicted distance to θ_r, and the distances the influence step, natural GA and (at probes) plain GA reach. */
function sweepPoint(original: Original, forget: ForgetSet, w: SweepInputs, alpha: number): Theorem2Point {
  const { inf, a, b, k, o } = w;
  const c = ((1 - k) * alpha) / k;
  let predicted = 0;
  for (let q = 0; q < a.length; q++) predicted += (a[q] + c * b[q]) ** 2;
  const step = influenceAscent(original, forget.rows, alpha);
  let plain: number | null = null;
  if (w.probes.has(alpha)) {
    const travel = dist(step, inf.thetaO);
    plain = dist(
      inf.thetaR,
      plainAscent(original, forget.rows, { alpha, stepSize: w.stepSize, travel, maxSteps: o.plainMaxSteps }).theta,
    );
  }
  return {
    alpha,
    predicted: Math.sqrt(predicted),
    influence: dist(inf.thetaR, step),
    natural: dist(inf.thetaR, naturalAscent(original, forget.rows, alpha, o.naturalSteps)),
    plain,
  };
}

/** The premise, the conclusion, and (when Eq. 5 predicts an interval) how well prediction and measurement overlap. */
function theorem2Criteria(
  inner: number,
  predicted: AlphaInterval | null,
  sweepImproving: Theorem2Result["sweepImproving"],
  o: Theorem2Options,
): Check[] {
  const premise = flag("premise ⟨Δθ_r − Δθ_f, Δθ_n − Δθ_f⟩ < 0", inner < 0, "< 0 holds");
  const conclusion = flag(
    "some α < 0 measured closer to θ_r than GA (influence step, exact θ_r)",
    sweepImproving.influence !== null,
    "yes holds",
  );
  const criteria: Check[] = [premise, conclusion];
  if (predicted) {
    criteria.push(
      grade(
        "overlap of predicted and measured improving α intervals (influence step)",
        intervalOverlap(predicted, sweepImproving.influence),
        {
          ...o.overlap,
          higherIsBetter: true,
        },
      ),
    );
  }
  return criteria;
}

/** What a reader should know about this forget set: a failed premise, a sign that the exact retrain flips, a disagreement. */
function theorem2Notes(inner: number, innerMeasured: number, sweepImproving: Theorem2Result["sweepImproving"]): string[] {
  const notes: string[] = [];
  if (inner >= 0) {
    notes.push(
      `⟨a,b⟩ = ${inner.toExponential(3)} ≥ 0: Theorem 2's premise fails on this forget set; Eq. 5 then predicts that no α < 0 helps`,
    );
  }
  if (Math.sign(inner) !== Math.sign(innerMeasured)) {
    notes.push(
      `the sign of ⟨a,b⟩ (${inner.toExponential(3)}) differs from that of ⟨a',b⟩ with the exact retrain (${
        innerMeasured.toExponential(3)
      })`,
    );
  }
  if ((sweepImproving.influence !== null) !== (sweepImproving.natural !== null)) {
    notes.push(`the influence step and natural GA disagree on whether some α < 0 helps`);
  }
  return notes;
}
