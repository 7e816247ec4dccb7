/**
 * Figures for the theory notebooks: each function returns a Plotly figure spec (data + layout), type-checked
 * here rather than in a notebook cell. `show` displays one in Jupyter as a Plotly bundle plus a static SVG
 * (drawn by `toSvg`, a tiny renderer for the few trace kinds used here; nbconvert and some editors drop the
 * Plotly bundle) and a text line.
 */
import { jupyter } from "../env.ts";
import type { Figure5Result } from "./figure5.ts";
import type { Theorem1Result } from "./theorem1.ts";
import type { Theorem2Result } from "./theorem2.ts";
import type { Theorem3Result } from "./theorem3.ts";

export interface Trace {
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

export interface Axis {
  title: { text: string };
  type?: "linear" | "log";
  range?: [number, number];
}

export interface Figure {
  data: Trace[];
  layout: { title: { text: string }; xaxis: Axis; yaxis: Axis; barmode?: "overlay"; width: number; height: number };
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function figure(title: string, x: Axis, y: Axis, data: Trace[]): Figure {
  return {
    data: data.map((t, i) => {
      const color = t.line?.color ?? t.marker?.color ?? COLORS[i % COLORS.length];
      return { ...t, marker: { size: 6, ...t.marker, color }, line: { ...t.line, color } };
    }),
    layout: { title: { text: title }, xaxis: x, yaxis: y, width: 760, height: 440 },
  };
}

/** Theorem 1: distance to θ_r after GA against before, per forget set; points above y = x moved away. */
export function theorem1Figure(r: Theorem1Result): Figure {
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
export function theorem2Figure(r: Theorem2Result, alphaRange?: [number, number]): Figure {
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
export function figure5Figure(results: Figure5Result[]): Figure {
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
export function theorem3Figure(r: Theorem3Result): Figure {
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

// ---------------------------------------------------------------------------------------------------
// A static SVG of the same spec.

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) if (e >= lo - 1e-9 && e <= hi + 1e-9) out.push(e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
  const mult = [1, 2, 5, 10].find((m) => (hi - lo) / (m * step) <= 6) ?? 10;
  const s = mult * step;
  const out: number[] = [];
  for (let i = Math.ceil(lo / s); i * s <= hi + 1e-12 * s; i++) out.push(Number((i * s).toPrecision(12)));
  return out;
}

/** Renders scatter (lines/markers) and bar traces with linear or log axes. */
export function toSvg(fig: Figure): string {
  const { width, height } = fig.layout;
  const m = { l: 70, r: 20, t: 40, b: 50 };
  const legendH = 16 * fig.data.length;
  const plotH = height - m.t - m.b - legendH;
  const logX = fig.layout.xaxis.type === "log";
  const logY = fig.layout.yaxis.type === "log";
  const tx = (v: number) => (logX ? Math.log10(v) : v);
  const ty = (v: number) => (logY ? Math.log10(v) : v);
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  const xs = fig.data.flatMap((t) => t.x.filter((v) => ok(v, logX)).map(tx));
  const ys = fig.data.flatMap((t) => t.y.filter((v) => ok(v, logY)).map(ty));
  if (fig.data.some((t) => t.type === "bar")) ys.push(0);
  let [x0, x1] = fig.layout.xaxis.range ?? [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const padY = 0.05 * (y1 - y0);
  y0 -= logY ? padY : fig.data.some((t) => t.type === "bar") ? 0 : padY;
  y1 += padY;
  const px = (v: number) => m.l + ((tx(v) - x0) / (x1 - x0)) * (width - m.l - m.r);
  const py = (v: number) => m.t + plotH - ((ty(v) - y0) / (y1 - y0)) * plotH;
  const fmt = (
    v: number,
    log: boolean,
  ) => (log ? `1e${v}` : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(0) : String(v));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(fig.layout.title.text)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks(x0, x1, logX)) {
    const x = m.l + ((t - x0) / (x1 - x0)) * (width - m.l - m.r);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${m.t + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${m.t + plotH + 14}" text-anchor="middle">${fmt(t, logX)}</text>`);
  }
  for (const t of ticks(y0, y1, logY)) {
    const y = m.t + plotH - ((t - y0) / (y1 - y0)) * plotH;
    out.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 4}" y="${y + 4}" text-anchor="end">${fmt(t, logY)}</text>`);
  }
  out.push(
    `<text x="${(m.l + width - m.r) / 2}" y="${m.t + plotH + 32}" text-anchor="middle">${esc(fig.layout.xaxis.title.text)}</text>`,
  );
  out.push(
    `<text transform="translate(16 ${m.t + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(fig.layout.yaxis.title.text)}</text>`,
  );
  const inside = (v: number, lo: number, hi: number) => v >= lo - 1e-9 && v <= hi + 1e-9;
  fig.data.forEach((t, i) => {
    const color = t.marker?.color ?? t.line?.color ?? COLORS[i % COLORS.length];
    const pts = t.x.map((x, j) => [x, t.y[j]]).filter(([x, y]) => ok(x, logX) && ok(y, logY) && inside(tx(x), x0, x1));
    if (t.type === "bar") {
      const w = pts.length > 1 ? Math.abs(px(pts[1][0]) - px(pts[0][0])) : 10;
      for (const [x, y] of pts) {
        out.push(
          `<rect x="${px(x) - w / 2}" y="${py(y)}" width="${w}" height="${py(Math.max(y0, 0)) - py(y)}" fill="${color}" opacity="${
            t.opacity ?? 0.7
          }"/>`,
        );
      }
    } else {
      if (t.mode !== "markers" && pts.length > 1) {
        const dash = t.line?.dash === "dash" ? ` stroke-dasharray="6 4"` : t.line?.dash === "dot" ? ` stroke-dasharray="2 3"` : "";
        out.push(
          `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash} points="${
            pts.map(([x, y]) => `${px(x)},${py(y)}`).join(" ")
          }"/>`,
        );
      }
      if (t.mode !== "lines") {
        for (const [x, y] of pts) {
          out.push(
            t.marker?.symbol === "x"
              ? `<path d="M${px(x) - 3},${py(y) - 3}l6,6m0,-6l-6,6" stroke="${color}" stroke-width="1.5"/>`
              : `<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${color}"/>`,
          );
        }
      }
    }
    const ly = height - legendH + 16 * i;
    out.push(`<rect x="${m.l}" y="${ly - 8}" width="12" height="8" fill="${color}"/>`);
    out.push(`<text x="${m.l + 18}" y="${ly}">${esc(t.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Displays a figure in Jupyter (Plotly bundle, static SVG, text); outside Jupyter prints the text. */
export async function show(fig: Figure, text = fig.layout.title.text): Promise<void> {
  const j = jupyter();
  if (!j) {
    console.log(`[figure] ${text}`);
    return;
  }
  await j.display({ "application/vnd.plotly.v1+json": fig, "image/svg+xml": toSvg(fig), "text/plain": text }, {
    raw: true,
  });
}

/** Displays rows as an HTML table (plain text beside it); outside Jupyter prints console.table. */
export async function showTable(rows: Record<string, unknown>[], caption = ""): Promise<void> {
  const cell = (v: unknown) =>
    typeof v === "number"
      ? Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4)
      : String(v);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const j = jupyter();
  if (!j) {
    if (caption) console.log(caption);
    console.table(rows);
    return;
  }
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const text = [
    caption,
    cols.map((c, i) => c.padEnd(widths[i])).join("  "),
    ...rows.map((r) => cols.map((c, i) => cell(r[c]).padEnd(widths[i])).join("  ")),
  ].filter((l) => l !== "").join("\n");
  const html = `<table>${caption ? `<caption>${esc(caption)}</caption>` : ""}<thead><tr>${
    cols.map((c) => `<th>${esc(c)}</th>`).join("")
  }</tr></thead><tbody>${rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(cell(r[c]))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  await j.display({ "text/html": html, "text/plain": text }, { raw: true });
}
