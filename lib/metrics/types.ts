/**
 * Metrics as a registry (after OpenUnlearning): each declares what it needs, and the runner reads that:
 * - `sets`: the evaluation sets whose predictions it reads, shared through a lazy cache so two metrics on
 *   D_f predict it once (a search, whose test split is sealed, refuses metrics that need "test");
 * - `metrics`: other metrics it is computed from (the runner computes those first);
 * - `reference`: the run it is measured against ("retrain": the Retrain run of the same task and seed;
 *   the runner runs reference methods first and hands their metrics over);
 * - `training`: the original's training recipe (metrics that train reference models, e.g. LiRA);
 * - `ensembles`: how many Retrain models and how many unlearned models of the run's method it compares
 *   (the per-example verification metrics, docs/verification.md); the runner makes them (cached,
 *   lib/experiment/ensembles.ts) and hands them over as `ensembles`, for the run's end state only.
 */
import type { ForgetTask } from "../data/splits.ts";
import type { FeatureMatrix } from "./verify/ensemble.ts";
import type { Net } from "../models/types.ts";
import type { Rng } from "../rng.ts";
import type { SgdOptions } from "../train.ts";

/** forget = D_f, retain = D_r, test = D_te (paradigm rule applied), val = the held-out split. */
export type EvalSet = "forget" | "retain" | "test" | "val";

export interface Predictions {
  /** Softmax probabilities, row-major [n × numClasses]. */
  probs: Float32Array;
  labels: Int32Array;
  numClasses: number;
  /** Indices into the task's train or test split, aligned with rows. */
  idx: Int32Array;
}

export interface MetricNeeds {
  sets: EvalSet[];
  metrics?: string[];
  reference?: "retrain";
  training?: boolean;
  ensembles?: { retrain: number; unlearned: number };
}

/**
 * N models of one kind evaluated on the same rows of one task (lib/experiment/ensembles.ts): Retrain's,
 * or the unlearned models of one method. Rows are aligned across members and across ensembles of a task.
 */
export interface EnsembleView {
  /** The method whose models these are ("retrain" for the Retrain ensemble). */
  method: string;
  size: number;
  numClasses: number;
  /** Indices into the task's train split (test split for "test") of each set's rows; "retain" is a seeded sample of D_r. */
  rows(set: EvalSet): Int32Array;
  labels(set: EvalSet): Int32Array;
  /** Member m's logits on a set, row-major [rows × numClasses] (logits: φ from float32 probabilities overflows). */
  logits(member: number, set: EvalSet): Float32Array;
  /**
   * Rows of the feature matrices: a seeded sample of D_f ("forget", train split) and the probes' reference,
   * a seeded sample of the whole test split with every class ("reference"; never trained on by any model).
   */
  featureRows(set: "forget" | "reference"): Int32Array;
  featureLabels(set: "forget" | "reference"): Int32Array;
  /** Member m's features: penultimate unless `layer` names one of `layers` (kept on "forget" only). */
  features(member: number, set: "forget" | "reference", layer?: string): FeatureMatrix;
  /** The layers whose features are kept on the D_f sample (for CKA), input to output. */
  layers: readonly string[];
  /** Members [from, to) as an ensemble of their own (e.g. Retrain's two halves). */
  slice(from: number, to: number): EnsembleView;
  /** Seconds each member took to make (training or unlearning, as first measured) and whether it came from the cache. */
  seconds: readonly number[];
  cached: readonly boolean[];
  /** Each member's cache key. */
  keys: readonly string[];
}

/** The ensembles one run's metrics compare, or why there are none. */
export type EnsembleSet =
  | {
    ok: true;
    retrain: EnsembleView;
    /** The run's method's ensemble; for a reference run (Retrain) its own ensemble, the same as `retrain`. */
    unlearned: EnsembleView;
    /** The run is the reference: metrics compare Retrain's two halves (the calibration values). */
    reference: boolean;
    /** Training seconds of the extra originals members 1 … N − 1 start from (member 0: the task's own); empty for Retrain. */
    originalSeconds: readonly number[];
  }
  | { ok: false; why: string };

export interface MetricContext {
  net: Net;
  task: ForgetTask;
  rng: Rng;
  predictions(set: EvalSet): Predictions;
  /** The values computed so far for this run (what `needs.metrics` names is here). */
  measured: Record<string, number>;
  /** The reference run's metrics (`needs.reference`), when there is one. */
  reference?: Record<string, number>;
  /** Where metrics put structured detail (MIA per feature, Streisand histograms…) for the record. */
  details?: Record<string, unknown>;
  /** The original model's training recipe (`needs.training`). */
  training?: SgdOptions;
  /** The ensembles (`needs.ensembles`); absent for per-epoch snapshots and where nothing asked for them. */
  ensembles?: EnsembleSet;
}

/** How one column a metric computes reads: its heading, unit, range and which way is better. */
export interface MetricColumn {
  /** Heading in tables and figures ("Avg. Gap"); the key itself when absent. */
  title?: string;
  /** "%" of a set, or "points" (differences or sums of percentages); none for a score or a ratio. */
  unit?: "%" | "points";
  /** The values it can take (whiskers are clipped to it, axes fixed by it); default from the unit. */
  range?: [number, number];
  /** Which way is better: higher, lower, or closest to Retrain's (the paper's reading of UA, MIA, RA, TA). */
  better: "higher" | "lower" | "retrain";
  /** What the better direction means, for figure titles: "closer to Retrain", "more complete". */
  reads?: string;
}

export interface MetricSpec {
  name: string;
  description: string;
  needs: MetricNeeds;
  /** The columns this metric computes that tables and figures show, with how each reads. */
  columns?: Record<string, MetricColumn>;
  /** Values keyed by column name; most metrics return one, e.g. { UA: 3.2 }. Percent where the paper uses %. */
  compute(ctx: MetricContext): Record<string, number> | Promise<Record<string, number>>;
}
