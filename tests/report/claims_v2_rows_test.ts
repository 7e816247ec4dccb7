/**
 * The scoreboard's rows for the book (lib/report/claims_v2_rows.ts), from judgements made here by judgeClaims on
 * records this test writes: one row per check with its verdict at every scale, the transfer split, C5's sensitivity
 * rows and the shifted searches' survivals; the JSON file read back gives the same rows (its NaNs written as null);
 * a malformed file is a KitError naming the file and the field.
 */
import assert from "node:assert/strict";
import { KitError } from "../../lib/errors.ts";
import { formatP, judgeClaims } from "../../lib/report/claims_v2.ts";
import { boardRows, parseBoard } from "../../lib/report/claims_v2_rows.ts";
import { family, gapFlips, gapHolds, input, UNITS } from "./_claims_v2_records.ts";

/** Class-wise at two scales (UGradSL+ (R)'s Avg. Gap 10 below FT (R)'s), random C5 rows, and two shifted searches. */
function judged() {
  const standard = family("classwise", gapHolds);
  const full = family("classwise", gapHolds, { trainSize: 0, arch: "cnn" }, UNITS.classwise.slice(0, 10));
  const c5 = family("random").filter((r) => r.variant === "C").map((r) => ({ ...r, variant: "C5", configHash: `${r.configHash}-5` }));
  const sensitivity = [
    { name: "lr-1", records: family("classwise", gapHolds) },
    { name: "lr1", records: family("classwise", gapFlips) },
  ];
  return judgeClaims({ ...input([...standard, ...full, ...family("random"), ...c5]), sensitivity });
}

Deno.test("boardRows: one row per check with its verdict, n, mean [t 95%] and Holm p at every scale", () => {
  const c = judged();
  const rows = boardRows(c);
  assert.deepEqual(rows.scales, ["standard subset", "full set"]);
  const gap = rows.checks.find((r) => r.id === "cw.gap.ugradsl+.ft")!;
  assert.deepEqual([gap.claim, gap.paradigm], ["UGradSL+ is closer to Retrain than FT (Avg. Gap)", "classwise"]);
  const [standard, full] = gap.cells;
  const r = c.scales[0].families[0].all.find((x) => x.check.id === "cw.gap.ugradsl+.ft")!;
  assert.deepEqual(standard, {
    verdict: "holds",
    n: 20,
    mean: `${r.mean.toFixed(2)} [${r.t.lo.toFixed(2)}, ${r.t.hi.toFixed(2)}]`,
    pHolm: formatP(r.adjusted.claim),
    notTestable: null,
  });
  // The full set has 10 units: judged at the interim boundary, which no statement passes after Holm.
  assert.deepEqual([full!.verdict, full!.n], ["inconclusive", 10]);
  // Random checks are judged at the standard subset only: no records at the full set.
  const random = rows.checks.find((x) => x.id === "rd.ua.ugradsl.ga")!;
  assert.equal(random.cells[1], null);
  assert.equal(rows.checks.length, new Set(c.scales.flatMap((s) => s.families.flatMap((f) => f.all.map((x) => x.check.id)))).size);
  assert.deepEqual(
    rows.families.map((f) => [f.scale, f.family, f.units, f.look, f.alpha]),
    [["standard subset", "classwise", 20, "final", 0.05], ["standard subset", "random", 20, "final", 0.05], [
      "full set",
      "classwise",
      10,
      "interim",
      0.001,
    ]],
  );
});

Deno.test("boardRows: transfer tables where a family has seen and unseen classes; C5 beside C; shifted searches survive or not", () => {
  const rows = boardRows(judged());
  assert.deepEqual(rows.transfer.map((t) => [t.scale, t.family]), [["standard subset", "classwise"], ["full set", "classwise"]]);
  const transfer = rows.transfer[0].rows.find((x) => x.claim === "UGradSL+ is closer to Retrain than FT (Avg. Gap)")!;
  assert.deepEqual([transfer.seen.n, transfer.unseen?.n], [6, 14]);
  assert.deepEqual(rows.c5.map((t) => [t.scale, t.family]), [["standard subset", "random"]]);
  assert.ok(rows.c5[0].rows.every((x) => x.c !== null), "each C5 row is beside its C verdict");
  const shifted = rows.shifted!;
  assert.equal(shifted.scale, "standard subset");
  assert.deepEqual(shifted.shifts.map((s) => s.name), ["lr-1", "lr1"]);
  const gap = shifted.rows.find((x) => x.claim === "UGradSL+ is closer to Retrain than FT (Avg. Gap)")!;
  assert.deepEqual([gap.main.verdict, ...gap.shifted.map((s) => s?.verdict)], ["holds", "holds", "does not hold"]);
  assert.equal(gap.survives, false);
  assert.match(gap.shifted[1]!.pHolm, /\(reverse\)$/, "a verdict decided by the reverse statement shows that statement's p");
  assert.ok(shifted.rows.some((x) => x.survives), "a check every shift agrees with survives");
  assert.equal(boardRows(judgeClaims(input(family("random")))).shifted, null, "no shifted runs: no table");
});

/** JSON text with the field at `path` set to `value` (undefined: removed). */
function withField(text: string, path: (string | number)[], value: unknown): string {
  const o: unknown = JSON.parse(text);
  const parent = path.slice(0, -1).reduce<unknown>((x, key) => Reflect.get(Object(x), key), o);
  const key = path[path.length - 1];
  if (value === undefined) Reflect.deleteProperty(Object(parent), key);
  else Reflect.set(Object(parent), key, value);
  return JSON.stringify(o);
}

Deno.test("parseBoard: the JSON file gives the same rows (NaN written as null); a malformed file names the file and field", () => {
  const c = judged();
  const text = JSON.stringify(c, null, 1);
  assert.match(text, /null/, "the file holds the nulls JSON writes for NaN");
  assert.deepEqual(boardRows(parseBoard(text, "results/claims-v2.json")), boardRows(c));

  const bad = (path: (string | number)[], value: unknown, field: RegExp) =>
    assert.throws(
      () => parseBoard(withField(text, path, value), "x/claims-v2.json"),
      (e: unknown) => e instanceof KitError && e.message.startsWith("x/claims-v2.json: field ") && field.test(e.message),
    );
  bad(["scales", 0, "families", 0, "all", 2, "verdict"], "maybe", /scales\[0\]\.families\[0\]\.all\[2\]\.verdict is not one of holds/);
  bad(["scales", 1, "families"], undefined, /scales\[1\]\.families is not a list/);
  bad(["scales", 0, "families", 0, "all", 0, "n"], "20", /all\[0\]\.n is not a number/);
  bad(["protocol", "sha256"], undefined, /protocol\.sha256 is not a string/);
  bad(["sensitivity", 0, "scale", "families", 0, "look"], "early", /sensitivity\[0\]\.scale\.families\[0\]\.look is not one of/);
  assert.throws(
    () => parseBoard("[]", "y.json"),
    (e: unknown) => e instanceof KitError && /^y\.json: field the top level is not an object/.test(e.message),
  );
  assert.throws(() => parseBoard("{", "y.json"), (e: unknown) => e instanceof KitError && /y\.json: is not JSON/.test(e.message));
});
