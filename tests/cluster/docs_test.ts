/** docs/cluster.md shows the sbatch script and the search that tests/cluster/slurm_test.ts runs, as they are. */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { SBATCH_SCRIPT, SEARCH_FLAGS } from "./slurm_search.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const doc = await Deno.readTextFile(`${ROOT}docs/cluster.md`);

Deno.test("docs/cluster.md holds scripts/cluster/search_array.sbatch byte for byte", async () => {
  const script = await Deno.readTextFile(`${ROOT}${SBATCH_SCRIPT}`);
  assert.ok(doc.includes("```bash\n" + script + "```"), `docs/cluster.md: the bash block differs from ${SBATCH_SCRIPT}`);
});

Deno.test("docs/cluster.md names the test's search flags", () => {
  const flat = doc.replace(/\s+/g, " ");
  assert.ok(flat.includes(`${SBATCH_SCRIPT} ${SEARCH_FLAGS.join(" ")}`), `docs/cluster.md: the test's command differs`);
});
