/**
 * `./kit book` builds the site (cli/book.ts) and headless Chromium reads every page of it from file://:
 * each page loads without a failed request or a script error, no link points at a missing file, every
 * image is drawn, every notebook figure is redrawn by plotly.js, math is typeset, the sliders draw. Built with a
 * claims-v2.json this test writes (judged on records it writes, never into results/), the site has protocol.html,
 * linked from the index and every page's navigation; without one, the index says the v2 scoreboard is not yet computed.
 * Screenshots of the index and of notebook 04 go to tmp/browser/ (copied to results/screenshots/).
 */
import assert from "node:assert/strict";
import { bookMain } from "../../cli/book.ts";
import { launchChromium } from "../../lib/report/figures.ts";
import { chromiumPath as findChromium, ROOT } from "../../lib/env.ts";
import { judgeClaims } from "../../lib/report/claims_v2.ts";
import { boardRows } from "../../lib/report/claims_v2_rows.ts";
import { family, input } from "../report/_claims_v2_records.ts";
import { missingPrerequisites } from "./_jupyter.ts";

const missing = missingPrerequisites().filter((m) => m.startsWith("jupyter nbconvert"));

/** Judgements of class-wise and random records (two shifted searches beside them) as claims-v2.json in a temporary folder. */
async function writeClaimsV2(): Promise<{ file: string; judged: ReturnType<typeof judgeClaims> }> {
  const closer = (label: string, i: number, m: Record<string, number>) => {
    if (label === "ft (R)") m.AvgGap = 20 + (i % 4);
    if (label === "ugradsl+ (R)") m.AvgGap = 10 + (i % 3);
  };
  const main = [...family("classwise", closer), ...family("random")];
  const judged = judgeClaims({ ...input(main), sensitivity: [{ name: "lr1", records: family("classwise") }] });
  const file = `${await Deno.makeTempDir({ prefix: "unlearn-book-" })}/claims-v2.json`;
  await Deno.writeTextFile(file, JSON.stringify(judged, null, 1) + "\n");
  return { file, judged };
}

/** Runs the book, its printed lines kept; the last is the path of index.html. */
async function build(args: string[]): Promise<string[]> {
  const log: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => log.push(a.join(" "));
  try {
    assert.equal(await bookMain(args), 0);
  } finally {
    console.log = orig;
  }
  return log;
}

