/**
 * A notebook built here calls show() on a bar chart with error bars, a table and the sample-image
 * heatmaps through the Deno kernel; the installed nbconvert executes it and exports it to HTML. The
 * saved bundles and the HTML must carry every figure as a non-empty image. (scripts/test.sh also runs
 * tests/browser/check_html.ts on every notebook it executed.)
 */
import assert from "node:assert/strict";
import { chromiumPath as findChromium } from "../../lib/env.ts";
import { checkExport, dataUriImages, tableBodyRows } from "./_html_figures.ts";
import { assertPrerequisites, executeNotebook, jupyterHome, notebookToHtml, ROOT } from "./_jupyter.ts";

const DIR = `${ROOT}tmp/browser/nbconvert`;

const code = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });

/** The notebook: lives under tmp/ so the kernel finds the checkout's deno.json (import map, node_modules). */
function tinyNotebook(): unknown {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: [
      code(
        [
          `import { show } from "../../../lib/report/display.ts";`,
          `import { metricBars, sampleImagesFigure } from "../../../lib/report/plots.ts";`,
          `import { buildTable } from "../../../lib/report/table.ts";`,
          `import { makeSynthetic } from "../../../lib/data/synthetic.ts";`,
          `import { handRecords } from "../../../tests/report/_records.ts";`,
          `const table = buildTable(handRecords());`,
        ].join("\n"),
      ),
      code("await show(metricBars(table), table);"),
      code("await show(sampleImagesFigure(makeSynthetic().train));"),
    ],
  };
}

type Output = { output_type: string; data?: Record<string, unknown> };

Deno.test({
  name: "nbconvert: figures shown through the Deno kernel export to HTML as drawn images; tables as rows",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assertPrerequisites();
    await Deno.mkdir(DIR, { recursive: true });
    const source = `${DIR}/figures.ipynb`;
    const executed = `${DIR}/figures.executed.ipynb`;
    await Deno.writeTextFile(source, JSON.stringify(tinyNotebook(), null, 1));
    const home = await jupyterHome();
    try {
      await executeNotebook(home, source, executed, { timeoutMs: 180_000 });
      const nb = JSON.parse(await Deno.readTextFile(executed));
      const outputs: Output[] = nb.cells.flatMap((c: { outputs?: Output[] }) => c.outputs ?? []);
      const figures = outputs.filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data);
      assert.equal(
        figures.length,
        2,
        `two figures displayed, got outputs: ${JSON.stringify(outputs.map((o) => Object.keys(o.data ?? {})))}`,
      );
      const via = findChromium() ? "plotly.js in headless Chromium" : "kit SVG fallback";
      for (const f of figures) {
        const d = f.data!;
        assert.deepEqual(Object.keys(d).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
        assert.match(String(d["text/html"]), /<img [^>]*src="data:image\/svg\+xml;base64,/);
        assert.ok(String(d["text/plain"]).includes(`static image: ${via}`), String(d["text/plain"]).slice(-200));
      }
      assert.equal(outputs.filter((o) => o.data && /<table>/.test(String(o.data["text/html"] ?? ""))).length, 1, "one table");

      const { path, html } = await notebookToHtml(home, executed, DIR);
      const check = checkExport(html, nb);
      assert.deepEqual(check.problems, [], `${path}: ${check.problems.join("; ")}`);
      assert.equal(check.emptySvgBlocks, 0);
      const images = dataUriImages(html);
      assert.equal(images.length, 2, `${path}: one <img> per figure`);
      assert.ok(images.every((im) => im.mime === "image/svg+xml" && im.bytes > 1000));
      // Bars: 3 methods × 4 metrics at least; sample images: one raster <image> per class (4 classes).
      assert.ok(images[0].drawn >= 12, `bar chart: ${images[0].drawn} drawn elements`);
      if (findChromium()) {
        const rasters = (images[1].svg!.match(/<image\b/g) ?? []).length;
        assert.ok(rasters >= 4, `plotly draws each class's heatmap as an embedded raster image: ${rasters}`);
      }
      assert.equal(tableBodyRows(html), 3, "the table's three method rows");
      // The classic-Notebook script travels along; nbconvert's page has no Jupyter.notebook, so it does nothing there.
      assert.match(html, /window\.Jupyter && window\.Jupyter\.notebook/);
    } finally {
      await home.remove();
    }
  },
});
