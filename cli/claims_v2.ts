/**
 * `deno task claims-v2 [--protocol FILE] [--records DIR …] [--sensitivity NAME=DIR …] [--out FILE] [--json FILE]
 * [--v1 FILE]`: evidence v2's scoreboard (lib/report/claims_v2.ts) from the records made under the protocol: by
 * default those of the main job (results/main), of the families outside it (results/v2) and of the second scale
 * (results/full), the folders that exist. Records made under another protocol or none are refused and listed; with
 * none admitted it writes nothing and fails, so v1's scoreboard is never replaced by an empty one. The runs from
 * shifted searches (default results/sensitivity/*) are judged beside them, shown and never counted.
 */
import { kitPath, ROOT } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { recordFolders } from "../lib/experiment/config.ts";
import { readProtocolFile } from "../lib/experiment/protocol_ref.ts";
import { sha256Hex } from "../lib/hash.ts";
import { makeFolder, readRecords, writeFileAtomic } from "../lib/record.ts";
import type { SensitivityRecords, V1Chapter } from "../lib/report/claims_v2.ts";
import { claimsV2Markdown, judgeClaims } from "../lib/report/claims_v2.ts";
import { parseProtocol } from "../lib/report/protocol.ts";
import { parseFlags, pathExists, runCommand, sensitivityFolders } from "./flags.ts";

const FLAGS = {
  protocol: { type: "string" as const, doc: "the protocol judged against (default results/protocol.json)" },
  records: {
    type: "string" as const,
    multiple: true,
    doc: "a folder of v2 records, or one above them (default: results/main, results/v2, results/full, those that exist)",
  },
  sensitivity: {
    type: "string" as const,
    multiple: true,
    doc: "NAME=DIR: the main job's units run from a shifted search's selections (default: results/sensitivity/*)",
  },
  out: { type: "string" as const, doc: "the scoreboard (default results/claims.md)" },
  json: { type: "string" as const, doc: "the judgements as JSON (default results/claims-v2.json)" },
  v1: { type: "string" as const, doc: "v1's verdicts (default results/v1/claims.json)" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

/** v1's chapters, or null (with a warning) when the file is absent. */
async function readV1(file: string): Promise<V1Chapter[] | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    console.error(`warning: ${file} is not there: the v1 column shows "not in v1's records"`);
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KitError(`is not JSON (${(e as Error).message})`, file);
  }
  if (!Array.isArray(parsed)) throw new KitError("is not v1's list of chapters (results/claims.json)", file);
  return parsed;
}

const DEFAULT_RECORDS = ["results/main", "results/v2", "results/full"];

/** The shifted searches' runs (`sensitivityFolders`), each folder given checked to exist. */
async function sensitivityRuns(given: string[] | undefined): Promise<SensitivityRecords[]> {
  const pairs = sensitivityFolders(given);
  for (const [, dir] of pairs) if (!pathExists(dir)) throw new KitError(`${dir} does not exist`, "--sensitivity");
  return await Promise.all(pairs.map(async ([name, dir]) => ({ name, records: await readRecords([dir]) })));
}

/** The record folders, each given path checked to exist. */
function folders(given: string[]): string[] {
  for (const dir of given) {
    try {
      Deno.statSync(dir);
    } catch {
      throw new KitError(`${dir} does not exist`, "--records");
    }
  }
  const found = recordFolders(given);
  if (found.length === 0) throw new KitError(`no records.jsonl at or below ${given.join(", ")}`, "--records");
  return found;
}

export async function claimsV2Main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) {
    console.log(`deno task claims-v2 [flags]\n\n${Object.entries(FLAGS).map(([k, f]) => `  --${k}  ${f.doc}`).join("\n")}`);
    return 0;
  }
  const named = (values.protocol as string | undefined) ?? "results/protocol.json";
  const { text } = readProtocolFile(kitPath(named), "--protocol");
  const protocol = parseProtocol(text, named);
  const given = values.records as string[] | undefined;
  const dirs = folders(given ? given.map(kitPath) : DEFAULT_RECORDS.map(kitPath).filter(pathExists));
  const input = {
    protocol,
    protocolFile: named,
    protocolSha256: await sha256Hex(text),
    records: await readRecords(dirs),
    v1: await readV1(kitPath((values.v1 as string | undefined) ?? "results/v1/claims.json")),
    sensitivity: await sensitivityRuns(values.sensitivity as string[] | undefined),
  };
  const judged = judgeClaims(input);
  for (const r of judged.refused) console.error(`refused: ${r.count} record(s) ${r.reason}; e.g. ${r.examples.join(", ")}`);
  if (judged.accepted === 0) {
    throw new KitError(`none of ${judged.read} records was made under ${named}; nothing written`, "--records");
  }
  const out = kitPath((values.out as string | undefined) ?? "results/claims.md");
  const json = kitPath((values.json as string | undefined) ?? "results/claims-v2.json");
  for (const file of [out, json]) await makeFolder(file.replace(/\/[^/]*$/, "") || ROOT);
  await writeFileAtomic(out, claimsV2Markdown(input, judged));
  await writeFileAtomic(json, JSON.stringify(judged, null, 1) + "\n");
  console.log(`${judged.accepted} of ${judged.read} records judged; wrote ${out} and ${json}`);
  return 0;
}

if (import.meta.main) await runCommand("claims-v2", claimsV2Main);
