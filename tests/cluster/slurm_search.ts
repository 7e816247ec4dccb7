/**
 * The search that tests/cluster/slurm_test.ts submits, shared with tests/cluster/docs_test.ts so that
 * docs/cluster.md shows exactly what the test runs.
 */

/** The sbatch script, relative to the kit's folder (sbatch runs from there). */
export const SBATCH_SCRIPT = "scripts/cluster/search_array.sbatch";

/**
 * A tiny search whose metrics are not all 0 / 100 (one epoch at a low rate leaves the original weak); round 0 only
 * (--max-rounds=0): a planned round of widened ranges would need a second array, which the test does not submit.
 */
export const SEARCH_FLAGS = [
  "--dataset=synthetic",
  "--paradigm=random",
  "--methods=ga,ft,ugradsl",
  "--budget=2",
  "--seeds=2",
  "--epochs=1",
  "--lr=0.005",
  "--backend=wasm",
  "--max-rounds=0",
];
