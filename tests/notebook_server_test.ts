/**
 * `./kit notebook` (scripts/notebook.sh): working copies only, the URL printed once the port is bound, and
 * nothing left running when the server stops (#25 item 2, #27 cases 5, 8 and 16). Needs Debian's
 * jupyter-notebook (scripts/setup.sh --notebooks); skipped with the reason otherwise.
 */
import assert from "node:assert/strict";
import { ROOT } from "../lib/env.ts";

const hasNotebook = (() => {
  try {
    return new Deno.Command("jupyter-notebook", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

async function gitStatus(): Promise<string> {
  const out = await new Deno.Command("git", { args: ["status", "--porcelain"], cwd: ROOT, stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const alive = (pid: number) => {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean | Promise<boolean>, seconds = 30): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Server {
  child: Deno.ChildProcess;
  output: () => string;
  url: string;
  token: string;
  port: number;
}

/** Starts `scripts/notebook.sh` on `port` (0: its default) with working copies in `work`; resolves once it prints the URL (or exits). */
async function start(port: number, work: string): Promise<Server & { status: Promise<Deno.CommandStatus> }> {
  const child = new Deno.Command("bash", {
    args: ["scripts/notebook.sh", ...(port ? ["--port", String(port)] : []), "--no-trust"],
    cwd: ROOT,
    env: { KIT_NOTEBOOK_NO_SETUP: "1", KIT_NOTEBOOK_WORK: work },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += dec.decode(chunk);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then(async (s) => (await pumps, s));
  let exited = false;
  status.then(() => (exited = true));
  await until("the URL or the end", () => exited || /open {2}http/.test(text), 60);
  const url = text.match(/open {2}(http\S+)/)?.[1] ?? "";
  return {
    child,
    output: () => text,
    url,
    token: url.match(/token=(\w+)/)?.[1] ?? "",
    port: Number(url.match(/:(\d+)\//)?.[1] ?? port),
    status,
  };
}

async function api(s: Server, method: string, path: string, body?: unknown): Promise<Response> {
  return await fetch(`http://127.0.0.1:${s.port}${path}`, {
    method,
    headers: { Authorization: `token ${s.token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Opens a notebook's kernel through the REST API, as the browser does; returns the kernel's PID. */
async function openKernel(s: Server, path: string): Promise<number> {
  const r = await api(s, "POST", "/api/sessions", { path, type: "notebook", kernel: { name: "deno" } });
  assert.equal(r.status, 201, await r.text());
  const serverPid = Number(
    new TextDecoder().decode(
      (await new Deno.Command("pgrep", { args: ["-f", `jupyter-notebook.*--port=${s.port} `], stdout: "piped" }).output()).stdout,
    ).trim().split("\n")[0],
  );
  let kernel = 0;
  await until("the kernel process", async () => {
    const out = await new Deno.Command("pgrep", { args: ["-P", String(serverPid)], stdout: "piped" }).output();
    kernel = Number(new TextDecoder().decode(out.stdout).trim().split("\n")[0] || 0);
    return kernel > 0;
  });
  assert.equal(Deno.readLinkSync(`/proc/${kernel}/cwd`), `${ROOT}notebooks`, "kernels start in notebooks/, so ../lib imports resolve");
  return kernel;
}

Deno.test({
  name:
    "./kit notebook serves working copies only (saves and autosaves leave git clean), prints its URL once bound, and ends its kernels on HUP (TERM and Ctrl-C take the same path) or when the server is killed",
  ignore: !hasNotebook,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const before = await gitStatus();
    const work = await Deno.makeTempDir({ prefix: "kit-notebook-test-" });
    try {
      // A port that is taken: refused, and no URL printed (#27 case 16).
      const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const busy = await start((taken.addr as Deno.NetAddr).port, work);
      const st = await busy.status;
      taken.close();
      assert.notEqual(st.code, 0);
      assert.doesNotMatch(busy.output(), /open {2}http/);
      assert.match(busy.output(), /did not start/);

      // A session: open a kernel, save the working copy as autosave does, try to reach the committed file.
      const s = await start(freePort(), work);
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/tree\?token=\w+$/);
      assert.ok((await fetch(s.url.replace("/tree?", "/api/status?"))).ok, "the printed URL answers");
      const kernel = await openKernel(s, "04_classwise.ipynb");
      const got = await (await api(s, "GET", "/api/contents/04_classwise.ipynb")).json();
      got.content.cells[0].source = "edited in the browser";
      const put = await api(s, "PUT", "/api/contents/04_classwise.ipynb", { type: "notebook", format: "json", content: got.content });
      assert.equal(put.status, 200, "the working copy saves");
      assert.match(Deno.readTextFileSync(`${work}/04_classwise.ipynb`), /edited in the browser/);
      // Only the working copies are served: nothing of the checkout (notebooks/, results/, lib/) is reachable.
      const listing = await (await api(s, "GET", "/api/contents/")).json();
      const names = listing.content.map((e: { name: string }) => e.name);
      assert.ok(names.includes("04_classwise.ipynb"));
      for (const name of ["results", "lib", "notebooks", "README.md"]) assert.ok(!names.includes(name), `${name} is not served`);
      // The server killed hard (#27 case 8): the wrapper ends the kernel it left.
      const serverPid = Number(
        new TextDecoder().decode(
          (await new Deno.Command("pgrep", { args: ["-f", `jupyter-notebook.*--port=${s.port} `], stdout: "piped" }).output()).stdout,
        ).trim(),
      );
      Deno.kill(serverPid, "SIGKILL");
      await s.status;
      await until("the orphaned kernel to end", () => !alive(kernel), 15);

      // HUP (the terminal closed) to the wrapper: server and kernel stop.
      const t = await start(freePort(), work);
      const k2 = await openKernel(t, "00_quickstart.ipynb");
      t.child.kill("SIGHUP");
      const end = await t.status;
      assert.match(t.output(), /stopped/);
      assert.equal(end.signal, null, "the wrapper exits by itself after stopping the server");
      await until("the kernel to end after HUP", () => !alive(k2), 15);

      // Two launches at once without --port: each server binds its own port, and each prints its own URL (#27 case 16).
      const [u, v] = await Promise.all([start(0, work), start(0, work)]);
      try {
        assert.ok(u.url && v.url, u.output() + v.output());
        assert.notEqual(new URL(u.url).port, new URL(v.url).port);
        for (const x of [u, v]) assert.ok((await fetch(x.url.replace("/tree?", "/api/status?"))).ok, x.url);
      } finally {
        for (const x of [u, v]) x.child.kill("SIGTERM");
        await Promise.all([u.status, v.status]);
      }

      assert.equal(await gitStatus(), before, "git status unchanged after the sessions");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
