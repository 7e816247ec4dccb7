/**
 * `deno task ablation <table8|fig3|table14|adaptive> [flags]`: one ablation (lib/ablations/registry.ts)
 * through the one run path with `deno task unlearn`'s data, model, split, seed, training and metric flags;
 * records go to results/ablations/<name>/records.jsonl and table.md is rebuilt from every record there.
 *
 *   deno task ablation table8 --paradigm classwise,random --seeds 2
 *   deno task ablation fig3 --paradigm random --rates 0.5,0,-0.5,-1,-2
 *   deno task ablation table14 --paradigm random --unlearn-epochs 10
 *   deno task ablation adaptive --paradigm classwise --methods ugradsl+
 *   deno task ablation table8 --table-only          (rebuild table.md from records.jsonl)
 */
import { ablationRuns, ablationSpecByName } from "../lib/ablations/registry.ts";
import type { AblationSpec } from "../lib/ablations/registry.ts";
import { ABLATIONS } from "../lib/ablations/registry.ts";
import { kitPath, ROOT } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { experimentConfig } from "../lib/experiment/config.ts";
import { runExperiment } from "../lib/experiment/run.ts";
import { readRecords, writeFileAtomic } from "../lib/record.ts";
import { ablationTable } from "../lib/report/ablation_report.ts";
import { toMarkdown } from "../lib/report/table.ts";
import { methodSpec } from "../lib/unlearn/registry.ts";
import {
  EXPERIMENT_FLAGS,
  experimentInput,
  flagHelp,
  HELP_FLAG,
  integerFlag,
  listFlag,
  numberFlag,
  parseFlags,
  runCommand,
} from "./flags.ts";

const { methods: _m, set: _s, ...SHARED } = EXPERIMENT_FLAGS;

const FLAGS = {
  ...SHARED,
  rate: { type: "string" as const, doc: "table8: |α| of NLS and PLS (default: the methods' own |smoothRate|)" },
  rates: { type: "string" as const, doc: "fig3: smooth rates; mixweight: weights p; threshold: thresholds β (comma lists)" },
  method: { type: "string" as const, doc: "fig3 (default ugradsl+), mixweight, threshold (default ugradsl): ugradsl or ugradsl+" },
  methods: { type: "string" as const, doc: "table14 / adaptive: comma list of methods" },
  "unlearn-epochs": { type: "string" as const, doc: "table14: unlearning epochs for every method (default: each method's own)" },
  "no-retrain": { type: "boolean" as const, doc: "skip the Retrain reference row (no Avg. Gap)" },
  "table-only": { type: "boolean" as const, doc: "run nothing: rebuild table.md from the records in the folder" },
  ...HELP_FLAG,
};

export function ablationHelp(): string {
  return [`deno task ablation <${Object.keys(ABLATIONS).join("|")}> [flags]`, "", flagHelp(FLAGS)].join("\n");
}

function specOf(name: string, v: Record<string, unknown>): AblationSpec {
  ablationSpecByName(name);
  const retrain = v["no-retrain"] !== true;
  const methods = v.methods ? listFlag(v.methods as string) : undefined;
  methods?.forEach(methodSpec);
  switch (name) {
    case "table8":
      return ABLATIONS.table8({ rate: v.rate !== undefined ? Math.abs(numberFlag(v.rate as string, "rate")) : undefined, retrain });
    case "fig3": {
      const method = (v.method ?? "ugradsl+") as string;
      if (method !== "ugradsl" && method !== "ugradsl+") throw new KitError(`"${method}" is not ugradsl or ugradsl+`, "--method");
      return ABLATIONS.fig3({
        method,
        rates: v.rates ? listFlag(v.rates as string).map((r) => numberFlag(r, "rates")) : undefined,
        retrain,
      });
    }
    case "table14":
      return ABLATIONS.table14({
        methods,
        epochs: v["unlearn-epochs"] !== undefined ? integerFlag(v["unlearn-epochs"] as string, "unlearn-epochs") : undefined,
        retrain,
      });
    case "mixweight":
    case "threshold": {
      const method = (v.method ?? "ugradsl") as string;
      if (method !== "ugradsl" && method !== "ugradsl+") throw new KitError(`"${method}" is not ugradsl or ugradsl+`, "--method");
      const values = v.rates ? listFlag(v.rates as string).map((r) => numberFlag(r, "rates")) : undefined;
      return name === "mixweight" ? ABLATIONS.mixweight({ method, values, retrain }) : ABLATIONS.threshold({ method, values, retrain });
    }
    default:
      return ABLATIONS.adaptive({ methods, retrain });
  }
}

export async function ablationMain(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
    console.log(ablationHelp());
    return 0;
  }
  const [name, ...rest] = args;
  const { values } = parseFlags(rest, FLAGS);
  if (values.help) {
    console.log(ablationHelp());
    return 0;
  }
  const spec = specOf(name, values);
  const input = experimentInput({ ...values, methods: "retrain" });
  const folder = input.name ?? `${name}-${input.dataset ?? "fashion-mnist"}-${input.model ?? "mlp"}`;
  const out = input.out ? kitPath(input.out) : `${ROOT}results/ablations/${folder}`;
  const started = performance.now();
  if (!values["table-only"]) {
    const { methods: _a, methodOptions: _b, ...common } = input;
    const config = experimentConfig({ ...common, name: folder, out, runs: ablationRuns(spec) });
    await runExperiment(config, {
      onRecord: (r, resumed) =>
        console.error(
          `${r.variant} ${r.paradigm} seed ${r.seed}${r.tags.epoch === undefined ? "" : ` epoch ${r.tags.epoch}`}: ${
            resumed ? "read back" : r.status
          }` +
            (r.status === "ok" ? `  ${["UA", "RA", "TA"].map((k) => `${k} ${r.metrics[k]?.toFixed(1)}`).join(" ")}` : ` (${r.error})`),
        ),
    });
  }
  const table = `# ${spec.title}\n\n${spec.source}\n\n${toMarkdown(ablationTable(await readRecords([out]), spec))}`;
  await writeFileAtomic(`${out}/table.md`, table);
  console.log(table);
  console.log(`wrote ${out}/records.jsonl, table.md in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

if (import.meta.main) await runCommand("ablation", ablationMain);
