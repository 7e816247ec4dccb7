/**
 * A real Slurm job array: a throwaway one-node cluster on this machine (scripts/cluster/local_slurm.sh),
 * a 2-task `sbatch --array=0-1` of scripts/cluster/search_array.sbatch (the file docs/cluster.md shows),
 * `deno task search merge`, and the merged result against the same search run in one process: the same
 * run record (options, status, UA/RA/VA, history, original model) for every unit and search task, and
 * the same chosen points (both selections) and Retrain reference.
 *
 * Needs root (slurmd starts jobs as their user) and Debian's slurm-wlm and munge, which it installs
 * with apt-get when they are missing; otherwise the test is ignored and its name says why. The
 * daemons it starts are stopped in `finally`, also when the test fails.
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { SBATCH_SCRIPT, SEARCH_FLAGS } from "./slurm_search.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LOCAL_SLURM = `${ROOT}scripts/cluster/local_slurm.sh`;
const DENO = `${ROOT}node_modules/.bin/deno`;
const JOB_SECONDS = 150;

async function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(cmd, { args, cwd: ROOT, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

async function onPath(bin: string): Promise<boolean> {
  return (await sh("bash", ["-c", `command -v ${bin}`])).ok;
}

/** Why the test cannot run here, or undefined when it can (installs slurm-wlm and munge if needed). */
async function cannotRun(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "needs root: slurmd starts jobs as their user";
  const bins = ["munged", "slurmctld", "slurmd", "sbatch"];
  const missing = async () => (await Promise.all(bins.map(onPath))).some((ok) => !ok);
  if (await missing()) {
    if (!(await onPath("apt-get"))) return "slurm-wlm and munge are missing and there is no apt-get";
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    const args = ["install", "-y", "-qq", "--no-install-recommends", "slurm-wlm", "munge"];
    if (!(await sh("apt-get", args, env)).ok) {
      await sh("apt-get", ["update", "-qq"], env);
      const r = await sh("apt-get", args, env);
      if (!r.ok) return `apt-get install slurm-wlm munge failed: ${r.out.trim().split("\n").at(-1)}`;
    }
    if (await missing()) return "slurm-wlm and munge installed, but their programs are not on PATH";
  }
  return undefined;
}

const skip = await cannotRun();

interface RunRecord {
  runId: string;
  status: string;
  metrics: Record<string, number>;
  [key: string]: unknown;
}

/** Every run record of a search folder's shards, by runId. */
async function readShards(dir: string): Promise<{ byRun: Map<string, RunRecord>; shards: Record<string, number> }> {
  const byRun = new Map<string, RunRecord>();
  const shards: Record<string, number> = {};
  for (const entry of [...Deno.readDirSync(`${dir}/shards`)].filter((e) => e.isDirectory)) {
    const lines = (await Deno.readTextFile(`${dir}/shards/${entry.name}/records.jsonl`)).trim().split("\n");
    shards[entry.name] = lines.length;
    for (const line of lines) {
      const r = JSON.parse(line) as RunRecord;
      assert.ok(!byRun.has(r.runId), `${r.runId} in two shards`);
      byRun.set(r.runId, r);
    }
  }
  return { byRun, shards };
}

/** What must agree between two runs of the same search: everything but timings and where it ran. */
function comparable(r: RunRecord): Record<string, unknown> {
  // The checksum covers the timings too, so it differs with them.
  const { rteSeconds: _t, evalSeconds: _e, startedAt: _s, environment: _env, checksum: _k, ...rest } = r;
  const { trainSeconds: _ts, cached: _c, ...original } = rest.original as Record<string, unknown>;
  return { ...rest, original };
}

Deno.test({
  name: `slurm: a 2-task sbatch --array search, merged, equals the single-process search${skip ? ` (skipped: ${skip})` : ""}`,
  ignore: skip !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "unlearn-slurm-" });
    await Deno.chmod(tmp, 0o755); // munged runs as the munge user and must reach its folder inside
    const cluster = `${tmp}/cluster`;
    let started = false;
    try {
      const start = await sh("bash", [LOCAL_SLURM, "start", cluster]);
      assert.ok(start.ok, `local_slurm.sh start failed:\n${start.out}`);
      started = true;
      const env = { SLURM_CONF: `${cluster}/slurm.conf` };

      const arrayOut = `${tmp}/array`;
      const submit = await sh("timeout", [
        String(JOB_SECONDS),
        "sbatch",
        "--wait",
        "--array=0-1",
        `--output=${tmp}/slurm-%A_%a.out`,
        SBATCH_SCRIPT,
        ...SEARCH_FLAGS,
        `--out=${arrayOut}`,
        `--cache=${tmp}/cache-array`,
      ], env);
      const logs = await sh("bash", ["-c", `tail -n 20 ${tmp}/slurm-*.out`]);
      assert.ok(submit.ok, `sbatch --wait --array=0-1 failed or took over ${JOB_SECONDS} s:\n${submit.out}\n${logs.out}`);
      const merge = await sh(DENO, ["task", "search", "merge", arrayOut]);
      assert.ok(merge.ok, `deno task search merge failed:\n${merge.out}`);

      // The same search in one process, with its own cache, so it trains its own originals.
      const singleOut = `${tmp}/single`;
      const single = await sh(DENO, [
        "task",
        "search",
        ...SEARCH_FLAGS,
        "--no-progress",
        `--out=${singleOut}`,
        `--cache=${tmp}/cache-single`,
      ]);
      assert.ok(single.ok, `the single-process search failed:\n${single.out}`);

      const [fromArray, fromSingle] = [await readShards(arrayOut), await readShards(singleOut)];
      assert.deepEqual(Object.keys(fromArray.shards).sort(), ["0-of-2", "1-of-2"], logs.out);
      assert.ok(Object.values(fromArray.shards).every((n) => n > 0), `both array tasks wrote records: ${JSON.stringify(fromArray.shards)}`);
      const singleRuns = [...fromSingle.byRun.values()];
      assert.equal(singleRuns.length, 14, "7 units (Retrain + 3 methods × 2 points) × 2 search tasks");
      assert.ok(singleRuns.every((r) => r.status === "ok"), "every unit finished");
      assert.ok(singleRuns.some((r) => r.metrics.RA < 99), "the search is not degenerate (some RA below 99)");
      assert.deepEqual([...fromArray.byRun.keys()].sort(), [...fromSingle.byRun.keys()].sort(), "the same runs");
      for (const [runId, r] of fromSingle.byRun) assert.deepEqual(comparable(fromArray.byRun.get(runId)!), comparable(r), runId);

      const best = async (dir: string) => JSON.parse(await Deno.readTextFile(`${dir}/best.json`));
      const [bestArray, bestSingle] = [await best(arrayOut), await best(singleOut)];
      assert.equal(bestArray.complete, true);
      assert.deepEqual(bestArray.selections, bestSingle.selections);
      assert.deepEqual(bestArray.reference, bestSingle.reference);
    } finally {
      if (started || (await Deno.stat(cluster).catch(() => null))) {
        const stop = await sh("bash", [LOCAL_SLURM, "stop", cluster]);
        if (!stop.ok) console.error(`local_slurm.sh stop: ${stop.out}`);
      }
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});
