/**
 * A seeded synthetic image data set: K Gaussian class prototypes on an h×w×1 grid plus noise, with a
 * per-sample identity (several "people" per class) and super-classes for group forgetting. Tests and
 * quick demos use it; it needs no files, so every code path runs anywhere.
 */
import { Rng } from "../rng.ts";
import type { DataBundle, Dataset } from "./types.ts";

export interface SyntheticOptions {
  numClasses: number;
  side: number;
  trainPerClass: number;
  testPerClass: number;
  identitiesPerClass: number;
  noise: number;
  seed: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  numClasses: 4,
  side: 6,
  trainPerClass: 60,
  testPerClass: 20,
  identitiesPerClass: 5,
  noise: 0.6,
  seed: 1,
};

export function makeSynthetic(partial: Partial<SyntheticOptions> = {}): DataBundle {
  const o = { ...SYNTHETIC_DEFAULTS, ...partial };
  const rng = new Rng(o.seed);
  const d = o.side * o.side;
  const protos = Array.from({ length: o.numClasses }, () => Float32Array.from({ length: d }, () => rng.normal()));
  const offsets = Array.from(
    { length: o.numClasses * o.identitiesPerClass },
    () => Float32Array.from({ length: d }, () => 0.5 * rng.normal()),
  );
  const classNames = Array.from({ length: o.numClasses }, (_, c) => `class${c}`);
  const make = (perClass: number, name: string): Dataset => {
    const n = perClass * o.numClasses;
    const x = new Float32Array(n * d);
    const y = new Int32Array(n);
    const identity = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % o.numClasses;
      const id = c * o.identitiesPerClass + rng.int(o.identitiesPerClass);
      y[i] = c;
      identity[i] = id;
      for (let j = 0; j < d; j++) x[i * d + j] = protos[c][j] + offsets[id][j] + o.noise * rng.normal();
    }
    return { name: `synthetic/${name}`, x, y, sampleShape: [o.side, o.side, 1], numClasses: o.numClasses, classNames, identity };
  };
  return {
    name: "synthetic",
    train: make(o.trainPerClass, "train"),
    test: make(o.testPerClass, "test"),
    source: { files: [], note: JSON.stringify(o) },
  };
}
