/**
 * The fixed partition of products (lib/backend/native/gemm.ts) and the parallel runner
 * (lib/backend/native/parallel.ts): the partition depends on the shape alone and covers the output
 * once, k is never split; a partitioned product gives the same bits on the parallel runner as one
 * block after another, for every transpose and beta, and agrees with a float64 product.
 */
import assert from "node:assert/strict";
import { GEMM_PARTITION, gemmBlocks, partitionedSgemm, sgemmTask } from "../../lib/backend/native/gemm.ts";
import { loadNativeLibs } from "../../lib/backend/native/libs.ts";
import { makeRunner, TASK_SLOTS } from "../../lib/backend/native/parallel.ts";
import { sgdTask, sumsqTask } from "../../lib/backend/native/sgd.ts";
import { nativeMissing } from "./native_compare.ts";
import { Rng } from "../../lib/rng.ts";

Deno.test("gemmBlocks: small products are one block; large ones split the longer output side, aligned, covering it once", () => {
  const { minBlockMacs, maxBlocks, blockAlign } = GEMM_PARTITION;
  assert.deepEqual(gemmBlocks(256, 10, 256).starts, [0, 256], "256×10×256 is below two blocks' work");
  for (const [m, n, k] of [[256, 256, 784], [784, 256, 256], [64, 784, 256], [1, 4096, 4096], [100, 3, 1e6], [33, 33, 1e5]]) {
    const { axis, starts } = gemmBlocks(m, n, k);
    const side = axis === "rows" ? m : n;
    assert.equal(axis, m >= n ? "rows" : "cols");
    assert.equal(starts[0], 0);
    assert.equal(starts.at(-1), side);
    const blocks = starts.length - 1;
    assert.ok(blocks >= 1 && blocks <= maxBlocks, `${m}×${n}×${k}: ${blocks} blocks`);
    if (blocks > 1) assert.ok((m * n * k) / blocks >= minBlockMacs * 0.5, `${m}×${n}×${k}: blocks too small`);
    for (let i = 0; i + 1 < blocks; i++) {
      assert.ok(starts[i + 1] > starts[i]);
      assert.equal(starts[i + 1] % blockAlign, 0, `${m}×${n}×${k}: block ${i} ends unaligned`);
    }
  }
  assert.equal(gemmBlocks(256, 256, 784).starts.length - 1, Math.min(maxBlocks, Math.floor((256 * 256 * 784) / minBlockMacs)));
});

const libs = (() => {
  const loaded = nativeMissing === undefined ? loadNativeLibs() : undefined;
  return loaded?.ok ? loaded.libs : undefined;
})();

Deno.test({
  name: "partitioned sgemm: parallel runner and one block after another give the same bits, and agree with float64",
  ignore: libs === undefined,
  fn: async () => {
    const built = await new Deno.Command("scripts/build_native.sh", { stderr: "piped" }).output();
    assert.ok(built.success, `scripts/build_native.sh: ${new TextDecoder().decode(built.stderr)}`);
    const { blas, openblas } = libs!;
    const tasks = { sgemm: sgemmTask(blas), sgd: sgdTask, sumsq: sumsqTask };
    const parallel = makeRunner(2, openblas.path, tasks);
    assert.equal(parallel.info.runner, "helper", `runner: ${parallel.info.why}`);
    const sequential = makeRunner(1, openblas.path, tasks, null);
    const rng = new Rng(5);
    const random = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    for (const [m, n, k] of [[200, 96, 300], [40, 500, 220]]) {
      assert.ok(gemmBlocks(m, n, k).starts.length > 2, `${m}×${n}×${k} splits`);
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const beta of [0, 1]) {
          const a = random(m * k);
          const b = random(k * n);
          const c0 = random(m * n);
          const outs = [parallel, sequential].map((runner) => {
            const c = c0.slice();
            const [pa, pb, pc] = [a, b, c].map((x) => Deno.UnsafePointer.of(x));
            partitionedSgemm(blas, runner)(transA, transB, m, n, k, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n);
            return c;
          });
          const what = `${m}×${n}×${k} transA ${transA} transB ${transB} beta ${beta}`;
          assert.deepEqual(new Uint8Array(outs[0].buffer), new Uint8Array(outs[1].buffer), `${what}: bits differ`);
          const A = (i: number, p: number) => (transA ? a[p * m + i] : a[i * k + p]);
          const B = (p: number, j: number) => (transB ? b[j * k + p] : b[p * n + j]);
          for (const [i, j] of [[0, 0], [m - 1, n - 1], [m >> 1, n >> 1], [m - 1, 0]]) {
            let want = beta * c0[i * n + j];
            for (let p = 0; p < k; p++) want += A(i, p) * B(p, j);
            assert.ok(Math.abs(outs[0][i * n + j] - want) < 1e-4 * k, `${what} at (${i}, ${j}): ${outs[0][i * n + j]} vs ${want}`);
          }
        }
      }
    }
  },
});

