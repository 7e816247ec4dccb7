/**
 * What displays itself in a notebook: an object carrying a `Symbol.for("Jupyter.display")` method that
 * returns its MIME bundle (Deno's kernel calls it; `show` in display.ts does too). Tables of rows, verdicts
 * and data frames use this; figures go through `show`'s own bundle.
 */

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export const escapeHtml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** `value` with a display method giving `text/html` and `text/plain` (computed when displayed). */
export function displayable<T extends object>(value: T, html: () => string, text: () => string): T {
  Object.defineProperty(value, JUPYTER_DISPLAY, { value: () => ({ "text/html": html(), "text/plain": text() }), enumerable: false });
  return value;
}

const cell = (v: unknown) =>
  typeof v === "number"
    ? Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4)
    : String(v ?? "");

/** Rows of plain values as a table that displays itself (HTML in a notebook, aligned text elsewhere). */
export function rowsTable(rows: Record<string, unknown>[], caption = ""): { rows: Record<string, unknown>[]; caption: string } {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = () => {
    const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
    return [
      caption,
      cols.map((c, i) => c.padEnd(widths[i])).join("  "),
      ...rows.map((r) => cols.map((c, i) => cell(r[c]).padEnd(widths[i])).join("  ")),
    ].filter((l) => l !== "").join("\n");
  };
  const html = () =>
    `<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ""}<thead><tr>${
      cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")
    }</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(cell(r[c]))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  return displayable({ rows, caption }, html, text);
}
