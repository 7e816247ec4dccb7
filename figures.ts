/**
 * `deno task figures [ids…] [--quick] [--out DIR]`: every figure the notebooks show, rebuilt from their
 * records (lib/report/notebooks.ts) and written to results/figures/<id>_<name>.svg, .png and .json, drawn
 * by the local plotly.js in Debian's headless Chromium (lib/report/figures.ts). Notebooks that have not
 * been run in the chosen mode are skipped with a line saying so.
 */
import { parseArgs } from "node:util";
import { ROOT } from "./lib/notebook.ts";
import { exportFigures, findChromium } from "./lib/report/figures.ts";
import type { PlotlyFigure } from "./lib/report/plots.ts";
import { loadNotebookRecords, NOTEBOOKS } from "./lib/report/notebooks.ts";

const HELP = `deno task figures [ID…] [--quick] [--out DIR]

Renders the figures of notebooks ${Object.keys(NOTEBOOKS).sort().join(", ")} (default: all) from their records:
  full mode (default): results/notebooks/<id>/, written to results/figures/
  --quick            : tmp/notebooks/<id>/ (what UNLEARN_QUICK=1 runs wrote), written to tmp/figures/
  --out DIR          : write there instead
Needs Chromium (Debian: bash scripts/setup.sh --figures; or set UNLEARN_CHROMIUM).`;

function fail(message: string, code = 2): never {
  console.error(`error: ${message}`);
  Deno.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { quick: { type: "boolean" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
} catch (e) {
  fail(`${(e as Error).message}\n${HELP}`);
}
if (parsed.values.help) {
  console.log(HELP);
  Deno.exit(0);
}
const mode = parsed.values.quick ? "quick" : "full";
const out = parsed.values.out ?? `${ROOT}${mode === "quick" ? "tmp/figures" : "results/figures"}`;
const ids = parsed.positionals.length ? parsed.positionals : Object.keys(NOTEBOOKS).sort();
for (const id of ids) if (!NOTEBOOKS[id]) fail(`unknown notebook "${id}": valid ids are ${Object.keys(NOTEBOOKS).join(", ")}`);
if (!findChromium()) {
  fail("no Chromium found: install Debian's with `bash scripts/setup.sh --figures` (or set UNLEARN_CHROMIUM to a Chromium binary)", 1);
}

const figs: Record<string, PlotlyFigure> = {};
for (const id of ids) {
  const records = await loadNotebookRecords(id, mode);
  if (!records) {
    console.error(
      `${id}: skipped (no ${mode}-mode records; execute notebooks/${NOTEBOOKS[id].file}${mode === "quick" ? " with UNLEARN_QUICK=1" : ""})`,
    );
    continue;
  }
  const mine = NOTEBOOKS[id].figures(records);
  for (const [name, fig] of Object.entries(mine)) figs[`${id}_${name}`] = fig;
  console.error(`${id}: ${Object.keys(mine).length} figure(s) from ${records.length} records`);
}
if (Object.keys(figs).length === 0) fail(`nothing to render: no notebook has ${mode}-mode records`, 1);
const started = performance.now();
const written = await exportFigures(figs, out);
const rel = (p: string) => (p.startsWith(ROOT) ? p.slice(ROOT.length) : p);
console.log(
  `wrote ${written.length} files (${Object.keys(figs).length} figures × svg, png, json) to ${rel(out)}/ in ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s`,
);
