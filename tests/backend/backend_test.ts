/** initBackend: validation of the requested name, the "auto" choice here, and caching. */
import assert from "node:assert/strict";
import { BACKEND_NAMES, backendInfo, initBackend } from "../../lib/backend.ts";
import { prepareNativeBackend } from "../../lib/backend/native/backend.ts";

// The adapter request of the WebGPU probe keeps a handle that Deno's sanitizer would report.
const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test("backendInfo() throws before initBackend", () => {
  assert.throws(() => backendInfo(), /initBackend/);
});

Deno.test("an invalid backend name is rejected with the valid names", async () => {
  const listsValid = (err: Error) => ["auto", ...BACKEND_NAMES].every((name) => err.message.includes(name));
  await assert.rejects(initBackend({ backend: "gpu" as never }), listsValid);
  const saved = Deno.env.get("UNLEARN_BACKEND");
  Deno.env.set("UNLEARN_BACKEND", "cuda");
  try {
    await assert.rejects(
      initBackend(),
      (err: Error) => listsValid(err) && err.message.includes("UNLEARN_BACKEND"),
    );
  } finally {
    if (saved === undefined) Deno.env.delete("UNLEARN_BACKEND");
    else Deno.env.set("UNLEARN_BACKEND", saved);
  }
});

Deno.test({
  name: "auto picks native (or wasm, saying why not) on a machine without a GPU, once",
  ...opts,
  async fn() {
    const saved = Deno.env.get("UNLEARN_BACKEND");
    Deno.env.delete("UNLEARN_BACKEND");
    try {
      const info = await initBackend();
      assert.equal(info.requested, "auto");
      if (info.gpuAdapter === undefined) {
        const native = await prepareNativeBackend();
        assert.equal(info.name, native.ok ? "native" : "wasm", info.reason);
        assert.match(info.reason, native.ok ? /tensorflow: .*webgpu: / : /tensorflow: .*webgpu: .*native: /);
        assert.ok(info.wasmKernels.includes("Conv2DBackpropFilter"));
        assert.equal(info.simd, true);
        if (native.ok) {
          assert.deepEqual(info.native, native.info);
          assert.ok(info.native!.kernels.includes("Conv2D"));
          assert.match(info.native!.onednn.version, /^2\./);
          assert.ok(info.native!.threads >= 1);
        }
      } else {
        assert.ok(["tensorflow", "webgpu"].includes(info.name), info.reason);
      }
      assert.equal(info.tfjsVersion, "4.22.0");
      assert.equal(info.denoVersion, Deno.version.deno);
      assert.equal(await initBackend(), info);
      assert.equal(await initBackend({ backend: "auto" }), info);
      assert.equal(backendInfo(), info);
      const other = info.name === "cpu" ? "wasm" : "cpu";
      await assert.rejects(initBackend({ backend: other }), /already initialised/);
    } finally {
      if (saved !== undefined) Deno.env.set("UNLEARN_BACKEND", saved);
    }
  },
});
