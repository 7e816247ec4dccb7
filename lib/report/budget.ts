/**
 * The reproduction budget: how long each step of the evidence pass took (scripts/evidence.sh), the machine's
 * load while it ran, and the sum, against the targets of the speed issue (the whole pass ≤ 60 min of wall
 * time on the 2-core machine, no notebook above 8 min, the full-scale training set its own line ≤ 60 min).
 *
 * Each finished attempt of a step is one line of a steps file (JSON lines, appended by `deno task budget
 * step`). The pass resumes: an interrupted step is started again and finishes what its records do not hold
 * yet, so a step's time is the sum of its attempts (a resumed attempt reads the finished runs back and
 * computes the rest). A new pass starts a new steps file.
 *
 * `projectBudget` extrapolates a pass from measured step times and per-step factors stated in a plan (e.g.
 * 5 → 20 evaluation units: ×4), each with its reason: a projection, never a measurement, and labelled so.
 */
import { KitError } from "../errors.ts";

/** The 1-minute load average sampled while a step ran (from /proc/loadavg, every few seconds). */
export interface LoadStats {
  samples: number;
  min: number;
  mean: number;
  max: number;
}

/** Which line of the budget a step counts in: the standard pass, or the full 60,000-image training set. */
export type BudgetScale = "standard" | "full-scale";

/** One finished attempt of one step. */
export interface StepAttempt {
  label: string;
  /** Wall seconds of this attempt. */
  seconds: number;
  scale: BudgetScale;
  startedAt: string;
  load: LoadStats;
  /** How the step ran, e.g. "2 shards × 1 thread" or "2 threads" (from the script). */
  layout?: string;
  /**
   * The step this one ran inside, beside others (a notebook in one of the notebooks step's lanes): shown and
   * held to its own target, not added to the sum (the enclosing step's wall time is).
   */
  within?: string;
}

/** A step of the budget: its attempts summed. */
export interface BudgetStep {
  label: string;
  seconds: number;
  scale: BudgetScale;
  attempts: number;
  load: LoadStats;
  layout?: string;
  within?: string;
}

export interface BudgetTargets {
  /** The standard pass, wall seconds. */
  passSeconds: number;
  /** Any one notebook, wall seconds. */
  notebookSeconds: number;
  /** The full-scale line, wall seconds. */
  fullScaleSeconds: number;
}

/** The speed issue's targets. */
export const TARGETS: BudgetTargets = { passSeconds: 3600, notebookSeconds: 480, fullScaleSeconds: 3600 };

export interface ReproductionBudget {
  schema: "unlearn-kit/reproduction@1";
  /** "measured" (a pass's steps) or "projected" (`projectBudget`: measured times × a plan's factors). */
  kind: "measured" | "projected";
  date: string;
  commit: string;
  cores: number;
  /** What the pass ran: budget, seeds, sizes, design (from the script, as given). */
  design: Record<string, unknown>;
  steps: BudgetStep[];
  totals: Record<BudgetScale, number>;
  targets: BudgetTargets;
  /** Each target not met, in words. */
  over: string[];
  notes?: string[];
}

/** Load statistics of 1-minute load averages; zero samples give zeros. */
export function loadStats(samples: readonly number[]): LoadStats {
  if (samples.length === 0) return { samples: 0, min: 0, mean: 0, max: 0 };
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    samples: samples.length,
    min: round(Math.min(...samples)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    max: round(Math.max(...samples)),
  };
}

/** Reads the load-average samples a script wrote (one /proc/loadavg line each); names the file on a bad line. */
export function parseLoadSamples(text: string, file: string): number[] {
  return text.split("\n").filter((l) => l.trim()).map((line, i) => {
    const x = Number(line.trim().split(/\s+/)[0]);
    if (!Number.isFinite(x) || x < 0) throw new KitError(`line ${i + 1} is not a load average: "${line}"`, file);
    return x;
  });
}

/** The attempts of a steps file (JSON lines); a line that is not an attempt is an error naming file and line. */
export function parseAttempts(text: string, file: string): StepAttempt[] {
  return text.split("\n").filter((l) => l.trim()).map((line, i) => {
    let a: StepAttempt;
    try {
      a = JSON.parse(line);
    } catch (e) {
      throw new KitError(`line ${i + 1} is not JSON (${(e as Error).message})`, file);
    }
    if (typeof a?.label !== "string" || !(a.seconds >= 0) || (a.scale !== "standard" && a.scale !== "full-scale")) {
      throw new KitError(`line ${i + 1} is not a step (label, seconds ≥ 0, scale standard|full-scale)`, file);
    }
    return a;
  });
}

