/**
 * `deno task protocol [--check]`: writes evidence v2's protocol, as lib/report/protocol.ts declares it, to
 * results/protocol.json (the machine form whose sha256 every v2 run records) and docs/protocol.md (the same
 * for a reader). `--check` writes nothing and fails when either committed file differs.
 */
import { ROOT } from "../lib/env.ts";
import { KitError } from "../lib/errors.ts";
import { sha256Hex } from "../lib/hash.ts";
import { writeFileAtomic } from "../lib/record.ts";
import { buildProtocol, protocolJson } from "../lib/report/protocol.ts";
import { protocolMarkdown } from "../lib/report/protocol_doc.ts";
import { parseFlags, runCommand } from "./flags.ts";

const FLAGS = {
  check: { type: "boolean" as const, doc: "write nothing; fail when results/protocol.json or docs/protocol.md differs" },
  help: { type: "boolean" as const, short: "h", doc: "this help" },
};

/** The files and the text each should hold. */
export function protocolFiles(root = ROOT): [string, string][] {
  const p = buildProtocol();
  return [[`${root}results/protocol.json`, protocolJson(p)], [`${root}docs/protocol.md`, protocolMarkdown(p)]];
}

export async function protocolMain(args: string[]): Promise<number> {
  const { values } = parseFlags(args, FLAGS);
  if (values.help) {
    console.log("deno task protocol [--check]\n\nWrites results/protocol.json and docs/protocol.md from lib/report/protocol.ts.");
    return 0;
  }
  for (const [file, text] of protocolFiles()) {
    if (values.check) {
      const committed = await Deno.readTextFile(file).catch(() => null);
      if (committed !== text) throw new KitError("differs from lib/report/protocol.ts: run deno task protocol and add a change", file);
      continue;
    }
    await writeFileAtomic(file, text);
  }
  const json = protocolFiles()[0][1];
  console.log(
    `protocol version ${buildProtocol().version}, sha256 ${await sha256Hex(json)}${values.check ? " (committed files match)" : ""}`,
  );
  return 0;
}

if (import.meta.main) await runCommand("protocol", protocolMain);
