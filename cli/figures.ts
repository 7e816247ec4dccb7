/**
 * `deno task figures [ids…] [--quick] [--out DIR]`: every figure the notebooks show, rebuilt from their
 * records (lib/report/chapters.ts) and written to results/figures/<id>_<name>.svg, .png (3×, print resolution), .pdf
 * (Chromium's print of the SVG), .json, and the caption beside it (.txt, .tex), at a print size (--size), drawn
 * by the local plotly.js in Debian's headless Chromium (lib/report/figures.ts). Notebooks that have not
 * been run in the chosen mode are skipped with a line saying so.
 */
import { chromiumPath, kitPath, ROOT } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { CHAPTERS, chapterSpec } from "../lib/report/chapters.ts";
import { exportFigures } from "../lib/report/figures.ts";
import type { PlotlyFigure } from "../lib/report/figure.ts";
import { parseFlags, runCommand } from "./flags.ts";

const HELP = `deno task figures [ID…] [--quick] [--out DIR] [--size double|column|none]

Renders the figures of notebooks ${Object.keys(CHAPTERS).sort().join(", ")} (default: all) from their records:
  full mode (default): results/notebooks/<id>/, written to results/figures/
  --quick            : tmp/notebooks/<id>/ (what UNLEARN_QUICK=1 runs wrote), written to tmp/figures/
  --out DIR          : write there instead
  --size double      : print width: double (two columns, 7 in; default), column (one column, 3.3 in),
                       none (the notebook's own size); fonts print at ≥ 7 pt at the preset's width
Each figure: .pdf (vector), .png (3×), .svg, .json, and its caption beside it: .txt and .tex (\\input it).
Needs Chromium (Debian: bash scripts/setup.sh --figures; or set UNLEARN_CHROMIUM).`;

const FLAGS = {
  quick: { type: "boolean" as const, doc: "quick-mode records" },
  out: { type: "string" as const, doc: "output folder" },
  size: { type: "string" as const, default: "double", doc: "print width: double, column or none" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

export async function figuresMain(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, FLAGS, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const mode = values.quick ? "quick" : "full";
  const out = values.out ? kitPath(values.out as string) : `${ROOT}${mode === "quick" ? "tmp/figures" : "results/figures"}`;
  const ids = positionals.length ? positionals : Object.keys(CHAPTERS).sort();
  ids.forEach(chapterSpec);
  if (!chromiumPath()) {
    throw new KitError(
      "no Chromium found: install Debian's with `bash scripts/setup.sh --figures` (or set UNLEARN_CHROMIUM to a Chromium binary)",
    );
  }
  const figs: Record<string, PlotlyFigure> = {};
  for (const id of ids) {
    const data = await CHAPTERS[id].load(mode);
    if (data === null) {
      console.error(
        `${id}: skipped (no ${mode}-mode records; execute notebooks/${CHAPTERS[id].file}${
          mode === "quick" ? " with UNLEARN_QUICK=1" : ""
        })`,
      );
      continue;
    }
    const mine = CHAPTERS[id].figures(data);
    for (const [name, fig] of Object.entries(mine)) figs[`${id}_${name}`] = fig;
    console.error(`${id}: ${Object.keys(mine).length} figure(s)`);
  }
  if (Object.keys(figs).length === 0) throw new KitError(`nothing to render: no notebook has ${mode}-mode records`);
  const started = performance.now();
  const size = values.size as string;
  if (size !== "double" && size !== "column" && size !== "none") throw new KitError(`${size} is not double, column or none`, "--size");
  const written = await exportFigures(figs, out, { size });
  const rel = (p: string) => (p.startsWith(ROOT) ? p.slice(ROOT.length) : p);
  console.log(
    `wrote ${written.length} files (${Object.keys(figs).length} figures × svg, png at 3×, pdf, json, txt, tex; size ${size}) to ${
      rel(out)
    }/ in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

if (import.meta.main) await runCommand("figures", figuresMain);
