/**
 * `deno task unlearn [flags]`: flags → ExperimentInput → checked config → the one run path → records,
 * then table.md and table.csv over every record in the folder (earlier runs and shards included).
 * Finished runs already in the folder are skipped and said so (`--rerun` recomputes them).
 */
import { runExperiment } from "../lib/experiment/run.ts";
import { readRecords } from "../lib/record.ts";
import { writeTables } from "../lib/report/table.ts";
import { configFromFlags, EXPERIMENT_FLAGS, flagHelp, HELP_FLAG, methodsHelp, parseFlags, runCommand } from "./flags.ts";

export function unlearnHelp(): string {
  return [
    "deno task unlearn [flags]",
    "",
    "Runs unlearning methods on forgetting splits and writes records.jsonl, table.md and table.csv.",
    "",
    flagHelp({ ...EXPERIMENT_FLAGS, ...HELP_FLAG }),
    "",
    "Relative paths (--out, --reuse, --cache, --data-dir, --selection) are resolved against the kit's folder",
    "(where ./kit and deno task run), wherever the command is started from; give an absolute path for a",
    "folder elsewhere. The path variables (UNLEARN_CACHE_DIR, UNLEARN_SELECTION, …) follow the same rule.",
    "",
    "Methods and their options (--set method.option=value), each default with its source:",
    methodsHelp(),
  ].join("\n");
}

export async function unlearnMain(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...EXPERIMENT_FLAGS, ...HELP_FLAG });
  if (values.help) {
    console.log(unlearnHelp());
    return 0;
  }
  const config = configFromFlags(values);
  const started = performance.now();
  const readBack = new Map<string, number>();
  await runExperiment(config, {
    onRecord: (r, old, from) => {
      if (old) return void readBack.set(from ?? config.out, (readBack.get(from ?? config.out) ?? 0) + 1);
      console.error(`${r.runId}: ${r.status}${r.status === "ok" ? "" : ` (${r.error})`}  RTE ${r.rteSeconds.toFixed(1)}s`);
    },
  });
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
