/**
 * A run made under a protocol (--protocol FILE): a bad file is refused before any work, naming the file; a
 * good one's sha256 and version enter every record and the configuration hash (a run under none hashes no
 * protocol key, as before).
 */
import assert from "node:assert/strict";
import { ROOT } from "../../lib/env.ts";
import { KitError } from "../../lib/errors.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { PROTOCOL_SCHEMA } from "../../lib/experiment/protocol_ref.ts";
import { runExperiment } from "../../lib/experiment/run.ts";
import { readRecords } from "../../lib/record.ts";
import { configOfFlags, TINY_FLAGS } from "./_tiny.ts";

const dir = await Deno.makeTempDir();
const cache = await Deno.makeTempDir();

/** The KitError message `--protocol=file` gives (the config is checked before anything loads). */
function problem(file: string): string {
  try {
    configOfFlags([...TINY_FLAGS, `--out=${dir}/bad`, `--cache=${cache}`, `--protocol=${file}`]);
  } catch (e) {
    if (e instanceof KitError) return e.message;
    throw e;
  }
  return "accepted";
}

Deno.test("a missing, non-JSON or non-protocol file is an error naming it, before any work", async () => {
  assert.match(problem(`${dir}/nothing.json`), /protocol \(--protocol\): .*nothing\.json does not exist/);
  await Deno.writeTextFile(`${dir}/torn.json`, '{"schema": "unlearn-kit/protocol@1", "vers');
  assert.match(problem(`${dir}/torn.json`), /torn\.json: is not JSON/);
  await Deno.writeTextFile(`${dir}/other.json`, JSON.stringify({ schema: "unlearn-kit/selection@1", version: 1 }));
  assert.match(problem(`${dir}/other.json`), /other\.json: is not a protocol/);
  await Deno.writeTextFile(`${dir}/noversion.json`, JSON.stringify({ schema: PROTOCOL_SCHEMA, version: "one" }));
  assert.match(problem(`${dir}/noversion.json`), /noversion\.json: its "version" "one" is not a positive integer/);
  await assert.rejects(Deno.stat(`${dir}/bad`), Deno.errors.NotFound, "nothing was written");
});

Deno.test("the protocol's sha256 and version are in every record and in its configuration hash", async () => {
  const file = `${dir}/protocol.json`;
  const text = JSON.stringify({ schema: PROTOCOL_SCHEMA, version: 3, checks: [] }, null, 1) + "\n";
  await Deno.writeTextFile(file, text);
  const flags = [...TINY_FLAGS, "--methods=retrain,ga", `--cache=${cache}`];
  const plain = await runExperiment(configOfFlags([...flags, `--out=${dir}/plain`]));
  const under = await runExperiment(configOfFlags([...flags, `--out=${dir}/under`, `--protocol=${file}`]));
  const sha256 = await sha256Hex(text);
  for (const r of await readRecords([`${dir}/under`])) assert.deepEqual(r.protocol, { file, version: 3, sha256 });
  // A protocol inside the kit's folder is named relative to it, so a record does not depend on the checkout's path.
  const inside = await runExperiment(configOfFlags([...flags, `--out=${dir}/inside`, `--protocol=${ROOT}results/protocol.json`]));
  for (const r of inside) assert.equal(r.protocol?.file, "results/protocol.json");
  for (const r of plain) assert.equal(r.protocol, undefined);
  for (const method of ["retrain", "ga"]) {
    const a = plain.find((r) => r.method === method)!;
    const b = under.find((r) => r.method === method)!;
    assert.notEqual(a.configHash, b.configHash, `${method}: a protocol is part of the configuration`);
    assert.deepEqual(a.metrics, b.metrics, `${method}: the protocol changes no number`);
  }
  // Another version of the file is another configuration.
  await Deno.writeTextFile(file, text.replace('"version": 3', '"version": 4'));
  const again = await runExperiment(configOfFlags([...flags, `--out=${dir}/under`, `--protocol=${file}`]));
  assert.notEqual(again[0].configHash, under[0].configHash);
});
