/**
 * Search points. Each method's space is in its own file (`searchSpace`); a method gets the number of points
 * the budget rule gives its space (lib/search/rules.ts): point 0 is the method's defaults (so a search can never do worse than
 * the defaults on its own objective), points 1 … budget−1 are random draws from the ranges (Bergstra &
 * Bengio 2012: with few points, random search covers each axis better than a grid), seeded by the search
 * seed and the method name, so every shard draws the same points.
 */
import type { Dist, SearchSpace } from "../config.ts";
import { drawFrom } from "../config.ts";
import { KitError } from "../errors.ts";
import { Rng } from "../rng.ts";

/**
 * The `budget` points of one method: its defaults for the searched keys, then seeded random draws
 * (never the same point twice). Keys fixed by the caller are left out of the space.
 */
export function searchPoints(
  method: string,
  space: SearchSpace,
  defaults: Record<string, unknown>,
  budget: number,
  searchSeed: number,
): Record<string, unknown>[] {
  if (!Number.isInteger(budget) || budget < 1) throw new KitError(`${budget} is not a positive integer`, "search budget");
  const keys = Object.keys(space);
  const points: Record<string, unknown>[] = [Object.fromEntries(keys.map((k) => [k, defaults[k]]))];
  const rng = new Rng(searchSeed).fork(`search/${method}`);
  const seen = new Set([JSON.stringify(points[0])]);
  for (let tries = 0; points.length < budget && tries < budget * 100; tries++) {
    const p = Object.fromEntries(keys.map((k) => [k, drawFrom(space[k], rng)]));
    const id = JSON.stringify(p);
    if (seen.has(id)) continue; // small discrete spaces: no point twice
    seen.add(id);
    points.push(p);
  }
  return points;
}

/** The space with its learning-rate range moved by `decades` (×10^decades at both ends). */
export function shiftSpace(space: SearchSpace, decades: number): SearchSpace {
  if (decades === 0 || !space.learningRate) return space;
  const d = space.learningRate;
  const f = 10 ** decades;
  const shifted: Dist = d.kind === "log" || d.kind === "uniform" ? { ...d, min: d.min * f, max: d.max * f } : d;
  return { ...space, learningRate: shifted };
}
