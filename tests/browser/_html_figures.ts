/**
 * What an HTML export of a notebook shows in place of its figures: every `<img>` with a data URI
 * (decoded and inspected), and every SVG output block that lost its drawing (nbconvert 6.5 cleans an
 * inline `image/svg+xml` output down to its text nodes: the "empty white block" of issue 13).
 */

export interface HtmlImage {
  mime: string;
  bytes: number;
  /** For SVG: drawn elements (path with a non-empty d, rect, circle, polyline, raster image); for PNG: width × height. */
  drawn: number;
  /** Why the image shows nothing, or null. */
  problem: string | null;
  /** The SVG document, for SVG images. */
  svg?: string;
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const attr = (tag: string, name: string) => tag.match(new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, "i"))?.[1] ?? null;
const unescape = (s: string) => s.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/** Drawn elements of an SVG document: paths with a non-empty d, shapes, embedded raster images. */
export function svgDrawnElements(svg: string): number {
  const paths = [...svg.matchAll(/<path\b[^>]*\sd="([^"]*)"/g)].filter((m) => /[0-9]/.test(m[1])).length;
  const shapes = (svg.match(/<(rect|circle|ellipse|polyline|polygon|line)\b/g) ?? []).length;
  const rasters = (svg.match(/<image\b[^>]*href="data:image\/(png|jpeg)/g) ?? []).length;
  return paths + shapes + rasters;
}

/** Inspects one data URI as an image. */
export function inspectDataUri(uri: string): HtmlImage {
  const m = uri.match(/^data:([^;,]+)(;base64)?,(.*)$/s);
  if (!m) return { mime: "?", bytes: 0, drawn: 0, problem: "not a data URI" };
  let bytes: Uint8Array;
  try {
    bytes = m[2] ? decodeBase64(m[3]) : new TextEncoder().encode(decodeURIComponent(m[3]));
  } catch (e) {
    return { mime: m[1], bytes: 0, drawn: 0, problem: `does not decode: ${(e as Error).message}` };
  }
  const mime = m[1];
  if (bytes.length === 0) return { mime, bytes: 0, drawn: 0, problem: "empty" };
  if (mime === "image/svg+xml") {
    const svg = new TextDecoder().decode(bytes);
    if (!/^\s*(<\?xml[^>]*>\s*)?<svg\b[\s\S]*<\/svg>\s*$/.test(svg)) {
      return { mime, bytes: bytes.length, drawn: 0, problem: "not an SVG document" };
    }
    const drawn = svgDrawnElements(svg);
    return { mime, bytes: bytes.length, drawn, problem: drawn < 3 ? `only ${drawn} drawn elements` : null, svg };
  }
  if (mime === "image/png") {
    const sig = [0x89, 0x50, 0x4e, 0x47];
    if (!sig.every((b, i) => bytes[i] === b)) return { mime, bytes: bytes.length, drawn: 0, problem: "not a PNG" };
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const w = view.getUint32(16), h = view.getUint32(20);
    return { mime, bytes: bytes.length, drawn: w * h, problem: w > 0 && h > 0 ? null : "zero-size PNG" };
  }
  return { mime, bytes: bytes.length, drawn: 0, problem: `unexpected image type ${mime}` };
}

/** Every `<img>` in the HTML whose src is a data URI. */
export function dataUriImages(html: string): HtmlImage[] {
  return [...html.matchAll(/<img\b[^>]*>/gi)]
    .map((m) => attr(m[0], "src"))
    .filter((src): src is string => src !== null && src.startsWith("data:"))
    .map((src) => inspectDataUri(unescape(src)));
}

/**
 * Output blocks of nbconvert's templates that hold an SVG output but draw nothing: no `<img>` and no
 * `<svg>` with drawn elements inside the block.
 */
export function emptySvgOutputs(html: string): number {
  let empty = 0;
  for (const m of html.matchAll(/<div[^>]*data-mime-type="image\/svg\+xml"[^>]*>([\s\S]*?)<\/div>/g)) {
    const inner = m[1];
    if (!/<img\b/.test(inner) && svgDrawnElements(inner) === 0) empty++;
  }
  return empty;
}

/** Rows of every HTML table (header rows excluded) in the text/html outputs. */
export function tableBodyRows(html: string): number {
  return (html.match(/<tbody>[\s\S]*?<\/tbody>/g) ?? []).reduce((n, body) => n + (body.match(/<tr\b/g) ?? []).length, 0);
}

/** The number of Plotly figures in a notebook's outputs. */
export function notebookFigureCount(ipynb: { cells: { outputs?: { data?: Record<string, unknown> }[] }[] }): number {
  return ipynb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data).length;
}

export interface ExportCheck {
  figures: number;
  images: HtmlImage[];
  emptySvgBlocks: number;
  problems: string[];
}

/**
 * Checks an HTML export against its notebook: one drawn image per figure at least, every data-URI image
 * non-empty, no SVG block that lost its drawing.
 */
export function checkExport(html: string, ipynb: Parameters<typeof notebookFigureCount>[0]): ExportCheck {
  const figures = notebookFigureCount(ipynb);
  const images = dataUriImages(html);
  const emptySvgBlocks = emptySvgOutputs(html);
  const problems: string[] = [];
  images.forEach((im, i) => im.problem && problems.push(`image ${i + 1} (${im.mime}, ${im.bytes} bytes): ${im.problem}`));
  if (emptySvgBlocks) problems.push(`${emptySvgBlocks} SVG output block(s) with nothing drawn (nbconvert stripped inline SVG)`);
  const good = images.filter((im) => !im.problem).length;
  if (good < figures) problems.push(`${figures} figures but ${good} drawn images`);
  return { figures, images, emptySvgBlocks, problems };
}