Deno.test({
  name: "./kit book without a claims-v2.json: no protocol page, and the index says the v2 scoreboard is not yet computed",
  // The default file is the repository's; once deno task claims-v2 has written it this case is the other test's.
  ignore: missing.length > 0 || (await Deno.stat(`${ROOT}results/claims-v2.json`).then(() => true, () => false)),
  fn: async () => {
    const out = `${ROOT}tmp/browser/book-no-v2`;
    await build(["--out", out]);
    await assert.rejects(Deno.stat(`${out}/protocol.html`), Deno.errors.NotFound);
    assert.match(await Deno.readTextFile(`${out}/index.html`), /The protocol's verdicts \(evidence v2\): <b>not yet computed<\/b>/);
    const results = await Deno.readTextFile(`${out}/results.html`);
    assert.match(results, /These are the notebooks' own verdicts/);
    assert.doesNotMatch(results, /protocol\.html/);
  },
});

Deno.test({
  name: "./kit book: every page loads, no broken link or image, figures drawn by plotly.js, math typeset",
  ignore: missing.length > 0 || !findChromium(),
  fn: async () => {
    const out = `${ROOT}tmp/browser/book`;
    const v2 = await writeClaimsV2();
    const log = await build(["--out", out, "--claims-v2", v2.file]);
    assert.equal(log.at(-1), `${out}/index.html`, "prints the path of index.html");
    await assertProtocolPage(out, v2.judged);

    const pages: string[] = [];
    for (const dir of ["", "notebooks/"]) {
      for await (const e of Deno.readDir(`${out}/${dir}`)) if (e.isFile && e.name.endsWith(".html")) pages.push(`${dir}${e.name}`);
    }
    const notebooks = [];
    for await (const e of Deno.readDir(`${ROOT}notebooks`)) if (e.name.endsWith(".ipynb")) notebooks.push(e.name);
    assert.ok(pages.includes("index.html") && pages.includes("results.html") && pages.includes("map.html"));
    assert.ok(pages.includes("protocol.html"), "the protocol's page, from the claims-v2.json given");
    assert.equal(pages.filter((p) => p.startsWith("notebooks/")).length, notebooks.length, "one page per notebook");

    const { browser, close } = await launchChromium(findChromium()!, "unlearn-book-");
    const problems: string[] = [];
    let drawn = 0;
    let typeset = 0;
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 900 });
      let current = "";
      page.on("requestfailed", (r) => problems.push(`${current}: failed to load ${r.url()}`));
      page.on("pageerror", (e) => problems.push(`${current}: script error ${(e as Error).message}`));
      for (const p of pages.sort()) {
        current = p;
        await page.goto(`file://${out}/${p}`, { waitUntil: "load", timeout: 60_000 });
        // Plotly draws and MathJax typesets after load.
        await page.waitForFunction(
          `[...document.querySelectorAll("[data-unlearn-figure],[data-slider-figure]")].every((e) => e.getAttribute("data-drawn"))`,
          { timeout: 60_000 },
        ).catch(() => problems.push(`${p}: a figure was not drawn within 60 s`));
        await page.waitForFunction(
          `!window.MathJax || !MathJax.Hub || (MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0)`,
          { timeout: 60_000 },
        ).catch(() => problems.push(`${p}: MathJax did not finish within 60 s`));
        const r = await page.evaluate(`(() => {
          const imgs = [...document.images].map((i) => ({ src: i.src.slice(0, 80), ok: i.complete && i.naturalWidth > 0, shown: i.style.display !== "none" }));
          const links = [...document.querySelectorAll("a[href]")].map((a) => a.href).filter((h) => h.startsWith("file:"));
          const figs = [...document.querySelectorAll("[data-unlearn-figure],[data-slider-figure]")].map((e) => e.getAttribute("data-drawn"));
          const math = document.querySelectorAll(".MathJax_CHTML, mjx-container").length;
          const plots = [...document.querySelectorAll(".js-plotly-plot")].map((e) => e.getBoundingClientRect().height);
          return { imgs, links, figs, math, plots };
        })()`) as { imgs: { src: string; ok: boolean; shown: boolean }[]; links: string[]; figs: string[]; math: number; plots: number[] };
        for (const i of r.imgs) if (!i.ok && i.shown) problems.push(`${p}: broken image ${i.src}`);
        for (const f of r.figs) if (f !== "plotly") problems.push(`${p}: a figure is ${f}`);
        for (const h of r.plots) if (!(h > 100)) problems.push(`${p}: a plotly figure ${h} px high`);
        drawn += r.figs.filter((f) => f === "plotly").length;
        typeset += r.math;
        for (const href of r.links) {
          const path = decodeURIComponent(new URL(href).pathname);
          try {
            await Deno.stat(path);
          } catch {
            problems.push(`${p}: broken link ${path.replace(ROOT, "")}`);
          }
        }
        if (p === "index.html" || p === "notebooks/04_classwise.html" || p === "explore.html") {
          await Deno.mkdir(`${ROOT}tmp/browser`, { recursive: true });
          await page.screenshot({ path: `${ROOT}tmp/browser/book-${p.replace(/^notebooks\//, "").replace(".html", "")}.png` });
        }
      }
    } finally {
      await close();
    }
    assert.deepEqual(problems, []);
    assert.ok(drawn >= 40, `${drawn} figures redrawn by plotly.js`);
    assert.ok(typeset > 0, "math typeset by MathJax");
  },
});

/** protocol.html: every check's row with its verdict at each scale, the transfer and shifted-search tables, linked from every page. */
async function assertProtocolPage(out: string, judged: ReturnType<typeof judgeClaims>): Promise<void> {
  const html = await Deno.readTextFile(`${out}/protocol.html`);
  const rows = boardRows(judged);
  assert.match(html, new RegExp(`sha256 <code>${judged.protocol.sha256}</code>`));
  assert.match(html, new RegExp(`${judged.accepted} of\\s+${judged.read} records read were accepted`));
  for (const r of rows.checks) assert.ok(html.includes(`<td>${r.claim.replaceAll("&", "&amp;")}</td>`), `a row for ${r.id}`);
  assert.match(html, /<span class="level level-holds">holds<\/span><br><span class="cell-detail">n 20 · /);
  assert.match(html, /Transfer: the classes the search saw against those it never saw/);
  assert.match(html, /Sensitivity to the learning-rate range \(not in the protocol: shown, never counted\)/);
  assert.match(html, /<td><b>no<\/b><\/td>/, "the check the shifted search flips does not survive");
  for (const page of ["index.html", "results.html", "map.html", "notebooks/04_classwise.html"]) {
    assert.match(await Deno.readTextFile(`${out}/${page}`), /href="(\.\.\/)?protocol\.html"/, `${page} links protocol.html`);
  }
}
