/**
 * `deno task ablation <table8|fig3|table14|adaptive> [flags]`: runs one ablation (index.ts) with
 * `deno task unlearn`'s data, model, split, seed, training and metric flags, appends its rows to
 * results/ablations/<name>/records.jsonl and rewrites table.md from every row there.
 *
 *   deno task ablation table8 --paradigm classwise,random --seeds 2
 *   deno task ablation fig3 --paradigm random --rates 0.5,0,-0.5,-1,-2
 *   deno task ablation table14 --paradigm random --unlearn-epochs 10
 *   deno task ablation adaptive --paradigm classwise --methods ugradsl+
 *   deno task ablation table8 --table-only          (rebuild table.md from records.jsonl)
 *
 * Seeds can run as separate processes or machines (`--first-seed k --seeds 1`) into one folder, or into
 * copies whose records.jsonl files are concatenated; `--table-only` then rebuilds the table.
 */
import { helpText, parseCli } from "../cli.ts";
import type { ExperimentConfig } from "../experiment.ts";
import { methodSpec } from "../unlearn/registry.ts";
import type { AblationName } from "./index.ts";
import { ABLATIONS } from "./index.ts";
import type { AblationConfig, AblationSpec } from "./run.ts";
import { ablationTable, readAblationRows, runAblation } from "./run.ts";

const OWN = {
  rate: "table8: |α| of NLS and PLS (default: the methods' own |smoothRate|)",
  rates: "fig3: comma list of smooth rates (default 0.5,0.25,0,-0.25,-0.5,-1,-2,-4)",
  method: "fig3: ugradsl or ugradsl+ (default ugradsl+)",
  methods: "table14 / adaptive: comma list of methods",
  "unlearn-epochs": "table14: unlearning epochs for every method (default: each method's own)",
  "no-retrain": "skip the Retrain reference row (no Avg. Gap)",
  "table-only": "run nothing: rebuild table.md from the rows in records.jsonl (e.g. after concatenating machines' files)",
  name: "results folder name (default <ablation>-<dataset>-<model>)",
  out: "results folder (default results/ablations/<name>)",
} as const;
const BOOLEAN = ["no-retrain", "table-only"];

export function ablationHelp(): string {
  return [
    `deno task ablation <${Object.keys(ABLATIONS).join("|")}> [flags]`,
    "",
    "Ablation flags:",
    ...Object.entries(OWN).map(([k, d]) => `  --${k}${BOOLEAN.includes(k) ? "" : " VALUE"}  ${d}`),
    "",
    "Data, model, split, seed, training and metric flags as deno task unlearn:",
    helpText().split("\n").filter((l) => l.startsWith("  --") && !l.startsWith("  --methods") && !l.startsWith("  --set")).join("\n"),
  ].join("\n");
}

export function parseAblationCli(args: string[]): { config: AblationConfig; spec: AblationSpec; tableOnly: boolean } | "help" {
  if (args.includes("--help") || args.includes("-h") || args.length === 0) return "help";
  const [name, ...rest] = args;
  if (!(name in ABLATIONS)) throw new Error(`unknown ablation "${name}": valid values are ${Object.keys(ABLATIONS).join(", ")}`);
  const own: Record<string, string> = {};
  const pass: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const m = rest[i].match(/^--([^=]+)(?:=(.*))?$/);
    if (m && m[1] in OWN) {
      own[m[1]] = BOOLEAN.includes(m[1]) ? "true" : m[2] ?? rest[++i];
      if (own[m[1]] === undefined) throw new Error(`--${m[1]}: missing value`);
    } else if (m && m[1] === "set") {
      throw new Error("--set: an ablation changes options per variant; run deno task unlearn for fixed options");
    } else {
      pass.push(rest[i]);
    }
  }
  const base = parseCli(pass);
  if (base === "help") return "help";
  const cfg = base as ExperimentConfig;
  const retrain = own["no-retrain"] !== "true";
  const list = (raw: string | undefined) => raw?.split(",").map((s) => s.trim()).filter(Boolean);
  const methods = list(own.methods);
  methods?.forEach(methodSpec);
  const num = (raw: string, flag: string) => {
    const v = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(v)) throw new Error(`--${flag}: "${raw}" is not a number`);
    return v;
  };
  let spec: AblationSpec;
  switch (name as AblationName) {
    case "table8":
      spec = ABLATIONS.table8({ rate: own.rate ? Math.abs(num(own.rate, "rate")) : undefined, retrain });
      break;
    case "fig3": {
      const method = (own.method ?? "ugradsl+") as "ugradsl" | "ugradsl+";
      if (!["ugradsl", "ugradsl+"].includes(method)) throw new Error(`--method: "${method}" is not ugradsl or ugradsl+`);
      spec = ABLATIONS.fig3({ method, rates: list(own.rates)?.map((r) => num(r, "rates")), retrain });
      break;
    }
    case "table14":
      spec = ABLATIONS.table14({
        methods,
        epochs: own["unlearn-epochs"] ? num(own["unlearn-epochs"], "unlearn-epochs") : undefined,
        retrain,
      });
      break;
    case "adaptive":
      spec = ABLATIONS.adaptive({ methods, retrain });
      break;
  }
  const folder = own.name ?? `${name}-${cfg.dataset}-${cfg.model}`;
  return {
    spec,
    tableOnly: own["table-only"] === "true",
    config: {
      name: folder,
      out: own.out ?? `results/ablations/${folder}`,
      dataset: cfg.dataset,
      dataDir: cfg.dataDir,
      paradigms: cfg.paradigms,
      model: cfg.model,
      modelOptions: cfg.modelOptions,
      seeds: cfg.seeds,
      split: cfg.split,
      training: cfg.training,
      metrics: cfg.metrics,
      useTuned: cfg.useTuned,
      cacheDir: cfg.cacheDir,
      backend: cfg.backend,
      progress: cfg.progress,
    },
  };
}

export async function ablationMain(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseAblationCli(args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n(see deno task ablation --help)`);
    return 2;
  }
  if (parsed === "help") {
    console.log(ablationHelp());
    return 0;
  }
  const { config, spec, tableOnly } = parsed;
  const started = performance.now();
  if (!tableOnly) {
    await runAblation(config, spec, {
      onRow: (r) =>
        console.error(
          `${r.variant} ${r.paradigm} seed ${r.seed}${r.epoch === null ? "" : ` epoch ${r.epoch}`}: ${r.status}` +
            (r.status === "ok" ? `  ${Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(" ")}` : ` (${r.error})`),
        ),
    });
  }
  const rows = (await readAblationRows([`${config.out}/records.jsonl`])).filter((r) => r.ablation === spec.name);
  const table = `# ${spec.title}\n\n${spec.source}\n\n${ablationTable(rows, spec)}`;
  await Deno.writeTextFile(`${config.out}/table.md`, table);
  console.log(table);
  console.log(`wrote ${config.out}/records.jsonl, table.md in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}
