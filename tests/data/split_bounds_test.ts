/**
 * The split options' bounds (lib/data/split_bounds.ts) are the ones makeForgetTask enforces: at and just past
 * every finite end of every bound, the split and `withinBounds` accept and refuse the same values.
 * (splits.ts states its checks itself until its fingerprinted code next changes; this holds the two together.)
 */
import assert from "node:assert/strict";
import { describeBounds, SPLIT_BOUNDS, withinBounds } from "../../lib/data/split_bounds.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { makeSynthetic } from "../../lib/data/synthetic.ts";

const data = makeSynthetic({ numClasses: 4, trainPerClass: 50, testPerClass: 10 });
const PARADIGM_OF = { forgetFraction: "random", identityFraction: "random", valFraction: "random" } as const;

Deno.test("makeForgetTask accepts and refuses the fractions exactly as SPLIT_BOUNDS says", () => {
  for (const key of ["valFraction", "forgetFraction", "identityFraction"] as const) {
    const b: { min?: number; max?: number; above?: number; below?: number } = SPLIT_BOUNDS[key];
    const ends = [b.min, b.max, b.above, b.below].filter((x): x is number => x !== undefined);
    for (const v of ends.flatMap((e) => [e - 1e-9, e, e + 1e-9])) {
      let accepted = true;
      try {
        makeForgetTask("synthetic", data.train, data.test, { paradigm: PARADIGM_OF[key], seed: 0, [key]: v });
      } catch (e) {
        accepted = !(e as Error).message.includes(`split option ${key}`);
      }
      assert.equal(accepted, withinBounds(v, SPLIT_BOUNDS[key]), `${key} = ${v} (bounds ${describeBounds(SPLIT_BOUNDS[key])})`);
    }
  }
});

Deno.test("class indices: -1 (drawn from the seed) and up, as SPLIT_BOUNDS says", () => {
  for (const key of ["forgetClass", "forgetSubclass"] as const) {
    for (const v of [-2, -1, 0, 0.5]) {
      let accepted = true;
      try {
        makeForgetTask("synthetic", data.train, data.test, { paradigm: "classwise", seed: 0, [key]: v });
      } catch (e) {
        accepted = !(e as Error).message.includes(`split option ${key}`);
      }
      assert.equal(accepted, withinBounds(v, SPLIT_BOUNDS[key]), `${key} = ${v}`);
    }
  }
});
