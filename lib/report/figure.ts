/**
 * The one figure type of the kit: a Plotly figure spec (plain JSON `{data, layout}`), what every figure
 * builder returns (plots.ts for tables and sweeps, plots_mia.ts for the MIA/Streisand evidence,
 * plots_theory.ts for the theorems), what `show` displays (display.ts), what the SVG fallback draws
 * (svg.ts) and what `deno task figures` exports (figures.ts). Colours come from here too: each method's
 * own (its file's `display.color`), and one palette for everything else.
 */
import { METHODS } from "../unlearn/registry.ts";

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Colours for series that are not methods (metrics, sets, theory curves): Plotly's default cycle. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const SPARE = ["#843c39", "#7b4173", "#5254a3", "#6b6ecf", "#9c9ede", "#cedb9c", "#e7ba52", "#ad494a"];

/** A method's colour, the same in every figure: from its file (`display.color`), else a stable spare. */
export function methodColor(method: string): string {
  const own = METHODS[method]?.display.color;
  if (own) return own;
  let h = 0;
  for (const ch of method) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return SPARE[h % SPARE.length];
}

export const titled = (text: string) => ({ text });

/** The title of a figure, or "figure". */
export function figureTitle(fig: PlotlyFigure): string {
  const t = fig.layout.title as { text?: string } | string | undefined;
  return (typeof t === "string" ? t : t?.text) ?? "figure";
}
