/**
 * docs/protocol.md, written from the protocol (lib/report/protocol.ts) by `deno task protocol`: the same
 * content as results/protocol.json, for a reader. Never edited by hand; tests/report/protocol_test.ts fails
 * when the committed page differs from what this writes.
 */
import type { Dist } from "../config.ts";
import type { Protocol, ProtocolCheck } from "./protocol.ts";

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function distText(d: Dist): string {
  if (d.kind === "choice") return `one of ${d.values.map((v) => JSON.stringify(v)).join(", ")}`;
  const kind = d.kind === "log" ? "log-uniform" : d.kind === "int" ? "integer" : "uniform";
  return `${kind} in [${d.min}, ${d.max}]`;
}

/** "A − B > 0", "B − A > 0" or "A − B > −5" in the check's own labels: what its claim says of the difference. */
export function claimRule(c: ProtocolCheck): string {
  const d = c.direction === "higher" ? `${c.a} − ${c.b}` : `${c.b} − ${c.a}`;
  return c.kind === "superiority" ? `${d} > ${c.threshold}` : `${d} > −${c.threshold}`;
}

function checksTable(p: Protocol, family: string): string[] {
  return [
    "| Id | Claim | Metric | Statement (A vs B) | Kind | Tie margin | Test | Paper |",
    "|---|---|---|---|---|---|---|---|",
    ...p.checks.filter((c) => c.family === family).map((c) =>
      `| ${c.id} | ${cell(c.claim)} | ${c.metric} | ${cell(claimRule(c))} | ${c.kind} | ${
        c.margin ? `±${c.margin}` : "none"
      } | ${c.test} | ${cell(c.paper)} |`
    ),
  ];
}

function designSection(p: Protocol): string[] {
  const d = p.design;
  const rows = Object.entries(d.paradigms).map(([paradigm, x]) =>
    `| ${paradigm} | ${x.unit} | ${x.seeds.join(", ")} | ${x.classes ? x.classes.join(", ") : "–"} | ${x.searchSeeds.join(", ")} | ${
      x.searchClasses ? x.searchClasses.join(", ") : "–"
    } |`
  );
  return [
    "## Design: units, seeds, scales, looks",
    "",
    `Source: ${d.source}.`,
    "",
    "| Paradigm | Unit | Evaluation seeds | Forgotten classes | Search seeds | Classes the search forgets |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    "Class-wise, every class is forgotten on the same number of evaluation seeds: the class is a blocking factor, and the",
    "scoreboard shows the units of classes the search saw apart from those of classes it never saw (does a selection",
    "transfer?).",
    "",
    "| Scale | trainSize | Model | Note |",
    "|---|---|---|---|",
    ...d.scales.map((s) => `| ${s.name} | ${s.trainSize} | ${s.model} | ${cell(s.note)} |`),
    "",
    `Looks: an interim look at ${d.looks.interim.units} evaluation units per paradigm, where a statement counts only at adjusted`,
    `p < ${d.looks.interim.alpha} (Haybittle–Peto), and the final look at ${d.looks.final.units} units at α = ${d.looks.final.alpha}.`,
    "Any look with fewer than the final number of units is judged at the interim boundary.",
    "",
  ];
}

function searchSection(p: Protocol): string[] {
  const spaces = Object.entries(p.search.spaces).flatMap(([method, space]) => [
    `- **${method}**: ${Object.entries(space).map(([k, d]) => `${k} ${distText(d)}`).join("; ")}`,
  ]);
  const r = p.search.rules;
  return [
    "## Search and selection",
    "",
    `Source: ${r.source}.`,
    "",
    `- Budget: ${r.budget}.`,
    `- Learning rates: ${r.learningRate}.`,
    `- Divergence: ${r.divergence}.`,
    `- Tasks: ${r.tasks}.`,
    `- Stop rules: ${r.stopRules}.`,
    ...Object.entries(r.selections).map(([name, rule]) => `- Selection ${name}: ${rule}.`),
    "",
    "The search spaces, read from each method's file when this file was written (tests/report/protocol_test.ts fails while",
    "the committed protocol lags the methods' files, so the spaces a v2 search draws from are the ones listed here):",
    "",
    ...spaces,
    "",
  ];
}

function statisticsSection(p: Protocol): string[] {
  const s = p.statistics;
  return [
    "## Statistics",
    "",
    `- α = ${s.alpha}.`,
    `- Pairing: ${s.pairing}.`,
    `- Test: ${s.test}.`,
    `- Statements: ${s.statements}.`,
    `- Multiplicity: ${s.multiplicity}.`,
    `- Verdict order: ${s.order}.`,
    `- Looks: ${s.looks}.`,
    `- Sensitivity: ${s.sensitivity}.`,
    `- Direction counts: ${s.directionCounts}.`,
    "",
    "### Verdicts",
    "",
    ...Object.entries(p.verdicts).map(([v, meaning]) => `- **${v}**: ${meaning}.`),
    "",
    "### Equivalence margins",
    "",
    "| Metric | Margin (points) | Why |",
    "|---|---|---|",
    ...Object.entries(p.margins).map(([m, x]) => `| ${m} | ${x.margin ? `±${x.margin}` : "none"} | ${cell(x.reason)} |`),
    "",
  ];
}

/** The page. */
export function protocolMarkdown(p: Protocol): string {
  return [
    "# Evidence v2: the pre-registered protocol",
    "",
    `Version ${p.version}. Written by \`deno task protocol\` from lib/report/protocol.ts, with its machine form`,
    "results/protocol.json; never edited by hand. Every v2 run is made with `--protocol results/protocol.json`: the file's",
    "sha256 and version enter the run's record and its configuration hash, and the claims writer (`deno task claims-v2`)",
    "refuses records made under another protocol and lists them. A change to anything below is a new version with a",
    "dated reason in the list at the end; a change made after v2 records exist is shown beside the verdicts it touches.",
    "",
    "## Checks",
    "",
    "Each check compares a method with its own backbone (UGradSL with GA, UGradSL+ with FT) or with Retrain, on the",
    "same units. Rows: (R) = the search's selection closest to Retrain, (C) = its selection for complete unlearning.",
    "",
    ...p.families.flatMap((f) => [`### Family ${f.id}: ${f.title}`, "", ...checksTable(p, f.id), ""]),
    ...designSection(p),
    ...searchSection(p),
    ...statisticsSection(p),
    "## Changes",
    "",
    "| Version | Date | Reason | Checks | After v2 runs |",
    "|---|---|---|---|---|",
    ...p.changes.map((c) =>
      `| ${c.version} | ${c.date} | ${cell(c.reason)} | ${c.checks.join(", ") || "–"} | ${c.afterRuns ? "yes" : "no"} |`
    ),
    "",
  ].join("\n");
}
