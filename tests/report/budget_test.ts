import assert from "node:assert/strict";
import { KitError } from "../../lib/errors.ts";
import type { StepAttempt } from "../../lib/report/budget.ts";
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
  TARGETS,
} from "../../lib/report/budget.ts";

const attempt = (label: string, seconds: number, load: number[], scale: StepAttempt["scale"] = "standard"): StepAttempt => ({
  label,
  seconds,
  scale,
  startedAt: "2026-12-07T00:00:00Z",
  load: loadStats(load),
});
const meta = { kind: "measured" as const, date: "2026-12-07", commit: "abcdef0123", cores: 2, design: {} };

Deno.test("loadStats: min, mean and max of the samples; none gives zeros", () => {
  assert.deepEqual(loadStats([1, 2, 4]), { samples: 3, min: 1, mean: 2.33, max: 4 });
  assert.deepEqual(loadStats([]), { samples: 0, min: 0, mean: 0, max: 0 });
});

Deno.test("parseLoadSamples reads /proc/loadavg lines and names the file on a bad one", () => {
  assert.deepEqual(parseLoadSamples("0.50 0.40 0.30 1/200 999\n1.25\n", "load.txt"), [0.5, 1.25]);
  assert.throws(
    () => parseLoadSamples("0.5\nbusy\n", "load.txt"),
    (e) => e instanceof KitError && /load\.txt/.test(e.message) && /line 2/.test(e.message),
  );
});

Deno.test("a resumed step's attempts add up; steps keep the order of their first attempt; load merged by samples", () => {
  const steps = sumAttempts([attempt("main job", 100, [1, 1]), attempt("notebook 04", 30, [2]), attempt("main job", 20.5, [3, 3])]);
  assert.deepEqual(steps.map((s) => [s.label, s.seconds, s.attempts]), [["main job", 120.5, 2], ["notebook 04", 30, 1]]);
  assert.deepEqual(steps[0].load, { samples: 4, min: 1, mean: 2, max: 3 });
});

Deno.test("parseAttempts round-trips what the CLI appends and names file and line of a bad line", () => {
  const a = attempt("search x", 12, [0.5]);
  assert.deepEqual(parseAttempts(JSON.stringify(a) + "\n\n", "steps.jsonl"), [a]);
  assert.throws(
    () => parseAttempts(`${JSON.stringify(a)}\n{"label":"y","seconds":-1,"scale":"standard"}`, "steps.jsonl"),
    /steps\.jsonl.*line 2/,
  );
  assert.throws(() => parseAttempts("not json", "steps.jsonl"), /line 1 is not JSON/);
});

Deno.test("the budget sums each scale apart and names every target missed", () => {
  const nb = TARGETS.notebookSeconds + 1;
  const steps = sumAttempts([
    attempt("search a", TARGETS.passSeconds - nb, [1]),
    attempt("notebook 08_ablations.ipynb", nb, [1]),
    attempt("notebook 04_classwise.ipynb", 5, [1]),
    attempt("full-scale classwise", TARGETS.fullScaleSeconds / 2, [1], "full-scale"),
  ]);
  const b = reproductionBudget(steps, meta);
  assert.equal(b.totals.standard, TARGETS.passSeconds + 5);
  assert.equal(b.totals["full-scale"], TARGETS.fullScaleSeconds / 2);
  assert.equal(b.over.length, 2);
  assert.match(b.over[0], /^the pass: /);
  assert.match(b.over[1], /^notebook 08_ablations\.ipynb: /);
  const text = budgetText(b);
  assert.match(text, /sum, standard/);
  assert.match(text, /sum, full-scale/);
  assert.match(text, /targets not met/);
  const quick = reproductionBudget(sumAttempts([attempt("main job", 10, [])]), meta);
  assert.deepEqual(quick.over, []);
  assert.match(budgetText(quick), /every target met/);
});

