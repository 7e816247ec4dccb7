/** The paper's ablations as data: specs → run requests with labels and tags → the one run path → tables. */
import assert from "node:assert/strict";
import {
  ablationRuns,
  ABLATIONS,
  ablationSpecByName,
  adaptive,
  fig3,
  FIG3_RATES,
  FORGET_FRACTIONS,
  forgetSizeSweep,
  mixWeightSweep,
  table14,
  table8,
  thresholdSweep,
} from "../../lib/ablations/registry.ts";
import type { AblationSpec } from "../../lib/ablations/registry.ts";
import { defaultsOf } from "../../lib/config.ts";
import type { ExperimentInput } from "../../lib/experiment/fields.ts";
import { experimentConfig } from "../../lib/experiment/config.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import type { RunRecord } from "../../lib/record.ts";
import { readRecords } from "../../lib/record.ts";
import { ablationTable } from "../../lib/report/ablation_report.ts";
import { toMarkdown } from "../../lib/report/table.ts";
import { ADAPTIVE_FORMS, ADAPTIVE_METRICS, ADAPTIVE_SPACES } from "../../lib/smoothing.ts";
import { methodSpec } from "../../lib/unlearn/registry.ts";
import { TINY_BUNDLE, TINY_TRAINING } from "../unlearn/_tiny.ts";

const root = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();

function run(
  name: string,
  spec: AblationSpec,
  extra: ExperimentInput = {},
  hooks?: Parameters<typeof runExperiment>[1],
): Promise<RunRecord[]> {
  return runExperiment(
    experimentConfig({
      name,
      out: `${root}/${name}`,
      dataset: "synthetic",
      bundle: TINY_BUNDLE,
      paradigms: ["classwise"],
      modelOptions: { hidden: 8 },
      seeds: [0],
      split: { valFraction: 0.1 },
      training: { ...TINY_TRAINING, epochs: 10 },
      metrics: ["UA", "RA", "TA", "VA"],
      selection: null,
      cacheDir: cache,
      backend: "cpu",
      progress: false,
      runs: ablationRuns(spec),
      ...extra,
    }),
    hooks,
  );
}

const baseSmoothRate = (method: string) => Number(defaultsOf(methodSpec(method).options).smoothRate);

