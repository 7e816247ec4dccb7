/**
 * What the search varies, per method: each method's own hyperparameters, each with a range. Every
 * method gets the same number of points (the budget): point 0 is the method's defaults (so a search can
 * never do worse than the defaults on its own objective), points 1 … budget−1 are random draws from the
 * ranges (Bergstra & Bengio 2012: with few points, random search covers each axis better than a grid),
 * seeded by the search seed and the method name, so every shard draws the same points.
 *
 * Ranges span each method's published setting (cited in its file) by about two orders of magnitude for
 * rates and scales, and the paper's 1–10 epochs (§11.3), so the published setting is inside every range.
 */
import { Rng } from "../rng.ts";

export type Dist =
  | { kind: "log"; min: number; max: number }
  | { kind: "uniform"; min: number; max: number }
  | { kind: "int"; min: number; max: number }
  | { kind: "choice"; values: readonly (number | string | boolean)[] };

export type SearchSpace = Record<string, Dist>;

const log = (min: number, max: number): Dist => ({ kind: "log", min, max });
const uniform = (min: number, max: number): Dist => ({ kind: "uniform", min, max });
const int = (min: number, max: number): Dist => ({ kind: "int", min, max });
const choice = (...values: (number | string | boolean)[]): Dist => ({ kind: "choice", values });

/** NLS only: the search asks how negative, not whether (Table 8 and Fig. 3 ablate the sign). */
const NLS = uniform(-1, -0.05);

export const SEARCH_SPACES: Record<string, SearchSpace> = {
  ft: { learningRate: log(1e-3, 1e-1), epochs: int(1, 10) },
  ga: { learningRate: log(1e-5, 1e-2), epochs: int(1, 10) },
  ugradsl: { learningRate: log(1e-4, 1e-2), epochs: int(1, 10), mixWeight: uniform(0.1, 0.95), smoothRate: NLS },
  "ugradsl+": { learningRate: log(1e-3, 5e-2), epochs: int(1, 5), mixWeight: uniform(0.5, 0.99), smoothRate: NLS },
  iu: { scale: log(1e-2, 1e2), damping: log(1e-3, 1e1) },
  ff: { alpha: log(1e-10, 1e-2), noiseForm: choice("public-code", "fourth-root") },
  bs: { learningRate: log(1e-5, 1e-1), epochs: int(1, 10), bound: uniform(0.02, 0.3) },
  be: { learningRate: log(1e-5, 1e-1), epochs: int(1, 10) },
  "l1-sparse": { learningRate: log(1e-3, 1e-1), epochs: int(1, 10), l1: log(1e-7, 1e-3) },
  scrub: { learningRate: log(1e-4, 5e-2), epochs: int(1, 5), maxSteps: int(1, 5), klWeight: log(1e-3, 1) },
  "random-label": { learningRate: log(1e-3, 1e-1), epochs: int(1, 10) },
  salun: { learningRate: log(1e-3, 1e-1), epochs: int(1, 10), maskFraction: uniform(0.1, 0.9) },
};

function draw(d: Dist, rng: Rng): number | string | boolean {
  switch (d.kind) {
    case "log":
      return Number(Math.exp(Math.log(d.min) + rng.next() * (Math.log(d.max) - Math.log(d.min))).toPrecision(3));
    case "uniform":
      return Number((d.min + rng.next() * (d.max - d.min)).toPrecision(3));
    case "int":
      return d.min + rng.int(d.max - d.min + 1);
    case "choice":
      return d.values[rng.int(d.values.length)];
  }
}

/**
 * The `budget` points of one method: its defaults for the searched keys, then seeded random draws.
 * Keys fixed by the caller are left out of the space.
 */
export function searchPoints(
  method: string,
  space: SearchSpace,
  defaults: Record<string, unknown>,
  budget: number,
  searchSeed: number,
): Record<string, unknown>[] {
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`search budget ${budget} is not a positive integer`);
  const keys = Object.keys(space);
  const points: Record<string, unknown>[] = [Object.fromEntries(keys.map((k) => [k, defaults[k]]))];
  const rng = new Rng(searchSeed).fork(`search/${method}`);
  const seen = new Set([JSON.stringify(points[0])]);
  for (let tries = 0; points.length < budget && tries < budget * 100; tries++) {
    const p = Object.fromEntries(keys.map((k) => [k, draw(space[k], rng)]));
    const id = JSON.stringify(p);
    if (seen.has(id)) continue; // small discrete spaces: no point twice
    seen.add(id);
    points.push(p);
  }
  return points;
}
