/**
 * LaTeX beside the Markdown: a table of means ± 95% interval half-widths (booktabs), and a figure
 * snippet with its caption for `\input`. Unicode the kit writes in words (α, ±, −, ≤, D_f, ℓ1, ε…) becomes
 * LaTeX math, so a snippet compiles with pdflatex and the packages named in its header comment
 * (booktabs, graphicx).
 */
import type { Table } from "./table.ts";
import { columnTitle, formatStat, tableFootnote } from "./table.ts";
import { blockTitle, methodLabel } from "./figure.ts";

const UNICODE: [RegExp, string][] = [
  [/\bD_(f|r|te|tr)\b/g, "$D_{\\mathrm{$1}}$"],
  [/α/g, "$\\alpha$"],
  [/β/g, "$\\beta$"],
  [/γ/g, "$\\gamma$"],
  [/ε/g, "$\\varepsilon$"],
  [/ℓ1/g, "$\\ell_1$"],
  [/±/g, "$\\pm$"],
  [/−/g, "$-$"],
  [/≤/g, "$\\leq$"],
  [/≥/g, "$\\geq$"],
  [/×/g, "$\\times$"],
  [/→/g, "$\\rightarrow$"],
  [/↑/g, "$\\uparrow$"],
  [/∞/g, "$\\infty$"],
  [/†/g, "\\textdagger{}"],
  [/–/g, "--"],
  [/—/g, "---"],
  [/[“”]/g, '"'],
  [/’/g, "'"],
  [/·/g, "$\\cdot$"],
];

/** Plain text as LaTeX text: special characters escaped, the kit's Unicode as math. */
export function latexText(text: string): string {
  let out = text.replace(/<br>/g, " ").replace(/<[^>]+>/g, "");
  // Escape first (so the math we insert is not escaped), marking the inserted math with \u0000.
  out = out.replace(/\\/g, "\\textbackslash{}").replace(/([#$%&_{}])/g, "\\$1").replace(/\^/g, "\\^{}").replace(/~/g, "\\~{}");
  // D_f was escaped to D\_f: match that form.
  out = out.replace(/\bD\\_(f|r|te|tr)\b/g, "$D_{\\mathrm{$1}}$");
  for (const [re, tex] of UNICODE.slice(1)) out = out.replace(re, tex);
  // Merge adjacent math ("$\alpha$$-$" → "$\alpha-$" would be wrong; keep them apart with {}).
  return out.replace(/\$\$/g, "${}$");
}

/** A LaTeX label from a name: "04_metrics" → "fig:04-metrics". */
export function latexLabel(prefix: string, name: string): string {
  return `${prefix}:${name.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
}

/**
 * A figure environment for `\input{<name>.tex}`: the exported PDF at the preset's width (`\columnwidth`
 * or `\textwidth`), the caption (the figure's title, then its caption text) and a label.
 */
export function latexFigure(
  file: string,
  title: string,
  caption: string | undefined,
  options: { preset?: "column" | "double"; label?: string } = {},
): string {
  const wide = options.preset !== "column";
  const env = wide ? "figure*" : "figure";
  const label = options.label ?? latexLabel("fig", file.replace(/\.[a-z]+$/, ""));
  return [
    `% Written by unlearn-kit (deno task figures); needs \\usepackage{graphicx}.`,
    `\\begin{${env}}[t]`,
    `  \\centering`,
    `  \\includegraphics[width=${wide ? "\\textwidth" : "\\columnwidth"}]{${file}}`,
    `  \\caption{${latexText(title)}.${caption ? ` ${latexText(caption)}` : ""}}`,
    `  \\label{${label}}`,
    `\\end{${env}}`,
    "",
  ].join("\n");
}

/**
 * The table as LaTeX (booktabs): one block per data set · paradigm · model, methods in words
 * ("UGradSL+ (R)"), each cell the mean ± the half-width of its 95% interval over seeds, the footnote as
 * the caption. Needs \usepackage{booktabs}.
 */
export function toLatex(table: Table, options: { digits?: number; caption?: string; label?: string } = {}): string {
  const digits = options.digits ?? 2;
  const cols = table.columns;
  const head = ["Method", ...cols.map(columnTitle)].map(latexText).join(" & ");
  const lines = [
    `% Written by unlearn-kit from records alone; needs \\usepackage{booktabs}.`,
    `\\begin{table*}[t]`,
    `  \\centering`,
    `  \\small`,
    `  \\begin{tabular}{l${"r".repeat(cols.length)}}`,
    `    \\toprule`,
    `    ${head} \\\\`,
  ];
  let block = "";
  for (const row of table.rows) {
    if (row.block !== block) {
      block = row.block;
      lines.push(
        `    \\midrule`,
        `    \\multicolumn{${cols.length + 1}}{l}{\\textit{${latexText(blockTitle(block))}}} \\\\`,
        `    \\midrule`,
      );
    }
    const status = row.failed > 0 ? ` (${row.failed}/${row.runs} ${row.problems.join("/")})` : "";
    const epoch = row.epoch === undefined ? "" : `, epoch ${row.epoch}`;
    const cells = cols.map((c) => latexText(formatStat(row.cells[c], digits)));
    lines.push(`    ${latexText(methodLabel(row.method, row.variant, row.label) + epoch + status)} & ${cells.join(" & ")} \\\\`);
  }
  const caption = options.caption ?? tableFootnote(table).replace(/^_|_$/g, "");
  lines.push(
    `    \\bottomrule`,
    `  \\end{tabular}`,
    `  \\caption{${latexText(caption)}}`,
    ...(options.label ? [`  \\label{${options.label}}`] : []),
    `\\end{table*}`,
    "",
  );
  return lines.join("\n");
}
