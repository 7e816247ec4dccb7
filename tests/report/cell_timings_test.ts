import assert from "node:assert/strict";
import { cellTimings } from "../../lib/report/cell_timings.ts";

const executed = (begin: string, end: string) => ({ "iopub.execute_input": begin, "shell.execute_reply": end });

Deno.test("cellTimings: each executed code cell's seconds, the start-up before the first, markdown and unexecuted cells skipped", () => {
  const nb = {
    cells: [
      { cell_type: "markdown", source: "# title" },
      {
        cell_type: "code",
        source: ["// a comment\n", "const x = 1;\n"],
        metadata: { execution: executed("2026-12-07T07:00:03.000Z", "2026-12-07T07:00:04.500Z") },
      },
      { cell_type: "code", source: "await run();", metadata: {} },
      {
        cell_type: "code",
        source: "await show(x);",
        metadata: { execution: executed("2026-12-07T07:00:04.600Z", "2026-12-07T07:00:10.600Z") },
      },
    ],
  };
  const t = cellTimings(nb, Date.parse("2026-12-07T07:00:00.000Z"));
  assert.deepEqual(t.cells, [{ cell: 0, firstLine: "const x = 1;", seconds: 1.5 }, { cell: 2, firstLine: "await show(x);", seconds: 6 }]);
  assert.equal(t.startupSeconds, 3);
  assert.equal(t.cellsSeconds, 7.6);
  assert.equal(cellTimings(nb).startupSeconds, null);
  assert.deepEqual(cellTimings({ cells: [] }), { cells: [], startupSeconds: null, cellsSeconds: 0 });
});
