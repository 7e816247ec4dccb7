/**
 * A fuzz child process: runs inputs [from, to) of one target and prints one JSON line per input (the
 * heartbeat the parent's watchdog reads), after a "ready" line, and a last line with the memory it saw.
 * A process rather than a Worker, because a Worker stuck in a synchronous loop cannot be stopped.
 *
 *   deno run -A tests/data/fuzz/child.ts <target> <seed> <from> <to>
 */
import { fuzzOne, target } from "./run.ts";

const [name, seed, from, to] = Deno.args;
const t = target(name);
const out = (o: unknown) => console.log(JSON.stringify(o));
out({ type: "ready" });
const rssStart = Deno.memoryUsage().rss;
let rssMax = rssStart;
for (let i = Number(from); i < Number(to); i++) {
  const r = await fuzzOne(t, Number(seed), i);
  if (i % 50 === 0 || r.ms > 50) rssMax = Math.max(rssMax, Deno.memoryUsage().rss);
  out({ type: "input", result: r });
}
out({ type: "done", rssStart, rssMax: Math.max(rssMax, Deno.memoryUsage().rss) });
