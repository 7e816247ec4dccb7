/**
 * The experiment fields' schema (lib/experiment/fields.ts) is the one source: every field with a flag is in
 * --help and parsed by it, every field with a notebook parameter is one, and a bound refuses the same values
 * with the same words on the command line and in a notebook.
 */
import assert from "node:assert/strict";
import { configFromFlags, EXPERIMENT_FLAGS, experimentInput, parseFlags } from "../../cli/flags.ts";
import { unlearnHelp } from "../../cli/unlearn.ts";
import { describeBounds } from "../../lib/data/split_bounds.ts";
import { KitError, KitErrors } from "../../lib/errors.ts";
import type { FieldPath } from "../../lib/experiment/fields.ts";
import { defaultOf, fieldEntries, fieldName, fieldSpec } from "../../lib/experiment/fields.ts";
import { checkKnownParam, parseParam } from "../../lib/notebook.ts";

const AT = { dataset: "fashion-mnist", model: "mlp" };

Deno.test("every field's flag is in --help and in EXPERIMENT_FLAGS, with its bounds or values", () => {
  const help = unlearnHelp();
  for (const [path, f] of fieldEntries()) {
    for (const flag of [f.flag, f.toggle?.flag].filter((x) => x !== undefined)) {
      assert.ok(flag in EXPERIMENT_FLAGS, `${path}: --${flag} is not an experiment flag`);
      const line = help.split("\n").find((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}` || l.startsWith(`  --${flag}  `));
      assert.ok(line, `${path}: --${flag} is not in --help`);
      if (flag === f.flag && f.bounds) assert.ok(line.includes(describeBounds(f.bounds)), `${path}: ${line}`);
      if (flag === f.flag && f.values) assert.ok(line.includes(f.values().join("|")), `${path}: ${line}`);
    }
  }
  // The fields only code sets (a flag for one of them is a deliberate addition).
  assert.deepEqual(
    fieldEntries().filter(([, f]) => !f.flag && !f.toggle).map(([path]) => path),
    ["bundle", "runs", "training.momentum", "training.weightDecay", "training.schedule", "training.clipNorm", "sealTest"],
  );
  // And no flag but theirs and --ensemble, which sizes the ensemble metrics.
  const declared = fieldEntries().flatMap(([, f]) => [f.flag, f.toggle?.flag]).filter((x) => x !== undefined);
  assert.deepEqual(Object.keys(EXPERIMENT_FLAGS).filter((k) => !declared.includes(k)), ["ensemble"]);
});

Deno.test("every field with a notebook parameter is accepted as one, from a value and from ./kit run --set's text", () => {
  const params = fieldEntries().filter(([, f]) => f.param);
  assert.deepEqual(
    params.map(([, f]) => f.param).sort(),
    [
      "augment",
      "dataset",
      "design",
      "epochs",
      "forgetClass",
      "forgetFraction",
      "forgetSubclass",
      "forgetTarget",
      "identityFraction",
      "methods",
      "model",
      "paradigms",
      "seeds",
      "selection",
      "testSize",
      "trainSize",
    ],
  );
  for (const [path, f] of params) {
    const value = defaultOf(path, AT).value;
    assert.equal(checkKnownParam(f.param!, value, `parameter ${f.param}`), true, path);
    const text = Array.isArray(value) ? value.join(",") : String(value);
    assert.deepEqual(parseParam(f.param!, text, `--set ${f.param}`), value, `${path}: "${text}"`);
  }
  assert.equal(checkKnownParam("quick", true, "parameter quick"), true);
  assert.equal(checkKnownParam("valFraction", 0.1, "parameter valFraction"), false, "no parameter: a notebook's own key");
});

/** The problem the flag path reports for `path` (null when it accepts the value). */
function flagProblem(path: FieldPath, value: number): string | null {
  const f = fieldSpec(path);
  const paradigm = f.paradigm ? [`--paradigm=${f.paradigm}`] : [];
  const args = ["--dataset=synthetic", "--no-selection", "--backend=cpu", ...paradigm, `--${f.flag}=${value}`];
  try {
    configFromFlags(parseFlags(args, EXPERIMENT_FLAGS).values);
  } catch (e) {
    if (!(e instanceof KitError)) throw e;
    const mine = (e instanceof KitErrors ? e.problems : [e]).filter((p) => p.where === fieldName(path));
    return mine.length ? mine.map((p) => p.message.slice(p.where!.length + 2)).join("; ") : null;
  }
  return null;
}

/** The problem the notebook path reports for the parameter (null when it accepts the value). */
function paramProblem(param: string, value: number): string | null {
  try {
    checkKnownParam(param, value, "nb");
  } catch (e) {
    if (!(e instanceof KitError)) throw e;
    return e.message.slice("nb: ".length);
  }
  return null;
}

Deno.test("a bound refuses the same values with the same words through a flag and through a notebook parameter", () => {
  let compared = 0;
  let refused = 0;
  for (const [path, f] of fieldEntries()) {
    if (!f.bounds || !f.flag || !f.param) continue;
    const b = f.bounds;
    const step = b.integer ? 1 : 1e-6;
    const ends = [b.min, b.max, b.above, b.below].filter((x) => x !== undefined);
    // Whole numbers only for integer fields: "2.5" is refused by the flag parser itself (below).
    const values = ends.flatMap((e) => [e - step, e, e + step]);
    for (const v of values) {
      const viaFlag = flagProblem(path, v);
      assert.equal(viaFlag, paramProblem(f.param, v), `${path} = ${v}`);
      compared++;
      if (viaFlag !== null) refused++;
    }
  }
  assert.ok(compared >= 20 && refused >= 8, `${compared} comparisons, ${refused} refused`);
  // The shapes agree too: a whole number on the command line, an integer in a notebook.
  assert.equal(paramProblem("seeds", 0), "0 is below 1");
  assert.throws(() => experimentInput(parseFlags(["--seeds=2.5"], EXPERIMENT_FLAGS).values), /--seeds: "2\.5" is not a whole number/);
  assert.equal(paramProblem("seeds", 2.5), "2.5 is not an integer");
});
