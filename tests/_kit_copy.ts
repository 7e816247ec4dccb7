/**
 * A throw-away copy of the kit (lib/, cli/, deno.json, package.json, the committed selection file, and a
 * link to node_modules) for tests that change source files or run commands against a changed kit.
 */
import { fileURLToPath } from "node:url";
export const KIT_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The copy goes into `into` (made; e.g. a folder whose name holds a space) or a new temporary folder. */
export async function copyKit(into?: string): Promise<string> {
  const dir = into ?? await Deno.makeTempDir({ prefix: "kit-copy-" });
  if (into) await Deno.mkdir(into, { recursive: true });
  const cp = await new Deno.Command("cp", {
    args: ["-r", `${KIT_ROOT}lib`, `${KIT_ROOT}cli`, `${KIT_ROOT}deno.json`, `${KIT_ROOT}package.json`, dir],
    stderr: "piped",
  }).output();
  if (!cp.success) throw new Error(`cp: ${new TextDecoder().decode(cp.stderr)}`);
  await Deno.mkdir(`${dir}/results/search`, { recursive: true });
  await Deno.copyFile(`${KIT_ROOT}results/search/selection.json`, `${dir}/results/search/selection.json`);
  await Deno.symlink(await Deno.realPath(`${KIT_ROOT}node_modules`), `${dir}/node_modules`);
  return dir;
}

/** Runs `deno <args>` in `cwd`; returns the exit code and both streams as text. */
export async function deno(args: string[], cwd = KIT_ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd, stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
