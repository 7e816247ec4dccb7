/**
 * Runtime facts in one place (after transformers.js `env.js`): where the kit runs and how it may talk
 * to the user. Backend choice lives in backend.ts; everything else asks here.
 */

type JupyterApi = { display(obj: unknown, opts?: { raw?: boolean; update?: boolean; display_id?: string }): Promise<void> };

let jupyterCache: JupyterApi | null | undefined;

/** Deno's Jupyter API when running inside `deno jupyter`, else null (reading Deno.jupyter elsewhere throws). */
export function jupyter(): JupyterApi | null {
  if (jupyterCache === undefined) {
    try {
      jupyterCache = (Deno as unknown as { jupyter?: JupyterApi }).jupyter ?? null;
    } catch {
      jupyterCache = null;
    }
  }
  return jupyterCache;
}

export function isJupyter(): boolean {
  return jupyter() !== null;
}

export function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** Quick mode (CI, smoke runs): smaller sizes everywhere a caller asks. Set by UNLEARN_QUICK=1. */
export function isQuick(): boolean {
  const v = Deno.env.get("UNLEARN_QUICK");
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

export function versions() {
  return { deno: Deno.version.deno, v8: Deno.version.v8, typescript: Deno.version.typescript };
}

export function machine() {
  let cpuModel = "unknown";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    cpuModel = info.match(/model name\s*:\s*(.+)/)?.[1] ?? cpuModel;
  } catch { /* not Linux */ }
  return { os: Deno.build.os, arch: Deno.build.arch, cores: navigator.hardwareConcurrency, cpuModel };
}
