/**
 * The webgpu backend on whatever adapter this machine has (here Mesa's llvmpipe through Vulkan: the same
 * WGSL shaders a GPU runs, on the CPU), against the cpu backend. tfjs keeps one backend per process, so
 * every side runs as its own `deno run` of tests/backend/webgpu_check.ts or of the CLI, and this file
 * only compares what they wrote:
 * - forward, backward (two losses) and three SGD steps of the MLP, the CNN and ResNet-18, within
 *   webgpu_check.ts's TOLERANCE, with no WebGPU device error;
 * - synchronous reads (lib/backend/webgpu_kernels.ts) of every dtype and of sizes around the staging
 *   texture's row and chunk, byte-identical to the asynchronous read;
 * - GA end to end through `deno task unlearn --backend webgpu`: its record names the adapter, and its
 *   metrics equal, and its losses match, the same run on cpu.
 * Ignored, with the reason in the test name, where no WebGPU adapter exists (Debian: mesa-vulkan-drivers
 * and libvulkan1, `bash scripts/setup.sh --webgpu`).
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { type CheckRun, compareRuns, summarise, TOLERANCE } from "./webgpu_compare.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DENO = `${ROOT}node_modules/.bin/deno`;
const CHECK = `${ROOT}tests/backend/webgpu_check.ts`;
// Deno's WebGPU probe prints a libwayland complaint when XDG_RUNTIME_DIR is unset (docs/gpu.md).
const ENV = { XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR") ?? "/nonexistent" };

async function deno(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await new Deno.Command(DENO, { args, cwd: ROOT, env: ENV, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { ok: r.success, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

async function findAdapter(): Promise<{ description: string; isFallbackAdapter: boolean } | null> {
  const r = await deno(["run", "-A", CHECK, "probe"]);
  return r.ok ? JSON.parse(r.stdout) : null;
}

const adapter = await findAdapter();
const skip = adapter === null ? " (skipped: no WebGPU adapter; bash scripts/setup.sh --webgpu installs Mesa's)" : "";
const opts = { ignore: adapter === null, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: `webgpu: MLP, CNN and ResNet-18 forward, backward and SGD steps match cpu within ${TOLERANCE}${skip}`,
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "unlearn-webgpu-" });
    try {
      const runs = await Promise.all(["cpu", "webgpu"].map(async (backend) => {
        const out = `${dir}/${backend}.json`;
        const r = await deno(["run", "-A", CHECK, "run", "--backend", backend, "--out", out]);
        assert.ok(r.ok, `${backend} check failed:\n${r.stderr}`);
        return JSON.parse(await Deno.readTextFile(out)) as CheckRun;
      }));
      const [cpu, webgpu] = runs;
      assert.equal(cpu.backend, "cpu");
      assert.equal(webgpu.backend, "webgpu");
      assert.ok(webgpu.gpuAdapter?.includes(adapter!.description), `${webgpu.gpuAdapter} names ${adapter!.description}`);
      assert.deepEqual(webgpu.deviceErrors, []);
      assert.ok(webgpu.webgpuKernels.includes("readSync") && webgpu.webgpuKernels.includes("AddN"), webgpu.webgpuKernels.join());
      const rows = compareRuns(cpu, webgpu);
      assert.ok(rows.length > 100, `${rows.length} quantities compared`);
      const over = rows.filter((r) => !(r.error <= TOLERANCE));
      assert.deepEqual(over, [], summarise(rows).join("\n"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `webgpu: dataSync of every dtype and of sizes around a row and a chunk equals data()${skip}`,
  ...opts,
  async fn() {
    const r = await deno(["run", "-A", CHECK, "readback"]);
    assert.ok(r.ok, r.stderr);
    const result = JSON.parse(r.stdout) as { checked: string[]; mismatches: string[] };
    assert.deepEqual(result.mismatches, []);
    assert.ok(result.checked.length >= 10, result.checked.join(", "));
  },
});

interface RunRecord {
  status: string;
  metrics: Record<string, number>;
  history: { forgetLoss: number }[];
  environment: { backend: { name: string; gpuAdapter?: string } };
}

Deno.test({
  name: `webgpu: GA end to end through deno task unlearn; the record names the adapter and matches cpu${skip}`,
  ...opts,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "unlearn-webgpu-e2e-" });
    try {
      // One epoch at a low rate leaves a weak original, so UA and RA are not 0 and 100 on every backend.
      const run = async (backend: string): Promise<RunRecord> => {
        const out = `${dir}/${backend}`;
        const r = await deno([
          "task",
          "unlearn",
          ...["--dataset", "synthetic", "--paradigm", "random", "--methods", "ga", "--seeds", "1", "--epochs", "1", "--lr", "0.005"],
          ...["--backend", backend, "--metrics", "UA,RA", "--no-progress", "--out", out, "--cache", `${out}/cache`],
        ]);
        assert.ok(r.ok, `deno task unlearn --backend ${backend} failed:\n${r.stderr}`);
        const lines = (await Deno.readTextFile(`${out}/records.jsonl`)).trim().split("\n");
        assert.equal(lines.length, 1);
        return JSON.parse(lines[0]);
      };
      const [webgpu, cpu] = [await run("webgpu"), await run("cpu")];
      assert.equal(webgpu.status, "ok");
      assert.equal(webgpu.environment.backend.name, "webgpu");
      assert.ok(webgpu.environment.backend.gpuAdapter?.includes(adapter!.description), String(webgpu.environment.backend.gpuAdapter));
      assert.ok(webgpu.metrics.RA < 99 && webgpu.metrics.UA > 1, JSON.stringify(webgpu.metrics));
      assert.deepEqual(webgpu.metrics, cpu.metrics);
      assert.equal(webgpu.history.length, cpu.history.length);
      webgpu.history.forEach((h, i) => {
        const want = cpu.history[i].forgetLoss;
        assert.ok(Math.abs(h.forgetLoss - want) <= TOLERANCE * Math.max(1, Math.abs(want)), `step ${i}: ${h.forgetLoss} vs cpu ${want}`);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
