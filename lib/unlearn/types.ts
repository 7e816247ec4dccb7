/**
 * The method interface. A method file exports one `MethodSpec`: its options schema (defaults with their
 * source), and `run`, which starts from a copy of the original model and returns the unlearned one.
 * The runner clones the original, times `run` (RTE: the unlearning itself, precompute included,
 * evaluation excluded), evaluates, and writes the record; a method never evaluates on the test set.
 */
import type { OptionsOf, Schema } from "../config.ts";
import type { ForgetTask } from "../data/splits.ts";
import type { Net } from "../models/types.ts";
import type { ProgressSink } from "../report/progress.ts";
import type { Rng } from "../rng.ts";
import type { Augment, SgdOptions } from "../train.ts";

export interface UnlearnContext {
  task: ForgetTask;
  /** The original model θ_o. Read it; never train it (methods get `start`, a copy). */
  original: Net;
  /** A copy of θ_o that the method may train in place and return. */
  start: Net;
  /** How the original was trained (Retrain repeats it on D_r). */
  originalTraining: SgdOptions;
  /** The original's accuracy on the validation split, in [0, 1] (an estimate of unseen-data accuracy). */
  originalValAcc: number;
  seed: number;
  rng: Rng;
  progress: ProgressSink;
  augment?: Augment;
  /**
   * Called after each unlearning epoch with its history row and the model as it stands (metrics per
   * epoch, Table 14). Time spent here falls inside the method's wall time.
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

export interface MethodSpec<S extends Schema = Schema> {
  name: string;
  title: string;
  /** Where the method and its defaults come from. */
  source: string;
  options: S;
  run(ctx: UnlearnContext, opts: OptionsOf<S>): UnlearnOutcome | Promise<UnlearnOutcome>;
}

/** Keeps a method's option types when it is written, and erases them for the registry. */
export function defineMethod<S extends Schema>(spec: MethodSpec<S>): MethodSpec {
  return spec as unknown as MethodSpec;
}
