/**
 * Figures of the theory checks (lib/theory/): Plotly figure specs like every other figure of the kit
 * (figure.ts), shown by `show` (display.ts) and exported by `deno task figures` (chapters 01-03).
 */
import type { Figure5Result } from "../theory/figure5.ts";
import type { Theorem1Result } from "../theory/theorem1.ts";
import type { Theorem2Result } from "../theory/theorem2.ts";
import type { Theorem3Result } from "../theory/theorem3.ts";
import type { PlotlyFigure } from "./figure.ts";
import { captioned, PALETTE, symlogAxis } from "./figure.ts";

interface Trace {
  type: "scatter" | "bar";
  name: string;
  x: number[];
  y: number[];
  mode?: "lines" | "markers" | "lines+markers";
  text?: string[];
  line?: { dash?: "solid" | "dash" | "dot"; color?: string };
  marker?: { color?: string; symbol?: string; size?: number };
  opacity?: number;
}

interface Axis {
  title: { text: string };
  type?: "linear" | "log";
  range?: [number, number];
  [key: string]: unknown;
}

/** A log axis labelled 10⁻⁴, as a paper writes it, not with plotly's SI prefixes ("100μ"). */
const power = (a: Axis): Axis => (a.type === "log" ? { exponentformat: "power", ...a } : a);

/**
 * A theory figure with its caption. `symlogX` puts x (a signed smooth rate α) on a symmetric-log axis
 * (figure.ts `symlogAxis`): the traces' x values are transformed and the ticks name the real α.
 */
function figure(title: string, x: Axis, y: Axis, data: Trace[], caption: string, symlogX = false): PlotlyFigure {
  const log = symlogX ? symlogAxis(data.flatMap((t) => t.x), x.title.text) : undefined;
  const fig: PlotlyFigure = {
    data: data.map((t, i) => {
      const color = t.line?.color ?? t.marker?.color ?? PALETTE[i % PALETTE.length];
      const xs = log ? { x: t.x.map(log.at), customdata: t.x, hovertemplate: "α = %{customdata}<br>%{y}<extra></extra>" } : {};
      return { ...t, ...xs, marker: { size: 6, ...t.marker, color }, line: { ...t.line, color } };
    }),
    layout: {
      title: { text: title },
      xaxis: power(log ? { ...x, ...log.axis } : x),
      yaxis: power(y),
      width: 820,
      height: 460,
    },
  };
  const axisNote = log ? ` x axis: symmetric-log, x = sign(α)·log10(1 + |α|/${Number(log.c.toPrecision(3))}), ticks at the real α.` : "";
  return captioned(fig, caption + axisNote);
}

/** Theorem 1: distance to θ_r after GA against before, per forget set; points above y = x moved away. */
export function theorem1Figure(r: Theorem1Result): PlotlyFigure {
  const lo = Math.min(...r.rows.flatMap((w) => [w.distOriginal, w.distInfluence, w.distPlain]).filter((v) => v > 0));
  const hi = Math.max(...r.rows.flatMap((w) => [w.distOriginal, w.distInfluence, w.distPlain]));
  const traces: Trace[] = [];
  for (const kind of [...new Set(r.rows.map((w) => w.kind))]) {
    const rows = r.rows.filter((w) => w.kind === kind);
    traces.push({
      type: "scatter",
      mode: "markers",
      name: `${kind}: influence GA`,
      x: rows.map((w) => w.distOriginal),
      y: rows.map((w) => w.distInfluence),
      text: rows.map((w) => w.label),
    });
    traces.push({
      type: "scatter",
      mode: "markers",
      name: `${kind}: plain GA`,
      x: rows.map((w) => w.distOriginal),
      y: rows.map((w) => w.distPlain),
      text: rows.map((w) => w.label),
      marker: { symbol: "x" },
    });
  }
  traces.push({
    type: "scatter",
    mode: "lines",
    name: "y = x (no progress)",
    x: [lo, hi],
    y: [lo, hi],
    line: { dash: "dash", color: "#777" },
  });
  return figure(
    "Theorem 1: ‖θ_r − θ_GA‖ vs ‖θ_r − θ_o‖ per forget set",
    { title: { text: "‖θ_r − θ_o‖ (before)" }, type: "log" },
    { title: { text: "‖θ_r − θ_GA‖ (after)" }, type: "log" },
    traces,
    `Points: one per forget set (n = ${r.rows.length}: ${
      [...new Set(r.rows.map((w) => w.kind))].map((k) => `${r.rows.filter((w) => w.kind === k).length} ${k}`).join(", ")
    }), each a deterministic run on the convex model (no seeds, so no whiskers); above the dashed y = x, GA moved away from θ_r. Both axes log.`,
  );
}

