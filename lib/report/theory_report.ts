/**
 * Chapters 01-03 (the theorems) read the records `deno task theory` writes to results/theory/*.json
 * (results/theory/quick/ in quick mode): their figures and verdicts come from those records alone, through
 * the same figure type and verdict type as every other chapter.
 */
import type { NotebookMode } from "../env.ts";
import { ROOT } from "../env.ts";
import type { Figure5Record, Theorem1Record, Theorem2Record, Theorem3Record } from "../theory/run.ts";
import type { Check, Level } from "../verdict.ts";
import type { PlotlyFigure } from "./figure.ts";
import { figure5Figure, theorem1Figure, theorem2Figure, theorem3Figure } from "./plots_theory.ts";
import type { Verdict } from "../verdict.ts";
import { makeVerdict } from "./verdicts.ts";

export interface TheoryRecords {
  theorem1?: Theorem1Record;
  theorem2?: Theorem2Record;
  figure5?: Figure5Record;
  theorem3?: Theorem3Record;
}

/** The theory records of a mode, or null when none has been written. */
export async function loadTheoryRecords(mode: NotebookMode, names: (keyof TheoryRecords)[]): Promise<TheoryRecords | null> {
  const dir = `${ROOT}results/theory${mode === "quick" ? "/quick" : ""}`;
  const out: Record<string, unknown> = {};
  for (const name of names) {
    try {
      out[name] = JSON.parse(await Deno.readTextFile(`${dir}/${name}.json`));
    } catch {
      return null;
    }
  }
  return out as TheoryRecords;
}

/** One check standing for a sub-result (an example set, a model) with its own criteria. */
function partCheck(claim: string, level: Level, criteria: Check[]): Check {
  return {
    claim,
    rule: "its criteria combined (every one holds → holds; none → does not hold; else partly)",
    observed: criteria.map((c) => `${c.claim} = ${c.observed} → ${c.level}`).join("; "),
    level,
  };
}

export function theorem1Verdict(r: Theorem1Record): Verdict {
  const all = r.summary.all;
  return makeVerdict(
    "Theorem 1: gradient ascent alone can move away from the retrained model",
    "θ_r − θ_GA ≈ Δθ_r − Δθ_f (Eq. 3), and GA moves away from θ_r exactly when ‖Δθ_f‖² > 2⟨Δθ_r, Δθ_f⟩ (docs/paper.md §2).",
    all.criteria,
    [`${r.rows.length} forget sets`, ...all.notes],
  );
}

export function theorem2Verdict(t2: Theorem2Record, f5?: Figure5Record): Verdict {
  const checks = [
    partCheck(`Theorem 2 on ${t2.classwise.forget.label}`, t2.classwise.verdict, t2.classwise.criteria),
    partCheck(`Theorem 2 on ${t2.random.forget.label}`, t2.random.verdict, t2.random.criteria),
    ...(f5 ? [partCheck(`Figure 5 on ${f5.mlp.model}`, f5.mlp.verdict, f5.mlp.criteria)] : []),
  ];
  return makeVerdict(
    "Theorem 2 and Figure 5: negative label smoothing helps gradient ascent",
    "If ⟨Δθ_r − Δθ_f, Δθ_n − Δθ_f⟩ ≤ 0 (which Figure 5 shows holds per sample), some α < 0 brings GA closer to θ_r (docs/paper.md §3).",
    checks,
    [...t2.classwise.notes, ...t2.random.notes],
  );
}

export function theorem3Verdict(t3: Theorem3Record): Verdict {
  return makeVerdict(
    "Theorem 3: the unlearned model is ε-label-LDP on D_f",
    "Minimising γ1·R_tr − γ2·R_f^{NLS,α} gives ε = |log((K/α)(1 − γ1/γ2) + 1 − K)| on D_f (docs/paper.md §4).",
    [
      partCheck("closed-form per-example optimum", t3.closedForm.verdict, t3.closedForm.criteria),
      partCheck(`trained model, ${t3.classwise.forget.label}`, t3.classwise.verdict, t3.classwise.criteria),
      partCheck(`trained model, ${t3.random.forget.label}`, t3.random.verdict, t3.random.criteria),
    ],
    [...t3.classwise.notes, ...t3.random.notes],
  );
}

export function theorem1Figures(r: Theorem1Record): Record<string, PlotlyFigure> {
  return { distances: theorem1Figure(r) };
}

export function theorem2Figures(t2: Theorem2Record, f5?: Figure5Record): Record<string, PlotlyFigure> {
  return {
    classwise_sweep: theorem2Figure(t2.classwise),
    random_sweep: theorem2Figure(t2.random),
    ...(f5 ? { figure5: figure5Figure([f5.mlp, f5.convex]) } : {}),
  };
}

export function theorem3Figures(t3: Theorem3Record): Record<string, PlotlyFigure> {
  return { classwise: theorem3Figure(t3.classwise), random: theorem3Figure(t3.random) };
}
