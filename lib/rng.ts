/**
 * Seeded randomness. Every run draws from one generator made from its seed, so splits, batch order and
 * initialisation are reproducible; nothing here reads the clock.
 */

/** A small, fast, seedable generator (mulberry32). Not for cryptography. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.#state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A 31-bit integer, for seeding tfjs initialisers or child generators. */
  seed(): number {
    return this.int(2 ** 31 - 1);
  }

  /** A child generator whose stream does not depend on how much of this one is used later. */
  fork(label: string): Rng {
    let h = this.#state ^ 0x85ebca6b;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng(h >>> 0);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher-Yates shuffle, in place; returns its argument. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** `k` distinct items of `from`, in random order. */
  sample(from: ArrayLike<number>, k: number): Int32Array {
    if (k > from.length) throw new Error(`Rng.sample: asked for ${k} of ${from.length}`);
    const copy = Int32Array.from(from);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(copy.length - i);
      const t = copy[i];
      copy[i] = copy[j];
      copy[j] = t;
    }
    return copy.slice(0, k);
  }
}

/** A stable seed for a derived stream: `deriveSeed(7, "split")`. */
export function deriveSeed(seed: number, label: string): number {
  return new Rng(seed).fork(label).seed();
}
