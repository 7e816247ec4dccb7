/**
 * Converts notebooks to HTML with the installed nbconvert and checks that every figure shows:
 *   deno run -A tests/browser/check_html.ts [--out DIR] NOTEBOOK.ipynb…
 * Writes DIR/<name>.html (default tmp/html/) and prints one line per notebook; exits 1 if any figure is
 * blank (an `<img>` whose data decodes to nothing drawn, an SVG block nbconvert emptied, or fewer drawn
 * images than the notebook has Plotly figures). scripts/test.sh runs it on every notebook it executed.
 */
import { checkExport } from "./_html_figures.ts";
import { jupyterHome, notebookToHtml, ROOT } from "./_jupyter.ts";

if (import.meta.main) {
  const args = [...Deno.args];
  let out = `${ROOT}tmp/html`;
  const i = args.indexOf("--out");
  if (i >= 0) {
    out = args[i + 1];
    args.splice(i, 2);
  }
  if (!args.length) {
    console.error("usage: deno run -A tests/browser/check_html.ts [--out DIR] NOTEBOOK.ipynb…");
    Deno.exit(2);
  }
  const home = await jupyterHome();
  let failed = 0;
  try {
    for (const nb of args) {
      const { path, html } = await notebookToHtml(home, nb, out);
      const check = checkExport(html, JSON.parse(await Deno.readTextFile(nb)));
      const kb = (check.images.reduce((s, im) => s + im.bytes, 0) / 1024).toFixed(0);
      if (check.problems.length) {
        failed++;
        console.log(`FAIL ${nb} → ${path}: ${check.problems.join("; ")}`);
      } else {
        console.log(`ok   ${nb} → ${path}: ${check.figures} figures, ${check.images.length} drawn images (${kb} KiB of image data)`);
      }
    }
  } finally {
    await home.remove();
  }
  Deno.exit(failed ? 1 : 0);
}
