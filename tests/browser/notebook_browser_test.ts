/**
 * The real front end: a classic Notebook 6 server on 127.0.0.1 (random port, token), the kit's notebook
 * 04 opened in Debian's headless Chromium driven over the DevTools protocol (puppeteer-core with the
 * system browser; nothing is downloaded), and the nbconvert HTML export of the same notebook.
 *
 * The notebook is the quick-mode execution scripts/test.sh made ($UNLEARN_BROWSER_NOTEBOOK), or else one
 * made here, so its outputs come from the current show(). Screenshots go to tmp/browser/.
 *
 *   deno test -A tests/browser/notebook_browser_test.ts
 */
import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { chromiumArgs } from "../../lib/report/figures.ts";
import { chromiumPath as findChromium } from "../../lib/env.ts";
import {
  assertPrerequisites,
  executeNotebook,
  type JupyterHome,
  jupyterHome,
  type NotebookServer,
  notebookToHtml,
  ROOT,
  signNotebook,
  startNotebookServer,
} from "./_jupyter.ts";

const DIR = `${ROOT}tmp/browser`;
const NAME = "04_classwise";

interface Counts {
  figures: number;
  tables: number;
}

/** Figures (Plotly outputs) and tables (HTML outputs with a table) in a notebook file. */
function countOutputs(ipynb: { cells: { outputs?: { data?: Record<string, unknown> }[] }[] }): Counts {
  const outs = ipynb.cells.flatMap((c) => c.outputs ?? []).map((o) => o.data ?? {});
  return {
    figures: outs.filter((d) => "application/vnd.plotly.v1+json" in d).length,
    tables: outs.filter((d) => !("application/vnd.plotly.v1+json" in d) && /<table\b/.test([d["text/html"] ?? ""].flat().join(""))).length,
  };
}

