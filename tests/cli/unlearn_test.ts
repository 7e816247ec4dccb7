/**
 * The command line: flags map onto the typed config, and a user error exits with status 2, one message
 * naming the flag, no stack trace and nothing written.
 */
import assert from "node:assert/strict";
import { configFromFlags, EXPERIMENT_FLAGS, experimentInput, parseFlags } from "../../cli/flags.ts";
import { unlearnHelp } from "../../cli/unlearn.ts";
import { KitErrors } from "../../lib/errors.ts";
import { FASHION_MNIST_DIR } from "../../lib/data/fashion_mnist.ts";
import { CORE_METHODS, METHODS } from "../../lib/unlearn/registry.ts";
import { deno } from "../_kit_copy.ts";

const flagValues = (args: string[]) => parseFlags(args, EXPERIMENT_FLAGS).values;

const hasFashionMnist = (() => {
  try {
    return Deno.statSync(`${Deno.env.get("FASHION_MNIST_DIR") ?? FASHION_MNIST_DIR}/train-labels-idx1-ubyte.gz`).isFile;
  } catch {
    return false;
  }
})();

Deno.test("flags map onto the typed input the notebooks write", () => {
  const input = experimentInput(flagValues([
    "--dataset=synthetic",
    "--paradigm=classwise,random",
    "--methods=ft,ugradsl",
    "--set=ugradsl.smoothRate=-0.8",
    "--set=ugradsl.adaptive=true",
    "--seeds=3",
    "--first-seed=10",
    "--forget-class=2",
    "--val-fraction=0.2",
    "--epochs=4",
    "--lr=0.01",
    "--model-opt=hidden=32",
    "--metrics=UA,RA",
    "--no-selection",
    "--rerun",
  ]));
  assert.equal(input.dataset, "synthetic");
  assert.deepEqual(input.paradigms, ["classwise", "random"]);
  assert.deepEqual(input.methods, ["ft", "ugradsl"]);
  assert.deepEqual(input.methodOptions, { ugradsl: { smoothRate: -0.8, adaptive: true } });
  assert.equal(input.seeds, 3);
  assert.equal(input.firstSeed, 10);
  assert.deepEqual(input.split, { forgetClass: 2, valFraction: 0.2 });
  assert.deepEqual(input.training, { epochs: 4, learningRate: 0.01 });
  assert.deepEqual(input.modelOptions, { hidden: 32 });
  assert.deepEqual(input.metrics, ["UA", "RA"]);
  assert.equal(input.selection, null);
  assert.equal(input.rerun, true);
  // Defaults: the selection file from lib/env.ts, selection R, the core methods. A flag's default is the schema's,
  // filled when the config is made (after a design's, --design), not when the flags are parsed.
  const plain = experimentInput(flagValues([]));
  assert.equal(plain.selection, undefined);
  assert.equal(plain.selectionName, undefined);
  const config = configFromFlags(flagValues([]));
  assert.equal(config.selection?.name, "R");
  assert.deepEqual(config.runs.map((r) => r.method), CORE_METHODS);
  assert.deepEqual(experimentInput(flagValues(["--selection-name=R,C"])).selectionName, ["R", "C"]);
  assert.equal(plain.rerun, undefined, "no --rerun: UNLEARN_RERUN decides");
});

Deno.test("every malformed flag and invalid setting is listed at once, each naming its flag", () => {
  try {
    configFromFlags(flagValues(["--seeds=0x10", "--val-fraction=0", "--methods=ga,ga", "--backend=bogus", "--set=ugradsl.smoothness=1"]));
    assert.fail("accepted");
  } catch (e) {
    assert.ok(e instanceof KitErrors);
    const messages = e.problems.map((p) => p.message);
    assert.equal(messages.length, 5, messages.join("\n"));
    assert.ok(messages.includes('--seeds: "0x10" is not a whole number'), "once");
    assert.ok(messages.some((m) => /^--set ugradsl\.smoothness: unknown option: valid options are .*smoothRate/.test(m)));
    assert.ok(messages.some((m) => m.startsWith("split.valFraction (--val-fraction)")));
    assert.ok(messages.some((m) => m.startsWith("methods (--methods): ga given more than once")));
    assert.ok(messages.some((m) => m.startsWith("backend (--backend)")));
  }
  assert.throws(() => parseFlags(["--bogus=1"], EXPERIMENT_FLAGS), /--bogus: unknown flag: valid flags are --dataset, /);
  assert.throws(() => parseFlags(["--dataset"], EXPERIMENT_FLAGS), /--dataset/);
  assert.throws(() => parseFlags(["stray"], EXPERIMENT_FLAGS), /stray: unexpected argument/);
  assert.throws(
    () => configFromFlags(flagValues(["--dataset=mnist2"])),
    /dataset \(--dataset\): unknown value\(s\) "mnist2": valid values are .*fashion-mnist/,
  );
  assert.throws(
    () => configFromFlags(flagValues(["--model=transformer9"])),
    /model \(--model\): unknown value\(s\) "transformer9": valid values are .*mlp/,
  );
  assert.throws(() => configFromFlags(flagValues(["--seeds=zero"])), /--seeds: "zero" is not a whole number/);
  assert.throws(() => configFromFlags(flagValues(["--model-opt=hidden=x"])), /--model-opt hidden: "x" is not a number/);
});

