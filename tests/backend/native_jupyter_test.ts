/**
 * The notebooks' kernel picks the native backend: a two-cell notebook is executed headless through
 * nbconvert on Deno's Jupyter kernel (the kernelspec `deno`, as scripts/setup.sh --notebooks installs
 * it); it runs initBackend() as the notebooks do, a convolution and a product split into blocks, and
 * fails unless the backend is "native" and (where the helper is built) the blocks run on its threads. Skipped with the reason where jupyter, the kernelspec or the native libraries are missing.
 */
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { nativeMissing } from "./native_compare.ts";

async function missingJupyter(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("jupyter", { args: ["kernelspec", "list", "--json"], stdout: "piped", stderr: "null" }).output();
    if (!out.success) return "jupyter kernelspec list failed";
    const specs = JSON.parse(new TextDecoder().decode(out.stdout)).kernelspecs ?? {};
    return "deno" in specs ? undefined : "no `deno` kernelspec (scripts/setup.sh --notebooks installs it)";
  } catch (err) {
    return `jupyter not runnable (${(err as Error).message.split("\n")[0]})`;
  }
}

const skip = nativeMissing ?? await missingJupyter();
if (skip && !nativeMissing) console.warn(`SKIPPING the Jupyter check: ${skip}`);

const cell = (source: string[]) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });

Deno.test({
  name: "a notebook executed on Deno's Jupyter kernel runs on the native backend",
  ignore: skip !== undefined,
  async fn() {
    // Inside the repository, so that the kernel finds deno.json and the kit's imports.
    const root = fileURLToPath(new URL("../../", import.meta.url));
    await Deno.mkdir(`${root}tmp`, { recursive: true });
    const dir = await Deno.makeTempDir({ dir: `${root}tmp`, prefix: "jupyter-native-" });
    try {
      const notebook = {
        cells: [
          cell([
            `import { initBackend } from "${root}lib/backend.ts";\n`,
            "const info = await initBackend();\n",
            'if (info.name !== "native") throw new Error(`backend ${info.name}: ${info.reason}`);\n',
          ]),
          cell([
            // Everything is printed from this last cell, which waits before it ends: Deno's kernel
            // may drop output printed just before a cell ends (nbconvert), and did so for a first
            // cell's line in CI.
            "console.log(JSON.stringify({ name: info.name, reason: info.reason, threads: info.native?.threads, runner: info.native?.gemm.blocks.runner }));\n",
            'import * as tf from "@tensorflow/tfjs";\n',
            'const y = tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, "valid");\n',
            "console.log(tf.getBackend(), JSON.stringify(Array.from(y.dataSync())));\n",
            // A product large enough to be split into blocks (run on the helper's threads).
            'console.log("product", tf.sum(tf.matMul(tf.ones([256, 784]), tf.ones([784, 256]))).dataSync()[0]);\n',
            "await new Promise((r) => setTimeout(r, 1000));\n",
          ]),
        ],
        metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      await Deno.writeTextFile(`${dir}/probe.ipynb`, JSON.stringify(notebook));
      const run = await new Deno.Command("jupyter", {
        args: [
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.kernel_name=deno",
          "--ExecutePreprocessor.timeout=300",
          "--output",
          "probe.out.ipynb",
          "probe.ipynb",
        ],
        cwd: dir,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(run.success, `nbconvert failed: ${new TextDecoder().decode(run.stderr).slice(-2000)}`);
      const executed = JSON.parse(await Deno.readTextFile(`${dir}/probe.out.ipynb`));
      const text = executed.cells.flatMap((c: { outputs: { text?: string | string[] }[] }) => c.outputs)
        .map((o: { text?: string | string[] }) => [o.text ?? ""].flat().join(""))
        .join("");
      console.log(text.trim());
      assert.match(text, /"name":"native"/);
      assert.match(text, /product 51380224\b/, "256×784 ones times 784×256 ones sum to 256·256·784");
      const built = await Deno.stat(`${root}build/libkit_parallel.so`).then(() => true, () => false);
      if (built) assert.match(text, /"runner":"helper"/);
      assert.match(text, /native \[9,9,9,9,9,9,9,9\]/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
