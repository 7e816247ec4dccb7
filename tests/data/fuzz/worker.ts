/**
 * A fuzz worker: runs inputs [from, to) of one target and posts one message per input (the heartbeat
 * the main thread's watchdog reads) and a final one with the memory it saw.
 */
/// <reference lib="deno.worker" />
import { fuzzOne, target } from "./run.ts";

export interface FuzzTask {
  target: string;
  seed: number;
  from: number;
  to: number;
}

self.onmessage = async (e: MessageEvent<FuzzTask>) => {
  const { seed, from, to } = e.data;
  const t = target(e.data.target);
  const rssStart = Deno.memoryUsage().rss;
  let rssMax = rssStart;
  for (let i = from; i < to; i++) {
    const r = await fuzzOne(t, seed, i);
    if (i % 50 === 0 || r.ms > 50) rssMax = Math.max(rssMax, Deno.memoryUsage().rss);
    self.postMessage({ type: "input", result: r });
  }
  rssMax = Math.max(rssMax, Deno.memoryUsage().rss);
  self.postMessage({ type: "done", rssStart, rssMax });
};
