import assert from "node:assert/strict";
import type { AblationConfig } from "../../lib/ablations/run.ts";
import { ablationTable, readAblationRows, runAblation } from "../../lib/ablations/run.ts";
import { adaptive, fig3, table14, table8 } from "../../lib/ablations/index.ts";
import { parseAblationCli } from "../../lib/ablations/cli.ts";
import { TINY_BUNDLE, TINY_TRAINING } from "../unlearn/_tiny.ts";

const root = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();

function config(name: string, extra: Partial<AblationConfig> = {}): AblationConfig {
  return {
    name,
    out: `${root}/${name}`,
    dataset: "synthetic",
    bundle: TINY_BUNDLE,
    paradigms: ["classwise"],
    model: "mlp",
    modelOptions: { hidden: 8 },
    seeds: [0],
    split: { valFraction: 0.1 },
    training: { ...TINY_TRAINING, epochs: 10 },
    metrics: ["UA", "RA", "TA", "VA"],
    useTuned: false,
    cacheDir: cache,
    backend: "cpu",
    progress: false,
    ...extra,
  };
}

Deno.test("Table 8 turns gradient mixing and the smoothing sign on and off, nothing else", async () => {
  const spec = table8({ rate: 0.4 });
  const rows = await runAblation(config("t8", { paradigms: ["classwise", "random"] }), spec);
  assert.equal(rows.length, 2 * 11);
  const opt = (id: string) => rows.find((r) => r.variant === id && r.paradigm === "random")!.options;
  assert.equal(opt("ga").mixWeight, 0);
  assert.equal(opt("ga").smoothRate, 0);
  assert.equal(opt("ga+nls").smoothRate, -0.4);
  assert.equal(opt("ga+gm+pls").smoothRate, 0.4);
  assert.ok(Number(opt("ga+gm").mixWeight) > 0);
  assert.equal(opt("ft").mixWeight, 1);
  assert.equal(opt("ft+gm+nls").mixWeight, opt("ft+gm").mixWeight);
  // Besides the ablated options, a variant keeps its method's options.
  const { mixWeight: _a, smoothRate: _b, ...gaRest } = opt("ga");
  const { mixWeight: _c, smoothRate: _d, ...gmRest } = opt("ga+gm+nls");
  assert.deepEqual(gaRest, gmRest);
  const back = await readAblationRows([`${root}/t8/records.jsonl`]);
  const table = ablationTable(back, spec);
  assert.match(table, /\| Backbone \| Gradient-mixed \| NLS \| PLS \| UA \| RA \| TA \| VA \| Sum \| Avg\. Gap \| RTE \(s\) \|/);
  assert.match(table, /\| Retrain \| {2}\| {2}\| {2}\| [\d.]+ \|/);
  assert.equal(table.match(/\*\*Table 8/g)!.length, 2);
});

Deno.test("Table 14 measures the model after every unlearning epoch", async () => {
  const spec = table14({ methods: ["ga", "ugradsl+"], epochs: 3, retrain: false });
  const rows = await runAblation(config("t14"), spec);
  for (const method of ["ga", "ugradsl+"]) {
    const epochs = rows.filter((r) => r.variant === method && r.epoch !== null).map((r) => r.epoch);
    assert.deepEqual(epochs, [0, 1, 2, 3], method);
    const end = rows.find((r) => r.variant === method && r.epoch === null)!;
    const last = rows.find((r) => r.variant === method && r.epoch === 3)!;
    assert.deepEqual(last.metrics, end.metrics, `${method}: the last epoch is the end state`);
    assert.ok(last.rteSeconds <= end.rteSeconds + 1e-9);
  }
  assert.equal(rows.find((r) => r.variant === "ga")!.options.stopRule, "none");
  assert.match(ablationTable(rows, spec), /\| Method \| Epoch \| UA/);
});

Deno.test("Fig. 3 and the adaptive ablation run their variants", async () => {
  const f = await runAblation(config("fig3"), fig3({ rates: [0.5, 0, -1], retrain: false }));
  assert.deepEqual(f.map((r) => r.options.smoothRate), [0.5, 0, -1]);
  const spec = adaptive({ methods: ["ugradsl"], retrain: false });
  assert.equal(spec.variants.length, 7);
  const a = await runAblation(config("adaptive"), spec);
  assert.equal(a.find((r) => r.variant === "ugradsl/fixed")!.options.adaptive, false);
  assert.equal(a.find((r) => r.variant === "ugradsl/space=logits")!.options.adaptiveSpace, "logits");
  assert.ok(a.every((r) => r.status !== "failed"));
});

Deno.test("ablation flags", () => {
  const p = parseAblationCli(["fig3", "--dataset=synthetic", "--paradigm=random", "--rates=0.5,-2", "--no-retrain", "--seeds=1"]);
  assert.notEqual(p, "help");
  const { config: c, spec } = p as Exclude<typeof p, "help">;
  assert.equal(c.out, "results/ablations/fig3-synthetic-mlp");
  assert.deepEqual(spec.variants.map((v) => v.id), ["ugradsl+@0.5", "ugradsl+@-2"]);
  assert.throws(() => parseAblationCli(["table9"]), /unknown ablation "table9": valid values are table8, fig3, table14, adaptive/);
  assert.throws(() => parseAblationCli(["table8", "--set=ugradsl.mixWeight=1"]), /--set/);
  assert.equal(parseAblationCli([]), "help");
  assert.equal((parseAblationCli(["table8", "--table-only"]) as { tableOnly: boolean }).tableOnly, true);
});
