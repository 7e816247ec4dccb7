/**
 * `deno task unlearn [flags]`: flags → ExperimentInput → checked config → the one run path → records,
 * then table.md and table.csv over every record in the folder (earlier runs and shards included).
 * Finished runs already in the folder are skipped and said so (`--rerun` recomputes them).
 *
 * Side by side: `--shard k/n` runs the k-th share of the tasks (paradigm × seed; lib/experiment/run.ts
 * `TaskShare`) into <out>/shards/k-of-n, reading <out> back; `--jobs n` starts n such processes at once,
 * each on one thread (UNLEARN_THREADS=1), then gathers their records into <out> in task order through the
 * ordinary resume path (--reuse <out>/shards), and removes the shards' folders. Records do not depend on the schedule (same bits on any
 * thread count; tests/cli/side_by_side_test.ts).
 */
import { KitError } from "../lib/errors.ts";
import type { ExperimentConfig } from "../lib/experiment/config.ts";
import type { TaskShare } from "../lib/experiment/run.ts";
import { runExperiment } from "../lib/experiment/run.ts";
import { makeFolder, readRecords } from "../lib/record.ts";
import { writeTables } from "../lib/report/table.ts";
import type { FlagValues } from "./flags.ts";
import {
  configFromFlags,
  EXPERIMENT_FLAGS,
  flagHelp,
  HELP_FLAG,
  integerFlag,
  methodsHelp,
  parseFlags,
  pathExists,
  runCommand,
} from "./flags.ts";

const SIDE_FLAGS = {
  jobs: { type: "string" as const, default: "1", doc: "run the tasks as this many processes side by side, one thread each, then gather" },
  shard: { type: "string" as const, default: "0/1", doc: "k/n: run tasks k, k+n, … only, into <out>/shards/k-of-n (0/1: all, into <out>)" },
};

export function unlearnHelp(): string {
  return [
    "deno task unlearn [flags]",
    "",
    "Runs unlearning methods on forgetting splits and writes records.jsonl, table.md and table.csv.",
    "",
    flagHelp({ ...EXPERIMENT_FLAGS, ...SIDE_FLAGS, ...HELP_FLAG }),
    "",
    "Relative paths (--out, --reuse, --cache, --data-dir, --selection) are resolved against the kit's folder",
    "(where ./kit and deno task run), wherever the command is started from; give an absolute path for a",
    "folder elsewhere. The path variables (UNLEARN_CACHE_DIR, UNLEARN_SELECTION, …) follow the same rule.",
    "",
    "Methods and their options (--set method.option=value), each default with its source:",
    methodsHelp(),
  ].join("\n");
}

function parseShare(raw: string): TaskShare {
  const m = raw.match(/^(\d+)\/(\d+)$/);
  if (!m || Number(m[1]) >= Number(m[2])) throw new KitError(`"${raw}" is not k/n with 0 ≤ k < n`, "--shard");
  return { index: Number(m[1]), count: Number(m[2]) };
}

const shardFolder = (out: string, s: TaskShare) => `${out}/shards/${s.index}-of-${s.count}`;

/** The arguments without --jobs (its value too), for the shard processes. */
function withoutJobs(args: string[]): string[] {
  return args.filter((a, i) => !(a === "--jobs" || a.startsWith("--jobs=") || (i > 0 && args[i - 1] === "--jobs")));
}

/** Starts `jobs` shard processes side by side, one thread each; throws naming the shards that failed. */
async function runShards(args: string[], jobs: number, out: string): Promise<void> {
  await makeFolder(out);
  const children = Array.from({ length: jobs }, (_, k) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, ...withoutJobs(args), `--shard=${k}/${jobs}`],
      env: { UNLEARN_THREADS: "1" },
      stdout: "null",
      stderr: "inherit",
    }).spawn().status);
  const failed = (await Promise.all(children)).flatMap((s, k) => (s.success ? [] : [`${k}/${jobs} (exit ${s.code})`]));
  if (failed.length) throw new KitError(`shard(s) ${failed.join(", ")} failed; their records so far stay in ${out}/shards`, "--jobs");
}

/** The config of one share: its own folder, reading back the main folder (when it exists) and the reuse folders. */
function shareConfig(values: FlagValues, share: TaskShare, jobs: number): ExperimentConfig {
  const cfg = configFromFlags(values);
  if (jobs > 1 && share.count > 1) throw new KitError("give --jobs or --shard, not both", "--jobs");
  // The gathering run reads the shards back; with --rerun it would compute everything once more.
  if (jobs > 1 && cfg.rerun) throw new KitError("not with --rerun: give a fresh --out instead", "--jobs");
  if (jobs > 1) {
    return configFromFlags(values, { reuse: [...cfg.reuse, ...(pathExists(`${cfg.out}/shards`) ? [`${cfg.out}/shards`] : [])] });
  }
  if (share.count === 1) return cfg;
  return configFromFlags(values, {
    out: shardFolder(cfg.out, share),
    reuse: [...cfg.reuse, ...(pathExists(`${cfg.out}/records.jsonl`) ? [cfg.out] : [])],
  });
}

export async function unlearnMain(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...EXPERIMENT_FLAGS, ...SIDE_FLAGS, ...HELP_FLAG });
  if (values.help) {
    console.log(unlearnHelp());
    return 0;
  }
  const jobs = integerFlag(values.jobs as string, "jobs");
  if (jobs < 1) throw new KitError(`${jobs} is not a number of processes (≥ 1)`, "--jobs");
  const share = parseShare(values.shard as string);
  const started = performance.now();
  shareConfig(values, share, jobs); // every flag checked before any process starts
  if (jobs > 1) await runShards(args, jobs, configFromFlags(values).out);
  const config = shareConfig(values, share, jobs);
  const readBack = new Map<string, number>();
  await runExperiment(config, {
    onRecord: (r, old, from) => {
      if (old) return void readBack.set(from ?? config.out, (readBack.get(from ?? config.out) ?? 0) + 1);
      console.error(`${r.runId}: ${r.status}${r.status === "ok" ? "" : ` (${r.error})`}  RTE ${r.rteSeconds.toFixed(1)}s`);
    },
  }, share);
  // Gathered: every shard's record is in <out> now (with its split file), so the shards' copies go.
  if (jobs > 1) await Deno.remove(`${config.out}/shards`, { recursive: true });
  for (const [from, n] of readBack) {
    console.error(
      from === config.out
        ? `${n} finished run(s) already in ${config.out} were read back (--rerun recomputes them)`
        : `${n} finished run(s) adopted from --reuse ${from} (copied into ${config.out}, with their split files)`,
    );
  }
  const table = await writeTables(config.out, await readRecords([config.out]));
  console.log(table);
  console.log(`wrote ${config.out}/records.jsonl, table.md, table.csv in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

if (import.meta.main) await runCommand("unlearn", unlearnMain);
