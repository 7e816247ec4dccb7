/**
 * The pre-registered protocol a run is made under (evidence v2, docs/protocol.md). The protocol itself —
 * its checks, families, margins and design — is declared in lib/report/protocol.ts and written to
 * results/protocol.json by `deno task protocol`; a run only needs to name the file and carry its identity:
 * the file's sha256 (of its bytes, as `sha256sum` prints it) and its version enter the run's record and its
 * configuration hash, so a record made under one protocol is never read as made under another, and the
 * claims writer refuses records whose hash differs from the protocol it judges against.
 *
 * The file is read and checked when the configuration is checked (before any data is loaded): a missing
 * file, text that is not JSON, or JSON that is not a protocol is an error naming the file.
 */
import { kitRelative } from "../env.ts";
import { KitError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import type { ProtocolStamp } from "../record.ts";

export const PROTOCOL_SCHEMA = "unlearn-kit/protocol@1";

/** A protocol file as a configuration holds it: where it is, its version, its text as read. */
export interface ProtocolFile {
  file: string;
  version: number;
  text: string;
}

/** Reads and checks a protocol file; `where` names the field or flag for the error when the file is missing. */
export function readProtocolFile(file: string, where: string): ProtocolFile {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "does not exist" : `cannot be read (${(e as Error).message})`;
    throw new KitError(`${file} ${why}; write it with deno task protocol`, where);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KitError(`is not JSON (${(e as Error).message})`, file);
  }
  const o = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed as Record<string, unknown> : null;
  if (!o || o.schema !== PROTOCOL_SCHEMA) {
    throw new KitError(`is not a protocol (its "schema" is ${JSON.stringify(o?.schema)}, not "${PROTOCOL_SCHEMA}")`, file);
  }
  if (typeof o.version !== "number" || !Number.isInteger(o.version) || o.version < 1) {
    throw new KitError(`its "version" ${JSON.stringify(o.version)} is not a positive integer`, file);
  }
  return { file, version: o.version, text };
}

/** The stamp of a protocol file as read; the file named relative to the kit's folder when inside it (`kitRelative`). */
export async function protocolStamp(p: ProtocolFile): Promise<ProtocolStamp> {
  return { file: kitRelative(p.file), version: p.version, sha256: await sha256Hex(p.text) };
}