Deno.test("a step run inside another, beside others, is shown and held to its target but not summed", () => {
  const inside = (label: string, seconds: number): StepAttempt => ({
    ...attempt(label, seconds, [2]),
    within: "notebooks",
    layout: "lane",
  });
  const b = reproductionBudget(
    sumAttempts([
      inside("notebook 10.ipynb", TARGETS.notebookSeconds + 1),
      inside("notebook 04.ipynb", 100),
      attempt("notebooks", 600, [2]),
    ]),
    meta,
  );
  assert.equal(b.totals.standard, 600);
  assert.equal(b.steps[0].within, "notebooks");
  assert.deepEqual(b.over.map((o) => o.split(":")[0]), ["notebook 10.ipynb"]);
  assert.match(budgetText(b), /inside "notebooks", not summed/);
});

Deno.test("stepsFromLog takes per step the longest 'done' (a resumed step logs its read-back time too)", () => {
  const log = [
    "[2026-11-29T21:23:44Z] done  search a in 283 s",
    "[2026-11-29T21:49:22Z] done  search a in 3 s",
    "[2026-11-29T22:40:20Z] start notebook 10.ipynb (side process, 1 thread)",
    "[2026-11-29T23:09:38Z] done  notebook 10.ipynb (side process) in 1758 s rc=0",
    "[2026-11-29T23:45:51Z] done  notebook 10.ipynb in 5 s",
  ].join("\n");
  assert.deepEqual(stepsFromLog(log).map((s) => [s.label, s.seconds]), [["search a", 283], ["notebook 10.ipynb", 1758]]);
});

Deno.test("projectBudget multiplies by every matching rule (scale, then levers), adds the plan's steps and notes each", () => {
  const measured = stepsFromLog("[t] done  main job in 100 s\n[t] done  search a in 50 s\n[t] done  claims in 1 s\n");
  const plan = checkPlan({
    design: { seeds: 20 },
    rules: [
      { prefix: "main", factor: 4, reason: "5 → 20 seeds" },
      { prefix: "search", factor: 2, reason: "budget" },
      { prefix: "main job", factor: 0.5, reason: "two jobs", kind: "lever" },
    ],
    added: [{ label: "full-scale cnn", seconds: 600, scale: "full-scale", reason: "one epoch × 15" }],
  }, "plan.json");
  const { steps, notes } = projectBudget(measured, plan);
  assert.deepEqual(steps.map((s) => [s.label, s.seconds, s.scale]), [
    ["main job", 200, "standard"],
    ["search a", 100, "standard"],
    ["claims", 1, "standard"],
    ["full-scale cnn", 600, "full-scale"],
  ]);
  assert.equal(notes.length, 3);
  assert.match(notes[0], /× 4 \(scale: 5 → 20 seeds\) × 0\.5 \(lever: two jobs\)/);
  assert.throws(() => checkPlan({ design: {}, rules: [{ prefix: "x", factor: 0, reason: "" }] }, "plan.json"), /plan\.json.*rule 1/);
});

Deno.test("projected lanes: the steps inside are kept, not summed; the lane step lasts max(longest, sum ÷ lanes)", () => {
  const measured = stepsFromLog(
    "[t] done  main job in 100 s\n[t] done  notebook a in 300 s\n[t] done  notebook b in 100 s\n[t] done  notebook c in 100 s\n",
  );
  const plan = checkPlan(
    { design: {}, rules: [], lanes: [{ label: "notebooks", prefix: "notebook ", lanes: 2, reason: "two lanes" }] },
    "plan.json",
  );
  const { steps } = projectBudget(measured, plan);
  assert.deepEqual(steps.map((s) => [s.label, s.seconds, s.within]), [
    ["main job", 100, undefined],
    ["notebooks", 300, undefined],
    ["notebook a", 300, "notebooks"],
    ["notebook b", 100, "notebooks"],
    ["notebook c", 100, "notebooks"],
  ]);
  const b = reproductionBudget(steps, { ...meta, kind: "projected" });
  assert.equal(b.totals.standard, 400);
  const even = projectBudget(stepsFromLog("[t] done  notebook a in 100 s\n[t] done  notebook b in 100 s\n"), plan).steps;
  assert.equal(even[0].seconds, 100);
  assert.throws(
    () => checkPlan({ design: {}, rules: [], lanes: [{ label: "n", prefix: "", lanes: 0, reason: "" }] }, "plan.json"),
    /lanes/,
  );
});
