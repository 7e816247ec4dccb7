/**
 * Progress for long work: a bar redrawn in place in a terminal, a live-updating display in a notebook,
 * and a line every 10% in a log file. Nothing reads this back: it only informs the user.
 */
import { isJupyter, isTerminal, jupyter } from "./env.ts";

export type ProgressInfo = Record<string, number | string>;

export interface Bar {
  /** Advance by `n` units and show the latest numbers (loss, accuracy…). */
  tick(n?: number, info?: ProgressInfo): void;
  /** Finish the bar, leaving its last state visible. */
  done(info?: ProgressInfo): void;
}

export type ProgressSink = (label: string, total: number) => Bar;

function fmt(info: ProgressInfo): string {
  return Object.entries(info)
    .map(([k, v]) => `${k} ${typeof v === "number" ? (Number.isInteger(v) || Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : v}`)
    .join("  ");
}

function line(label: string, done: number, total: number, info: ProgressInfo, elapsedSeconds: number): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const width = 24;
  const filled = Math.round(frac * width);
  const eta = frac > 0 && frac < 1 ? `  eta ${Math.round((elapsedSeconds / frac) * (1 - frac))}s` : "";
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}%  ` +
    `${fmt(info)}${eta}`;
}

let displayCounter = 0;

/** The sink that fits where the kit runs. */
export const autoProgress: ProgressSink = (label, total) => {
  const started = performance.now();
  let count = 0;
  let last: ProgressInfo = {};
  let lastDecile = -1;
  let lastDraw = 0;
  const enc = new TextEncoder();
  const notebook = isJupyter();
  const terminal = !notebook && isTerminal();
  const displayId = `unlearn-progress-${++displayCounter}`;
  const draw = (final: boolean) => {
    const now = performance.now();
    const text = line(label, count, total, last, (now - started) / 1000);
    if (notebook) {
      if (!final && now - lastDraw < 250) return;
      lastDraw = now;
      jupyter()!.display({ "text/plain": text }, { raw: true, display_id: displayId, update: count > 0 && lastDecile >= 0 });
      lastDecile = 0;
    } else if (terminal) {
      if (!final && now - lastDraw < 100) return;
      lastDraw = now;
      Deno.stderr.writeSync(enc.encode(`\r\x1b[2K${text}${final ? "\n" : ""}`));
    } else {
      const decile = Math.floor((10 * count) / Math.max(1, total));
      if (final || decile > lastDecile) {
        lastDecile = decile;
        Deno.stderr.writeSync(enc.encode(text + "\n"));
      }
    }
  };
  return {
    tick(n = 1, info) {
      count += n;
      if (info) last = info;
      draw(false);
    },
    done(info) {
      if (info) last = info;
      count = Math.max(count, total);
      draw(true);
    },
  };
};

/** Shows nothing (tests, nested work). */
export const silentProgress: ProgressSink = () => ({ tick() {}, done() {} });
