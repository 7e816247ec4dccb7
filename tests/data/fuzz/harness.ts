/**
 * The loader fuzz, run from the main thread: each target's inputs run in a Worker so that a loader that
 * hangs is caught (no message for `hangMs`: the worker is terminated and the input named) instead of
 * hanging the test. Returns counts the test asserts on and scripts/fuzz_loaders.ts writes to
 * results/fuzz/loaders.json.
 */
import type { InputResult } from "./run.ts";
import { target } from "./targets.ts";
import type { FuzzTask } from "./worker.ts";

export interface FuzzOptions {
  seed: number;
  count: number;
  /** An input taking longer than this is reported as slow (the per-input bound). */
  perInputMs: number;
  /** No message from the worker for this long: a hang. */
  hangMs: number;
  /** Workers sharing the inputs (each takes a contiguous range). */
  workers: number;
}

export const DEFAULT_FUZZ: FuzzOptions = { seed: 12, count: 10000, perInputMs: 2000, hangMs: 20000, workers: 1 };

interface Tally {
  inputs: number;
  accepted: number;
  refused: number;
  bugs: number;
}

export interface FuzzSummary extends Tally {
  target: string;
  loader: string;
  seed: number;
  /** Refusals whose message names the very file that was changed (the rest name another file of the set). */
  refusedNamingMutatedFile: number;
  /** Inputs over the per-input bound. */
  slow: number;
  maxInputMs: number;
  meanInputMs: number;
  slowest: { i: number; kind: string; ms: number };
  wallMs: number;
  rssStartMiB: number;
  rssMaxMiB: number;
  /** A hang: the input that was running when the watchdog fired. */
  hang: { i: number; afterMs: number } | null;
  byKind: Record<string, Tally>;
  /** The most frequent refusal messages, paths and numbers blanked. */
  refusals: Record<string, number>;
  bugSamples: InputResult[];
}

const tally = (): Tally => ({ inputs: 0, accepted: 0, refused: 0, bugs: 0 });

function add(t: Tally, r: InputResult): void {
  t.inputs++;
  if (r.outcome === "accepted") t.accepted++;
  else if (r.outcome === "refused") t.refused++;
  else t.bugs++;
}

/** "…/train.bin: truncated: 9 bytes …" → "truncated: N bytes …", cut at 70 characters. */
function pattern(message: string): string {
  return message.replace(/\/fuzz\/[^\s:,)]*/g, "<file>").replace(/^<file>: /, "").replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, "N")
    .replace(/"[^"]*"/g, '"…"').slice(0, 70);
}

async function runWorker(task: FuzzTask, hangMs: number, onResult: (r: InputResult) => void) {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  let last = performance.now();
  let next = task.from;
  try {
    return await new Promise<{ rssStart: number; rssMax: number; hang: { i: number; afterMs: number } | null }>((resolve, reject) => {
      const watchdog = setInterval(() => {
        const silent = performance.now() - last;
        if (silent > hangMs) {
          clearInterval(watchdog);
          resolve({ rssStart: 0, rssMax: 0, hang: { i: next, afterMs: silent } });
        }
      }, 250);
      worker.onmessage = (e) => {
        last = performance.now();
        if (e.data.type === "input") {
          onResult(e.data.result);
          next = e.data.result.i + 1;
        } else {
          clearInterval(watchdog);
          resolve({ rssStart: e.data.rssStart, rssMax: e.data.rssMax, hang: null });
        }
      };
      worker.onerror = (e) => {
        clearInterval(watchdog);
        e.preventDefault();
        reject(new Error(`fuzz worker for ${task.target} died at input ${next}: ${e.message}`));
      };
      worker.postMessage(task);
    });
  } finally {
    worker.terminate();
  }
}

/** Runs `count` seeded inputs against one loader. */
export async function runFuzz(targetName: string, options: Partial<FuzzOptions> = {}): Promise<FuzzSummary> {
  const o = { ...DEFAULT_FUZZ, ...options };
  const t = target(targetName);
  const total = tally();
  const byKind: Record<string, Tally> = {};
  const refusals: Record<string, number> = {};
  const bugSamples: InputResult[] = [];
  let namesMutated = 0;
  let slow = 0;
  let sumMs = 0;
  let slowest = { i: -1, kind: "", ms: 0 };
  const onResult = (r: InputResult) => {
    add(total, r);
    add(byKind[r.kind.replace(/-(delete|duplicate|overwrite)$/, "")] ??= tally(), r);
    sumMs += r.ms;
    if (r.ms > o.perInputMs) slow++;
    if (r.ms > slowest.ms) slowest = { i: r.i, kind: r.kind, ms: r.ms };
    if (r.outcome === "refused") {
      if (r.namesMutatedFile) namesMutated++;
      const p = pattern(r.detail!);
      refusals[p] = (refusals[p] ?? 0) + 1;
    }
    if (r.outcome === "bug" && bugSamples.length < 20) bugSamples.push(r);
  };
  const start = performance.now();
  const per = Math.ceil(o.count / o.workers);
  const runs = await Promise.all(
    Array.from(
      { length: o.workers },
      (_, w) => runWorker({ target: targetName, seed: o.seed, from: w * per, to: Math.min(o.count, (w + 1) * per) }, o.hangMs, onResult),
    ),
  );
  const mib = (b: number) => Math.round(b / 2 ** 20);
  const top = Object.entries(refusals).sort((a, b) => b[1] - a[1]).slice(0, 25);
  return {
    target: t.name,
    loader: t.loader,
    seed: o.seed,
    ...total,
    refusedNamingMutatedFile: namesMutated,
    slow,
    maxInputMs: Math.round(slowest.ms * 10) / 10,
    meanInputMs: Math.round((sumMs / Math.max(1, total.inputs)) * 100) / 100,
    slowest: { ...slowest, ms: Math.round(slowest.ms * 10) / 10 },
    wallMs: Math.round(performance.now() - start),
    rssStartMiB: mib(Math.min(...runs.map((r) => r.rssStart))),
    rssMaxMiB: mib(Math.max(...runs.map((r) => r.rssMax))),
    hang: runs.find((r) => r.hang)?.hang ?? null,
    byKind: Object.fromEntries(Object.entries(byKind).sort()),
    refusals: Object.fromEntries(top),
    bugSamples,
  };
}