/** Polls a page expression until it is truthy; the error names what was awaited and what the page showed. */
async function waitFor(page: Page, what: string, expr: string, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      last = await page.evaluate(expr);
      if (last) return last;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${JSON.stringify(last)})`);
}

/** Waits for the notebook's kernel to answer kernel_info; restarts it once if it does not (slow first start). */
async function waitForKernel(page: Page): Promise<void> {
  const ready = "(() => { const k = window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel;" +
    " return !!(k && k.is_connected() && k.info_reply && Object.keys(k.info_reply).length); })()";
  try {
    await waitFor(page, "the Deno kernel", ready, 60_000);
  } catch {
    await page.evaluate("Jupyter.notebook.kernel.restart()");
    await waitFor(page, "the Deno kernel after a restart", ready, 60_000);
  }
}

async function openNotebook(page: Page, server: NotebookServer, path: string): Promise<void> {
  await page.goto(server.url(`notebooks/${path}`), { waitUntil: "load", timeout: 60_000 });
  await waitFor(page, "the notebook to load", "!!(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded)", 60_000);
}

/** Shows the whole notebook in one screenshot: a viewport as tall as its content (capped). */
async function screenshotNotebook(page: Page, path: string): Promise<void> {
  const height = Number(await page.evaluate("document.getElementById('notebook-container').scrollHeight + 200"));
  await page.setViewport({ width: 1280, height: Math.min(Math.max(height, 900), 12_000) });
  await new Promise((r) => setTimeout(r, 500)); // the Notebook resizes #site on window resize
  await page.screenshot({ path: path as `${string}.png` });
  await page.setViewport({ width: 1280, height: 1000 });
}

// Run in the browser: facts about every kit figure and table on the page.
const FIGURE_FACTS = `(() => [...document.querySelectorAll(".unlearn-figure")].map((el) => {
  const img = el.querySelector("img");
  const plot = el.querySelector(".js-plotly-plot");
  return {
    drawn: el.getAttribute("data-drawn"),
    imgLoaded: !!(img && img.complete && img.naturalWidth > 0),
    imgVisible: !!(img && img.offsetWidth > 0),
    imgSrc: img ? img.getAttribute("src").slice(0, 26) : null,
    plotPaths: plot ? plot.querySelectorAll(".main-svg path").length : 0,
  };
}))()`;
const TABLE_ROWS = `[...document.querySelectorAll(".output_html table")].map((t) => t.querySelectorAll("tbody tr").length)`;

interface FigureFacts {
  drawn: string | null;
  imgLoaded: boolean;
  imgVisible: boolean;
  imgSrc: string | null;
  plotPaths: number;
}

/** The notebook executed in quick mode: from scripts/test.sh, or made now (about a minute). */
async function executedNotebook(home: JupyterHome): Promise<string> {
  const given = Deno.env.get("UNLEARN_BROWSER_NOTEBOOK");
  if (given) return given;
  const out = `${DIR}/executed/${NAME}.ipynb`;
  await executeNotebook(home, `${ROOT}notebooks/${NAME}.ipynb`, out, { env: { UNLEARN_QUICK: "1" }, timeoutMs: 600_000 });
  return out;
}

Deno.test({
  name:
    "browser: the classic Notebook draws the kit's figures and tables, runs a cell on the Deno kernel; the HTML export shows every figure",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    assertPrerequisites();
    const chromium = findChromium();
    if (!chromium) throw new Error("no Chromium: run ./kit setup --figures");
    await Deno.mkdir(DIR, { recursive: true });
    const home = await jupyterHome();
    let server: NotebookServer | null = null;
    let browser: Browser | null = null;
    const profile = await Deno.makeTempDir({ prefix: "unlearn-chromium-" });
    try {
      const executed = await executedNotebook(home);
      const ipynb = JSON.parse(await Deno.readTextFile(executed));
      const expected = countOutputs(ipynb);
      assert.ok(expected.figures >= 2 && expected.tables >= 1, `${executed}: ${JSON.stringify(expected)}`);
      // Copies under the server's root (the checkout): a trusted one and an untrusted one.
      const trusted = `tmp/browser/${NAME}.ipynb`;
      const untrusted = `tmp/browser/${NAME}-untrusted.ipynb`;
      await Deno.copyFile(executed, `${ROOT}${trusted}`);
      // The Notebook trusts by content (a signature of the whole notebook), so the untrusted copy must differ.
      ipynb.metadata.unlearn_kit_test = "an unsigned copy";
      await Deno.writeTextFile(`${ROOT}${untrusted}`, JSON.stringify(ipynb, null, 1));
      await signNotebook(home, `${ROOT}${trusted}`);

      server = await startNotebookServer(home);
      browser = await puppeteer.launch({
        executablePath: chromium,
        headless: true,
        // The kit's offline flags (lib/report/figures.ts) without the one-shot --dump-dom run.
        args: chromiumArgs(profile, "about:blank", 0).filter((a) =>
          !/^--(headless|dump-dom|virtual-time-budget|user-data-dir)|^about:/.test(a)
        ),
        userDataDir: profile,
        defaultViewport: { width: 1280, height: 1000 },
        protocolTimeout: 120_000,
      });
      const page = await browser.newPage();
      const consoleErrors: string[] = [];
      page.on("pageerror", (e) => consoleErrors.push(String(e)));

      await t.step("trusted notebook: every figure redrawn by plotly.js, tables with rows", async () => {
        await openNotebook(page, server!, trusted);
        assert.equal(await page.evaluate("Jupyter.notebook.trusted"), true, "signed notebook is trusted");
        await waitFor(
          page,
          `${expected.figures} figures drawn by plotly.js`,
          `(() => { const f = ${FIGURE_FACTS}; return f.length === ${expected.figures} && f.every((x) => x.drawn === "plotly"); })()`,
          60_000,
        );
        const facts = await page.evaluate(FIGURE_FACTS) as FigureFacts[];
        for (const [i, f] of facts.entries()) {
          assert.ok(f.plotPaths >= 5, `figure ${i + 1}: ${f.plotPaths} SVG paths drawn by plotly.js`);
          assert.ok(!f.imgVisible, `figure ${i + 1}: the static image is hidden once plotly.js drew the figure`);
        }
        const rows = await page.evaluate(TABLE_ROWS) as number[];
        assert.ok(rows.length >= expected.tables && rows.every((n) => n >= 1), `table rows: ${JSON.stringify(rows)}`);
        await screenshotNotebook(page, `${DIR}/notebook-04.png`);
      });

      await t.step("a new cell runs on the Deno kernel: its value and a live figure come back", async () => {
        await waitForKernel(page);
        await page.evaluate(`(() => {
          const cell = Jupyter.notebook.insert_cell_at_bottom("code");
          cell.set_text([
            'import { show } from "../../lib/report/display.ts";',
            'await show({ data: [{ type: "scatter", mode: "lines+markers", name: "live", x: [1, 2, 3, 4], y: [3, 1, 4, 2] }],',
            '  layout: { title: { text: "drawn live by the Deno kernel" } } });',
            '\`Deno \${Deno.version.deno} in \${Deno.cwd().split("/").slice(-2).join("/")}\`',
          ].join("\\n"));
          Jupyter.notebook.select(Jupyter.notebook.ncells() - 1);
          cell.execute();
        })()`);
        const lastCell = "Jupyter.notebook.get_cell(Jupyter.notebook.ncells() - 1)";
        const result = await waitFor(
          page,
          "the cell's result",
          `(() => { const o = ${lastCell}.output_area.outputs.find((o) => o.output_type === "execute_result" || o.output_type === "error");
            return o ? JSON.stringify(o.data || { error: o.ename + ": " + o.evalue }) : null; })()`,
          120_000,
        );
        assert.match(String(result), /Deno \d+\.\d+\.\d+ in tmp\/browser/, "the kernel ran in the notebook's folder");
        await waitFor(
          page,
          "the live figure drawn by plotly.js",
          `${lastCell}.element[0].querySelectorAll('.unlearn-figure[data-drawn="plotly"] .main-svg path').length > 0`,
          60_000,
        );
        const cell = await page.evaluateHandle(`${lastCell}.element[0]`);
        await (cell as unknown as { screenshot(o: { path: string }): Promise<unknown> }).screenshot({
          path: `${DIR}/notebook-04-cell.png`,
        });
        // Leave without saving: the Notebook must not write the copy back while the test stops it.
        await page.evaluate("Jupyter.notebook.set_dirty(false)");
      });

      await t.step("untrusted notebook: scripts are dropped, the static images show", async () => {
        await openNotebook(page, server!, untrusted);
        assert.equal(await page.evaluate("Jupyter.notebook.trusted"), false);
        await waitFor(
          page,
          `${expected.figures} static images loaded`,
          `(() => { const f = ${FIGURE_FACTS}; return f.length === ${expected.figures} && f.every((x) => x.imgLoaded); })()`,
          30_000,
        );
        const facts = await page.evaluate(FIGURE_FACTS) as FigureFacts[];
        assert.ok(facts.every((f) => f.drawn === null && f.imgSrc === "data:image/svg+xml;base64,"), JSON.stringify(facts));
        assert.ok((await page.evaluate(TABLE_ROWS) as number[]).length >= expected.tables);
        await screenshotNotebook(page, `${DIR}/notebook-04-untrusted.png`);
      });

      await t.step("nbconvert HTML export in Chromium: every figure's image decodes and draws", async () => {
        const { path } = await notebookToHtml(home, executed, DIR);
        // Offline, as on a reader's disk without network: nbconvert's page also asks CDNs for RequireJS and
        // MathJax; those requests are refused at once instead of waiting for a network that is not there.
        const html = await browser!.newPage();
        html.on("pageerror", (e) => consoleErrors.push(`nbconvert page: ${e}`));
        await html.setRequestInterception(true);
        html.on("request", (r) => (/^(file|data):/.test(r.url()) ? r.continue() : r.abort()));
        await html.goto(`file://${path}`, { waitUntil: "load", timeout: 60_000 });
        await waitFor(html, "the images to decode", `[...document.images].every((i) => i.complete)`, 30_000);
        const imgs = await html.evaluate(`[...document.querySelectorAll("img")]
          .filter((i) => i.src.startsWith("data:image/"))
          .map((i) => ({ ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight }))`) as { ok: boolean }[];
        assert.equal(imgs.length, expected.figures, `one image per figure in ${path}`);
        assert.ok(imgs.every((i) => i.ok), JSON.stringify(imgs));
        const rows = await html.evaluate(`[...document.querySelectorAll("table")].map((t) => t.querySelectorAll("tbody tr").length)`);
        assert.ok((rows as number[]).filter((n) => n > 0).length >= expected.tables, JSON.stringify(rows));
        await html.setViewport({ width: 1280, height: Math.min(12_000, Number(await html.evaluate("document.body.scrollHeight"))) });
        await html.screenshot({ path: `${DIR}/nbconvert-04.png` });
      });
      assert.deepEqual(consoleErrors.filter((e) => !/cdnjs|mathjax|require\.min\.js/i.test(e)), [], "no page errors");
    } finally {
      await browser?.close().catch(() => {});
      await server?.stop();
      await home.remove();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
