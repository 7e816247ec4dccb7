/**
 * `./kit run NOTEBOOK` (cli/run.ts) and `./kit main` (scripts/main.sh): runs go into scratch/ (or the given
 * folder), never into notebooks/ or results/; bad parameters are refused before any work, naming the flag
 * or the parameter. The notebook tests need Jupyter (scripts/setup.sh --notebooks) and are skipped otherwise.
 */
import assert from "node:assert/strict";
import { ROOT } from "../../lib/env.ts";
import { parametersHash } from "../../lib/notebook.ts";
import { readRecords } from "../../lib/record.ts";

const hasJupyter = (() => {
  try {
    return new Deno.Command("jupyter-nbconvert", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

async function kit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(`${ROOT}kit`, { args, cwd: ROOT, env: { NO_COLOR: "1" }, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function gitStatus(): Promise<string> {
  const out = await new Deno.Command("git", { args: ["status", "--porcelain"], cwd: ROOT, stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name:
    "./kit run NOTEBOOK --quick --set …: the executed notebook, HTML and records go to scratch/<notebook>/<hash>/; the knobs take effect; git status unchanged",
  ignore: !hasJupyter,
  fn: async () => {
    const before = await gitStatus();
    const sets = { seeds: 1, "ugradsl.smoothRate": -0.5 };
    const dir = `${ROOT}scratch/04_classwise/${parametersHash("04_classwise", true, sets)}`;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    const r = await kit("run", "notebooks/04_classwise.ipynb", "--quick", "--set", "seeds=1", "--set", "ugradsl.smoothRate=-0.5");
    assert.equal(r.code, 0, r.stderr);
    const rel = dir.slice(ROOT.length);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      `${rel}/04_classwise.ipynb`,
      `${rel}/04_classwise.html`,
      `${rel}/records/`,
      `${rel}/figures/`,
    ]);
    const figures = [...Deno.readDirSync(`${dir}/figures`)].map((e) => e.name);
    assert.ok(figures.some((f) => /^04_.*\.svg$/.test(f)) && figures.some((f) => /^04_.*\.png$/.test(f)), figures.join(", "));
    const executed = JSON.parse(await Deno.readTextFile(`${dir}/04_classwise.ipynb`));
    const text = JSON.stringify(executed.cells.map((c: { outputs?: unknown }) => c.outputs ?? []));
    assert.match(text, /\| ugradsl\.smoothRate \| -0\.5 \| scratch\/04_classwise\/\w+\/params\.json \\"04\\" \|/, "the parameter table");
    assert.match(text, /THIS RUN \(quick mode, not the committed run\)/, "the verdict is labelled as this run's");
    assert.match(text, /This run beside the committed run/);
    assert.ok((await Deno.stat(`${dir}/04_classwise.html`)).size > 10000);
    const records = await readRecords([`${dir}/records/classwise`]);
    const ugradsl = records.filter((x) => x.method === "ugradsl");
    assert.ok(ugradsl.length >= 1 && ugradsl.every((x) => x.methodOptions.smoothRate === -0.5), "the option reached the runs");
    assert.ok(records.every((x) => x.seed === 0));
    assert.equal(await gitStatus(), before, "nothing under notebooks/ or results/ changed");
  },
});

Deno.test({
  name:
    "./kit run refuses bad parameters before any work: a bad --set at once (naming the flag), a key the notebook lacks in its parameter cell (naming the key)",
  ignore: !hasJupyter,
  fn: async () => {
    const bad = await kit("run", "notebooks/04_classwise.ipynb", "--quick", "--set", "ugradsl.smoothRat=1", "--set", "seeds=0");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--set ugradsl\.smoothRate?: ugradsl has no option "smoothRat"/);
    assert.match(bad.stderr, /--set seeds: 0 is below 1/, "the same words as --seeds 0 (lib/experiment/fields.ts)");
    const missing = await kit("run", "notebooks/nope.ipynb");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /notebooks\/nope\.ipynb: cannot read/);
    const extra = await kit("run", "notebooks/04_classwise.ipynb", "--quick", "--set", "rates=1,2");
    assert.equal(extra.code, 2, extra.stderr);
    assert.match(extra.stderr, /params\.json "04": rates: unknown parameter "rates"/);
  },
});

Deno.test("./kit main: evidence v2's job into the given folder, never results/, ending with the comparison against the committed records", async () => {
  const before = await gitStatus();
  const out = await Deno.makeTempDir({ prefix: "kit-main-test-" });
  try {
    const refused = await kit("main", "--out", "results/main-probe");
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--out: results\/main-probe is under results\/, which only the evidence pass writes/);
    const tiny = [
      "--dataset",
      "synthetic",
      "--paradigm",
      "classwise",
      "--seeds",
      "1",
      "--methods",
      "retrain,ga",
      "--epochs",
      "2",
      "--no-progress",
    ];
    const r = await kit("main", ...tiny, "--out", out, "--cache", `${out}/cache`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\*\*0 of 2\*\* records of .* are bit for bit identical to the committed ones in results\/main/);
    assert.match(r.stdout, /No committed record with this configuration hash for 2 record\(s\)/);
    assert.ok((await Deno.stat(`${out}/comparison.md`)).isFile);
    // The job is evidence v2's design, the one results/main holds: each unit forgets its seed's class.
    const made = await readRecords([out]);
    assert.ok(made.length === 2 && made.every((x) => x.split.options.forgetTarget === "cycle"));
    // --five-seeds: v1's job instead (its fixed forgotten class, no design).
    const v1 = await kit(
      "main",
      ...tiny,
      "--five-seeds",
      "--methods",
      "retrain",
      "--no-compare",
      "--out",
      `${out}/v1`,
      "--cache",
      `${out}/cache`,
    );
    assert.equal(v1.code, 0, v1.stderr);
    const v1Made = await readRecords([`${out}/v1`]);
    assert.ok(v1Made.length === 1 && v1Made[0].split.options.forgetTarget !== "cycle");
    // Its own records compare bit for bit with themselves (the rerun reads them back).
    const again = await new Deno.Command(`${ROOT}node_modules/.bin/deno`, {
      args: ["run", "-A", "cli/compare.ts", out, out, "--no-write"],
      cwd: ROOT,
      stdout: "piped",
    }).output();
    assert.match(new TextDecoder().decode(again.stdout), /\*\*2 of 2\*\* records .* 0 differ; 0 have no committed record/);
    const committed = await kit("main", "--committed");
    assert.equal(committed.code, 0);
    assert.match(committed.stdout, /\| Method \| UA \| MIA \| RA \| TA \|/);
    assert.equal(await gitStatus(), before);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("./kit main --design v2: the design's job, narrowed by the flags given after it (a slice)", async () => {
  const out = await Deno.makeTempDir({ prefix: "kit-main-design-" });
  try {
    const slice = ["--design", "v2", "--dataset", "synthetic", "--paradigm", "classwise", "--seeds", "2", "--methods", "retrain,ft"];
    const r = await kit("main", ...slice, "--epochs", "2", "--no-progress", "--no-compare", "--out", out, "--cache", `${out}/cache`);
    assert.equal(r.code, 0, r.stderr);
    const records = await readRecords([out]);
    // Retrain and FT on the design's first two class-wise units, each forgetting its seed's class. The selection
    // file has no synthetic entries, so FT's R, C and C5 are one configuration: it runs once a unit.
    assert.deepEqual(records.map((x) => x.runId).sort(), [
      "synthetic/classwise/class0/ft/seed0",
      "synthetic/classwise/class0/retrain/seed0",
      "synthetic/classwise/class1/ft/seed1",
      "synthetic/classwise/class1/retrain/seed1",
    ]);
    assert.ok(records.every((x) => x.split.options.forgetTarget === "cycle" && x.split.forgotten.class === x.seed));
    // One configuration per method over the units.
    assert.equal(new Set(records.map((x) => x.configHash)).size, 2);
    // The slice again from scratch (--rerun, its own folder, same cache): every record matches by hash and seed, bit for bit.
    const again = `${out}/again`;
    const rerun = await kit("main", ...slice, "--epochs", "2", "--no-progress", "--rerun", "--out", again, "--cache", `${out}/cache`);
    assert.equal(rerun.code, 0, rerun.stderr);
    const compared = await new Deno.Command(`${ROOT}node_modules/.bin/deno`, {
      args: ["run", "-A", "cli/compare.ts", again, out, "--no-write"],
      cwd: ROOT,
      stdout: "piped",
    }).output();
    assert.match(new TextDecoder().decode(compared.stdout), /\*\*4 of 4\*\* records .* 0 differ; 0 have no committed record/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
