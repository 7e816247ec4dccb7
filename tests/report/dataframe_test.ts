import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as dfd from "danfojs";
import { frameHtml, groupMeans, recordsFrame, recordsTableFrame, tableFrame } from "../../lib/report/dataframe.ts";
import { buildTable } from "../../lib/report/table.ts";
import { handRecords } from "./_records.ts";

type Displayable = { [k: symbol]: () => Record<string, string> };
const display = (x: unknown) => (x as Displayable)[Symbol.for("Jupyter.display")]();

Deno.test("danfojs shares the kit's single tfjs 4.22 engine", () => {
  assert.equal((dfd.tensorflow as unknown as typeof tf).engine(), tf.engine());
  assert.equal(tf.version.tfjs, "4.22.0");
});

Deno.test("the table as a danfojs frame, displayed as HTML and Markdown in the notebook kernel", () => {
  const table = buildTable(handRecords());
  const df = tableFrame(table);
  assert.deepEqual(df.columns, ["Block", "Method", "Runs", "Failed", "UA", "MIA", "RA", "TA", "Avg. Gap", "Sum", "RTE (s)"]);
  assert.deepEqual(df.shape, [3, 11]);
  assert.deepEqual(df.column("Method").values, ["retrain", "ft", "ugradsl"]);
  assert.equal(df.column("UA").values[1], "21.00 ± 2.48");
  const shown = display(df);
  assert.match(shown["text/html"], /<table>.*<th[^>]*>Avg\. Gap<\/th>/s);
  assert.match(shown["text/plain"], /\| ft \| 21\.00 ± 2\.48 \|/);
  const num = recordsTableFrame(handRecords(), { numeric: true });
  assert.ok(num.columns.includes("UA ci95"));
  assert.ok(
    Math.abs((num.column("UA ci95").values as number[])[1] - 4.302652729911275 / Math.sqrt(3)) < 1e-8,
    "a value under the heading",
  );
  const retrainRow = (num.column("Method").values as string[]).indexOf("retrain");
  assert.equal(num.column("Avg. Gap").values[retrainRow], 0);
  // A variant's row keeps its label, so two rows of one method stay apart.
  const variant = handRecords().map((r) => (r.method === "ugradsl" ? { ...r, variant: "R", configHash: "hash-r" } : r));
  assert.deepEqual(recordsTableFrame(variant).column("Method").values, ["retrain", "ft", "ugradsl (R)"]);
});

Deno.test("one row per record with every metric key", () => {
  const df = recordsFrame(handRecords());
  assert.equal(df.shape[0], 9);
  assert.ok(df.columns.includes("AdditionalMIA") && df.columns.includes("VA"));
  assert.match(frameHtml(df), /<td>retrain<\/td>/);
  assert.ok("text/html" in display(df));
});

Deno.test("groupMeans counts runs that did not finish beside their group and keeps a group with none finished", () => {
  const base = handRecords().filter((r) => r.method === "ft");
  const rows = [
    ...base.map((r) => ({ ...r, tags: { ablation: "fig3" }, methodOptions: { smoothRate: -0.5 } })),
    ...base.map((r, i) => ({
      ...r,
      tags: { ablation: "fig3" },
      methodOptions: { smoothRate: 0 },
      ...(i === 0 ? { status: "diverged" as const, metrics: {} } : {}),
    })),
    ...base.map((r) => ({ ...r, tags: { ablation: "fig3" }, methodOptions: { smoothRate: 1 }, status: "diverged" as const, metrics: {} })),
  ];
  const g = groupMeans(recordsFrame(rows), { where: { ablation: "fig3" }, by: ["smoothRate"], metrics: ["UA"] });
  assert.deepEqual(g.column("smoothRate").values, [-0.5, 0, 1]);
  assert.deepEqual(g.column("UA_count").values, [base.length, base.length - 1, 0]);
  assert.deepEqual(g.column("unfinished").values, ["", `1/${base.length} diverged`, `${base.length}/${base.length} diverged`]);
  assert.ok(Number.isNaN((g.column("UA_mean").values as number[])[2]));
});
