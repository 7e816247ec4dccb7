import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/record.ts";
import { AVG_GAP, buildTable, RTE, SUM, toCsv, toHtml, toMarkdown, writeTables } from "../../lib/report/table.ts";
import { handRecords, record } from "./_records.ts";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("columns follow the paper: UA | MIA | RA | TA | Avg. Gap | Sum | RTE; MIA only when recorded", () => {
  const t = buildTable(handRecords(), ["retrain", "ft", "ugradsl"]);
  assert.deepEqual(t.columns, ["UA", "MIA", "RA", "TA", AVG_GAP, SUM, RTE]);
  assert.deepEqual(t.rows.map((r) => r.method), ["retrain", "ft", "ugradsl"]);
  const noMia = handRecords().map((r) => ({ ...r, metrics: { UA: r.metrics.UA, RA: r.metrics.RA, TA: r.metrics.TA } }));
  assert.deepEqual(buildTable(noMia).columns, ["UA", "RA", "TA", AVG_GAP, SUM, RTE]);
  assert.deepEqual(buildTable(noMia, { alwaysMia: true }).columns, ["UA", "MIA", "RA", "TA", AVG_GAP, SUM, RTE]);
});

Deno.test("mean ± std over seeds; Avg. Gap against Retrain of the same seed; Retrain's gap is 0; Sum is the sum", () => {
  const t = buildTable(handRecords());
  const row = (m: string) => t.rows.find((r) => r.method === m)!;
  assert.equal(row("retrain").cells[AVG_GAP].mean, 0);
  assert.equal(row("retrain").cells[AVG_GAP].std, 0);
  // ft, seed s: (|20+s−100| + |80−100| + |99−(98+s)| + |94+s−94|) / 4 → 101/4, 100/4, 101/4.
  const gaps = [0, 1, 2].map((s) => (80 - s + 20 + Math.abs(1 - s) + s) / 4);
  assert.deepEqual(gaps, [25.25, 25, 25.25]);
  const mean = (25.25 + 25 + 25.25) / 3;
  close(row("ft").cells[AVG_GAP].mean, mean);
  close(row("ft").cells[AVG_GAP].std, Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / 2)); // n − 1
  close(row("ft").cells.UA.mean, 21);
  close(row("ft").cells.UA.std, 1);
  // Sum = UA + MIA + RA + TA per record, then averaged: (20+s) + 80 + 99 + (94+s) = 293 + 2s.
  close(row("ft").cells[SUM].mean, 295);
  close(row("retrain").cells[SUM].mean, 100 + 100 + 99 + 94);
  assert.equal(row("ft").runs, 3);
});

Deno.test("two shards merge into the table of all records; a repeated run is replaced by the later one", () => {
  const all = handRecords();
  const shardA = all.filter((r) => r.seed !== 1);
  const shardB = all.filter((r) => r.seed === 1);
  const whole = buildTable(all, ["retrain", "ft", "ugradsl"]);
  const merged = buildTable([...shardA, ...shardB], ["retrain", "ft", "ugradsl"]);
  assert.deepEqual(merged.rows, whole.rows);
  assert.equal(toMarkdown(merged), toMarkdown(whole));
  assert.equal(toCsv(merged), toCsv(whole));
  // Rerunning ft seed 0 with other numbers: the later record wins, the row still has 3 runs.
  const rerun = record("ft", 0, { UA: 50, MIA: 80, RA: 99, TA: 94 });
  const t = buildTable([...all, rerun]);
  const ft = t.rows.find((r) => r.method === "ft")!;
  assert.equal(ft.runs, 3);
  close(ft.cells.UA.mean, (50 + 21 + 22) / 3);
  assert.equal(t.notes.duplicatesDropped, 1);
});

