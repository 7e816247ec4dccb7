/**
 * Metrics as a registry (after OpenUnlearning): each declares what it needs, and the runner reads that:
 * - `sets`: the evaluation sets whose predictions it reads, shared through a lazy cache so two metrics on
 *   D_f predict it once (a search, whose test split is sealed, refuses metrics that need "test");
 * - `metrics`: other metrics it is computed from (the runner computes those first);
 * - `reference`: the run it is measured against ("retrain": the Retrain run of the same task and seed;
 *   the runner runs reference methods first and hands their metrics over);
 * - `training`: the original's training recipe (metrics that train reference models, e.g. LiRA).
 */
import type { ForgetTask } from "../data/splits.ts";
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
}

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
}

export interface MetricSpec {
  name: string;
  description: string;
  needs: MetricNeeds;
  /** Values keyed by column name; most metrics return one, e.g. { UA: 3.2 }. Percent where the paper uses %. */
  compute(ctx: MetricContext): Record<string, number> | Promise<Record<string, number>>;
}
