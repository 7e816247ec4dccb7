/** Entry point of `deno task unlearn`: see lib/cli.ts and `deno task unlearn --help`. */
import { CORE_METHODS, helpText, parseCli } from "./lib/cli.ts";
import { runExperiment } from "./lib/experiment.ts";
import { readRecords } from "./lib/record.ts";
import { writeTables } from "./lib/report/table.ts";

let config;
try {
  config = parseCli(Deno.args);
} catch (e) {
  console.error(`error: ${(e as Error).message}\n(see deno task unlearn --help)`);
  Deno.exit(2);
}
if (config === "help") {
  console.log(helpText());
  Deno.exit(0);
}
const started = performance.now();
await runExperiment(config, {
  onRecord: (r) => console.error(`${r.runId}: ${r.status}${r.status === "ok" ? "" : ` (${r.error})`}  RTE ${r.rteSeconds.toFixed(1)}s`),
});
// The table covers every record in the folder, earlier runs and shards included.
const table = await writeTables(config.out, await readRecords([config.out]), CORE_METHODS);
console.log(table);
console.log(`wrote ${config.out}/records.jsonl, table.md, table.csv in ${((performance.now() - started) / 1000).toFixed(0)} s`);
