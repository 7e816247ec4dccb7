/**
 * What the file-based loaders share: where a data set's files live by default and reading a file so
 * that a failure names it and says what is wrong (a missing or half-copied file is the usual cause).
 */
import { fileURLToPath } from "node:url";

/** data/raw/ in the repository: the default home of data sets a user copies in (ignored by git). */
export const RAW_DATA_DIR = fileURLToPath(new URL("../../data/raw", import.meta.url));

/** `$envName` if set, else data/raw/<sub>. */
export function defaultDir(envName: string, sub: string): string {
  return Deno.env.get(envName) ?? `${RAW_DATA_DIR}/${sub}`;
}

export async function readBytes(file: string, hint = ""): Promise<Uint8Array> {
  try {
    return await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${file}: file not found${hint ? ` (${hint})` : ""}`);
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
}

export async function readText(file: string, hint = ""): Promise<string> {
  return new TextDecoder().decode(await readBytes(file, hint));
}

/** Non-empty lines with surrounding whitespace removed. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/** Names in a directory, sorted, or an error naming the directory. */
export function listDir(dir: string, what: "files" | "dirs", hint = ""): string[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${dir}: directory not found${hint ? ` (${hint})` : ""}`);
    throw new Error(`${dir}: cannot list (${(e as Error).message})`);
  }
  return entries.filter((e) => (what === "dirs" ? e.isDirectory : e.isFile)).map((e) => e.name).sort();
}
