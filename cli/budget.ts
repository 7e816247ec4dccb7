/**
 * `deno task budget …`: the reproduction budget (lib/report/budget.ts).
 *   step LABEL SECONDS --steps F --load F [--scale standard|full-scale] [--layout TEXT] [--started ISO] [--within STEP]
 *                 appends one finished attempt of a step (scripts/evidence.sh calls it after each step)
 *   write --steps F [--design JSON] [--out results/bench/reproduction.json]
 *                 sums the attempts, writes the budget and prints it
 *   project --log results/evidence-log.txt --plan FILE [--out F]
 *                 a past pass's step times × the plan's factors: a projection, labelled so
 */
import { kitPath } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { kitVersion, writeFileAtomic } from "../lib/record.ts";
import type { BudgetScale, ReproductionBudget, StepAttempt } from "../lib/report/budget.ts";
import {
  budgetText,
  checkPlan,
  loadStats,
  parseAttempts,
  parseLoadSamples,
  projectBudget,
  reproductionBudget,
  stepsFromLog,
  sumAttempts,
} from "../lib/report/budget.ts";
import { numberFlag, parseFlags, runCommand } from "./flags.ts";

const FLAGS = {
  steps: { type: "string" as const, doc: "the steps file (JSON lines, one attempt each)" },
  load: { type: "string" as const, doc: "step: the load samples taken while it ran (/proc/loadavg lines)" },
  scale: { type: "string" as const, default: "standard", doc: "step: standard or full-scale (its own line of the budget)" },
  layout: { type: "string" as const, doc: "step: how it ran, e.g. '2 shards × 1 thread'" },
  started: { type: "string" as const, doc: "step: when it started (ISO time)" },
  within: { type: "string" as const, doc: "step: the step it ran inside, beside others (shown, not summed)" },
  design: { type: "string" as const, default: "{}", doc: "write: what the pass ran (JSON: budget, seeds, sizes)" },
  log: { type: "string" as const, doc: "project: an evidence log (results/evidence-log.txt)" },
  plan: { type: "string" as const, doc: "project: the plan (JSON: design, rules {prefix, factor, reason}, added steps)" },
  out: { type: "string" as const, default: "results/bench/reproduction.json", doc: "where the budget is written" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

const HELP = `deno task budget step LABEL SECONDS --steps F --load F [--scale full-scale] [--layout T] [--started ISO] [--within STEP]
deno task budget write --steps F [--design JSON] [--out F]
deno task budget project --log results/evidence-log.txt --plan F [--out F]`;

function need(v: unknown, flag: string): string {
  if (typeof v !== "string" || !v) throw new KitError("is required here", `--${flag}`);
  return v;
}

function readText(path: string, flag: string): string {
  try {
    return Deno.readTextFileSync(kitPath(path));
  } catch (e) {
    throw new KitError(`cannot read ${path} (${(e as Error).message})`, `--${flag}`);
  }
}

function parseJson(text: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KitError(`is not JSON (${(e as Error).message})`, where);
  }
}

function appendStep(values: Record<string, unknown>, positionals: string[]): void {
  if (positionals.length !== 2) throw new KitError(`give LABEL SECONDS (got ${positionals.length} words)`, "budget step");
  const scale = values.scale as string;
  if (scale !== "standard" && scale !== "full-scale") throw new KitError(`"${scale}" is not standard or full-scale`, "--scale");
  const seconds = numberFlag(positionals[1], "SECONDS");
  if (seconds < 0) throw new KitError(`${seconds} is negative`, "SECONDS");
  const loadFile = need(values.load, "load");
  const attempt: StepAttempt = {
    label: positionals[0],
    seconds,
    scale: scale as BudgetScale,
    startedAt: (values.started as string | undefined) ?? new Date().toISOString(),
    load: loadStats(parseLoadSamples(readText(loadFile, "load"), loadFile)),
    ...(values.layout ? { layout: values.layout as string } : {}),
    ...(values.within ? { within: values.within as string } : {}),
  };
  Deno.writeTextFileSync(kitPath(need(values.steps, "steps")), JSON.stringify(attempt) + "\n", { append: true });
}

function meta(kind: ReproductionBudget["kind"], design: Record<string, unknown>) {
  return { kind, date: new Date().toISOString(), commit: kitVersion().gitCommit, cores: navigator.hardwareConcurrency, design };
}

async function write(budget: ReproductionBudget, out: string): Promise<void> {
  await writeFileAtomic(kitPath(out), JSON.stringify(budget, null, 2) + "\n");
  console.log(budgetText(budget));
  for (const n of budget.notes ?? []) console.log(`  ${n}`);
  console.log(`→ ${out}`);
}

export async function budgetMain(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, true);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (command === "step") {
    appendStep(values, rest);
    return 0;
  }
  if (command === "write") {
    const file = need(values.steps, "steps");
    const steps = sumAttempts(parseAttempts(readText(file, "steps"), file));
    await write(reproductionBudget(steps, meta("measured", parseJson(values.design as string, "--design"))), values.out as string);
    return 0;
  }
  if (command === "project") {
    const planFile = need(values.plan, "plan");
    const plan = checkPlan(parseJson(readText(planFile, "plan"), planFile) as never, planFile);
    const measured = stepsFromLog(readText(need(values.log, "log"), "log"));
    const { steps, notes } = projectBudget(measured, plan);
    const budget = reproductionBudget(steps, { ...meta("projected", plan.design), notes: [`from ${values.log}`, ...notes] });
    await write(budget, values.out as string);
    return 0;
  }
  throw new KitError(`"${command}" is not step, write or project`, "budget");
}

if (import.meta.main) await runCommand("budget", budgetMain);
