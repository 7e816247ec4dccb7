/**
 * The loader fuzz, run from the test's process: each target's inputs run in a child process so that a
 * loader that hangs is caught (no line for `hangMs`: the child is killed and the input named) instead of
 * hanging the test. Returns counts the test asserts on and scripts/fuzz_loaders.ts writes to
 * results/fuzz/loaders.json.
 */
import { fileURLToPath } from "node:url";
import type { InputResult } from "./run.ts";
import { target } from "./targets.ts";

/** Inputs [from, to) of one target, run by one child. */
interface FuzzTask {
  target: string;
  seed: number;
  from: number;
  to: number;
}

/** Before the child's first line: time to start Deno and load the loaders on a busy machine. */
const STARTUP_MS = 120_000;

export interface FuzzOptions {
  seed: number;
  count: number;
  /** An input taking longer than this is reported as slow (the per-input bound). */
  perInputMs: number;
  /** No line from the child for this long: a hang. */
  hangMs: number;
  /** Child processes sharing the inputs (each takes a contiguous range). */
  processes: number;
}

export const DEFAULT_FUZZ: FuzzOptions = { seed: 12, count: 10000, perInputMs: 2000, hangMs: 20000, processes: 1 };

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
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-check",
      `--config=${fileURLToPath(new URL("../../../deno.json", import.meta.url))}`,
      fileURLToPath(new URL("./child.ts", import.meta.url)),
      task.target,
      `${task.seed}`,
      `${task.from}`,
      `${task.to}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let last = performance.now();
  let ready = false;
  let next = task.from;
  let hang: { i: number; afterMs: number } | null = null;
  const watchdog = setInterval(() => {
    const silent = performance.now() - last;
    if (silent > (ready ? hangMs : STARTUP_MS)) {
      hang = { i: next, afterMs: Math.round(silent) };
      clearInterval(watchdog);
      child.kill("SIGKILL");
    }
  }, 250);
  const stderr = new Response(child.stderr).text();
  let end: { rssStart: number; rssMax: number } | null = null;
  let buffered = "";
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        last = performance.now();
        const msg = JSON.parse(line);
        if (msg.type === "ready") ready = true;
        else if (msg.type === "input") {
          onResult(msg.result);
          next = msg.result.i + 1;
        } else end = msg;
      }
    }
  } finally {
    clearInterval(watchdog);
  }
  const status = await child.status;
  if (!hang && (!status.success || !end)) {
    throw new Error(`fuzz child for ${task.target} died at input ${next} (exit ${status.code}):\n${(await stderr).slice(-2000)}`);
  }
  return { rssStart: end?.rssStart ?? 0, rssMax: end?.rssMax ?? 0, hang: hang as { i: number; afterMs: number } | null };
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
  const per = Math.ceil(o.count / o.processes);
  const runs = await Promise.all(
    Array.from(
      { length: o.processes },
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
