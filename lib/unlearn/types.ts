/**
 * The method interface. A method file exports one `MethodSpec`, made by `defineMethod` from everything about
 * the method: its options (each default with its source), the space a search draws from, its place in tables
 * and its colour in figures, and `run`, which starts from a copy of the original model and returns the
 * unlearned one. Adding a method is that file and one line in methods.ts.
 *
 * The runner (lib/experiment/run.ts) clones the original, times `run` (RTE: the unlearning itself,
 * precompute included, evaluation excluded), evaluates, and writes the record; a method never evaluates
 * on the test set.
 */
import type { Augment } from "../data/augment.ts";
import type { ForgetTask } from "../data/splits.ts";
import type { OptionsOf, Schema, SearchSpace } from "../config.ts";
import { checkSpace, resolveOptions } from "../config.ts";
import type { Net } from "../models/types.ts";
import type { ProgressSink } from "../progress.ts";
import type { Rng } from "../rng.ts";
import type { SgdOptions } from "../train.ts";

export interface UnlearnContext {
  task: ForgetTask;
  /** The original model θ_o. Read it; never train it (methods get `start`, a copy). */
  original: Net;
  /** A copy of θ_o that the method may train in place and return. */
  start: Net;
  /** How the original was trained (Retrain repeats it on D_r). */
  originalTraining: SgdOptions;
  /** The original's accuracy on this task's validation split, in [0, 1] (an estimate of unseen-data accuracy). */
  originalValAcc: number;
  seed: number;
  rng: Rng;
  progress: ProgressSink;
  augment?: Augment;
  /**
   * Called after each unlearning epoch with its history row and the model as it stands (metrics per
   * epoch, Table 14). Time spent here falls inside the method's wall time; the caller subtracts it.
   */
  onEpoch?: (row: Record<string, number>, net: Net) => void;
}

export interface UnlearnOutcome {
  net: Net;
  /** Per-epoch or per-check numbers (losses, monitor accuracies), for plots and Table 14. */
  history: Record<string, number>[];
  /** Why the method stopped before its budget, if it did. */
  stop?: { reason: string; step: number };
  /** Anything else worth recording (e.g. the adaptive rates' mean). */
  notes?: Record<string, number | string>;
}

/** reference: exact unlearning (Retrain); proposed: the paper's methods; baseline: everything else. */
export type MethodFamily = "reference" | "baseline" | "proposed";

/** What describes a method, apart from how it runs: the registry, tables, figures and the search read these. */
interface MethodInfo<S extends Schema> {
  /** Registry key and CLI spelling, e.g. "ugradsl+". */
  name: string;
  /** Row label in tables, e.g. "UGradSL+". */
  title: string;
  /** Where the method comes from (paper, code). Each option's default carries its own source. */
  source: string;
  family: MethodFamily;
  options: S;
  /** What a hyperparameter search varies (lib/search), a subset of `options`. */
  searchSpace: SearchSpace;
  /**
   * Row position in tables (the paper's order) and colour in every figure. Colours are colour-blind safe:
   * Okabe–Ito for Retrain (black), FT, GA, UGradSL and UGradSL+, Paul Tol's muted scheme for the other
   * baselines; no two methods share one (tests/report/latex_test.ts checks). Figures with many methods
   * also name each one on an axis or in a legend, so colour is never the only key.
   */
  display: { order: number; color: string };
}

/** A method as its file writes it: `run` takes the options its schema `S` declares, typed. */
export interface MethodDefinition<S extends Schema> extends MethodInfo<S> {
  run(ctx: UnlearnContext, opts: OptionsOf<S>): UnlearnOutcome | Promise<UnlearnOutcome>;
}

/**
 * A method as the registry holds it. Callers hold options as plain records (resolved in layers by
 * lib/experiment/options.ts, read back from records); `runWith` checks them against the method's own schema,
 * which narrows them to the type its `run` declares, and runs it.
 */
export interface MethodSpec<S extends Schema = Schema> extends MethodInfo<S> {
  /** Runs the method with `options` (unknown keys refused, missing ones filled with defaults, each value checked). */
  runWith(ctx: UnlearnContext, options: Record<string, unknown>): UnlearnOutcome | Promise<UnlearnOutcome>;
}

/**
 * A method file's one export: checks that the search space only names the method's own options, within their
 * bounds, and closes `run` over its option type, so the registry needs no cast to call it.
 */
export function defineMethod<S extends Schema>(definition: MethodDefinition<S>): MethodSpec<S> {
  const { run, ...info } = definition;
  checkSpace(info.options, info.searchSpace, `search space of ${info.name}`);
  return {
    ...info,
    runWith: (ctx, options) => run(ctx, resolveOptions(info.options, options, `${info.name} options`)),
  };
}
