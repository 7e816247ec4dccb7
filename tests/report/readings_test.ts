/** The quickstart's Reading is written from the records: its numbers and its wording follow them. */
import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/record.ts";
import { quickstartReading } from "../../lib/report/readings.ts";
import { record } from "./_records.ts";

const CLASSES = ["class 1 (Trouser)", "class 3 (Dress)", "class 8 (Bag)"];

/** Retrain, GA and UGradSL+ on three seeds; UGradSL+'s TA is Retrain's minus `taLoss` (± 0.5 by seed). */
function quickRecords(taLoss: number, seeds = [0, 1, 2]): RunRecord[] {
  const selection = { file: "s.json", entry: "e", name: "R", source: "summary.md (point 10)", options: {} };
  return seeds.flatMap((seed) => {
    const split = (r: RunRecord) => ({ ...r, split: { ...r.split, forgotten: { description: CLASSES[seed] } } });
    const ugradslPlus = record("ugradsl+", seed, { UA: 100, MIA: 100, RA: 80, TA: 86 - taLoss + 0.5 * (seed - 1) }, {
      methodOptions: { smoothRate: -0.974, mixWeight: 0.881, learningRate: 9.19e-5, epochs: 3 },
      optionLayers: { defaults: {}, selection, overrides: {} },
      rteSeconds: 0.7,
    });
    return [
      split(record("retrain", seed, { UA: 100, MIA: 100, RA: 99, TA: 86 }, { rteSeconds: 6.5 })),
      split(record("ga", seed, { UA: 100, MIA: 100, RA: 93, TA: 83 })),
      split(ugradslPlus),
    ];
  });
}

Deno.test("quickstartReading: a large TA loss is read as a loss beyond the margin, with the options and classes used", () => {
  const text = quickstartReading(quickRecords(17));
  assert.match(text, /seed 0: class 1 \(Trouser\); seed 1: class 3 \(Dress\); seed 2: class 8 \(Bag\)/);
  assert.match(
    text,
    /UGradSL\+ UA 100\.00 against Retrain's 100\.00 \(UGradSL\+ − Retrain = 0\.00 \[0\.00, 0\.00\], n = 3\): within 5 points/,
  );
  assert.match(text, /UGradSL\+ TA 69\.00 against Retrain's 86\.00 \(UGradSL\+ − Retrain = -17\.00 \[-18\.24, -15\.76\], n = 3\)/);
  assert.match(text, /loses more than 5 points of TA/);
  assert.match(text, /α = -0\.974, p = 0\.881, learning rate 0\.0000919, 3 epoch\(s\), from the search's \(R\) selection/);
  assert.match(text, /UGradSL\+ − GA in TA = -14\.00/);
  assert.match(text, /UGradSL\+ took 0\.70 s against Retrain's 6\.50 s/);
});

Deno.test("quickstartReading: a small loss reads as kept; one seed or a straddling interval is not decided", () => {
  assert.match(quickstartReading(quickRecords(1)), /keeps TA within 5 points of Retrain/);
  assert.match(quickstartReading(quickRecords(5)), /not decided at this number of seeds/);
  const one = quickstartReading(quickRecords(17, [0]));
  assert.match(one, /-17\.50 \(n = 1, no interval\)/);
  assert.match(one, /not decided at this number of seeds \(one seed: on it UGradSL\+ is 17\.50 points below Retrain\)/);
  assert.match(quickstartReading(quickRecords(17).filter((r) => r.method !== "ugradsl+")), /no finished Retrain and UGradSL\+ pair/);
});