Deno.test("Avg. Gap needs the Retrain of the same split; failed runs are counted, not averaged", () => {
  const recs: RunRecord[] = [
    record("retrain", 0, { UA: 100, MIA: 100, RA: 98, TA: 94 }),
    record("ft", 0, { UA: 10, MIA: 20, RA: 98, TA: 94 }),
    // same seed, but another split (hash): no reference
    record("ft", 1, { UA: 10, MIA: 20, RA: 98, TA: 94 }, { split: { ...record("ft", 1, {}).split, indexSha256: "other" } }),
    record("ga", 0, {}, { status: "diverged", error: "loss NaN" }),
  ];
  const t = buildTable(recs);
  const ft = t.rows.find((r) => r.method === "ft")!;
  assert.equal(ft.cells[AVG_GAP].n, 1);
  close(ft.cells[AVG_GAP].mean, (90 + 80) / 4);
  assert.deepEqual(t.notes.withoutRetrain, ["synthetic/classwise/ft/seed1"]);
  const ga = t.rows.find((r) => r.method === "ga")!;
  assert.equal(ga.failed, 1);
  assert.match(toMarkdown(t), /\| ga \(1\/1 diverged or failed\) \| – \|/);
});

Deno.test("extra columns sit after TA and stay out of Avg. Gap and Sum; HTML and CSV carry them", () => {
  const t = buildTable(handRecords(), { extraColumns: ["AdditionalMIA"] });
  assert.deepEqual(t.columns, ["UA", "MIA", "RA", "TA", "AdditionalMIA", AVG_GAP, SUM, RTE]);
  const ug = t.rows.find((r) => r.method === "ugradsl")!;
  close(ug.cells.AdditionalMIA.mean, 99);
  close(ug.cells[SUM].mean, 95 + 97 + 97 + 93);
  assert.match(toHtml(t), /<th>AdditionalMIA<\/th>/);
  assert.match(toHtml(t), /99\.00 ± 1\.00/);
  assert.match(toCsv(t).split("\n")[0], /AdditionalMIA mean,AdditionalMIA std/);
  // Blocks separate paradigms; Retrain is matched within the block.
  const random = handRecords().map((r) => ({ ...r, paradigm: "random", runId: r.runId.replace("classwise", "random") }));
  const both = buildTable([...handRecords(), ...random]);
  assert.equal(new Set(both.rows.map((r) => r.block)).size, 2);
  assert.ok(both.rows.filter((r) => r.method === "retrain").every((r) => r.cells[AVG_GAP].mean === 0));
});

Deno.test("deno task table merges shard files into the same table as all records", async () => {
  const dir = await Deno.makeTempDir();
  const all = handRecords();
  const jsonl = (rs: RunRecord[]) => rs.map((r) => JSON.stringify(r)).join("\n") + "\n";
  await Deno.mkdir(`${dir}/all`);
  await Deno.mkdir(`${dir}/a`);
  await Deno.writeTextFile(`${dir}/all/records.jsonl`, jsonl(all));
  await Deno.writeTextFile(`${dir}/a/records.jsonl`, jsonl(all.filter((r) => r.seed !== 2)));
  await Deno.writeTextFile(`${dir}/b.jsonl`, jsonl(all.filter((r) => r.seed === 2)));
  const deno = Deno.execPath();
  const script = new URL("../../table.ts", import.meta.url).pathname;
  const run = async (args: string[]) => {
    const out = await new Deno.Command(deno, { args: ["run", "-A", script, ...args], stdout: "piped", stderr: "piped" }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  };
  const whole = await run([`${dir}/all`]);
  const merged = await run([`${dir}/a`, `${dir}/b.jsonl`, "--out", `${dir}/merged`]);
  assert.equal(merged, whole);
  assert.equal(await Deno.readTextFile(`${dir}/merged/table.csv`), await Deno.readTextFile(`${dir}/all/table.csv`));
  assert.match(whole, /\| Method \| UA \| MIA \| RA \| TA \| Avg\. Gap \| Sum \| RTE \(s\) \|/);
  // writeTables (what unlearn.ts calls) writes the same files.
  await writeTables(`${dir}/w`, all, ["retrain", "ft", "ga", "ugradsl", "ugradsl+"]);
  assert.equal(await Deno.readTextFile(`${dir}/w/table.csv`), await Deno.readTextFile(`${dir}/all/table.csv`));
  // Several inputs without --out are refused, with a reason.
  const bad = await new Deno.Command(deno, { args: ["run", "-A", script, `${dir}/a`, `${dir}/b.jsonl`], stdout: "null", stderr: "piped" })
    .output();
  assert.equal(bad.code, 2);
  assert.match(new TextDecoder().decode(bad.stderr), /--out/);
  await Deno.remove(dir, { recursive: true });
});