Deno.test("--help lists every flag and every method with its options' defaults and sources", async () => {
  const help = unlearnHelp();
  for (const flag of Object.keys(EXPERIMENT_FLAGS)) assert.ok(help.includes(`--${flag}`), flag);
  for (const m of Object.values(METHODS)) assert.ok(help.includes(`${m.name}: ${m.title}, ${m.source}`), m.name);
  assert.match(help, /\n {4}smoothRate = -?[\d.]+ \[-100, 1\] .*\(default: /);
  const run = await deno(["run", "-A", "cli/unlearn.ts", "--help"]);
  assert.equal(run.code, 0);
  assert.equal(run.stdout.trim(), help.trim());
});

/** Each bad command line: the flags after the shared ones, and what the message must say. */
const BAD: { name: string; args: (dir: string) => string[]; message: RegExp; ignore?: boolean }[] = [
  {
    name: "a class the data set lacks",
    args: () => ["--forget-class", "99"],
    message: /--forget-class: class 99 is not -1 \(drawn from the seed\) or in \[0, 4\) for synthetic/,
  },
  {
    name: "forget nothing",
    args: () => ["--paradigm", "random", "--forget-fraction", "0"],
    message: /--forget-fraction\): 0 must be above 0/,
  },
  { name: "an unknown backend", args: () => ["--backend", "bogus"], message: /backend \(--backend\): unknown value\(s\) "bogus"/ },
  {
    name: "a learning rate that can only diverge",
    args: () => ["--lr", "1e6"],
    message: /training\.learningRate \(--lr\): 1000000 is above 10/,
  },
  {
    name: "identities the data set lacks",
    args: () => ["--dataset", "fashion-mnist", "--paradigm", "identity", "--train-size", "500", "--test-size", "100"],
    message: /fashion-mnist has no per-sample identities, which the identity paradigm needs/,
    ignore: !hasFashionMnist,
  },
  {
    name: "a cache that is a file",
    args: (d) => ["--cache", `${d}/a-file`],
    message: /cacheDir \(--cache\): .*a-file exists and is not a folder/,
  },
  { name: "an empty out folder", args: () => ["--out", ""], message: /out \(--out\): is empty/ },
  { name: "a hexadecimal seed count", args: () => ["--seeds", "0x10"], message: /^error: --seeds: "0x10" is not a whole number\n/ },
  { name: "an exponent seed count", args: () => ["--seeds", "1e9"], message: /^error: --seeds: "1e9" is not a whole number\n/ },
  { name: "a method twice", args: () => ["--methods", "ga,ga"], message: /methods \(--methods\): ga given more than once/ },
  {
    name: "no validation split",
    args: () => ["--val-fraction", "0"],
    message: /split\.valFraction \(--val-fraction\): 0 leaves no validation split/,
  },
  {
    name: "a flag of another paradigm",
    args: () => ["--paradigm", "random", "--forget-class", "3"],
    message: /split\.forgetClass \(--forget-class\): applies to the classwise paradigm only/,
  },
  {
    name: "an unknown model with an option",
    args: () => ["--model", "transformer9", "--model-opt", "hidden=3"],
    message: /^error: model \(--model\): unknown value\(s\) "transformer9": valid values are mlp, [^\n]*\n\(see/,
  },
  { name: "an unknown flag", args: () => ["--forget-classes", "3"], message: /--forget-classes: unknown flag/ },
  { name: "an option out of range", args: () => ["--set", "ugradsl.mixWeight=2"], message: /ugradsl\.mixWeight: 2 is above the maximum 1/ },
];

Deno.test("user errors exit 2 with one message, no stack trace, and write nothing", async () => {
  const base = await Deno.makeTempDir();
  const cases = BAD.filter((c) => !c.ignore);
  if (cases.length < BAD.length) console.error("unlearn_test: Fashion-MNIST is not installed; its identity case is skipped");
  // Two at a time: each is a separate process of a second or less.
  for (let i = 0; i < cases.length; i += 2) {
    await Promise.all(
      cases.slice(i, i + 2).map(async (c, j) => {
        const dir = `${base}/case${i + j}`;
        await Deno.mkdir(dir);
        await Deno.writeTextFile(`${dir}/a-file`, "not a folder\n");
        const r = await deno([
          "run",
          "-A",
          "cli/unlearn.ts",
          "--dataset=synthetic",
          "--backend=cpu",
          "--seeds=1",
          "--epochs=2",
          "--no-progress",
          `--out=${dir}/out`,
          `--cache=${dir}/cache`,
          ...c.args(dir),
        ]);
        assert.equal(r.code, 2, `${c.name}: exit ${r.code}\n${r.stderr}`);
        assert.match(r.stderr, /^error: /m, c.name);
        assert.match(r.stderr, c.message, `${c.name}:\n${r.stderr}`);
        assert.match(r.stderr, /\(see deno task unlearn --help\)/, c.name);
        assert.doesNotMatch(r.stderr, /^\s+at .*:\d+:\d+\)?$/m, `${c.name}: a stack trace\n${r.stderr}`);
        assert.equal(r.stdout, "", c.name);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a-file"], `${c.name} wrote something`);
      }),
    );
  }
  await Deno.remove(base, { recursive: true });
});

Deno.test("a run prints no noise: no XDG_RUNTIME_DIR complaint from the WebGPU probe, no TensorFlow.js banner", async () => {
  const dir = await Deno.makeTempDir();
  for (const backend of ["auto", "cpu"]) {
    const r = await deno([
      "run",
      "-A",
      "cli/unlearn.ts",
      "--dataset=synthetic",
      "--seeds=1",
      "--epochs=1",
      "--methods=ga",
      "--metrics=UA",
      "--no-selection",
      "--no-progress",
      `--backend=${backend}`,
      `--out=${dir}/${backend}`,
      `--cache=${dir}/cache-${backend}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /XDG_RUNTIME_DIR/, `${backend}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /running TensorFlow\.js in Node\.js/, `${backend}: ${r.stderr}`);
  }
  await Deno.remove(dir, { recursive: true });
});
