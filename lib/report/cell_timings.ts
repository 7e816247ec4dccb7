/**
 * Where an executed notebook's time went, from what nbclient records in each code cell's metadata
 * (`metadata.execution`: `iopub.execute_input` when the kernel began the cell, `shell.execute_reply` when it
 * answered; nbconvert's ExecutePreprocessor records them by default). The kernel's start-up is the time
 * before the first cell began, measured from when the caller started nbconvert.
 */

/** One code cell's wall time and the first line of its source (to say which cell it was). */
export interface CellTiming {
  /** Index among the notebook's code cells, from 0. */
  cell: number;
  firstLine: string;
  seconds: number;
}

export interface NotebookTimings {
  cells: CellTiming[];
  /** Seconds from `startedAt` (when nbconvert was started) to the first cell's start; null without `startedAt`. */
  startupSeconds: number | null;
  /** First cell's start to last cell's reply. */
  cellsSeconds: number;
}

interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; metadata?: { execution?: Record<string, string> } }[];
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

/**
 * Each executed code cell's seconds (cells without both marks are skipped: not executed, or executed by a
 * client that does not record timing). `startedAt` (epoch ms) gives the start-up before the first cell.
 */
export function cellTimings(nb: NotebookJson, startedAt?: number): NotebookTimings {
  const code = nb.cells.filter((c) => c.cell_type === "code");
  const cells: CellTiming[] = [];
  let first: string | undefined;
  let last: string | undefined;
  code.forEach((c, i) => {
    const e = c.metadata?.execution;
    const begin = e?.["iopub.execute_input"];
    const end = e?.["shell.execute_reply"];
    if (!begin || !end) return;
    first ??= begin;
    last = end;
    const source = Array.isArray(c.source) ? c.source.join("") : c.source;
    const firstLine = source.split("\n").find((l) => l.trim() && !l.trim().startsWith("//"))?.trim() ?? "";
    cells.push({ cell: i, firstLine: firstLine.slice(0, 80), seconds: round2(seconds(begin, end)) });
  });
  return {
    cells,
    startupSeconds: startedAt !== undefined && first ? round2((Date.parse(first) - startedAt) / 1000) : null,
    cellsSeconds: first && last ? round2(seconds(first, last)) : 0,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