Deno.test("each ablation's variants become run requests carrying the variant id, the ablation, its labels and tags", () => {
  const t8 = table8();
  assert.equal(t8.variants.length, 11);
  const requests = ablationRuns(t8);
  assert.deepEqual(requests[0], {
    method: "retrain",
    variant: "retrain",
    options: undefined,
    tags: { ablation: "table8", labels: { Backbone: "Retrain" }, reference: true },
    perEpoch: false,
  });
  assert.deepEqual(requests.map((r) => r.variant), [
    "retrain",
    "ga",
    "ga+gm",
    "ga+nls",
    "ga+gm+nls",
    "ga+pls",
    "ga+gm+pls",
    "ft",
    "ft+gm",
    "ft+gm+nls",
    "ft+gm+pls",
  ]);
  const ftGmNls = requests.find((r) => r.variant === "ft+gm+nls")!;
  assert.equal(ftGmNls.method, "ugradsl+");
  assert.deepEqual(ftGmNls.tags, { ablation: "table8", labels: { Backbone: "FT", "Gradient-mixed": "✓", NLS: "✓", PLS: "" } });
  assert.deepEqual(t8.labelColumns, ["Backbone", "Gradient-mixed", "NLS", "PLS"]);
  // Options are relative to the method's base options (its defaults or the selection): |α| is the base's own.
  const opts = (id: string, base: Record<string, unknown>) =>
    requests.find((r) => r.variant === id)!.options as (b: typeof base) => unknown;
  assert.deepEqual(opts("ga+nls", { smoothRate: -0.3 })({ smoothRate: -0.3 }), { mixWeight: 0, smoothRate: -0.3 });
  assert.deepEqual(opts("ga+gm+pls", { smoothRate: -0.3 })({ smoothRate: -0.3 }), { smoothRate: 0.3 });
  assert.deepEqual(opts("ft", { smoothRate: -0.3 })({ smoothRate: -0.3 }), { mixWeight: 1, smoothRate: 0 });
  assert.deepEqual((ablationRuns(table8({ rate: 0.4 }))[3].options as (b: object) => unknown)({ smoothRate: -9 }), {
    mixWeight: 0,
    smoothRate: -0.4,
  });
  assert.equal(table8({ retrain: false }).variants.length, 10);

  const f3 = ablationRuns(fig3());
  assert.deepEqual(f3.slice(1).map((r) => r.variant), FIG3_RATES.map((a) => `ugradsl+@${a}`));
  assert.deepEqual(f3[1].tags, { ablation: "fig3", labels: { Method: "ugradsl+", "Smooth rate α": String(FIG3_RATES[0]) } });
  assert.ok(FIG3_RATES.includes(0) && FIG3_RATES.some((a) => a > 0) && FIG3_RATES.some((a) => a < 0), "both signs and 0");
  assert.deepEqual(ablationRuns(fig3({ method: "ugradsl", rates: [-1], retrain: false })).map((r) => [r.method, r.variant]), [[
    "ugradsl",
    "ugradsl@-1",
  ]]);

  const t14 = ablationRuns(table14({ epochs: 4 }));
  assert.ok(t14.every((r) => r.perEpoch === true && r.tags!.ablation === "table14"));
  assert.deepEqual(t14.map((r) => r.method), ["retrain", "ga", "ft", "ugradsl", "ugradsl+"]);
  assert.deepEqual((t14[1].options as (b: object) => unknown)({ stopRule: "forget-acc" }), { epochs: 4, stopRule: "none" });
  assert.deepEqual((t14[2].options as (b: object) => unknown)({ epochs: 10 }), { epochs: 4 }, "FT has no stop rule to turn off");

  const ad = adaptive();
  const perMethod = 2 + (ADAPTIVE_FORMS.length - 1) + (ADAPTIVE_SPACES.length - 1) + (ADAPTIVE_METRICS.length - 1);
  assert.equal(ad.variants.length, 1 + 2 * perMethod);
  assert.equal(new Set(ad.variants.map((v) => v.id)).size, ad.variants.length, "unique variant ids");
  assert.deepEqual(ablationRuns(ad)[1].tags!.labels, { Method: "ugradsl", Rate: "fixed", Form: "", Space: "", Metric: "" });

  // Sweeps of the mixing weight p and the adaptive threshold β: one option changed per variant.
  const p = ablationRuns(mixWeightSweep({ values: [0, 0.5], retrain: false }));
  assert.deepEqual(p.map((r) => [r.method, r.variant, (r.options as () => unknown)()]), [
    ["ugradsl", "ugradsl@p=0", { mixWeight: 0 }],
    ["ugradsl", "ugradsl@p=0.5", { mixWeight: 0.5 }],
  ]);
  assert.deepEqual(p[0].tags, { ablation: "mixweight", labels: { Method: "ugradsl", "Mixing weight p": "0" } });
  const beta = ablationRuns(thresholdSweep({ method: "ugradsl+", values: [0.3] }));
  assert.deepEqual(beta.map((r) => r.variant), ["retrain", "ugradsl+@fixed", "ugradsl+@β=0.3"]);
  assert.deepEqual((beta[1].options as () => unknown)(), { adaptive: false });
  assert.deepEqual((beta[2].options as () => unknown)(), { adaptive: true, adaptiveThreshold: 0.3 });

  // The forget-set size sweep: Retrain (the reference) and the core methods, ids and labels naming the share.
  assert.deepEqual(FORGET_FRACTIONS, [0.01, 0.05, 0.1, 0.2, 0.5]);
  const size = ablationRuns(forgetSizeSweep({ fraction: 0.05 }));
  assert.deepEqual(size.map((r) => r.variant), ["retrain@5%", "ft@5%", "ga@5%", "ugradsl@5%", "ugradsl+@5%"]);
  assert.deepEqual(size[0].tags, { ablation: "forgetsize", labels: { "Forget set": "5%", Method: "retrain" }, reference: true });
  assert.equal(size[1].options, undefined, "the methods keep their own options");

  assert.deepEqual(Object.keys(ABLATIONS), ["table8", "fig3", "table14", "adaptive", "mixweight", "threshold"]);
  assert.throws(
    () => ablationSpecByName("table9"),
    /unknown ablation "table9": valid values are table8, fig3, table14, adaptive, mixweight, threshold/,
  );
});

