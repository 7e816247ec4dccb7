/**
 * The standard image augmentation of CIFAR-style training (He et al. 2016; the paper's code uses
 * torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip): each image is zero-padded by
 * `padding` pixels, a window of the original size is cut at a random offset, and the result is
 * mirrored left-right with probability 1/2. Works in place on a batch of HWC floats, drawing from the
 * run's seeded Rng, so an augmented run is reproducible.
 */
import type { Rng } from "../rng.ts";

/** Augments a batch of HWC images in place, drawing from the run's seeded Rng. */
export type Augment = (x: Float32Array, batch: number, sampleShape: number[], rng: Rng) => void;

export interface AugmentOptions {
  /** Zero padding on each side before the random crop, in pixels (0 = no crop). */
  padding: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

export const DEFAULT_AUGMENT: AugmentOptions = { padding: 4, flip: true };

/** Crops and flips one image in place; `tmp` holds a copy of it. */
function cropFlip(img: Float32Array, tmp: Float32Array, shape: number[], dy: number, dx: number, flip: boolean): void {
  const [h, w, c] = shape;
  tmp.set(img);
  for (let r = 0; r < h; r++) {
    const sr = r + dy;
    for (let q = 0; q < w; q++) {
      const sq = (flip ? w - 1 - q : q) + dx;
      const out = (r * w + q) * c;
      const inside = sr >= 0 && sr < h && sq >= 0 && sq < w;
      for (let k = 0; k < c; k++) img[out + k] = inside ? tmp[(sr * w + sq) * c + k] : 0;
    }
  }
}

/** An Augment for lib/train.ts: random crop with zero padding, then a random horizontal flip. */
export function randomCropFlip(options: Partial<AugmentOptions> = {}): Augment {
  const { padding, flip } = { ...DEFAULT_AUGMENT, ...options };
  if (!(Number.isInteger(padding) && padding >= 0)) {
    throw new Error(`augment: padding ${padding} is not an integer ≥ 0`);
  }
  return (x: Float32Array, batch: number, sampleShape: number[], rng: Rng) => {
    if (sampleShape.length !== 3) throw new Error(`augment: sample shape ${sampleShape} is not an HWC image`);
    const size = sampleShape[0] * sampleShape[1] * sampleShape[2];
    if (x.length !== batch * size) throw new Error(`augment: ${x.length} values for ${batch} images of ${sampleShape}`);
    const tmp = new Float32Array(size);
    for (let i = 0; i < batch; i++) {
      // Offsets into the padded image, shifted so 0 means "no shift".
      const dy = rng.int(2 * padding + 1) - padding;
      const dx = rng.int(2 * padding + 1) - padding;
      const mirrored = flip && rng.next() < 0.5;
      cropFlip(x.subarray(i * size, (i + 1) * size), tmp, sampleShape, dy, dx, mirrored);
    }
  };
}
