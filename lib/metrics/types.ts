/**
 * Metrics as a registry (after OpenUnlearning): each declares the evaluation sets it reads, and gets
 * predictions through a shared, lazy cache so two metrics on D_f predict it once.
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

export interface MetricContext {
  net: Net;
  task: ForgetTask;
  rng: Rng;
  predictions(set: EvalSet): Predictions;
  /** Where metrics put structured detail (MIA per feature, Streisand histograms…) for the record. */
  details?: Record<string, unknown>;
  /** The original model's training recipe, for metrics that train reference models (LiRA). */
  training?: SgdOptions;
}

export interface MetricSpec {
  name: string;
  description: string;
  /** Sets whose predictions the metric reads. */
  needs: EvalSet[];
  /** Values keyed by column name; most metrics return one, e.g. { UA: 3.2 }. Percent where the paper uses %. */
  compute(ctx: MetricContext): Record<string, number> | Promise<Record<string, number>>;
}
