/**
 * Figures of the theory checks (lib/theory/): Plotly figure specs like every other figure of the kit
 * (figure.ts), shown by `show` (display.ts) and exported by `deno task figures` (chapters 01-03).
 */
import type { Figure5Result } from "../theory/figure5.ts";
import type { Theorem1Result } from "../theory/theorem1.ts";
import type { Theorem2Result } from "../theory/theorem2.ts";
import type { Theorem3Result } from "../theory/theorem3.ts";
import type { PlotlyFigure } from "./figure.ts";
import { PALETTE } from "./figure.ts";

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
}

function figure(title: string, x: Axis, y: Axis, data: Trace[]): PlotlyFigure & { layout: { barmode?: string } } {
  return {
    data: data.map((t, i) => {
      const color = t.line?.color ?? t.marker?.color ?? PALETTE[i % PALETTE.length];
      return { ...t, marker: { size: 6, ...t.marker, color }, line: { ...t.line, color } };
    }),
    layout: { title: { text: title }, xaxis: x, yaxis: y, width: 760, height: 440 },
  };
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
  );
  f.layout.barmode = "overlay";
  return f;
}

/** Theorem 3: predicted ε against the trained model's ε on D_f, over admissible α. */
export function theorem3Figure(r: Theorem3Result): PlotlyFigure {
  const pts = r.points.filter((p) => p.admissible);
  return figure(
    `Theorem 3 (${r.forget.label}): ε over α, γ1 = ${r.gamma1}, γ2 = ${r.gamma2}`,
    { title: { text: "α" } },
    { title: { text: "ε" } },
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
  );
}
