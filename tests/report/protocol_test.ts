/**
 * The protocol is declared once (lib/report/protocol.ts): the committed results/protocol.json and
 * docs/protocol.md are exactly what it writes, so any change is a visible, versioned edit; its checks are
 * well formed; a protocol file is parsed back or refused naming the file and field.
 */
import assert from "node:assert/strict";
import { protocolFiles, protocolMain } from "../../cli/protocol.ts";
import { KitError } from "../../lib/errors.ts";
import { DATASETS } from "../../lib/data/registry.ts";
import { DESIGNS, searchCoverage } from "../../lib/experiment/design.ts";
import { SELECTION_RULES } from "../../lib/experiment/selection.ts";
import {
  buildProtocol,
  CHECKS,
  DESIGN,
  FAMILIES,
  KEPT_AT_V1,
  MARGINS,
  parseProtocol,
  PROTOCOL_CHANGES,
  protocolJson,
  SEARCH_RULES,
} from "../../lib/report/protocol.ts";
import { BUDGET_RULE, EDGE_RULE } from "../../lib/search/rules.ts";

Deno.test("the committed results/protocol.json and docs/protocol.md are what lib/report/protocol.ts declares", async () => {
  for (const [file, text] of protocolFiles()) {
    const committed = await Deno.readTextFile(file);
    assert.ok(
      committed === text,
      `${file} differs from lib/report/protocol.ts: run deno task protocol, and for any change add a PROTOCOL_CHANGES entry (version, date, reason)`,
    );
  }
});

Deno.test("deno task protocol --check accepts the committed files and writes nothing", async () => {
  const before = await Promise.all(protocolFiles().map(([file]) => Deno.stat(file).then((s) => s.mtime?.getTime())));
  assert.equal(await protocolMain(["--check"]), 0);
  const after = await Promise.all(protocolFiles().map(([file]) => Deno.stat(file).then((s) => s.mtime?.getTime())));
  assert.deepEqual(after, before);
});

Deno.test("the version is the last change's; versions never fall and a change after v2 runs raises it; dates are ISO days", () => {
  const p = buildProtocol();
  assert.equal(p.version, PROTOCOL_CHANGES[PROTOCOL_CHANGES.length - 1].version);
  PROTOCOL_CHANGES.forEach((c, i) => {
    assert.match(c.date, /^\d{4}-\d{2}-\d{2}$/);
    if (i > 0) assert.ok(c.version >= PROTOCOL_CHANGES[i - 1].version, `change ${i}`);
    if (i > 0 && c.afterRuns) assert.ok(c.version > PROTOCOL_CHANGES[i - 1].version, `change ${i} after runs keeps the version`);
    for (const id of c.checks) assert.ok(CHECKS.some((x) => x.id === id), `change ${c.version} names no check ${id}`);
  });
});

Deno.test("every check is well formed: unique id, a declared family of its paradigm, a margin for its metric, within-family pairs", () => {
  const ids = CHECKS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, "ids are unique");
  for (const c of CHECKS) {
    const family = FAMILIES.find((f) => f.id === c.family);
    assert.ok(family, `${c.id}: family ${c.family}`);
    assert.equal(family.paradigm, c.paradigm, c.id);
    assert.ok(c.metric in MARGINS, `${c.id}: no margin declared for ${c.metric}`);
    assert.ok(c.kind === "superiority" ? c.threshold >= 0 : c.threshold > 0, `${c.id}: threshold ${c.threshold}`);
    // A keeps check's tie implies the drop it allows: its margin is inside its threshold.
    if (c.kind === "keeps") assert.ok(c.margin < c.threshold, `${c.id}: margin ${c.margin} ≥ threshold ${c.threshold}`);
    // No "best of ours": UGradSL is compared with GA or Retrain, UGradSL+ with FT or Retrain, or a method with
    // itself under another ablation variant (the families that read an ablation's records).
    const [a, b] = [c.a.split(" (")[0], c.b.split(" (")[0]];
    const withItself = family.records.ablation !== undefined && a === b && c.a !== c.b;
    assert.ok(
      withItself || b === "retrain" || (a === "ugradsl" && b === "ga") || (a === "ugradsl+" && b === "ft"),
      `${c.id}: ${a} vs ${b}`,
    );
  }
});