/** Attempts → steps in order of first start; a step's seconds are its attempts' sum, its load their mean weighted by samples. */
export function sumAttempts(attempts: readonly StepAttempt[]): BudgetStep[] {
  const steps = new Map<string, { step: BudgetStep; loads: LoadStats[] }>();
  for (const a of attempts) {
    const had = steps.get(a.label);
    if (!had) {
      steps.set(a.label, {
        step: { label: a.label, seconds: a.seconds, scale: a.scale, attempts: 1, load: a.load, layout: a.layout, within: a.within },
        loads: [a.load],
      });
      continue;
    }
    had.step.seconds += a.seconds;
    had.step.attempts++;
    had.loads.push(a.load);
  }
  return [...steps.values()].map(({ step, loads }) => ({ ...step, seconds: round1(step.seconds), load: mergeLoads(loads) }));
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function mergeLoads(loads: readonly LoadStats[]): LoadStats {
  const n = loads.reduce((s, l) => s + l.samples, 0);
  if (n === 0) return loadStats([]);
  return {
    samples: n,
    min: Math.min(...loads.filter((l) => l.samples).map((l) => l.min)),
    mean: Math.round(loads.reduce((s, l) => s + l.mean * l.samples, 0) / n * 100) / 100,
    max: Math.max(...loads.map((l) => l.max)),
  };
}

/** Steps → the budget: totals per scale and the targets each misses. */
export function reproductionBudget(
  steps: BudgetStep[],
  meta: Pick<ReproductionBudget, "kind" | "date" | "commit" | "cores" | "design"> & { notes?: string[] },
  targets: BudgetTargets = TARGETS,
): ReproductionBudget {
  const totals: Record<BudgetScale, number> = { standard: 0, "full-scale": 0 };
  for (const s of steps.filter((s) => !s.within)) totals[s.scale] = round1(totals[s.scale] + s.seconds);
  const over: string[] = [];
  if (totals.standard > targets.passSeconds) over.push(`the pass: ${minutes(totals.standard)} > ${minutes(targets.passSeconds)}`);
  if (totals["full-scale"] > targets.fullScaleSeconds) {
    over.push(`the full-scale line: ${minutes(totals["full-scale"])} > ${minutes(targets.fullScaleSeconds)}`);
  }
  for (const s of steps.filter((s) => s.label.startsWith("notebook ") && s.seconds > targets.notebookSeconds)) {
    over.push(`${s.label}: ${minutes(s.seconds)} > ${minutes(targets.notebookSeconds)}`);
  }
  return { schema: "unlearn-kit/reproduction@1", ...meta, steps, totals, targets, over };
}

const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

/** The budget as a text table: each step's seconds and load, the totals per scale, the targets missed. */
export function budgetText(b: ReproductionBudget): string {
  const width = Math.max(12, ...b.steps.map((s) => s.label.length));
  const lines = [`reproduction budget (${b.kind}, ${b.cores} cores, commit ${b.commit.slice(0, 7)}, ${b.date})`];
  lines.push(`${"step".padEnd(width + 2)}  ${"seconds".padStart(8)}  load mean (min-max)  how`);
  for (const s of b.steps) {
    const load = s.load.samples ? `${s.load.mean.toFixed(2)} (${s.load.min.toFixed(2)}-${s.load.max.toFixed(2)})` : "–";
    const label = s.within ? `  ${s.label}` : s.label;
    const how = [s.scale, ...(s.layout ? [s.layout] : []), ...(s.within ? [`inside "${s.within}", not summed`] : [])].join(", ");
    lines.push(`${label.padEnd(width + 2)}  ${s.seconds.toFixed(0).padStart(8)}  ${load.padEnd(19)}  ${how}`);
  }
  for (const scale of ["standard", "full-scale"] as const) {
    if (b.steps.some((s) => s.scale === scale)) {
      lines.push(`${`sum, ${scale}`.padEnd(width)}  ${b.totals[scale].toFixed(0).padStart(8)}  ${minutes(b.totals[scale])}`);
    }
  }
  lines.push(b.over.length ? `targets not met: ${b.over.join("; ")}` : "every target met");
  return lines.join("\n");
}

/**
 * The steps of a pass from its log (scripts/evidence.sh: `[time] done  LABEL in N s`). A resumed step logs
 * again with the seconds of reading back; per label the longest "done" is the attempt that did the work.
 */
export function stepsFromLog(text: string): BudgetStep[] {
  const best = new Map<string, number>();
  for (const m of text.matchAll(/^\[[^\]]+\] done {1,2}(.+?) in (\d+) s/gm)) {
    const label = m[1].replace(/ \(side process\)$/, "");
    best.set(label, Math.max(best.get(label) ?? 0, Number(m[2])));
  }
  return [...best].map(([label, seconds]) => ({ label, seconds, scale: "standard", attempts: 1, load: loadStats([]) }));
}

