/** Random crop with zero padding and horizontal flip: exact on a known image, seeded, in place. */
import assert from "node:assert/strict";
import { randomCropFlip } from "../../lib/data/augment.ts";
import { Rng } from "../../lib/rng.ts";

const SHAPE = [4, 5, 2];
const SIZE = 40;

/** Value = 1 + index, so 0 can only come from the padding. */
function batch(n: number): Float32Array {
  return Float32Array.from({ length: n * SIZE }, (_, i) => 1 + (i % SIZE));
}

const at = (img: Float32Array, r: number, q: number, k: number) => img[(r * SHAPE[1] + q) * SHAPE[2] + k];

Deno.test("augment: no padding and no flip is the identity; flip alone mirrors each row", () => {
  const x = batch(3);
  randomCropFlip({ padding: 0, flip: false })(x, 3, SHAPE, new Rng(1));
  assert.deepEqual(x, batch(3));
  const orig = batch(1);
  let mirrored = 0;
  for (let seed = 0; seed < 20; seed++) {
    const y = batch(1);
    randomCropFlip({ padding: 0, flip: true })(y, 1, SHAPE, new Rng(seed));
    const isMirror = at(y, 2, 0, 1) === at(orig, 2, 4, 1);
    if (isMirror) mirrored++;
    for (let r = 0; r < 4; r++) {
      for (let q = 0; q < 5; q++) {
        assert.equal(at(y, r, q, 0), at(orig, r, isMirror ? 4 - q : q, 0));
      }
    }
  }
  assert.ok(mirrored > 3 && mirrored < 17, `${mirrored} of 20 mirrored`);
});

Deno.test("augment: a crop is a shift of the image, padding filled with zeros", () => {
  const orig = batch(1);
  for (let seed = 0; seed < 30; seed++) {
    const y = batch(1);
    randomCropFlip({ padding: 2, flip: false })(y, 1, SHAPE, new Rng(seed));
    // Find the shift from any non-zero pixel, then check every pixel against it.
    const i = y.findIndex((v) => v !== 0);
    const src = y[i] - 1;
    const [dy, dx] = [Math.floor(src / 10) - Math.floor(i / 10), Math.floor((src % 10) / 2) - Math.floor((i % 10) / 2)];
    assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2);
    for (let r = 0; r < 4; r++) {
      for (let q = 0; q < 5; q++) {
        const inside = r + dy >= 0 && r + dy < 4 && q + dx >= 0 && q + dx < 5;
        assert.equal(at(y, r, q, 1), inside ? at(orig, r + dy, q + dx, 1) : 0);
      }
    }
  }
});

Deno.test("augment: same seed, same batch; images drawn independently; bad shapes rejected", () => {
  const a = batch(8);
  const b = batch(8);
  randomCropFlip()(a, 8, SHAPE, new Rng(7));
  randomCropFlip()(b, 8, SHAPE, new Rng(7));
  assert.deepEqual(a, b);
  const firsts = new Set(Array.from({ length: 8 }, (_, i) => a.subarray(i * SIZE, (i + 1) * SIZE).join()));
  assert.ok(firsts.size > 1);
  assert.throws(() => randomCropFlip()(new Float32Array(12), 1, [12], new Rng(0)), /not an HWC image/);
  assert.throws(() => randomCropFlip()(new Float32Array(10), 1, SHAPE, new Rng(0)), /10 values for 1 images/);
  assert.throws(() => randomCropFlip({ padding: -1 }), /padding -1/);
});