Deno.test("Table 8 turns gradient mixing and the smoothing sign on and off, nothing else", async () => {
  const spec = table8({ rate: 0.4 });
  const rows = await run("t8", spec, { paradigms: ["classwise", "random"], metrics: ["UA", "MIA", "RA", "TA", "VA", "AvgGap", "Sum"] });
  assert.equal(rows.length, 2 * 11);
  assert.ok(rows.every((r) => r.status === "ok" && r.tags.ablation === "table8"), rows.map((r) => r.error).join());
  const rec = (id: string) => rows.find((r) => r.variant === id && r.paradigm === "random")!;
  const opt = (id: string) => rec(id).methodOptions;
  assert.equal(opt("ga").mixWeight, 0);
  assert.equal(opt("ga").smoothRate, 0);
  assert.equal(opt("ga+nls").smoothRate, -0.4);
  assert.equal(opt("ga+gm+pls").smoothRate, 0.4);
  assert.ok(Number(opt("ga+gm").mixWeight) > 0);
  assert.equal(opt("ft").mixWeight, 1);
  assert.equal(opt("ft+gm+nls").mixWeight, opt("ft+gm").mixWeight);
  // Besides the ablated options, a variant keeps its method's options; the record says which were changed.
  const { mixWeight: _a, smoothRate: _b, ...gaRest } = opt("ga");
  const { mixWeight: _c, smoothRate: _d, ...gmRest } = opt("ga+gm+nls");
  assert.deepEqual(gaRest, gmRest);
  assert.deepEqual(rec("ga").optionLayers.overrides, { mixWeight: 0, smoothRate: 0 });
  assert.deepEqual(rec("ga+gm+nls").tags.labels, { Backbone: "GA", "Gradient-mixed": "✓", NLS: "✓", PLS: "" });
  assert.equal(rec("retrain").tags.reference, true);
  assert.equal(rec("retrain").metrics.AvgGap, 0);
  assert.ok(Number.isFinite(rec("ga+gm").metrics.AvgGap), "measured against the ablation's own Retrain row");
  assert.equal(rec("ga").runId, "table8/synthetic/random/ugradsl[ga]/seed0");
  // The table from the records read back: label columns, VA beside the paper's metrics, one block per paradigm.
  const table = toMarkdown(ablationTable(await readRecords([`${root}/t8`]), spec));
  assert.match(table, /\| Backbone \| Gradient-mixed \| NLS \| PLS \| UA \| MIA \| RA \| TA \| VA \| Avg\. Gap \| Sum \| RTE \(s\) \|/);
  assert.match(table, /\| Retrain \| {2}\| {2}\| {2}\| [\d.]+ \|/);
  assert.match(table, /\| GA \| ✓ \| ✓ \| {2}\| [\d.]+ \|/);
  assert.equal(table.match(/^\*\*synthetic · /gm)!.length, 2);
  // Without a rate, |α| is each backbone method's own base smoothRate.
  const own = await run("t8-own", table8({ retrain: false }), { metrics: ["UA"] });
  assert.equal(own.find((r) => r.variant === "ga+nls")!.methodOptions.smoothRate, -Math.abs(baseSmoothRate("ugradsl")));
  assert.equal(own.find((r) => r.variant === "ft+gm+pls")!.methodOptions.smoothRate, Math.abs(baseSmoothRate("ugradsl+")));
});

