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
  let resumed = 0;
  await runExperiment(config, {
    onRecord: (r, old) => {
      if (old) return void resumed++;
      console.error(`${r.runId}: ${r.status}${r.status === "ok" ? "" : ` (${r.error})`}  RTE ${r.rteSeconds.toFixed(1)}s`);
    },
  });
  if (resumed) console.error(`${resumed} finished run(s) already in ${config.out} were read back (--rerun recomputes them)`);
  const table = await writeTables(config.out, await readRecords([config.out]));
  console.log(table);
  console.log(`wrote ${config.out}/records.jsonl, table.md, table.csv in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

if (import.meta.main) await runCommand("unlearn", unlearnMain);
