/**
 * `./kit book [--out DIR] [--claims-v2 FILE]`: the notebooks as a static site, read in one sitting, with their
 * committed outputs (nothing is executed): an index, one page per notebook (nbconvert's HTML, every figure an image
 * that plotly.js redraws as an interactive figure where scripts run), a results-at-a-glance page of the
 * notebooks' own verdicts from results/claims.json, the pre-registered protocol's verdicts (evidence v2) from
 * results/claims-v2.json once `deno task claims-v2` has written it (rows from lib/report/claims_v2_rows.ts), a map
 * paper section → notebook → exported figure (results/figures/, with the .pdf/.tex/.txt a paper uses), and a page
 * of Plotly sliders over the precomputed α and p sweeps. Math is typeset by a local copy of Debian's MathJax 2.7
 * (libjs-mathjax); plotly.js is the local plotly.js-dist.
 * Nothing is fetched from the network, so the site also opens from file://. Prints the path of index.html.
 *
 * Why not mystmd (npm `mystmd`, the Jupyter Book 2 engine): `myst build --html` downloads its site
 * template from api.mystmd.org at build time, which fails offline; this renderer needs no network.
 */
import { kitPath, plotlyJsPath, ROOT } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { CHAPTERS } from "../lib/report/chapters.ts";
import type { Board, BoardRows, ShiftedTable, VerdictCell } from "../lib/report/claims_v2_rows.ts";
import { boardRows, parseBoard } from "../lib/report/claims_v2_rows.ts";
import type { PlotlyFigure } from "../lib/report/figure.ts";
import { VERDICTS } from "../lib/report/protocol.ts";
import { parseFlags, pathExists, runCommand } from "./flags.ts";

const FLAGS = {
  out: { type: "string" as const, doc: "where the site goes (default scratch/book, ignored by git)" },
  "claims-v2": {
    type: "string" as const,
    doc:
      "the protocol's judgements (default results/claims-v2.json; when that is absent the index says the v2 scoreboard is not yet computed)",
  },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

const HELP = `./kit book [--out DIR] [--claims-v2 FILE]

Builds a static site of every notebook in notebooks/ with its committed outputs (no execution), plus
results at a glance (the notebooks' own verdicts, results/claims.json), the pre-registered protocol's
verdicts (evidence v2, results/claims-v2.json, once deno task claims-v2 has written it), a map paper
section → notebook → exported figure, and Plotly sliders over the α and p sweeps. Default folder:
scratch/book/. Prints the path of its index.html.
Needs jupyter nbconvert (./kit setup --notebooks); math needs Debian's libjs-mathjax.`;

const MATHJAX = "/usr/share/javascript/mathjax";
const REQUIREJS = "/usr/share/javascript/requirejs/require.min.js";
/** The parts of MathJax 2.7 that TeX input with CommonHTML output loads. */
const MATHJAX_PARTS = [
  "MathJax.js",
  "config/TeX-AMS_CHTML-full.js",
  "config/Safe.js",
  "jax/input/TeX",
  "jax/output/CommonHTML",
  "jax/element",
  "extensions",
  "fonts/HTML-CSS/TeX/woff",
];

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

async function copyTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) {
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(from, to);
    return;
  }
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
}

interface Notebook {
  file: string;
  id: string;
  title: string;
  paper: string;
  cells: { cell_type: string; source: string | string[]; outputs?: { data?: Record<string, unknown> }[] }[];
}

