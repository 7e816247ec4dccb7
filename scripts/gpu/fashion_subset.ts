/**
 * Fashion-MNIST for the GPU machine, small enough to travel (docs/gpu.md): the four standard files with
 * every label kept and only the images the main job's splits read (the preset's stratified training
 * pool, validation included, and test subset, for seeds 0 … n−1) kept; the other images are zero.
 * The kit draws its subsets from the labels alone, so a run on these files makes the same splits, and
 * reads the same pixels, as a run on the full files: GPU records compare one to one with CPU records.
 *
 *   deno run -A scripts/gpu/fashion_subset.ts --seeds 2 --out DIR [--from /usr/share/datasets/fashion-mnist]
 */
import { gzipSync } from "fflate";
import { parseArgs } from "node:util";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { encodeIdx, readIdx } from "../../lib/data/idx.ts";
import { makeForgetTask } from "../../lib/data/splits.ts";
import { presetFor } from "../../lib/experiment/presets.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { seeds: { type: "string", default: "2" }, out: { type: "string" }, from: { type: "string" } },
});
if (!args.out) throw new Error("fashion_subset.ts: --out DIR is required");
const from = args.from ?? Deno.env.get("FASHION_MNIST_DIR") ?? FASHION_MNIST_DIR;
const seeds = Number(args.seeds);
const preset = presetFor("fashion-mnist", "mlp");
const bundle = await loadFashionMnist(from);

// "random" keeps the whole validation draw in valIdx (class-wise drops the forgotten class from it).
const keep = { train: new Set<number>(), t10k: new Set<number>() };
for (let seed = 0; seed < seeds; seed++) {
  const task = makeForgetTask("fashion-mnist", bundle.train, bundle.test, {
    paradigm: "random",
    seed,
    trainSize: preset.trainSize,
    testSize: preset.testSize,
  });
  for (const i of [...task.trainIdx, ...task.valIdx]) keep.train.add(i);
  for (const i of task.testIdx) keep.t10k.add(i);
}

await Deno.mkdir(args.out, { recursive: true });
const written: Record<string, number> = {};
for (const prefix of ["train", "t10k"] as const) {
  const images = await readIdx(`${from}/${prefix}-images-idx3-ubyte.gz`);
  const [n, rows, cols] = images.dims;
  const size = rows * cols;
  const sparse = new Uint8Array(images.data.length);
  for (const i of keep[prefix]) sparse.set(images.data.subarray(i * size, (i + 1) * size), i * size);
  const files: [string, Uint8Array][] = [
    [`${prefix}-images-idx3-ubyte.gz`, gzipSync(encodeIdx([n, rows, cols], sparse), { level: 9 })],
    [`${prefix}-labels-idx1-ubyte.gz`, await Deno.readFile(`${from}/${prefix}-labels-idx1-ubyte.gz`)],
  ];
  for (const [name, bytes] of files) {
    await Deno.writeFile(`${args.out}/${name}`, bytes);
    written[name] = bytes.length;
  }
  written[`${prefix} images kept`] = keep[prefix].size;
}
console.log(JSON.stringify({ seeds, trainSize: preset.trainSize, testSize: preset.testSize, from, ...written }));
