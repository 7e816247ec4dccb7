/**
 * The protocol is declared once (lib/report/protocol.ts): the committed results/protocol.json and
 * docs/protocol.md are exactly what it writes, so any change is a visible, versioned edit; its checks are
 * well formed; a protocol file is parsed back or refused naming the file and field.
 */
import assert from "node:assert/strict";
import { protocolFiles, protocolMain } from "../../cli/protocol.ts";
import { KitError } from "../../lib/errors.ts";
import { buildProtocol, CHECKS, FAMILIES, MARGINS, parseProtocol, PROTOCOL_CHANGES, protocolJson } from "../../lib/report/protocol.ts";

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

Deno.test("the version is the last change's; versions rise; dates are ISO days", () => {
  const p = buildProtocol();
  assert.equal(p.version, PROTOCOL_CHANGES[PROTOCOL_CHANGES.length - 1].version);
  PROTOCOL_CHANGES.forEach((c, i) => {
    assert.match(c.date, /^\d{4}-\d{2}-\d{2}$/);
    if (i > 0) assert.ok(c.version > PROTOCOL_CHANGES[i - 1].version, `change ${i}`);
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
    // No "best of ours": UGradSL is compared with GA or Retrain, UGradSL+ with FT or Retrain.
    const [a, b] = [c.a.split(" (")[0], c.b.split(" (")[0]];
    assert.ok(b === "retrain" || (a === "ugradsl" && b === "ga") || (a === "ugradsl+" && b === "ft"), `${c.id}: ${a} vs ${b}`);
  }
});

Deno.test("a protocol file parses back to what was written, and a broken one is refused naming the file and field", () => {
  const p = buildProtocol();
  assert.deepEqual(parseProtocol(protocolJson(p), "p.json"), JSON.parse(protocolJson(p)));
  const broken = JSON.parse(protocolJson(p));
  broken.checks[2].direction = "sideways";
  delete broken.checks[3].threshold;
  assert.throws(
    () => parseProtocol(JSON.stringify(broken), "results/protocol.json"),
    (e: unknown) =>
      e instanceof KitError && e.message.startsWith("results/protocol.json: ") && e.message.includes("checks[2].direction") &&
      e.message.includes("checks[3].threshold is not a number"),
  );
  assert.throws(() => parseProtocol("{", "x.json"), /x\.json: is not JSON/);
  assert.throws(() => parseProtocol("{}", "x.json"), /x\.json: is not a protocol/);
});
