/**
 * Adding a method is one new file and one registry line (issue #10): in a copy of the kit, write
 * lib/unlearn/noop.ts, append one line to lib/unlearn/methods.ts (the registry's list), change nothing else, and run the new
 * method through the command line, its --help, the search's points, table order and figure colour.
 */
import assert from "node:assert/strict";
import { copyKit, deno, KIT_ROOT } from "../_kit_copy.ts";

/** The whole new method: an option with its default and source, a search space, a table place and a colour. */
const NOOP_FILE = `/**
 * No-op: returns the original model unchanged. A test of the method registry, not an unlearning method.
 */
import { int, intRange } from "../config.ts";
import { defineMethod } from "./types.ts";

export const noop = defineMethod({
  name: "noop",
  title: "No-op",
  source: "tests/cli/add_method_test.ts",
  family: "baseline",
  options: {
    steps: int(3, "steps that do nothing", { min: 0, max: 10, source: "the test's choice" }),
  },
  searchSpace: { steps: intRange(0, 10) },
  display: { order: 1.5, color: "#123456" },
  run(ctx, opts) {
    return { net: ctx.start, history: [{ steps: opts.steps }] };
  },
});
`;

/** The one line added to the registry. */
const REGISTRY_LINE = `export { noop } from "./noop.ts";`;

/** Every file under `dir` (relative paths), without node_modules and what the run wrote. */
function filesOf(dir: string, sub = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${sub}`)) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...filesOf(dir, rel));
    else if (e.isFile) out.push(rel);
  }
  return out.sort();
}

Deno.test("a method added with one file and one registry line runs through the CLI path", async () => {
  const kit = await copyKit();
  try {
    const registry = `${kit}/lib/unlearn/methods.ts`;
    const before = await Deno.readTextFile(registry);
    await Deno.writeTextFile(`${kit}/lib/unlearn/noop.ts`, NOOP_FILE);
    await Deno.writeTextFile(registry, `${REGISTRY_LINE}\n`, { append: true });

    // Exactly one new file and one new line: every other file of lib/ and cli/ is the kit's own.
    const changed = filesOf(kit).filter((f) => /^(lib|cli)\//.test(f)).filter((f) => {
      try {
        return Deno.readTextFileSync(`${KIT_ROOT}${f}`) !== Deno.readTextFileSync(`${kit}/${f}`);
      } catch {
        return true; // not in the kit
      }
    });
    assert.deepEqual(changed, ["lib/unlearn/methods.ts", "lib/unlearn/noop.ts"]);
    const after = (await Deno.readTextFile(registry)).split("\n");
    assert.deepEqual(after.filter((l) => !before.split("\n").includes(l)), [REGISTRY_LINE]);
    assert.equal(after.length, before.split("\n").length + 1);

    // The new file type-checks against the kit's method interface.
    const check = await deno(["check", "lib/unlearn/registry.ts"], kit);
    assert.equal(check.code, 0, check.stderr);

    // The command line runs it next to Retrain.
    const run = await deno([
      "run",
      "-A",
      "cli/unlearn.ts",
      "--dataset=synthetic",
      "--methods=retrain,noop",
      "--seeds=1",
      "--epochs=2",
      "--backend=cpu",
      "--no-progress",
      "--metrics=UA,RA,TA,AvgGap",
      `--out=${kit}/out`,
      `--cache=${kit}/cache`,
    ], kit);
    assert.equal(run.code, 0, run.stderr);
    const records = (await Deno.readTextFile(`${kit}/out/records.jsonl`)).trim().split("\n").map((l) => JSON.parse(l));
    const noop = records.find((r) => r.method === "noop");
    assert.ok(noop, "a record for the new method");
    assert.equal(noop.status, "ok", noop.error);
    assert.deepEqual(noop.methodOptions, { steps: 3 }, "its default, from its file");
    assert.deepEqual(noop.optionLayers, { defaults: { steps: 3 }, selection: null, overrides: {} });
    assert.deepEqual(noop.history, [{ steps: 3 }]);
    assert.equal(noop.runId, "synthetic/classwise/noop/seed0");
    // Nothing was unlearned: it scores as the original, and its gap to Retrain is measured.
    assert.ok(noop.metrics.UA < 50, `UA ${noop.metrics.UA}`);
    assert.ok(Number.isFinite(noop.metrics.AvgGap));
    // Its place in the table comes from its file (order 1.5: after Retrain and FT).
    assert.match(await Deno.readTextFile(`${kit}/out/table.md`), /\| retrain \|[^\n]*\n\| noop \|/);

    // --help lists it with its option, default and source.
    const help = await deno(["run", "-A", "cli/unlearn.ts", "--help"], kit);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^noop: No-op, tests\/cli\/add_method_test\.ts$/m);
    assert.match(help.stdout, /^ {4}steps = 3 \[0, 10\] {2}steps that do nothing \(default: the test's choice\)$/m);
    assert.match(help.stdout, /--methods VALUE {2}comma list of [^\n]*\|noop/);

    // The search draws its points from the file's space (point 0 = its default); figures use its colour.
    const probe = await deno([
      "eval",
      `import { searchManifest } from "./lib/search/search.ts";
       import { methodColor } from "./lib/report/figure.ts";
       import { methodOrder } from "./lib/unlearn/registry.ts";
       const m = searchManifest({ name: "t", out: "", experiment: { dataset: "synthetic" }, paradigm: "classwise", methods: ["noop"],
         budget: 4, searchSeed: 0, fixed: {}, learningRateShift: 0, shard: { index: 0, count: 1 } });
       console.log(JSON.stringify({ points: m.units.filter((u) => u.method === "noop").map((u) => u.searched),
         color: methodColor("noop"), order: methodOrder().slice(0, 3) }));`,
    ], kit);
    assert.equal(probe.code, 0, probe.stderr);
    const { points, color, order } = JSON.parse(probe.stdout);
    assert.equal(points.length, 4);
    assert.deepEqual(points[0], { steps: 3 });
    assert.ok(points.every((p: { steps: number }) => Number.isInteger(p.steps) && p.steps >= 0 && p.steps <= 10));
    assert.equal(color, "#123456");
    assert.deepEqual(order, ["retrain", "ft", "noop"], "between FT (order 1) and GA (order 2)");
  } finally {
    await Deno.remove(kit, { recursive: true });
  }
});
