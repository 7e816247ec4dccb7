/** Tiny experiments on the synthetic data set (6×6×1, 4 classes): seconds per run on the cpu backend. */
import { configFromFlags, EXPERIMENT_FLAGS, parseFlags } from "../../cli/flags.ts";
import type { ExperimentConfig } from "../../lib/experiment/config.ts";
import type { ExperimentInput } from "../../lib/experiment/fields.ts";
import { experimentConfig } from "../../lib/experiment/config.ts";

/** Flags of a tiny run: one seed, 3 epochs, a 16-unit MLP, no selection file (method defaults only). */
export const TINY_FLAGS = [
  "--dataset=synthetic",
  "--seeds=1",
  "--epochs=3",
  "--batch-size=32",
  "--model-opt=hidden=16",
  "--backend=cpu",
  "--no-progress",
  "--no-selection",
];

/** A checked config from command-line flags, as cli/unlearn.ts makes it. */
export function configOfFlags(args: string[]): ExperimentConfig {
  return configFromFlags(parseFlags(args, EXPERIMENT_FLAGS).values);
}

/** The same tiny run as a typed input, as a notebook writes it. */
export function tinyInput(out: string, cacheDir: string, extra: ExperimentInput = {}): ExperimentInput {
  return {
    dataset: "synthetic",
    seeds: 1,
    training: { epochs: 3, batchSize: 32 },
    modelOptions: { hidden: 16 },
    backend: "cpu",
    progress: false,
    selection: null,
    out,
    cacheDir,
    ...extra,
  };
}

export function tinyConfig(out: string, cacheDir: string, extra: ExperimentInput = {}): ExperimentConfig {
  return experimentConfig(tinyInput(out, cacheDir, extra));
}

/** The lines of a records.jsonl (0 when it does not exist). */
export async function lineCount(file: string): Promise<number> {
  try {
    return (await Deno.readTextFile(file)).split("\n").filter((l) => l.trim()).length;
  } catch {
    return 0;
  }
}
