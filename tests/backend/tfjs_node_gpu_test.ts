/**
 * The "tensorflow" step of initBackend (tfjs-node-gpu, first choice of "auto" where it installs) with
 * the package present and absent and a CUDA GPU present and absent. tfjs-node-gpu cannot install on
 * this machine (its install script downloads libtensorflow), so a stub stands in for it: like the real
 * package, importing it registers a backend named "tensorflow" on the kit's tfjs (here with the cpu
 * backend's kernels). The GPU check and the importer are replaced through setBackendProbesForTest.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend, setBackendProbesForTest } from "../../lib/backend.ts";

// "auto" goes on to probe WebGPU when "tensorflow" is skipped; the adapter request keeps a handle open.
const opts = { sanitizeResources: false, sanitizeOps: false };

const GPU_NAME = "NVIDIA H200 (stub)";
const imported: string[] = [];

/** An importer under which `present` packages import (registering "tensorflow") and others fail as Deno fails. */
function importer(present: string[]) {
  return (name: string): Promise<unknown> => {
    imported.push(name);
    if (!present.includes(name)) return Promise.reject(new Error(`Could not find a matching package for 'npm:${name}'`));
    if (tf.findBackendFactory("tensorflow") === null) {
      for (const kernel of tf.getKernelsForBackend("cpu")) tf.registerKernel({ ...kernel, backendName: "tensorflow" });
      tf.registerBackend("tensorflow", tf.findBackendFactory("cpu")!);
    }
    return Promise.resolve({ version: { "tfjs-node": "4.22.0 (stub)" } });
  };
}

function scenario(gpu: boolean, present: string[]) {
  imported.length = 0;
  setBackendProbesForTest({ cudaGpu: () => Promise.resolve(gpu ? GPU_NAME : undefined), importPackage: importer(present) });
}

Deno.test({
  name: "auto: a CUDA GPU and tfjs-node-gpu importable → tensorflow, first choice, naming the GPU",
  ...opts,
  async fn() {
    scenario(true, ["@tensorflow/tfjs-node-gpu"]);
    const info = await initBackend({ backend: "auto" });
    assert.equal(info.name, "tensorflow");
    assert.equal(info.reason, "auto: first choice");
    assert.equal(info.gpuAdapter, GPU_NAME);
    assert.equal(tf.getBackend(), "tensorflow");
    assert.equal(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]), 5, "the stub backend computes");
    assert.deepEqual(imported, ["@tensorflow/tfjs-node-gpu"]);
  },
});

Deno.test({
  name: "auto: a CUDA GPU without tfjs-node-gpu → falls through, saying the package is not importable",
  ...opts,
  async fn() {
    scenario(true, []);
    const info = await initBackend({ backend: "auto" });
    assert.notEqual(info.name, "tensorflow");
    assert.match(info.reason, /^auto; skipped tensorflow: @tensorflow\/tfjs-node-gpu not importable \(Could not find/);
    assert.deepEqual(imported, ["@tensorflow/tfjs-node-gpu"], "auto never falls back to CPU-only tfjs-node");
  },
});

Deno.test({
  name: "auto: tfjs-node-gpu present but no CUDA GPU → not even imported (no libtensorflow load)",
  ...opts,
  async fn() {
    scenario(false, ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]);
    const info = await initBackend({ backend: "auto" });
    assert.notEqual(info.name, "tensorflow");
    assert.match(info.reason, /^auto; skipped tensorflow: no CUDA GPU; /);
    assert.deepEqual(imported, []);
  },
});

Deno.test({
  name: "forced tensorflow: tfjs-node-gpu first, then CPU-only tfjs-node; neither → an error naming both",
  ...opts,
  async fn() {
    scenario(false, ["@tensorflow/tfjs-node"]);
    const cpuOnly = await initBackend({ backend: "tensorflow" });
    assert.equal(cpuOnly.name, "tensorflow");
    assert.equal(cpuOnly.gpuAdapter, undefined, "tfjs-node has no GPU");
    assert.deepEqual(imported, ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]);

    scenario(true, ["@tensorflow/tfjs-node-gpu"]);
    const gpu = await initBackend({ backend: "tensorflow" });
    assert.equal(gpu.gpuAdapter, GPU_NAME);
    assert.equal(gpu.reason, "forced by the backend option");

    scenario(true, []);
    await assert.rejects(
      initBackend({ backend: "tensorflow" }),
      (err: Error) =>
        /backend "tensorflow" \(forced by the backend option\) failed/.test(err.message) &&
        err.message.includes("@tensorflow/tfjs-node-gpu not importable") && err.message.includes("@tensorflow/tfjs-node not importable"),
    );
  },
});

Deno.test({
  name: "the real probes are back after the stubs: no CUDA GPU here, so auto skips tensorflow",
  ...opts,
  async fn() {
    setBackendProbesForTest();
    const info = await initBackend({ backend: "auto" });
    const hasGpu = await Deno.stat("/proc/driver/nvidia").then(() => true, () => false);
    if (!hasGpu) assert.match(info.reason, /skipped tensorflow: no CUDA GPU/);
    assert.ok(info.name !== "tensorflow" || hasGpu, info.reason);
  },
});
