/**
 * The function-length limits (scripts/function_lengths.ts): on the run path (cli/,
 * lib/experiment/, lib/unlearn/loops/) at most 60 lines, elsewhere in lib/ at most 100. A function over its
 * limit fails this test unless it is listed below; a listed function that is within its limit (or gone) fails
 * it too, so the list only shrinks.
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { formatLengths, functionLengths, limitOf, measure, overLimits } from "../../scripts/function_lengths.ts";

/** Today's known offenders, "file:function" and why each is still long. Remove a line when its function is split. */
const ALLOWED: [string, string][] = [];

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

Deno.test("no function in lib/ or cli/ is over its length limit, except the listed ones, and each listed one still is", () => {
  const all = functionLengths(ROOT);
  const over = overLimits(all);
  const allowed = new Map(ALLOWED);
  for (const [key, why] of ALLOWED) assert.match(why, /#22\b/, `${key}: an allowlisted function names the issue that will split it`);
  const unlisted = over.filter((f) => !allowed.has(`${f.file}:${f.name}`));
  assert.equal(unlisted.length, 0, `over their limits (split them into named steps):\n${formatLengths(unlisted)}`);
  const overKeys = new Set(over.map((f) => `${f.file}:${f.name}`));
  const within = ALLOWED.map(([key]) => key).filter((key) => !overKeys.has(key));
  assert.deepEqual(within, [], "within their limits now (or renamed, or gone): remove them from ALLOWED");
});

Deno.test("function lengths: names, first lines and line counts from Deno's parser", () => {
  const source = [
    "/** α, θ: non-ASCII before the functions moves no line. */",
    "export function outer(a: number): number {",
    "  const inner = (b: number) => {",
    "    return b;",
    "  };",
    "  return [a].map((x) => inner(x))[0];",
    "}",
    "class Box {",
    "  get(k: string) {",
    "    return k;",
    "  }",
    "}",
    "export const spec = define({",
    "  run(ctx: unknown) {",
    "    return ctx;",
    "  },",
    "});",
  ].join("\n");
  const got = measure("lib/x.ts", source).map((f) => [f.name, f.line, f.lines]);
  assert.deepEqual(got, [
    ["outer", 2, 6],
    ["outer.inner", 3, 3],
    ["outer.(anonymous)", 6, 1],
    ["Box.get", 9, 3],
    ["spec.run", 14, 3],
  ]);
  assert.equal(limitOf("lib/experiment/run.ts"), 60);
  assert.equal(limitOf("cli/unlearn.ts"), 60);
  assert.equal(limitOf("lib/unlearn/loops/gradient_mixed.ts"), 60);
  assert.equal(limitOf("lib/unlearn/scrub.ts"), 100);
  assert.equal(limitOf("tests/x_test.ts"), null);
});
