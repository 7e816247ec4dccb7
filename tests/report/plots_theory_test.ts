/** The theory checks' figures are ordinary kit figures: Plotly specs drawn by the one SVG renderer. */
import assert from "node:assert/strict";
import { syntheticTheoryData } from "../../lib/theory/data.ts";
import { forgetSets, trainOriginal } from "../../lib/theory/influence.ts";
import { theorem1Check } from "../../lib/theory/theorem1.ts";
import { theorem2Check } from "../../lib/theory/theorem2.ts";
import { theorem1Figure, theorem2Figure } from "../../lib/report/plots_theory.ts";
import { figureToSvg } from "../../lib/report/svg.ts";
import { figureText } from "../../lib/report/display.ts";

const data = syntheticTheoryData({ n: 60, dim: 3, numClasses: 3, separation: 1, seed: 2 });
const o = trainOriginal(data, 10);
const sets = forgetSets(data, o.trainRows, { classes: 1, fractions: [0.1], setsPerFraction: 2, seed: 1 });

type Trace = { name: string; x: number[]; y: number[] };

Deno.test("theory figure specs carry one trace per series and render to a well-formed SVG", () => {
  const f1 = theorem1Figure(theorem1Check(o, sets));
  assert.equal((f1.layout.xaxis as { type: string }).type, "log");
  assert.ok((f1.data as Trace[]).every((t) => t.x.length === t.y.length));
  const f2 = theorem2Figure(theorem2Check(o, sets[0]));
  assert.equal(f2.data.length, 4);
  for (const f of [f1, f2]) {
    const svg = figureToSvg(f);
    assert.ok(svg.startsWith("<svg") && svg.endsWith("</svg>"));
    assert.ok(!svg.includes("NaN"), "no NaN coordinates");
    for (const t of f.data as Trace[]) assert.ok(svg.includes(t.name.replace(/&/g, "&amp;").replace(/</g, "&lt;")), t.name);
    assert.match(figureText(f), /^\[figure\] Theorem [12]/);
  }
});
