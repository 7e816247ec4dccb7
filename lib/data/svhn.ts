/**
 * SVHN, cropped digits (Netzer et al. 2011): 32×32 colour house-number digits, 73,257 train and 26,032
 * test images. Read from train_32x32.mat and test_32x32.mat (MATLAB Level 5, read by ./matv5.ts):
 * `X` is 32×32×3×N uint8 (column-major: row, column, channel, image), `y` is N×1 with label 10 meaning
 * the digit 0. The "extra" set is not used (the paper trains on train only). Output: HWC floats in [0, 1],
 * label = the digit. The arrays declare their sizes, so a cut file is refused by the reader; a well-formed
 * file with another image count is loaded with a warning.
 */
import { KitError } from "../errors.ts";
import { checkImages, checkSplit } from "./checks.ts";
import { checkAllocation, defaultDir, DISK, type LoadOptions } from "./files.ts";
import { type MatArray, parseMatV5 } from "./matv5.ts";
import type { DataBundle, Dataset } from "./types.ts";

export const SVHN_INSTALL = "put train_32x32.mat and test_32x32.mat (cropped digits) in data/raw/svhn/, or set SVHN_DIR";

const STANDARD = { train: 73257, test: 26032 };

function variable(vars: Map<string, MatArray>, name: string, file: string): MatArray {
  const v = vars.get(name);
  if (!v) {
    throw new KitError(`bad format: no numeric variable "${name}" (found: ${[...vars.keys()].join(", ") || "none"})`, file);
  }
  return v;
}

/** Turns the decoded `X` and `y` of one file into a Dataset; returns it with its warnings. */
export function svhnDataset(
  vars: Map<string, MatArray>,
  file: string,
  part: "train" | "test",
  maxBytes?: number,
): { ds: Dataset; warnings: string[] } {
  const X = variable(vars, "X", file);
  const Y = variable(vars, "y", file);
  const [h, w, c, n] = X.dims.length === 3 ? [...X.dims, 1] : X.dims;
  if (X.dims.length < 3 || X.dims.length > 4 || h !== 32 || w !== 32 || c !== 3) {
    throw new KitError(`bad format: X is ${X.dims.join("×")}, expected 32×32×3×N`, file);
  }
  if (X.class !== "uint8") throw new KitError(`bad format: X holds ${X.class} values, the distributed files hold uint8`, file);
  if (n === 0) throw new KitError(`empty: X holds no images (32×32×3×0)`, file);
  if (Y.data.length !== n) throw new KitError(`count mismatch: X holds ${n} images, y holds ${Y.data.length} labels`, file);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Y.data[i];
    if (!(Number.isInteger(v) && v >= 1 && v <= 10)) throw new KitError(`bad format: label ${v} of image ${i} is not in 1..10`, file);
    y[i] = v % 10;
  }
  checkAllocation(n * 3072, 4, file, `${n} images as float32`, maxBytes);
  // Column-major X[r, q, ch, i] sits at r + 32q + 1024ch + 3072i; the kit wants row-major HWC.
  const x = new Float32Array(n * 3072);
  const src = X.data;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 32; r++) {
      for (let q = 0; q < 32; q++) {
        for (let ch = 0; ch < 3; ch++) {
          x[i * 3072 + (r * 32 + q) * 3 + ch] = src[r + 32 * q + 1024 * ch + 3072 * i] / 255;
        }
      }
    }
  }
  const ds: Dataset = {
    name: `svhn/${part}`,
    x,
    y,
    sampleShape: [32, 32, 3],
    numClasses: 10,
    classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  };
  const warnings = [...checkImages(x, n, 3072, file), ...checkSplit(ds, file, part, { images: false })];
  if (n !== STANDARD[part]) warnings.push(`${file}: ${n} images; the standard file holds ${STANDARD[part]}`);
  return { ds, warnings };
}

/** Loads both splits from `dir` (default `$SVHN_DIR` or data/raw/svhn). */
export async function loadSvhn(dir?: string, options: LoadOptions = {}): Promise<DataBundle> {
  const root = dir ?? defaultDir("SVHN_DIR", "svhn");
  const files = options.files ?? DISK;
  const load = async (part: "train" | "test") => {
    const file = `${root}/${part}_32x32.mat`;
    return svhnDataset(parseMatV5(await files.read(file, SVHN_INSTALL), file, options.maxBytes), file, part, options.maxBytes);
  };
  const train = await load("train");
  const test = await load("test");
  return {
    name: "svhn",
    train: train.ds,
    test: test.ds,
    source: { files: [`${root}/train_32x32.mat`, `${root}/test_32x32.mat`] },
    warnings: [...train.warnings, ...test.warnings],
  };
}