async function readNotebooks(): Promise<Notebook[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}notebooks`)) if (e.isFile && e.name.endsWith(".ipynb")) files.push(e.name);
  files.sort();
  return await Promise.all(files.map(async (file) => {
    const nb = JSON.parse(await Deno.readTextFile(`${ROOT}notebooks/${file}`));
    const id = file.split("_")[0];
    const chapter = Object.values(CHAPTERS).find((c) => c.file === file);
    const src = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join("") : c.source);
    const heading = nb.cells.map(src).join("\n").match(/^#\s+(.+)$/m)?.[1];
    return { file, id, title: chapter?.title ?? heading ?? file, paper: chapter?.paper ?? "", cells: nb.cells };
  }));
}

/** Each figure's Plotly JSON in a notebook's saved outputs, by the id its HTML carries (figure_html.ts). */
function figuresOf(nb: Notebook): Record<string, PlotlyFigure> {
  const out: Record<string, PlotlyFigure> = {};
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const fig = o.data?.["application/vnd.plotly.v1+json"] as PlotlyFigure | undefined;
      const html = [o.data?.["text/html"] ?? ""].flat().join("");
      const id = html.match(/data-unlearn-figure="([^"]+)"/)?.[1];
      if (fig && id) out[id] = fig;
    }
  }
  return out;
}

const STYLE = `<style>
body.unlearn-book-page { font-family: Arial, Helvetica, sans-serif; max-width: 1000px; margin: 0 auto; padding: 0 16px 40px; color: #222; line-height: 1.5 }
nav.unlearn-book-nav { position: sticky; top: 0; background: #f7f7f7; border-bottom: 1px solid #ddd; padding: 6px 12px; z-index: 1000;
  font-family: Arial, Helvetica, sans-serif; font-size: 14px }
nav.unlearn-book-nav a { margin-right: 14px; color: #0b5cad; text-decoration: none }
table.unlearn-book { border-collapse: collapse; margin: 8px 0 20px; font-size: 14px }
table.unlearn-book th, table.unlearn-book td { border: 1px solid #ddd; padding: 4px 8px; vertical-align: top; text-align: left }
.level { padding: 1px 6px; border-radius: 3px; color: white; font-size: 12px; white-space: nowrap }
.level-holds { background: #009E73 } .level-partly { background: #E69F00 } .level-does-not-hold { background: #D55E00 }
.level-inconclusive { background: #777 } .level-equivalent { background: #0072B2 } .level-not-testable { background: #CC79A7 }
.cell-detail { font-size: 12px; color: #555 }
img.thumb { max-width: 300px; border: 1px solid #eee }
</style>`;

function nav(prefix: string, prev?: Notebook, next?: Notebook): string {
  return `<nav class="unlearn-book-nav"><a href="${prefix}index.html">Contents</a><a href="${prefix}results.html">Results at a glance</a>` +
    (withProtocolPage ? `<a href="${prefix}protocol.html">The protocol's verdicts (v2)</a>` : "") +
    `<a href="${prefix}map.html">Paper → notebook → figure</a><a href="${prefix}explore.html">Sweeps (sliders)</a>` +
    (prev ? `<a href="${prefix}notebooks/${prev.file.replace(".ipynb", ".html")}">← ${esc(prev.id)}</a>` : "") +
    (next ? `<a href="${prefix}notebooks/${next.file.replace(".ipynb", ".html")}">${esc(next.id)} →</a>` : "") + `</nav>`;
}

/** MathJax for the site's own pages (TeX between \\( \\) and $$ $$), from the local copy. */
const MATHJAX_SCRIPT = `<script type="text/x-mathjax-config">MathJax.Hub.Config({ messageStyle: "none", ` +
  `tex2jax: { inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"]] } });</script>` +
  `<script src="assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>`;

function page(title: string, body: string, scripts = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · unlearn-kit</title>${STYLE}${scripts}</head>` +
    `<body class="unlearn-book-page">${nav("")}${body}</body></html>\n`;
}

// Redraws each figure image with plotly.js (kept as the image if plotly.js does not load or fails).
const DRAW = `<script>
(function () {
  var figs = JSON.parse(document.getElementById("unlearn-figures").textContent);
  document.querySelectorAll("[data-unlearn-figure]").forEach(function (el) {
    var fig = figs[el.getAttribute("data-unlearn-figure")];
    if (!fig || typeof Plotly === "undefined") return;
    var box = document.createElement("div"), img = el.querySelector("img");
    el.appendChild(box);
    Plotly.newPlot(box, fig.data, fig.layout, { displaylogo: false }).then(function () {
      if (img) img.style.display = "none";
      el.setAttribute("data-drawn", "plotly");
    }, function () { el.removeChild(box); el.setAttribute("data-drawn", "failed"); });
  });
})();
</script>`;

/** Rewrites a notebook page: the navigation bar, links into the checkout, the interactive figures. */
function finishNotebookPage(
  html: string,
  nb: Notebook,
  prev: Notebook | undefined,
  next: Notebook | undefined,
  files: Set<string>,
): string {
  const figs = figuresOf(nb);
  // Links in the notebooks' Markdown are relative to notebooks/: a notebook becomes its page, any other
  // file of the checkout is linked where it is (the site lives in the checkout's scratch/ folder).
  html = html.replace(/href="([^"#:]+?)(#[^"]*)?"/g, (all, target: string, hash = "") => {
    const name = target.replace(/^\.\//, "");
    if (files.has(name) && name.endsWith(".ipynb")) return `href="${name.replace(".ipynb", ".html")}${hash}"`;
    if (target.startsWith("../") || target.startsWith("./") || /^[\w.-]+\//.test(target) || /\.(md|ts|json|ipynb)$/.test(target)) {
      return `href="${bookToRoot}notebooks/${target}${hash}"`;
    }
    return all;
  });
  const payload = JSON.stringify(figs).replaceAll("<", "\\u003c");
  html = html.replace(/<body([^>]*)>/, (_, attrs) => `<body${attrs}>${nav("../", prev, next)}`);
  return html.replace(
    /<\/body>/,
    `<script src="../assets/plotly.js"></script><script id="unlearn-figures" type="application/json">${payload}</script>${DRAW}${STYLE}</body>`,
  );
}

/** From a page in DIR/notebooks/ back to the checkout's root (set per build). */
let bookToRoot = "";
/** Whether this build has protocol.html, so that every page's navigation links it (set per build). */
let withProtocolPage = false;

function relative(fromDir: string, to: string): string {
  const a = fromDir.replace(/\/+$/, "").split("/");
  const b = to.replace(/\/+$/, "").split("/");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/") + "/";
}

interface Claim {
  id: string;
  file: string;
  title: string;
  paper: string;
  verdict?: { title: string; claim: string; level: string; checks: { claim: string; paper?: string; observed: string; level: string }[] };
}

const level = (l: string) => `<span class="level level-${l.replaceAll(" ", "-")}">${esc(l)}</span>`;

/** The protocol's judgements for this build: the file read (as given) and its board, null when the file is absent. */
interface V2Scoreboard {
  file: string;
  board: Board | null;
}

/** The index's line on the protocol's scoreboard: a link to protocol.html, or that it is not yet computed. */
function v2IndexItem(v2: V2Scoreboard): string {
  return v2.board
    ? `<li><a href="protocol.html">The protocol's verdicts (evidence v2)</a>: every pre-registered check judged at every scale ` +
      `(<code>${esc(v2.file)}</code>)</li>`
    : `<li>The protocol's verdicts (evidence v2): <b>not yet computed</b>. <code>deno task claims-v2</code> writes ` +
      `<code>${esc(v2.file)}</code> once the v2 records exist; until then the notebooks' own verdicts are the ones shown.</li>`;
}

function indexPage(nbs: Notebook[], claims: Claim[], mathjax: boolean, v2: V2Scoreboard): string {
  const rows = nbs.map((nb) => {
    const c = claims.find((x) => x.file === nb.file);
    return `<tr><td>${esc(nb.id)}</td><td><a href="notebooks/${esc(nb.file.replace(".ipynb", ".html"))}">${esc(nb.title)}</a></td>` +
      `<td>${esc(nb.paper)}</td><td>${c?.verdict ? level(c.verdict.level) : ""}</td></tr>`;
  }).join("\n");
  return page(
    "Contents",
    `<h1>unlearn-kit: the reproduction as a book</h1>
<p>“Label Smoothing Improves Machine Unlearning” (UGradSL / UGradSL+, arXiv 2406.07698), reproduced in TypeScript on
Deno. Each chapter is a notebook with the outputs committed in the repository; nothing here was re-executed to build the
site. Figures are interactive where JavaScript runs (plotly.js), images otherwise.${
      mathjax ? "" : " <b>Math is shown as TeX source: Debian's libjs-mathjax was not installed when this site was built.</b>"
    }</p>
<ul><li><a href="results.html">Results at a glance</a>: the notebooks' own verdicts on the paper's claims (results/claims.json)</li>
${v2IndexItem(v2)}
<li><a href="map.html">Paper section → notebook → exported figure</a>, with each figure's PDF and LaTeX caption</li>
<li><a href="explore.html">Sweeps with sliders</a>: the method against the smooth rate α and the mixing weight p (notebook 08)</li></ul>
<h2>Conventions</h2>
<p>Generalized label smoothing with rate \\(\\alpha\\) (the kit's <code>smoothRate</code>; \\(\\alpha < 0\\) is negative smoothing, NLS)
over \\(K\\) classes, the paper's Eq. 4:</p>
$$ y^{\\mathrm{GLS},\\alpha} = (1-\\alpha)\\, e_y + \\frac{\\alpha}{K}\\,\\mathbf{1} $$
<p>Metrics are percentages: UA (unlearning accuracy) \\(= 100 - \\mathrm{acc}(D_f)\\); RA, TA the accuracy on the retain set
\\(D_r\\) and the test set \\(D_{te}\\); MIA the MIA-efficacy on \\(D_f\\);
Avg. Gap the mean of \\(|m - m_{\\mathrm{Retrain}}|\\) over UA, MIA, RA and TA.</p>
<h2>Chapters</h2>
<table class="unlearn-book"><tr><th>#</th><th>notebook</th><th>paper</th><th>verdict</th></tr>
${rows}
</table>
<p>Run one yourself: <code>./kit run notebooks/04_classwise.ipynb --quick</code> (into scratch/); open them live:
<code>./kit notebook</code>.</p>`,
    mathjax ? MATHJAX_SCRIPT : "",
  );
}

function resultsPage(claims: Claim[], v2: V2Scoreboard): string {
  const blocks = claims.map((c) => {
    if (!c.verdict) return `<h2>${esc(c.id)} ${esc(c.title)}</h2><p>No verdict recorded.</p>`;
    const checks = c.verdict.checks.map((k) =>
      `<tr><td>${esc(k.claim)}</td><td>${esc(k.paper ?? "")}</td><td>${esc(k.observed)}</td><td>${level(k.level)}</td></tr>`
    ).join("\n");
    return `<h2 id="nb-${esc(c.id)}">${esc(c.id)} ${esc(c.title)} ${level(c.verdict.level)}</h2>
<p>${esc(c.verdict.claim)} — <a href="notebooks/${esc(c.file.replace(".ipynb", ".html"))}">the notebook</a> (${esc(c.paper)})</p>
<table class="unlearn-book"><tr><th>check</th><th>paper</th><th>observed</th><th>verdict</th></tr>${checks}</table>`;
  }).join("\n");
  const count = (l: string) => claims.filter((c) => c.verdict?.level === l).length;
  const levels = [...new Set(claims.map((c) => c.verdict?.level).filter((l): l is string => !!l))];
  return page(
    "Results at a glance",
    `<h1>Results at a glance: the notebooks' own verdicts</h1>
<p>These are the notebooks' own verdicts: each chapter judges the paper's claims by its own rule on its committed records,
generated from <code>results/claims.json</code> (written by <code>deno task claims</code>). ${
      v2.board
        ? `The pre-registered protocol's verdicts (evidence v2: paired tests, Holm within a family) are on
<a href="protocol.html">the protocol's page</a>.`
        : "The pre-registered protocol's scoreboard (evidence v2) is not yet computed."
    }
Chapters by verdict: ${levels.map((l) => `${level(l)} ${count(l)}`).join(" · ")}.</p>
${blocks}`,
  );
}

/** One judged check as a table cell: the verdict's badge, then n, mean [t 95%] and the Holm-adjusted p. */
function verdictHtml(c: VerdictCell | null): string {
  if (!c) return `<span class="cell-detail">no records</span>`;
  const reason = c.notTestable ? `<br><span class="cell-detail">${esc(c.notTestable)}</span>` : "";
  return `${level(c.verdict)}<br><span class="cell-detail">n ${c.n} · ${esc(c.mean)} · p Holm ${esc(c.pHolm)}</span>${reason}`;
}

const table = (head: string[], rows: string[][]) =>
  `<table class="unlearn-book"><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>\n` +
  rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n") + `</table>`;

/** Each family at each scale: units, the look it was judged at, the runs that did not finish, notes. */
function familiesHtml(rows: BoardRows): string {
  const items = rows.families.map((f) =>
    `<li><b>${esc(f.family)}</b> · ${esc(f.scale)}: ${f.units} unit(s), ${f.look} look (α = ${f.alpha}); diverged or failed runs: ` +
    `${esc(f.failed)}${f.notes.map((n) => `<br><span class="cell-detail">${esc(n)}</span>`).join("")}</li>`
  );
  return `<ul>${items.join("\n")}</ul>`;
}

function transferHtml(rows: BoardRows): string {
  if (rows.transfer.length === 0) return "";
  const tables = rows.transfer.map((t) =>
    `<h3>${esc(t.family)} · ${esc(t.scale)}</h3>` +
    table(
      ["check", "classes the search saw", "classes it never saw"],
      t.rows.map((r) => [esc(r.claim), verdictHtml(r.seen), verdictHtml(r.unseen)]),
    )
  );
  return `<h2 id="transfer">Transfer: the classes the search saw against those it never saw</h2>
<p>The units of the classes (group: sub-classes) the search forgot, apart from those it never saw: does a selection
transfer? Each side is a family of its own for Holm; shown beside the main verdict, never counted in its place.</p>
${tables.join("\n")}`;
}

function c5Html(rows: BoardRows): string {
  if (rows.c5.length === 0) return "";
  const tables = rows.c5.map((t) =>
    `<h3>${esc(t.family)} · ${esc(t.scale)}</h3>` +
    table(["check", "selection C", "selection C5"], t.rows.map((r) => [esc(r.claim), r.c ? level(r.c) : "–", verdictHtml(r.c5)]))
  );
  return `<h2 id="c5">Sensitivity: selection C5 (shown, never counted)</h2>
<p>The checks that read selection C, on selection C5's rows (VA within 5 points of the original's, v1's bound), a
family of its own for Holm: shown beside C, never counted.</p>
${tables.join("\n")}`;
}

function shiftedHtml(shifted: ShiftedTable | null): string {
  if (!shifted) return "";
  const rows = shifted.rows.map((r) => [
    `${esc(r.claim)} (${esc(r.paradigm)})`,
    verdictHtml(r.main),
    ...r.shifted.map(verdictHtml),
    r.survives ? "yes" : "<b>no</b>",
  ]);
  const shifts = shifted.shifts.map((s) => `${esc(s.name)}: ${s.accepted} records`).join("; ");
  return `<h2 id="shifted">Sensitivity to the learning-rate range (not in the protocol: shown, never counted)</h2>
<p>The core methods' searches repeated with every learning-rate range a decade lower and a decade higher, and the
main job's units run from their selections (${shifts}), judged with the same checks at the ${esc(shifted.scale)}. The
protocol does not declare this: it is shown and never counted. A check survives when every shift gives its verdict.</p>
${table(["check", esc(shifted.scale), ...shifted.shifts.map((s) => esc(s.name)), "survives"], rows)}`;
}

/** protocol.html: the pre-registered protocol's verdicts (evidence v2), rows from lib/report/claims_v2_rows.ts. */
function protocolPage(v2: { file: string; board: Board }, toRoot: string): string {
  const { board } = v2;
  const rows = boardRows(board);
  const checks = rows.checks.map((r) => [esc(r.claim), esc(r.paradigm), ...r.cells.map(verdictHtml)]);
  const source = (path: string) => `<a href="${esc(toRoot)}${esc(path)}"><code>${esc(path)}</code></a>`;
  return page(
    "The protocol's verdicts (evidence v2)",
    `<h1>The protocol's verdicts (evidence v2)</h1>
<p>Every check of the pre-registered protocol <code>${esc(board.protocol.file)}</code> (version ${board.protocol.version},
sha256 <code>${esc(board.protocol.sha256)}</code>), judged on the records made under it: ${board.accepted} of
${board.read} records read were accepted. From <code>${esc(v2.file)}</code>, written by <code>deno task claims-v2</code>
with the scoreboard ${source("results/claims.md")}; the checks, statistics and verdicts are defined in
${source("docs/protocol.md")}. The notebooks' own verdicts are on <a href="results.html">results at a glance</a>.</p>
<p>A verdict is ${Object.keys(VERDICTS).map(level).join(" ")}. Each
cell gives n (units both sides finished), the mean of A − B in the claimed direction with its Student-t 95% interval,
and the Holm-adjusted p of the statement that decided the verdict (the claim's unless named). A family with fewer units
than the final look is judged at the interim boundary, where an inconclusive verdict is expected.</p>
<h2 id="checks">Checks by scale</h2>
${table(["check", "paradigm", ...rows.scales.map(esc)], checks)}
<h2 id="families">Families</h2>
${familiesHtml(rows)}
${transferHtml(rows)}
${c5Html(rows)}
${shiftedHtml(rows.shifted)}`,
  );
}

async function mapPage(nbs: Notebook[], figureFiles: string[]): Promise<string> {
  const rows: string[] = [];
  for (const nb of nbs) {
    const mine = figureFiles.filter((f) => f.startsWith(`${nb.id}_`) && f.endsWith(".png")).map((f) => f.slice(0, -4)).sort();
    const cells = await Promise.all(mine.map(async (name) => {
      const caption = await Deno.readTextFile(`${ROOT}results/figures/${name}.txt`).catch(() => "");
      return `<div><img class="thumb" src="figures/${esc(name)}.png" alt="${esc(caption.split("\n")[0])}"><br>` +
        `<code>${esc(name)}</code>: <a href="figures/${esc(name)}.pdf">PDF</a> · <a href="figures/${esc(name)}.png">PNG</a> · ` +
        `<a href="figures/${esc(name)}.tex">LaTeX</a> · <a href="figures/${esc(name)}.txt">caption</a></div>`;
    }));
    rows.push(
      `<tr><td>${esc(nb.paper || "—")}</td><td><a href="notebooks/${esc(nb.file.replace(".ipynb", ".html"))}">${esc(nb.id)} ${
        esc(nb.title)
      }</a></td><td>${cells.join("") || "—"}</td></tr>`,
    );
  }
  return page(
    "Paper → notebook → figure",
    `<h1>Paper section → notebook → exported figure</h1>
<p>Figures as <code>deno task figures</code> exported them to <code>results/figures/</code> at two-column width (7 in;
<code>--size column</code> for 3.3 in), each with its caption beside it as text and as a LaTeX figure
(<code>\\input{04_metrics.tex}</code>).</p>
<table class="unlearn-book"><tr><th>paper</th><th>notebook</th><th>exported figures</th></tr>${rows.join("\n")}</table>`,
  );
}

/**
 * A Plotly figure with a slider over a precomputed sweep: bars of UA, MIA, RA, TA (mean over seeds) at the
 * chosen value, Retrain's means as markers. Built from an exported sweep figure (plots.ts `sweepLines`:
 * one trace per metric, `customdata` the swept values, dotted traces Retrain's means).
 */
export function sliderFigure(sweep: PlotlyFigure, symbol: string): PlotlyFigure {
  const metricTraces = sweep.data.filter((t) => Array.isArray(t.customdata));
  const reference = sweep.data.filter((t) => !Array.isArray(t.customdata) && /Retrain/.test(String(t.name)));
  const values = (metricTraces[0]?.customdata as number[]) ?? [];
  const names = metricTraces.map((t) => String(t.name).replace(/ \(%\)$/, ""));
  const at = (i: number) => metricTraces.map((t) => (t.y as (number | null)[])[i]);
  const title = `${(sweep.layout.title as { text?: string })?.text ?? "sweep"}`.replace(/<br>/g, " ");
  const method = title.match(/^(?:Fig\. 3 analogue: )?(\S+) against/)?.[1] ?? "the method";
  const start = Math.max(0, values.indexOf(values.reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a), values[0] ?? 0)));
  // Values whose runs did not finish (plots.ts sweepLines draws them as crosses with their count).
  const crosses = sweep.data.find((t) => t.name === "runs that diverged");
  const positions = (metricTraces[0]?.x as number[]) ?? [];
  const unfinished = (i: number) => {
    const k = ((crosses?.x as number[] | undefined) ?? []).indexOf(positions[i]);
    return k >= 0 ? String((crosses!.text as string[])[k]) : "";
  };
  const note = (i: number) =>
    unfinished(i)
      ? [{ xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, text: `${unfinished(i)}: no metrics`, font: { size: 16 } }]
      : [];
  return {
    data: [
      { type: "bar", name: `${method} at ${symbol}`, x: names, y: at(start), marker: { color: "#009E73" } },
      {
        type: "scatter",
        mode: "markers",
        name: "Retrain",
        x: reference.map((t) => String(t.name).split(",")[0]),
        y: reference.map((t) => (t.y as number[])[0]),
        marker: { color: "#000000", symbol: "line-ew-open", size: 40, line: { width: 3 } },
      },
    ],
    layout: {
      title: { text: title },
      yaxis: { title: { text: "value (%)" }, range: [0, 105] },
      width: 672,
      height: 460,
      annotations: note(start),
      sliders: [{
        active: start,
        currentvalue: { prefix: `${symbol} = ` },
        pad: { t: 50 },
        steps: values.map((v, i) => ({
          label: `${v}${unfinished(i) ? " ×" : ""}`,
          method: "update",
          args: [{ y: [at(i)] }, { annotations: note(i) }, [0]],
        })),
      }],
    },
  };
}

async function explorePage(): Promise<string> {
  const parts: string[] = [];
  const figs: Record<string, PlotlyFigure> = {};
  for (
    const [name, symbol, what] of [["08_fig3_sweep", "α", "the smooth rate α (Fig. 3)"], ["08_mixweight_sweep", "p", "the mixing weight p"]]
  ) {
    const path = `${ROOT}results/figures/${name}.json`;
    if (!pathExists(path)) continue;
    figs[name] = sliderFigure(JSON.parse(await Deno.readTextFile(path)), symbol);
    parts.push(`<h2>Against ${esc(what)}</h2><div id="${name}" data-slider-figure="${name}"></div>`);
  }
  const payload = JSON.stringify(figs).replaceAll("<", "\\u003c");
  return page(
    "Sweeps",
    `<h1>Sweeps with sliders</h1>
<p>The committed sweeps of notebook 08 (mean over seeds at each value; the black marks are Retrain's means). Move the
slider: every value was computed when the notebook ran, so no kernel is needed. A value marked × is one whose runs
diverged: it has no metrics.</p>
${parts.join("\n") || "<p>No sweep figures in results/figures/.</p>"}
<script src="assets/plotly.js"></script><script id="sliders" type="application/json">${payload}</script>
<script>
(function () {
  var figs = JSON.parse(document.getElementById("sliders").textContent);
  document.querySelectorAll("[data-slider-figure]").forEach(function (el) {
    var f = figs[el.getAttribute("data-slider-figure")];
    if (f && typeof Plotly !== "undefined") Plotly.newPlot(el, f.data, f.layout, { displaylogo: false }).then(function () { el.setAttribute("data-drawn", "plotly"); });
  });
})();
</script>`,
  );
}

/** The nbconvert command Debian installs, or a named error. */
function findNbconvert(): string {
  const nbconvert = ["/usr/bin/jupyter-nbconvert", "/usr/bin/jupyter"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!nbconvert) throw new KitError("jupyter nbconvert is not installed: run ./kit setup --notebooks");
  return nbconvert;
}

/** plotly.js, MathJax (when Debian's libjs-mathjax is there) and require.js into assets/; whether MathJax is. */
async function copyAssets(abs: string): Promise<boolean> {
  await Deno.copyFile(plotlyJsPath(), `${abs}/assets/plotly.js`);
  const mathjax = pathExists(`${MATHJAX}/MathJax.js`);
  if (mathjax) {
    for (const p of MATHJAX_PARTS) if (pathExists(`${MATHJAX}/${p}`)) await copyTree(`${MATHJAX}/${p}`, `${abs}/assets/mathjax/${p}`);
  }
  if (pathExists(REQUIREJS)) await Deno.copyFile(REQUIREJS, `${abs}/assets/require.min.js`);
  return mathjax;
}

/** Every notebook as an HTML page with its committed outputs, with the book's navigation added. */
async function renderNotebooks(nbconvert: string, abs: string): Promise<Awaited<ReturnType<typeof readNotebooks>>> {
  const nbs = await readNotebooks();
  const cmd = new Deno.Command(nbconvert, {
    args: [
      ...(nbconvert.endsWith("/jupyter") ? ["nbconvert"] : []),
      "--to",
      "html",
      "--output-dir",
      `${abs}/notebooks`,
      "--HTMLExporter.mathjax_url=../assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
      "--HTMLExporter.require_js_url=../assets/require.min.js",
      ...nbs.map((nb) => `${ROOT}notebooks/${nb.file}`),
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const res = await cmd.output();
  if (!res.success) throw new KitError(`nbconvert failed:\n${new TextDecoder().decode(res.stderr).split("\n").slice(-10).join("\n")}`);
  const files = new Set(nbs.map((nb) => nb.file));
  for (const [i, nb] of nbs.entries()) {
    const path = `${abs}/notebooks/${nb.file.replace(".ipynb", ".html")}`;
    await Deno.writeTextFile(path, finishNotebookPage(await Deno.readTextFile(path), nb, nbs[i - 1], nbs[i + 1], files));
  }
  return nbs;
}

/** The committed exported figures (images, PDFs, captions) into figures/; their names. */
async function copyFigures(abs: string): Promise<string[]> {
  const figureFiles: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}results/figures`)) {
    if (e.isFile && /\.(png|pdf|tex|txt)$/.test(e.name)) {
      figureFiles.push(e.name);
      await Deno.copyFile(`${ROOT}results/figures/${e.name}`, `${abs}/figures/${e.name}`);
    }
  }
  return figureFiles;
}

/**
 * The protocol's judgements: the file named by --claims-v2, or results/claims-v2.json. The default file absent is
 * the scoreboard not yet computed (board null); a file named but absent, or malformed, is a KitError naming it.
 */
async function readScoreboard(given: string | undefined): Promise<V2Scoreboard> {
  const file = given ?? "results/claims-v2.json";
  let text: string;
  try {
    text = await Deno.readTextFile(kitPath(file));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw new KitError(`is not readable (${e instanceof Error ? e.message : String(e)})`, file);
    if (given !== undefined) throw new KitError(`${file} does not exist`, "--claims-v2");
    return { file, board: null };
  }
  return { file, board: parseBoard(text, file) };
}

export async function bookMain(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const abs = kitPath(((values.out as string | undefined) ?? `${ROOT}scratch/book`).replace(/\/+$/, ""));
  // The scoreboard is read (and a malformed one refused) before anything is built.
  const claimsV2Flag = values["claims-v2"];
  const v2 = await readScoreboard(typeof claimsV2Flag === "string" ? claimsV2Flag : undefined);
  const nbconvert = findNbconvert();
  const started = performance.now();
  await Deno.remove(abs, { recursive: true }).catch(() => {});
  for (const d of ["notebooks", "figures", "assets"]) await Deno.mkdir(`${abs}/${d}`, { recursive: true });
  bookToRoot = relative(`${abs}/notebooks`, ROOT.replace(/\/+$/, ""));
  withProtocolPage = v2.board !== null;
  const mathjax = await copyAssets(abs);
  const nbs = await renderNotebooks(nbconvert, abs);
  const figureFiles = await copyFigures(abs);
  const claims = JSON.parse(await Deno.readTextFile(`${ROOT}results/claims.json`)) as Claim[];
  await Deno.writeTextFile(`${abs}/index.html`, indexPage(nbs, claims, mathjax, v2));
  await Deno.writeTextFile(`${abs}/results.html`, resultsPage(claims, v2));
  if (v2.board) {
    await Deno.writeTextFile(
      `${abs}/protocol.html`,
      protocolPage({ file: v2.file, board: v2.board }, relative(abs, ROOT.replace(/\/+$/, ""))),
    );
  }
  await Deno.writeTextFile(`${abs}/map.html`, await mapPage(nbs, figureFiles));
  await Deno.writeTextFile(`${abs}/explore.html`, await explorePage());
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const pngs = figureFiles.filter((f) => f.endsWith(".png")).length;
  console.error(
    `book: ${nbs.length} notebooks, ${pngs} exported figures, ${claims.length} verdicts, ` +
      `${v2.board ? `the protocol's scoreboard from ${v2.file}` : "no protocol scoreboard yet"}; ` +
      `math ${mathjax ? "by the local MathJax" : "as TeX source (no libjs-mathjax)"}; ${seconds} s`,
  );
  console.log(`${abs}/index.html`);
  return 0;
}

if (import.meta.main) await runCommand("book", bookMain);
