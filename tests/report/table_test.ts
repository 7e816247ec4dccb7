import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import type { RunRecord } from "../../lib/record.ts";
import { buildTable, toCsv, toHtml, toMarkdown, writeTables } from "../../lib/report/table.ts";
import { handRecords, record, withGaps } from "./_records.ts";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
/** The 97.5% quantile of Student's t with 2 degrees of freedom (three seeds), from a printed table. */
const T2 = 4.302652729911275;
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("columns follow the paper: UA | MIA | RA | TA | Avg. Gap | Sum | RTE; MIA only when recorded", () => {
  const t = buildTable(handRecords());
  assert.deepEqual(t.columns, ["UA", "MIA", "RA", "TA", "AvgGap", "Sum", "rteSeconds"]);
  assert.deepEqual(t.rows.map((r) => r.method), ["retrain", "ft", "ugradsl"], "rows in the methods' display order");
  const noMia = handRecords().map((r) => ({ ...r, metrics: { UA: r.metrics.UA, RA: r.metrics.RA, TA: r.metrics.TA } }));
  assert.deepEqual(buildTable(noMia).columns, ["UA", "RA", "TA", "AvgGap", "Sum", "rteSeconds"]);
  assert.deepEqual(buildTable(noMia, { columns: ["UA", "MIA"] }).columns, ["UA", "MIA", "rteSeconds"]);
  assert.match(toMarkdown(t), /\| Method \| UA \| MIA \| RA \| TA \| Avg\. Gap \| Sum \| RTE \(s\) \|/);
});

Deno.test("mean ± the 95% interval's half-width over seeds; Avg. Gap and Sum are read from the records, never recomputed", () => {
  const t = buildTable(handRecords());
  const row = (m: string) => t.rows.find((r) => r.method === m)!;
  assert.equal(row("retrain").cells.AvgGap.mean, 0);
  assert.equal(row("retrain").cells.AvgGap.sd, 0);
  // ft, seed s: (|20+s−100| + |80−100| + |99−(98+s)| + |94+s−94|) / 4 → 101/4, 100/4, 101/4.
  const gaps = [0, 1, 2].map((s) => (80 - s + 20 + Math.abs(1 - s) + s) / 4);
  assert.deepEqual(gaps, [25.25, 25, 25.25]);
  const mean = (25.25 + 25 + 25.25) / 3;
  close(row("ft").cells.AvgGap.mean, mean);
  close(row("ft").cells.AvgGap.sd, Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / 2)); // n − 1
  close(row("ft").cells.UA.mean, 21);
  close(row("ft").cells.UA.sd, 1);
  close(row("ft").cells.UA.halfWidth, T2 / Math.sqrt(3), 1e-8);
  close(row("ft").cells.UA.lo, 21 - T2 / Math.sqrt(3), 1e-8);
  // One seed has a mean and no interval.
  const one = buildTable(handRecords().filter((r) => r.seed === 0)).rows.find((r) => r.method === "ft")!;
  assert.equal(one.cells.UA.n, 1);
  assert.ok(Number.isNaN(one.cells.UA.halfWidth));
  assert.match(toMarkdown(buildTable(handRecords().filter((r) => r.seed === 0))), /\| ft \| 20\.00 \| 80\.00 \|/);
  // Sum = UA + MIA + RA + TA per record, then averaged: (20+s) + 80 + 99 + (94+s) = 293 + 2s.
  close(row("ft").cells.Sum.mean, 295);
  close(row("retrain").cells.Sum.mean, 100 + 100 + 99 + 94);
  assert.equal(row("ft").runs, 3);
  // What a record says is what the table shows: a value no formula of UA… would give is passed through.
  const odd = handRecords().map((r) => (r.method === "ft" ? { ...r, metrics: { ...r.metrics, AvgGap: 7, Sum: 1 } } : r));
  const o = buildTable(odd).rows.find((r) => r.method === "ft")!;
  assert.equal(o.cells.AvgGap.mean, 7);
  assert.equal(o.cells.Sum.mean, 1);
  // A record without them (no Retrain measured, or an older metric list) shows "–", not a gap over fewer keys.
  const bare = handRecords().map(({ metrics: { AvgGap: _a, Sum: _s, ...m }, ...r }) => ({ ...r, metrics: m }));
  const b = buildTable(bare).rows.find((r) => r.method === "ft")!;
  assert.equal(b.cells.AvgGap.n, 0);
  assert.match(toMarkdown(buildTable(bare)), /\| ft \| 21\.00 ± 2\.48 \| 80\.00 ± 0\.00 \| 99\.00 ± 0\.00 \| 95\.00 ± 2\.48 \| – \| – \|/);
});