Deno.test({
  name: "sgd tasks: the C helper and the TS loop give the same bits (momentum, decay, scale; several variables)",
  ignore: libs === undefined,
  fn: () => {
    const { blas, openblas } = libs!;
    const tasks = { sgemm: sgemmTask(blas), sgd: sgdTask, sumsq: sumsqTask };
    const runners = [makeRunner(2, openblas.path, tasks), makeRunner(1, openblas.path, tasks, null)];
    assert.deepEqual(runners.map((r) => r.info.runner), ["helper", "sequential"]);
    const rng = new Rng(8);
    const sizes = [1000, 37, 4096];
    const inputs = sizes.map((n) => [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.normal())));
    const bits = (v: number) => BigInt(new Int32Array(Float32Array.of(v).buffer)[0]);
    for (const flags of [0, 1, 2, 3]) {
      const results = runners.map((runner) => {
        const outs = sizes.map((n) => [new Float32Array(n), new Float32Array(n)]);
        const slots = new BigInt64Array(TASK_SLOTS * sizes.length);
        sizes.forEach((n, i) => {
          const addr = (x: Float32Array) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(x)));
          const [w, g, v] = inputs[i];
          slots.set([BigInt(n), addr(w), addr(g), addr(v), addr(outs[i][0]), addr(outs[i][1])], i * TASK_SLOTS);
          slots.set([bits(-0.037), bits(0.9), bits(5e-4), bits(0.73), BigInt(flags)], i * TASK_SLOTS + 6);
        });
        runner.run("sgd", slots, sizes.length);
        return outs.flat().map((o) => new Uint8Array(o.buffer));
      });
      assert.deepEqual(results[0], results[1], `flags ${flags}`);
      assert.ok(results[0][0].some((b) => b !== 0), "the update wrote its outputs");
    }
  },
});

Deno.test({
  name: "sumsq tasks: the C helper and the TS loop give the same float64 sums, close to the exact sum of float32 squares",
  ignore: libs === undefined,
  fn: () => {
    const { blas, openblas } = libs!;
    const tasks = { sgemm: sgemmTask(blas), sgd: sgdTask, sumsq: sumsqTask };
    const runners = [makeRunner(2, openblas.path, tasks), makeRunner(1, openblas.path, tasks, null)];
    const rng = new Rng(4);
    const gradients = [1, 7, 8, 9, 1003, 200_000].map((n) => Float32Array.from({ length: n }, () => rng.normal()));
    const sums = runners.map((runner) => {
      const out = new Float64Array(gradients.length);
      const slots = new BigInt64Array(TASK_SLOTS * gradients.length);
      const outAt = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(out)));
      gradients.forEach((g, i) => {
        slots.set([BigInt(g.length), BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(g))), outAt + BigInt(8 * i)], i * TASK_SLOTS);
      });
      runner.run("sumsq", slots, gradients.length);
      return out;
    });
    assert.deepEqual(new Uint8Array(sums[0].buffer), new Uint8Array(sums[1].buffer));
    gradients.forEach((g, i) => {
      const exact = g.reduce((a, v) => a + Math.fround(v * v), 0);
      assert.ok(Math.abs(sums[0][i] - exact) <= 1e-12 * exact, `gradient ${i}: ${sums[0][i]} vs ${exact}`);
    });
  },
});