/** Theorem 2: ‖θ_r − θ_{GA+GLS}(α)‖ predicted (Eq. 5) and measured, over the α sweep. */
export function theorem2Figure(r: Theorem2Result, alphaRange?: [number, number]): PlotlyFigure {
  const inRange = (a: number) => !alphaRange || (a >= alphaRange[0] && a <= alphaRange[1]);
  const pts = r.sweep.filter((p) => inRange(p.alpha));
  const plain = pts.filter((p) => p.plain !== null);
  const traces: Trace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: "predicted ‖a + c·b‖ (Eq. 5)",
      x: pts.map((p) => p.alpha),
      y: pts.map((p) => p.predicted),
      line: { dash: "dash" },
    },
    {
      type: "scatter",
      mode: "lines+markers",
      name: "measured: influence step, exact θ_r",
      x: pts.map((p) => p.alpha),
      y: pts.map((p) => p.influence),
    },
    {
      type: "scatter",
      mode: "lines+markers",
      name: "measured: natural GA run",
      x: pts.map((p) => p.alpha),
      y: pts.map((p) => p.natural),
    },
    {
      type: "scatter",
      mode: "markers",
      name: "measured: plain GA run",
      x: plain.map((p) => p.alpha),
      y: plain.map((p) => p.plain!),
      marker: { symbol: "x", size: 9 },
    },
  ];
  return figure(
    `Theorem 2 (${r.forget.label}, |D_f| = ${r.forget.size}): distance to θ_r over α`,
    { title: { text: "α (smooth rate; < 0 is NLS)" } },
    { title: { text: "‖θ_r − θ_{GA+GLS}(α)‖" }, type: "log" },
    traces,
    `Lines: one deterministic run on the convex model per α (n = ${pts.length} values of α; no seeds, so no whiskers); ` +
      "dashed: the distance Eq. 5 predicts. y axis log.",
    true,
  );
}

/** Figure 5: histogram of cos(Δθ_r − Δθ_f, Δθ_n − Δθ_f) over single-sample forget sets (sign = the inner product's). */
export function figure5Figure(results: Figure5Result[]): PlotlyFigure {
  const traces: Trace[] = results.map((r) => {
    const e = r.cosineHistogram.edges;
    return {
      type: "bar",
      name: `${r.model.split(" (")[0].split(",")[0]} (${(100 * r.shareNonPositive).toFixed(1)}% ≤ 0)`,
      x: r.cosineHistogram.counts.map((_, i) => (e[i] + e[i + 1]) / 2),
      y: r.cosineHistogram.counts,
      opacity: 0.6,
    };
  });
  const f = figure(
    "Figure 5: per-sample cos(Δθ_r − Δθ_f, Δθ_n − Δθ_f)",
    { title: { text: "cosine (its sign is the inner product's)" }, range: [-1, 1] },
    { title: { text: "samples" } },
    traces,
    `Bars: number of single-sample forget sets per cosine bin, overlaid per model (n = ${
      results.map((r) => r.cosineHistogram.counts.reduce((a, b) => a + b, 0)).join(" and ")
    } samples); the share ≤ 0 is in the legend. Each is a deterministic computation (no seeds).`,
  );
  f.layout.barmode = "overlay";
  return f;
}

/** Theorem 3: predicted ε against the trained model's ε on D_f, over admissible α. */
export function theorem3Figure(r: Theorem3Result): PlotlyFigure {
  const pts = r.points.filter((p) => p.admissible);
  return figure(
    `Theorem 3 (${r.forget.label}): ε over α, γ1 = ${r.gamma1}, γ2 = ${r.gamma2}`,
    { title: { text: "smooth rate α" } },
    { title: { text: "ε (label LDP level)" } },
    [
      {
        type: "scatter",
        mode: "lines+markers",
        name: "predicted ε = |log((K/α)(1 − γ1/γ2) + 1 − K)|",
        x: pts.map((p) => p.alpha),
        y: pts.map((p) => p.epsilonPredicted),
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "measured: max over D_f of log(max p / min p)",
        x: pts.map((p) => p.alpha),
        y: pts.map((p) => p.epsilonMax),
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "measured: median over D_f",
        x: pts.map((p) => p.alpha),
        y: pts.map((p) => p.epsilonMedian),
      },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "measured: median |log(p_y / mean p_y')|",
        x: pts.map((p) => p.alpha),
        y: pts.map((p) => p.epsilonTrueMedian),
      },
    ],
    `Points: one trained model per admissible α (n = ${pts.length} values of α; deterministic, no seeds, ` +
      `so no whiskers); measured ε are over the ${r.forget.size} samples of D_f.`,
    true,
  );
}