Deno.test("two shards merge into the table of all records; a repeated run is replaced by the later one", () => {
  const all = handRecords();
  const shardA = all.filter((r) => r.seed !== 1);
  const shardB = all.filter((r) => r.seed === 1);
  const whole = buildTable(all);
  const merged = buildTable([...shardA, ...shardB]);
  assert.deepEqual(merged.rows, whole.rows);
  assert.equal(toMarkdown(merged), toMarkdown(whole));
  assert.equal(toCsv(merged), toCsv(whole));
  // Rerunning ft seed 0 with other numbers: the later record wins, the row still has 3 runs.
  const [rerun] = withGaps([
    record("retrain", 0, { UA: 100, MIA: 100, RA: 98, TA: 94 }),
    record("ft", 0, { UA: 50, MIA: 80, RA: 99, TA: 94 }),
  ])
    .slice(1);
  const t = buildTable([...all, rerun]);
  const ft = t.rows.find((r) => r.method === "ft")!;
  assert.equal(ft.runs, 3);
  close(ft.cells.UA.mean, (50 + 21 + 22) / 3);
  assert.equal(t.notes.duplicatesDropped, 1);
  // Per-epoch snapshots of a run are other records, not repeats; tables leave them out unless asked.
  const snapshot = { ...all[1], tags: { epoch: 1 } };
  assert.equal(buildTable([...all, snapshot]).notes.duplicatesDropped, 0);
  assert.equal(buildTable([...all, snapshot]).rows.length, 3);
  const withEpochs = buildTable([...all, snapshot], { epochs: true });
  assert.deepEqual(withEpochs.rows.map((r) => `${r.method}@${r.epoch ?? "end"}`), ["retrain@end", "ft@1", "ft@end", "ugradsl@end"]);
  assert.match(toMarkdown(withEpochs), /\| Method \| Epoch \| UA/);
});