Deno.test("a protocol file parses back to what was written, and a broken one is refused naming the file and field", () => {
  const p = buildProtocol();
  assert.deepEqual(parseProtocol(protocolJson(p), "p.json"), JSON.parse(protocolJson(p)));
  const broken = JSON.parse(protocolJson(p));
  broken.checks[2].direction = "sideways";
  delete broken.checks[3].threshold;
  broken.families[3].records = "table8";
  assert.throws(
    () => parseProtocol(JSON.stringify(broken), "results/protocol.json"),
    (e: unknown) =>
      e instanceof KitError && e.message.startsWith("results/protocol.json: ") && e.message.includes("checks[2].direction") &&
      e.message.includes("checks[3].threshold is not a number") && e.message.includes("families[3].records is not an object"),
  );
  // A family written before families named their records reads the main runs.
  const older = JSON.parse(protocolJson(p));
  delete older.families[0].records;
  assert.deepEqual(parseProtocol(JSON.stringify(older), "old.json").families[0].records, {});
  assert.throws(() => parseProtocol("{", "x.json"), /x\.json: is not JSON/);
  assert.throws(() => parseProtocol("{}", "x.json"), /x\.json: is not a protocol/);
});

Deno.test("the design and the search rules are read from design v2 and the search's rule modules, not copied", () => {
  const v2 = DESIGNS.v2;
  const ofClass = DATASETS["fashion-mnist"].superClasses!.ofClass;
  assert.deepEqual(Object.keys(DESIGN.paradigms), v2.paradigms);
  for (const paradigm of v2.paradigms) {
    const d = DESIGN.paradigms[paradigm]!;
    assert.deepEqual(d.seeds, Array.from({ length: v2.seeds }, (_, i) => i), paradigm);
    assert.deepEqual(d.searchSeeds, v2.searchSeeds, paradigm);
    const { seen } = searchCoverage(v2, paradigm, ofClass.length, ofClass);
    assert.deepEqual(d.searchClasses ?? [], seen, paradigm);
  }
  assert.deepEqual([DESIGN.looks.interim.units, DESIGN.looks.final.units], [v2.looks.interim, v2.looks.final]);
  assert.equal(SEARCH_RULES.budgetRule, BUDGET_RULE);
  assert.equal(SEARCH_RULES.edgeRule, EDGE_RULE);
  assert.equal(SEARCH_RULES.selectionRules, SELECTION_RULES);
  assert.deepEqual(Object.keys(SEARCH_RULES.selections), Object.keys(SELECTION_RULES));
  assert.match(SEARCH_RULES.selections.C, new RegExp(`VA − ${SELECTION_RULES.C.utilityDropPoints} points`));
  assert.match(SEARCH_RULES.selections.C5, /never counted/);
});

Deno.test("every v1 check of results/claims.json is replaced by a v2 check or listed as kept at v1", async () => {
  const v1: { id: string; verdict: { checks: { claim: string }[] } | null }[] = JSON.parse(
    await Deno.readTextFile(new URL("../../results/v1/claims.json", import.meta.url)),
  );
  const missing: string[] = [];
  for (const chapter of v1) {
    for (const { claim } of chapter.verdict?.checks ?? []) {
      const replaced = CHECKS.some((c) => c.v1?.notebook === chapter.id && c.v1.claim === claim);
      const kept = KEPT_AT_V1.some((k) => k.notebook === chapter.id && (k.claims === "every check" || k.claims.includes(claim)));
      if (!replaced && !kept) missing.push(`${chapter.id}: ${claim}`);
    }
  }
  assert.deepEqual(missing, []);
  // Nothing is listed twice: a kept claim is no v2 check's v1.
  for (const k of KEPT_AT_V1) {
    if (k.claims === "every check") assert.ok(!CHECKS.some((c) => c.v1?.notebook === k.notebook), k.notebook);
    else for (const claim of k.claims) assert.ok(!CHECKS.some((c) => c.v1?.claim === claim), claim);
  }
});

Deno.test("the negative-smoothing family compares the searched negative rate with α = 0 and with +|α| of the same method", () => {
  const family = FAMILIES.find((f) => f.id === "smoothing")!;
  assert.equal(family.records.ablation, "table8");
  const checks = CHECKS.filter((c) => c.family === "smoothing");
  assert.ok(checks.every((c) => c.a.endsWith("+nls)")), "A is always the negative rate");
  assert.ok(checks.some((c) => c.b === "ugradsl+ (ft+gm)" && c.metric === "UA"), "against α = 0 on UA");
  assert.ok(checks.some((c) => c.b === "ugradsl+ (ft+gm+pls)" && c.metric === "UA"), "against +|α| on UA");
});