/**
 * One rule of a plan: the steps whose label starts with `prefix` are multiplied by `factor`, for `reason`
 * ("scale": the next protocol's sizes; "lever": a measured saving of a change, applied after the scale).
 */
export interface PlanRule {
  prefix: string;
  factor: number;
  reason: string;
  kind?: "scale" | "lever";
}

/**
 * Steps that run in `lanes` lanes side by side inside one step `label` (the notebooks): each is kept, inside
 * it, and the step lasts max(longest, sum ÷ lanes) — the bound a longest-first queue reaches when no step
 * dominates, never less than the longest.
 */
export interface PlanLanes {
  label: string;
  prefix: string;
  lanes: number;
  reason: string;
}

/** A projection plan: rules (every matching rule multiplies; unmatched steps keep their time), lanes, and steps it adds, measured elsewhere. */
export interface ProjectionPlan {
  design: Record<string, unknown>;
  rules: PlanRule[];
  lanes?: PlanLanes[];
  added?: { label: string; seconds: number; scale: BudgetScale; reason: string }[];
}

/** Measured steps × the plan's factors (+ its added steps): the projected steps, each rule applied noted. */
export function projectBudget(measured: readonly BudgetStep[], plan: ProjectionPlan): { steps: BudgetStep[]; notes: string[] } {
  const notes: string[] = [];
  const steps = measured.map((s) => {
    const rules = plan.rules.filter((r) => s.label.startsWith(r.prefix));
    if (rules.length === 0) return s;
    const factor = rules.reduce((f, r) => f * r.factor, 1);
    notes.push(`${s.label}: ${s.seconds} s × ${rules.map((r) => `${r.factor} (${r.kind ?? "scale"}: ${r.reason})`).join(" × ")}`);
    return { ...s, seconds: round1(s.seconds * factor) };
  });
  for (const l of plan.lanes ?? []) {
    const inside = steps.filter((s) => s.label.startsWith(l.prefix) && !s.within);
    if (inside.length === 0) continue;
    for (const s of inside) s.within = l.label;
    const sum = inside.reduce((t, s) => t + s.seconds, 0);
    const longest = Math.max(...inside.map((s) => s.seconds));
    const seconds = round1(Math.max(longest, sum / l.lanes));
    notes.push(`${l.label}: max(longest ${longest} s, sum ${round1(sum)} s ÷ ${l.lanes} lanes) = ${seconds} s (${l.reason})`);
    steps.splice(steps.indexOf(inside[0]), 0, { label: l.label, seconds, scale: "standard", attempts: 0, load: loadStats([]) });
  }
  for (const a of plan.added ?? []) {
    notes.push(`${a.label}: ${a.seconds} s (${a.reason})`);
    steps.push({ label: a.label, seconds: a.seconds, scale: a.scale, attempts: 0, load: loadStats([]) });
  }
  return { steps, notes };
}

/** Checks a plan read from a file; names the file and the rule. */
export function checkPlan(plan: ProjectionPlan, file: string): ProjectionPlan {
  if (!Array.isArray(plan?.rules)) throw new KitError("has no rules (a list of {prefix, factor, reason})", file);
  plan.rules.forEach((r, i) => {
    if (typeof r.prefix !== "string" || !(r.factor > 0) || typeof r.reason !== "string") {
      throw new KitError(`rule ${i + 1} needs prefix (text), factor (> 0) and reason (text)`, file);
    }
  });
  for (const l of plan.lanes ?? []) {
    if (typeof l.label !== "string" || typeof l.prefix !== "string" || !(l.lanes >= 1) || typeof l.reason !== "string") {
      throw new KitError(`lanes "${l.label}" need label, prefix, lanes ≥ 1 and reason`, file);
    }
  }
  for (const a of plan.added ?? []) {
    if (typeof a.label !== "string" || !(a.seconds >= 0) || typeof a.reason !== "string") {
      throw new KitError(`added step "${a.label}" needs label, seconds ≥ 0 and reason`, file);
    }
  }
  return plan;
}
