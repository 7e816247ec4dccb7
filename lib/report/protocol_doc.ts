/**
 * docs/protocol.md, written from the protocol (lib/report/protocol.ts) by `deno task protocol`: the same
 * content as results/protocol.json, for a reader. Never edited by hand; tests/report/protocol_test.ts fails
 * when the committed page differs from what this writes.
 */
import type { Dist } from "../config.ts";
import type { Protocol, ProtocolCheck, ProtocolFamily } from "./protocol.ts";

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

/** What a family reads, in words. */
function familyRecordsText(f: ProtocolFamily): string {
  const what = f.records.ablation
    ? `the end states of ablation ${f.records.ablation}'s variants (rows "method (variant)")`
    : "the methods' end states in the main runs";
  return `${what}${f.records.metric ? `, from runs that asked for the ${f.records.metric} metric` : ""}, ${f.paradigm} forgetting`;
}

function familySection(p: Protocol, f: ProtocolFamily): string[] {
  return [
    `### Family ${f.id}: ${f.title}`,
    "",
    `Reads ${familyRecordsText(f)}; made by \`${f.command}\`.${f.note ? ` ${f.note}.` : ""}`,
    "",
    ...checksTable(p, f.id),
    "",
  ];
}

function keptSection(p: Protocol): string[] {
  return [
    "## Kept at v1, not in v2",
    "",
    "v1's scoreboard (results/v1/claims.md, kept as v1 left it) also judged these; v2 does not declare them, and v1's verdict",
    "stands for them, read with v1's caveats (five seeds, no multiplicity adjustment):",
    "",
    "| Notebook | v1 checks | Why not in v2 |",
    "|---|---|---|",
    ...p.keptAtV1.map((k) =>
      `| ${k.notebook} | ${k.claims === "every check" ? "every check" : k.claims.map(cell).join("; ")} | ${cell(k.reason)} |`
    ),
    "",
  ];
}

function readingSection(p: Protocol): string[] {
  const { interim, final } = p.design.looks;
  return [
    "## How to read a verdict",
    "",
    "A row of the scoreboard (results/claims.md once v2 runs exist) is one check: A and B are two rows of a table, paired",
    "on the units both finished (same seed, same split, same original model). d = A − B, turned so that the claim says",
    "d is large (for a \"lower\" check, d = B − A). Three one-sided sign-flip tests are made on the units' d, and Holm's",
    "adjustment runs over the checks of the row's family:",
    "",
    "- **holds**: the claim's test rejects after Holm: the units' differences lie past the claim's threshold more",
    "  consistently than random signs would put them; the mean [t 95%] and bootstrap intervals show by how much.",
    "- **does not hold**: the reverse test rejects: the data lie on the other side of the claim, not merely short of it.",
    "- **equivalent**: the two rows are tied within ±margin (TOST); for a keeps check the metric is kept (the margin is",
    "  smaller than the drop the check allows).",
    "- **inconclusive**: no test rejects. It is not a failure of the claim: more units could decide it; the direction",
    "  counts (units for A, against, tied) say which way the data lean.",
    "- **not testable**: the data cannot speak (no paired units, both rows identical on every unit, or B already at the",
    "  metric's bound); the reason is in the cell.",
    "",
    `Before ${final.units} units a family is judged at the interim boundary (α = ${interim.alpha}); with ${interim.units} units`,
    "no statement can pass it after Holm, so an interim row that says inconclusive is expected: read its failed-run",
    "counts. Diverged or failed runs are never dropped: they are counted in the row (failed A/B) and the family's",
    "header, and the test runs on the units both rows finished. A verdict on selection C5's rows (sensitivity) or on",
    "the classes the search saw or never saw (transfer) is shown beside the main one and is never counted in its place.",
    "",
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
    "| Paradigm | Unit | Evaluation seeds | Forgotten classes (sub-classes) | Search seeds | Classes (sub-classes) the search forgets |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    "Class-wise (group), every class (sub-class) is forgotten on the same number of evaluation seeds: it is a blocking",
    "factor, and the scoreboard shows the units of those the search saw apart from those it never saw (does a selection",
    "transfer?). Families outside the main job's paradigms (identity) state their units with their checks.",
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
    "refuses records made under another protocol and lists them. A change to anything below is recorded with a dated",
    "reason in the list at the end; once v2 records exist a change is a new version and is shown beside the verdicts it",
    "touches. The design and the search rules below are read from the code that runs them (lib/experiment/design.ts,",
    "lib/search/rules.ts, lib/experiment/selection.ts), so this page cannot drift from the runs.",
    "",
    ...readingSection(p),
    "## Checks",
    "",
    "Each check compares a method with its own backbone (UGradSL with GA, UGradSL+ with FT), with Retrain, or with",
    "itself under one changed option (an ablation's variants), on the same units. Rows: (R) = the search's selection",
    "closest to Retrain, (C) = its selection for complete unlearning, (ft+gm+nls) and the like = an ablation variant.",
    "",
    ...p.families.flatMap((f) => familySection(p, f)),
    ...keptSection(p),
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
