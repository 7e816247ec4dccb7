/**
 * Jupyter from the tests: the checkout's Deno kernelspec (scripts/setup.sh --notebooks writes it to
 * .jupyter/kernels/deno), executing and converting notebooks with the installed nbconvert, signing
 * (trusting) a notebook, and a classic Notebook server on 127.0.0.1 with a random port and token.
 * Every Jupyter process gets a fresh data, config and runtime folder, so the tests neither read nor
 * change the user's Jupyter state (signatures, config, per-user kernels).
 */
import { ROOT } from "../../lib/env.ts";

export { ROOT };

/** The checkout's Jupyter data folder holding kernels/deno (found through JUPYTER_PATH). */
export const KIT_JUPYTER_PATH = `${ROOT}.jupyter`;

/** What the browser and nbconvert tests need, and the command that installs it. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  const exists = (p: string) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  };
  if (!exists("/usr/bin/jupyter-nbconvert") && !exists("/usr/bin/jupyter")) missing.push("jupyter nbconvert");
  if (!exists("/usr/bin/jupyter-notebook")) missing.push("jupyter-notebook (the classic Notebook 6)");
  if (!exists(`${KIT_JUPYTER_PATH}/kernels/deno/kernel.json`)) missing.push(".jupyter/kernels/deno (the checkout's Deno kernel)");
  return missing;
}

export function assertPrerequisites(): void {
  const missing = missingPrerequisites();
  if (missing.length) {
    throw new Error(`missing ${missing.join(", ")}: run ./kit setup --notebooks --figures (installs them and registers the kernel)`);
  }
}

/** A Jupyter environment isolated from the user's: fresh data/config/runtime folders, the kit's kernel first. */
export interface JupyterHome {
  dir: string;
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function jupyterHome(): Promise<JupyterHome> {
  const dir = await Deno.makeTempDir({ prefix: "unlearn-jupyter-" });
  for (const sub of ["data", "config", "runtime"]) await Deno.mkdir(`${dir}/${sub}`);
  const env = {
    JUPYTER_PATH: KIT_JUPYTER_PATH,
    JUPYTER_DATA_DIR: `${dir}/data`,
    JUPYTER_CONFIG_DIR: `${dir}/config`,
    JUPYTER_RUNTIME_DIR: `${dir}/runtime`,
    NO_COLOR: "1",
  };
  return { dir, env, remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}) };
}

async function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}:\n${text.split("\n").slice(-30).join("\n")}`);
  return text;
}

/** Executes a notebook with the Deno kernel (nbconvert --execute) and writes it to `out` (a .ipynb path). */
export async function executeNotebook(
  home: JupyterHome,
  notebook: string,
  out: string,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<void> {
  const slash = out.lastIndexOf("/");
  await run(
    "jupyter",
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      "--ExecutePreprocessor.timeout=600",
      "--ExecutePreprocessor.iopub_timeout=60",
      "--output-dir",
      out.slice(0, slash),
      "--output",
      out.slice(slash + 1),
      notebook,
    ],
    { ...home.env, ...opts.env },
    opts.timeoutMs ?? 600_000,
  );
}

/** Converts a notebook to HTML with the installed nbconvert (no execution); returns the HTML. */
export async function notebookToHtml(home: JupyterHome, notebook: string, outDir: string): Promise<{ path: string; html: string }> {
  await Deno.mkdir(outDir, { recursive: true });
  const base = notebook.slice(notebook.lastIndexOf("/") + 1).replace(/\.ipynb$/, "");
  await run("jupyter", ["nbconvert", "--to", "html", "--output-dir", outDir, "--output", base, notebook], home.env, 120_000);
  const path = `${outDir}/${base}.html`;
  return { path, html: await Deno.readTextFile(path) };
}

/** Signs a notebook so a server using `home` trusts it (Debian has no `jupyter trust`). */
export async function signNotebook(home: JupyterHome, notebook: string): Promise<void> {
  const script = "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\n" +
    "for p in sys.argv[1:]:\n    NotebookNotary().sign(nbformat.read(p, as_version=4))\n";
  await run("/usr/bin/python3", ["-c", script, notebook], home.env, 60_000);
}

/** A port nothing listens on now (the OS picks it). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export interface NotebookServer {
  /** http://127.0.0.1:PORT/ */
  base: string;
  token: string;
  /** The URL of a file under the server's root (the checkout), token included. */
  url(path: string): string;
  /** Stops the server (and, through it, its kernels); safe to call twice. */
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts `jupyter notebook` on 127.0.0.1 with the checkout as its root, a random free port and a random
 * token; resolves once /api/status answers. Retries on another port if the first one was taken meanwhile.
 */
export async function startNotebookServer(home: JupyterHome, opts: { timeoutMs?: number } = {}): Promise<NotebookServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(home, opts.timeoutMs ?? 60_000);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startOnce(home: JupyterHome, timeoutMs: number): Promise<NotebookServer> {
  const port = freePort();
  const token = crypto.randomUUID().replaceAll("-", "");
  const args = [
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--port-retries=0",
    `--notebook-dir=${ROOT}`,
    "--NotebookApp.open_browser=False",
  ];
  if (Deno.uid() === 0) args.push("--allow-root");
  const child = new Deno.Command("jupyter-notebook", {
    args,
    env: { ...home.env, JUPYTER_TOKEN: token },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) log += chunk;
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const base = `http://127.0.0.1:${port}/`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      // SIGTERM: the server shuts its kernels down before it exits; SIGKILL if it has not after 10 s.
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 10_000);
      await status;
      clearTimeout(timer);
    }
    await drained;
  };
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited) {
      await drained;
      throw new Error(`jupyter-notebook exited before serving on port ${port}:\n${log.split("\n").slice(-20).join("\n")}`);
    }
    try {
      const r = await fetch(`${base}api/status?token=${token}`, { signal: AbortSignal.timeout(2_000) });
      await r.body?.cancel();
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`jupyter-notebook did not answer on ${base} within ${timeoutMs} ms:\n${log.split("\n").slice(-20).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    token,
    url: (path: string) => `${base}${path}${path.includes("?") ? "&" : "?"}token=${token}`,
    stop,
    log: () => log,
  };
}