Deno.test("rows of one method with different configurations are split and marked, never averaged", () => {
  const recs = handRecords();
  // ft seed 2 ran with another option (another configuration hash): its own row, both marked.
  const other = recs.map((r) => (r.method === "ft" && r.seed === 2 ? { ...r, configHash: "hash-other-options" } : r));
  const t = buildTable(other);
  const ft = t.rows.filter((r) => r.method === "ft");
  assert.equal(ft.length, 2);
  assert.deepEqual(ft.map((r) => r.runs).sort(), [1, 2]);
  assert.ok(ft.every((r) => /^ft #[0-9a-z-]{6}$/.test(r.label)), ft.map((r) => r.label).join(", "));
  assert.notEqual(ft[0].label, ft[1].label);
  close(ft.find((r) => r.runs === 2)!.cells.UA.mean, 20.5);
  assert.equal(t.rows.find((r) => r.method === "retrain")!.label, "retrain", "unmixed rows carry no mark");
  assert.equal(t.notes.mixedConfigurations.length, 1);
  assert.match(t.notes.mixedConfigurations[0], /ft.*: 2 configurations/);
  assert.match(toMarkdown(t), /rows marked #hash are different configurations/);
  // Variants are rows of their own, labelled as the paper prints them.
  const v = buildTable([
    ...recs,
    ...withGaps([...recs.filter((r) => r.method === "retrain"), record("ugradsl (R)", 0, { UA: 1 })]).slice(3),
  ]);
  assert.deepEqual(v.rows.map((r) => r.label), ["retrain", "ft", "ugradsl", "ugradsl (R)"]);
  assert.equal(v.notes.mixedConfigurations.length, 0);
});

Deno.test("failed runs are counted, not averaged", () => {
  const recs: RunRecord[] = withGaps([
    record("retrain", 0, { UA: 100, MIA: 100, RA: 98, TA: 94 }),
    record("ft", 0, { UA: 10, MIA: 20, RA: 98, TA: 94 }),
    record("ga", 0, {}, { status: "diverged", error: "loss NaN" }),
    record("ga", 1, { UA: 5, MIA: 6, RA: 90, TA: 90 }),
  ]);
  const t = buildTable(recs);
  close(t.rows.find((r) => r.method === "ft")!.cells.AvgGap.mean, (90 + 80) / 4);
  const ga = t.rows.find((r) => r.method === "ga")!;
  assert.equal(ga.failed, 1);
  assert.equal(ga.runs, 2);
  assert.deepEqual(ga.problems, ["diverged"]);
  assert.equal(ga.cells.UA.n, 1);
  assert.match(toMarkdown(t), /\| ga \(1\/2 diverged\) \| 5\.00 \|/);
  const allFailed = buildTable([record("ga", 0, {}, { status: "failed", error: "x" })]);
  assert.match(toMarkdown(allFailed), /\| ga \(1\/1 failed\) \| – \|/);
});

Deno.test("extra columns sit after TA; Markdown, HTML and CSV carry them", () => {
  const t = buildTable(handRecords(), { extraColumns: ["AdditionalMIA"] });
  assert.deepEqual(t.columns, ["UA", "MIA", "RA", "TA", "AdditionalMIA", "AvgGap", "Sum", "rteSeconds"]);
  const ug = t.rows.find((r) => r.method === "ugradsl")!;
  close(ug.cells.AdditionalMIA.mean, 99);
  close(ug.cells.Sum.mean, 95 + 97 + 97 + 93);
  const html = toHtml(t);
  assert.match(html, /<th style="text-align:right">Additional MIA<\/th>/);
  assert.match(html, /<td style="text-align:left">ugradsl<\/td>/);
  assert.match(html, /99\.00 ± 2\.48/);
  assert.match(html, /^<p><b>synthetic · classwise · mlp<\/b><\/p><table>/);
  assert.ok(!html.includes("<script"), "plain HTML");
  const csv = toCsv(t).split("\n");
  assert.equal(
    csv[0],
    "block,method,variant,epoch,runs,failed," +
      ["UA", "MIA", "RA", "TA", "AdditionalMIA", "AvgGap", "Sum", "rteSeconds"].map((c) => `${c} mean,${c} ci95,${c} sd,${c} n`).join(","),
  );
  assert.equal(csv[0].split(",").length, csv[2].split(",").length, "a value under every heading");
  assert.match(csv[2], /^synthetic · classwise · mlp,ft,,,3,0,21\.0000,2\.4841,1\.0000,3,/);
  const md = toMarkdown(t);
  assert.match(md, /^\*\*synthetic · classwise · mlp\*\*\n\n\| Method \| UA \| MIA \| RA \| TA \| Additional MIA \| Avg\. Gap/);
  assert.match(md, /_mean ± half-width of the 95% interval \(Student t\) over n = 3 seed\(s\) per row \(seeds 0, 1, 2\)/);
  // Blocks separate paradigms (the paradigm is part of the configuration hash, as the runner makes it).
  const random = handRecords().map((r) => ({
    ...r,
    paradigm: "random",
    runId: r.runId.replace("classwise", "random"),
    configHash: r.configHash.replace("classwise", "random"),
  }));
  const both = buildTable([...handRecords(), ...random]);
  assert.equal(new Set(both.rows.map((r) => r.block)).size, 2);
  assert.ok(both.rows.filter((r) => r.method === "retrain").every((r) => r.cells.AvgGap.mean === 0));
  assert.equal(toMarkdown(both).match(/^\*\*synthetic · /gm)!.length, 2);
  // Ablation label columns replace the Method column.
  const labelled = handRecords().map((r) => ({ ...r, tags: { labels: { Backbone: r.method.toUpperCase(), NLS: "✓" } } }));
  assert.match(
    toMarkdown(buildTable(labelled, { labelColumns: ["Backbone", "NLS"] })),
    /\| Backbone \| NLS \| UA \|[^\n]*\n\|---\|---\|---:/,
  );
});

Deno.test("writeTables writes table.md and table.csv, and an empty input never overwrites them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const md = await writeTables(dir, handRecords());
    assert.equal(await Deno.readTextFile(`${dir}/table.md`), md);
    assert.equal(await Deno.readTextFile(`${dir}/table.csv`), toCsv(buildTable(handRecords())));
    const again = await writeTables(dir, []);
    assert.equal(again.trim(), "", "nothing to show");
    assert.equal(await Deno.readTextFile(`${dir}/table.md`), md, "the table stays");
    assert.equal(await Deno.readTextFile(`${dir}/table.csv`), toCsv(buildTable(handRecords())));
    // A folder with no table yet gets none from an empty input.
    await writeTables(`${dir}/empty`, []);
    await assert.rejects(Deno.stat(`${dir}/empty/table.md`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task table merges shard files into the same table as all records; bad input writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const all = handRecords();
  const jsonl = (rs: RunRecord[]) => rs.map((r) => JSON.stringify(r)).join("\n") + "\n";
  await Deno.mkdir(`${dir}/all`);
  await Deno.mkdir(`${dir}/a`);
  await Deno.writeTextFile(`${dir}/all/records.jsonl`, jsonl(all));
  await Deno.writeTextFile(`${dir}/a/records.jsonl`, jsonl(all.filter((r) => r.seed !== 2)) + "{torn\n");
  await Deno.writeTextFile(`${dir}/b.jsonl`, jsonl(all.filter((r) => r.seed === 2)));
  const script = fileURLToPath(new URL("../../cli/table.ts", import.meta.url));
  const cmd = (args: string[]) =>
    new Deno.Command(Deno.execPath(), { args: ["run", "-A", script, ...args], stdout: "piped", stderr: "piped" });
  const run = async (args: string[]) => {
    const out = await cmd(args).output();
    assert.equal(out.code, 0, decode(out.stderr));
    return { stdout: decode(out.stdout), stderr: decode(out.stderr) };
  };
  const whole = await run([`${dir}/all`]);
  const merged = await run([`${dir}/a`, `${dir}/b.jsonl`, "--out", `${dir}/merged`]);
  assert.equal(merged.stdout, whole.stdout);
  assert.match(merged.stderr, /skipped .*a\/records\.jsonl:7: not JSON/);
  assert.equal(await Deno.readTextFile(`${dir}/merged/table.csv`), await Deno.readTextFile(`${dir}/all/table.csv`));
  assert.match(whole.stdout, /\| Method \| UA \| MIA \| RA \| TA \| Avg\. Gap \| Sum \| RTE \(s\) \|/);
  // writeTables (what cli/unlearn.ts calls) writes the same files.
  await writeTables(`${dir}/w`, all);
  assert.equal(await Deno.readTextFile(`${dir}/w/table.csv`), await Deno.readTextFile(`${dir}/all/table.csv`));
  // Several inputs without --out are refused with a reason; an input with no records leaves the table alone.
  const bad = await cmd([`${dir}/a`, `${dir}/b.jsonl`]).output();
  assert.equal(bad.code, 2);
  assert.match(decode(bad.stderr), /--out/);
  assert.doesNotMatch(decode(bad.stderr), /at .*\.ts:\d+/, "no stack trace");
  await Deno.mkdir(`${dir}/none`);
  await Deno.writeTextFile(`${dir}/none/records.jsonl`, "");
  await Deno.writeTextFile(`${dir}/none/table.md`, "kept\n");
  const empty = await cmd([`${dir}/none`]).output();
  assert.equal(empty.code, 2);
  assert.match(decode(empty.stderr), /no records to tabulate/);
  assert.equal(await Deno.readTextFile(`${dir}/none/table.md`), "kept\n");
  await Deno.remove(dir, { recursive: true });
});
