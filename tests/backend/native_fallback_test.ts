/**
 * Where the native backend cannot run, "auto" falls back to wasm and says why, and forcing native
 * fails with the reason: checked in child processes without FFI permission and with a bad
 * UNLEARN_THREADS. Also the thread setting itself.
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { threadSetting } from "../../lib/backend/native/libs.ts";

const probe = fileURLToPath(new URL("./native_fallback_probe.ts", import.meta.url));

async function pick(permissions: string[], env: Record<string, string> = {}): Promise<{ name?: string; reason?: string; error?: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, probe],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!);
}

// What tfjs's wasm backend needs (its .wasm file, the environment), and everything but FFI.
const withoutFfi = ["--allow-read", "--allow-env", "--allow-run", "--allow-sys", "--allow-write"];

Deno.test("without FFI permission, auto picks wasm and records why native was skipped", async () => {
  const r = await pick(withoutFfi, { UNLEARN_BACKEND: "" });
  assert.equal(r.name, "wasm", JSON.stringify(r));
  assert.match(r.reason!, /native: FFI is not permitted/);
});

Deno.test("forcing native without FFI permission fails with the reason", async () => {
  const r = await pick(withoutFfi, { UNLEARN_BACKEND: "native" });
  assert.match(r.error ?? "", /backend "native" \(forced by UNLEARN_BACKEND\) failed: FFI is not permitted/);
});

Deno.test("a malformed UNLEARN_THREADS skips native with that reason", async () => {
  const r = await pick(["-A"], { UNLEARN_BACKEND: "", UNLEARN_THREADS: "two" });
  assert.equal(r.name, "wasm", JSON.stringify(r));
  assert.match(r.reason!, /native: UNLEARN_THREADS: "two" is not a positive integer/);
});

Deno.test("the thread count comes from UNLEARN_THREADS, else the machine", () => {
  const saved = Deno.env.get("UNLEARN_THREADS");
  try {
    Deno.env.set("UNLEARN_THREADS", "3");
    assert.deepEqual(threadSetting(), { threads: 3, from: "UNLEARN_THREADS" });
    Deno.env.delete("UNLEARN_THREADS");
    assert.deepEqual(threadSetting(), { threads: navigator.hardwareConcurrency, from: "navigator.hardwareConcurrency" });
    for (const bad of ["0", "-1", "1.5", "x"]) {
      Deno.env.set("UNLEARN_THREADS", bad);
      assert.throws(() => threadSetting(), /UNLEARN_THREADS/);
    }
  } finally {
    if (saved === undefined) Deno.env.delete("UNLEARN_THREADS");
    else Deno.env.set("UNLEARN_THREADS", saved);
  }
});
