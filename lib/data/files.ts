/**
 * What the file-based loaders share: where a data set's files live by default, a `FileSource` that reads
 * them (the disk, or a map of bytes in memory, which is how tests and the fuzz feed loaders), and
 * allocation that checks a size against a budget before it asks for memory. Every failure is a
 * `KitError` naming the file, since a missing, renamed or half-copied file is the usual cause.
 */
import { dataDir } from "../env.ts";
import { fileURLToPath } from "node:url";
import { KitError } from "../errors.ts";

/** data/raw/ in the repository: the default home of data sets a user copies in (ignored by git). */
export const RAW_DATA_DIR = fileURLToPath(new URL("../../data/raw", import.meta.url));

/** `$envName` if set, else data/raw/<sub>. */
export function defaultDir(envName: string, sub: string): string {
  return dataDir(envName, `${RAW_DATA_DIR}/${sub}`);
}

/** Where a loader reads its files from. Paths are plain strings joined with "/". */
export interface FileSource {
  /** The file's bytes; a missing file is a KitError naming it (and `hint`: how to get it). */
  read(path: string, hint?: string): Promise<Uint8Array>;
  /** Names of the files or sub-folders in `dir`, sorted. */
  list(dir: string, what: "files" | "dirs", hint?: string): Promise<string[]>;
}

/** Options every file-based loader takes besides its own. */
export interface LoadOptions {
  /** Where files are read from (default: the disk). */
  files?: FileSource;
  /** Largest decoded data set, in bytes, a loader may allocate (default: see `defaultMemoryBudget`). */
  maxBytes?: number;
}

function notFound(path: string, what: string, hint: string): KitError {
  return new KitError(`${what} not found${hint ? ` (${hint})` : ""}`, path);
}

/** The disk, through Deno's file API. */
export const DISK: FileSource = {
  async read(path, hint = "") {
    try {
      return await Deno.readFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw notFound(path, "file", hint);
      if (e instanceof Deno.errors.IsADirectory) throw new KitError("is a folder, expected a file", path);
      throw new KitError(`cannot read (${(e as Error).message})`, path);
    }
  },
  async list(dir, what, hint = "") {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (what === "dirs" ? e.isDirectory : e.isFile) names.push(e.name);
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw notFound(dir, "directory", hint);
      throw new KitError(`cannot list (${(e as Error).message})`, dir);
    }
    return names.sort();
  },
};

/** A FileSource over bytes in memory, keyed by path; folders are the paths' prefixes. */
export function memoryFiles(files: Record<string, Uint8Array> | Map<string, Uint8Array>): FileSource {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return {
    read(path, hint = "") {
      const bytes = map.get(path);
      return bytes ? Promise.resolve(bytes) : Promise.reject(notFound(path, "file", hint));
    },
    list(dir, what, hint = "") {
      const prefix = dir.endsWith("/") ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const path of map.keys()) {
        if (!path.startsWith(prefix)) continue;
        const rest = path.slice(prefix.length).split("/");
        if (what === "files" ? rest.length === 1 : rest.length > 1) names.add(rest[0]);
      }
      if (names.size === 0 && ![...map.keys()].some((p) => p.startsWith(prefix))) {
        return Promise.reject(notFound(dir, "directory", hint));
      }
      return Promise.resolve([...names].sort());
    },
  };
}

export async function readText(files: FileSource, file: string, hint = ""): Promise<string> {
  return new TextDecoder().decode(await files.read(file, hint));
}

/** Non-empty lines with surrounding whitespace removed. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/**
 * The default allocation budget: 3/4 of this machine's memory, so that a header or a list claiming an
 * impossible size is refused with a message instead of the process dying out of memory.
 */
export function defaultMemoryBudget(): number {
  try {
    return Math.floor(Deno.systemMemoryInfo().total * 0.75);
  } catch {
    return 16 * 2 ** 30;
  }
}

/** Checks that `count` values of `bytesPerValue` fit the budget; `what` and `file` say what they are. */
export function checkAllocation(count: number, bytesPerValue: number, file: string, what: string, maxBytes?: number): void {
  const budget = maxBytes ?? defaultMemoryBudget();
  const bytes = count * bytesPerValue;
  if (!Number.isSafeInteger(count) || count < 0 || bytes > budget) {
    throw new KitError(
      `${what} would take ${formatBytes(bytes)}, more than the ${formatBytes(budget)} allowed ` +
        `(3/4 of this machine's memory, or the loader's maxBytes); load a subset (see docs/datasets.md)`,
      file,
    );
  }
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** The text of a caught value, whatever was thrown (some libraries throw strings). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