Deno.test("Table 14 measures the model after every unlearning epoch; epoch 0 is the original", async () => {
  const spec = table14({ methods: ["ga", "ugradsl+"], epochs: 3 });
  const rows = await run("t14", spec);
  const original = await run("t14-original", { ...table14({ methods: ["ft"], retrain: false }), perEpoch: false }, {
    runs: [{ method: "ft", options: { epochs: 0 } }],
  });
  for (const method of ["ga", "ugradsl+"]) {
    const mine = rows.filter((r) => r.variant === method);
    assert.deepEqual(mine.map((r) => r.tags.epoch), [0, 1, 2, 3, undefined], method);
    assert.equal(mine[0].runId, `table14/synthetic/classwise/${method}[${method}]/seed0/epoch0`);
    assert.equal(mine[0].rteSeconds, 0);
    // Epoch 0 is the original model: FT with no epochs returns it unchanged.
    assert.deepEqual(mine[0].metrics, original[0].metrics, `${method}: epoch 0 is the original`);
    const end = mine.at(-1)!;
    const last = mine[3];
    assert.deepEqual(last.metrics, end.metrics, `${method}: the last epoch is the end state`);
    assert.ok(last.rteSeconds <= end.rteSeconds + 1e-9);
    assert.ok(mine.every((r) => r.configHash === end.configHash), "snapshots are one configuration");
    assert.deepEqual(last.history.map((h) => h.epoch), [3]);
  }
  assert.equal(rows.find((r) => r.variant === "ga")!.methodOptions.stopRule, "none");
  assert.equal(rows.find((r) => r.variant === "ga")!.methodOptions.epochs, 3);
  // The reference row has no snapshots.
  assert.deepEqual(rows.filter((r) => r.method === "retrain").map((r) => r.tags.epoch), [undefined]);
  const table = ablationTable(rows, spec);
  assert.match(toMarkdown(table), /\| Method \| Epoch \| UA/);
  assert.deepEqual(table.rows.filter((r) => r.method === "ga").map((r) => r.epoch), [0, 1, 2, 3, undefined]);
  // Resumed: the snapshots are read back with the end state, nothing recomputed.
  let fresh = 0;
  await run("t14", spec, {}, { onRecord: (_r, resumed) => void (resumed || fresh++) });
  assert.equal(fresh, 0);
});

Deno.test("Fig. 3 and the adaptive ablation run their variants", async () => {
  const f = await run("fig3", fig3({ rates: [0.5, 0, -1], retrain: false }));
  assert.deepEqual(f.map((r) => r.methodOptions.smoothRate), [0.5, 0, -1]);
  assert.deepEqual(f.map((r) => r.variant), ["ugradsl+@0.5", "ugradsl+@0", "ugradsl+@-1"]);
  const spec = adaptive({ methods: ["ugradsl"], retrain: false });
  assert.equal(spec.variants.length, 7);
  const a = await run("adaptive", spec, { metrics: ["UA"] });
  assert.equal(a.length, 7);
  assert.equal(a.find((r) => r.variant === "ugradsl/fixed")!.methodOptions.adaptive, false);
  assert.equal(a.find((r) => r.variant === "ugradsl/space=logits")!.methodOptions.adaptiveSpace, "logits");
  assert.equal(
    a.find((r) => r.variant === "ugradsl/default")!.methodOptions.adaptiveThreshold,
    defaultsOf(methodSpec("ugradsl").options).adaptiveThreshold,
    "β stays the method's own",
  );
  assert.ok(a.every((r) => r.status !== "failed"), a.map((r) => r.error).join());
});
