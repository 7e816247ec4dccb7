/**
 * Running an ablation: a list of variants (a method with some options changed from its base options)
 * on every paradigm × seed, from the same cached original models the main job uses, with the main
 * job's metrics. Each finished variant appends one row (or one row per unlearning epoch) to
 * `${out}/records.jsonl`; `ablationTable` turns rows back into the table, so the notebooks and
 * `deno task ablation` (lib/ablations/cli.ts) share this code.
 *
 * Base options are the method's defaults overlaid, unless `useTuned` is off, with the searched options of
 * results/search/tuned.json for the data set, model and paradigm: the same starting point as
 * `deno task unlearn`. A variant changes only the options it names.
 */
import { backendInfo, initBackend } from "../backend.ts";
import { resolveOptions } from "../config.ts";
import { datasetSpec, loadDataset } from "../data/registry.ts";
import type { Paradigm, SplitOptions } from "../data/splits.ts";
import type { DataBundle } from "../data/types.ts";
import { methodContext, prepareTask } from "../experiment.ts";
import { avgGap, GAP_KEYS, sumOf } from "../metrics/gaps.ts";
import { evaluate } from "../metrics/registry.ts";
import { cloneNet, disposeNet } from "../models/registry.ts";
import type { Net, OptionValue } from "../models/types.ts";
import { kitVersion } from "../record.ts";
import { autoProgress, silentProgress } from "../report/progress.ts";
import { formatStat, stat } from "../report/table.ts";
import { deriveSeed } from "../rng.ts";
import type { SgdOptions } from "../train.ts";
import { DivergedError } from "../train.ts";
import { methodSpec } from "../unlearn/registry.ts";
import { tunedEntry } from "../unlearn/tuned.ts";

export const ABLATION_SCHEMA = "unlearn-kit/ablation@1";

export interface AblationConfig {
  /** The results folder's name (records.jsonl, table.md go to `out`). */
  name: string;
  out: string;
  dataset: string;
  dataDir?: string;
  /** Use these splits instead of loading `dataset` (tests). */
  bundle?: DataBundle;
  paradigms: Paradigm[];
  model: string;
  modelOptions: Record<string, OptionValue>;
  seeds: number[];
  split: Partial<Omit<SplitOptions, "paradigm" | "seed">>;
  training: SgdOptions;
  metrics: string[];
  useTuned: boolean;
  cacheDir: string;
  backend: string;
  progress: boolean;
}

export interface Variant {
  /** Unique within the ablation, e.g. "ga+gm+nls". */
  id: string;
  method: string;
  /** What the table shows for this variant, by column (e.g. { Backbone: "GA", NLS: "✓" }). */
  labels: Record<string, string>;
  /** Options changed from the method's base options (given them, for relative changes). */
  options?: (base: Record<string, unknown>) => Record<string, unknown>;
  /** A reference row (Retrain): other rows' Avg. Gap is measured against it. */
  reference?: boolean;
}

export interface AblationSpec {
  name: string;
  title: string;
  /** Which table or figure of the paper, and what it asks. */
  source: string;
  /** Label columns, in table order. */
  labelColumns: string[];
  variants: Variant[];
  /** Evaluate after every unlearning epoch (gradient-mixed methods), not only at the end. */
  perEpoch?: boolean;
}

export interface AblationRow {
  schema: typeof ABLATION_SCHEMA;
  ablation: string;
  variant: string;
  labels: Record<string, string>;
  reference: boolean;
  method: string;
  options: Record<string, unknown>;
  tuned: string | null;
  dataset: string;
  model: string;
  paradigm: string;
  seed: number;
  /** The unlearning epoch this row measures (0 = the original model); null = the method's end state. */
  epoch: number | null;
  status: "ok" | "diverged" | "failed";
  error?: string;
  metrics: Record<string, number>;
  /** Wall time of the unlearning (per-epoch snapshots excluded); for epoch rows, up to that epoch. */
  rteSeconds: number;
  stop?: { reason: string; step: number };
  original: { key: string; trainAcc: number; valAcc: number; testAcc: number };
  environment: { backend: string; gitCommit: string; dirty: boolean };
}

/** Runs every variant of `spec` and appends its rows to `${cfg.out}/records.jsonl`. */
export async function runAblation(
  cfg: AblationConfig,
  spec: AblationSpec,
  hooks: { onRow?: (r: AblationRow) => void } = {},
): Promise<AblationRow[]> {
  await initBackend({ backend: cfg.backend as never });
  const optionsFor = (v: Variant, paradigm: string) => {
    const schema = methodSpec(v.method).options;
    const tuned = cfg.useTuned ? tunedEntry(cfg.dataset, cfg.model, paradigm, v.method) : undefined;
    const base = resolveOptions(schema, tuned?.options ?? {}, `${spec.name} ${v.id}`) as Record<string, unknown>;
    const options = resolveOptions(schema, { ...tuned?.options, ...v.options?.(base) }, `${spec.name} ${v.id}`) as Record<string, unknown>;
    return { options, tuned: tuned?.source ?? null };
  };
  // Refuse bad variants before anything runs.
  for (const v of spec.variants) for (const p of cfg.paradigms) optionsFor(v, p);
  const progress = cfg.progress ? autoProgress : silentProgress;
  const bundle = cfg.bundle ?? await loadDataset(cfg.dataset, cfg.dataDir);
  const superClasses = cfg.bundle ? undefined : datasetSpec(cfg.dataset).superClasses;
  await Deno.mkdir(cfg.out, { recursive: true });
  const file = `${cfg.out}/records.jsonl`;
  const env = { backend: backendInfo().name, ...kitVersion() };
  const rows: AblationRow[] = [];
  const emit = async (r: AblationRow) => {
    await Deno.writeTextFile(file, JSON.stringify(r) + "\n", { append: true, create: true });
    rows.push(r);
    hooks.onRow?.(r);
  };
  for (const seed of cfg.seeds) {
    for (const paradigm of cfg.paradigms) {
      const prepared = await prepareTask(bundle, superClasses, cfg, paradigm, seed, progress);
      const { task, original, info } = prepared;
      const metricsOf = (net: Net) => evaluate(net, task, cfg.metrics, deriveSeed(seed, "metrics"), { training: cfg.training });
      const originalMetrics = spec.perEpoch ? await metricsOf(original) : {};
      for (const v of spec.variants) {
        const { options, tuned } = optionsFor(v, paradigm);
        const ctx = methodContext(prepared, v.method, cfg.training, progress);
        const base: Omit<AblationRow, "epoch" | "status" | "metrics" | "rteSeconds"> = {
          schema: ABLATION_SCHEMA,
          ablation: spec.name,
          variant: v.id,
          labels: v.labels,
          reference: v.reference ?? false,
          method: v.method,
          options,
          tuned,
          dataset: cfg.dataset,
          model: cfg.model,
          paradigm,
          seed,
          original: { key: info.key, trainAcc: info.trainAcc, valAcc: info.valAcc, testAcc: info.testAcc },
          environment: env,
        };
        // Per-epoch snapshots: copies taken inside the loop, evaluated after it (evaluation is async).
        const snapshots: { row: Record<string, number>; net: Net; seconds: number }[] = [];
        let snapshotSeconds = 0;
        const started = performance.now();
        if (spec.perEpoch) {
          ctx.onEpoch = (row, net) => {
            const t = performance.now();
            snapshots.push({ row, net: cloneNet(net), seconds: (t - started) / 1000 - snapshotSeconds });
            snapshotSeconds += (performance.now() - t) / 1000;
          };
        }
        try {
          const outcome = await methodSpec(v.method).run(ctx, options as never);
          const rteSeconds = (performance.now() - started) / 1000 - snapshotSeconds;
          if (spec.perEpoch && !v.reference) {
            await emit({ ...base, epoch: 0, status: "ok", metrics: originalMetrics, rteSeconds: 0 });
            for (const s of snapshots) {
              await emit({ ...base, epoch: s.row.epoch, status: "ok", metrics: await metricsOf(s.net), rteSeconds: s.seconds });
            }
          }
          await emit({ ...base, epoch: null, status: "ok", metrics: await metricsOf(outcome.net), rteSeconds, stop: outcome.stop });
          if (outcome.net !== ctx.start) disposeNet(ctx.start);
          disposeNet(outcome.net);
        } catch (e) {
          if (!(e instanceof Error)) throw e;
          const status = e instanceof DivergedError ? "diverged" : "failed";
          if (status === "failed") console.error(`${spec.name} ${v.id} ${paradigm} seed ${seed}: ${e.stack ?? e}`);
          await emit({ ...base, epoch: null, status, error: e.message, metrics: {}, rteSeconds: (performance.now() - started) / 1000 });
          try {
            disposeNet(ctx.start);
          } catch { /* the method disposed it */ }
        } finally {
          for (const s of snapshots) disposeNet(s.net);
        }
      }
      disposeNet(original);
    }
  }
  return rows;
}

/** Rows from records.jsonl files (later duplicates of the same variant, paradigm, seed and epoch win). */
export async function readAblationRows(files: string[]): Promise<AblationRow[]> {
  const byKey = new Map<string, AblationRow>();
  for (const f of files) {
    const text = await Deno.readTextFile(f);
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let r: AblationRow;
      try {
        r = JSON.parse(line);
      } catch (e) {
        throw new Error(`${f}:${i + 1}: not JSON (${(e as Error).message})`);
      }
      if (r.schema !== ABLATION_SCHEMA) throw new Error(`${f}:${i + 1}: schema ${JSON.stringify(r.schema)}, expected "${ABLATION_SCHEMA}"`);
      byKey.set(`${r.ablation}|${r.dataset}|${r.model}|${r.variant}|${r.paradigm}|${r.seed}|${r.epoch}`, r);
    });
  }
  return [...byKey.values()];
}

/**
 * The ablation's table, one block per data set × model × paradigm: label columns, (Epoch), UA, MIA, RA,
 * TA, VA (those measured; other metrics stay in the records), Sum = UA + MIA + RA + TA, Avg. Gap
 * against the reference row (Retrain) of the same seed when there is one, RTE; mean ± std over seeds.
 * Per-epoch ablations show one row per variant and epoch; others the end state.
 */
export function ablationTable(rows: AblationRow[], spec: Pick<AblationSpec, "title" | "labelColumns" | "perEpoch" | "variants">): string {
  const order = new Map(spec.variants.map((v, i) => [v.id, i]));
  const out: string[] = [];
  const blocks = [...new Set(rows.map((r) => `${r.dataset} · ${r.model} · ${r.paradigm}`))];
  for (const block of blocks) {
    const inBlock = rows.filter((r) => `${r.dataset} · ${r.model} · ${r.paradigm}` === block);
    const ends = inBlock.filter((r) => r.epoch === null);
    const refBySeed = new Map(ends.filter((r) => r.reference && r.status === "ok").map((r) => [r.seed, r.metrics]));
    const shown = inBlock.filter((r) => (spec.perEpoch && !r.reference ? r.epoch !== null : r.epoch === null));
    // The paper's columns and VA; per-feature detail (MIA_entropy, …) stays in the records.
    const metricKeys = new Set(shown.flatMap((r) => Object.keys(r.metrics)));
    const keys = [...GAP_KEYS, "VA"].filter((k) => metricKeys.has(k));
    const gapKeys = GAP_KEYS.filter((k) => keys.includes(k));
    const columns = [
      ...spec.labelColumns,
      ...(spec.perEpoch ? ["Epoch"] : []),
      ...keys,
      "Sum",
      ...(refBySeed.size ? ["Avg. Gap"] : []),
      "RTE (s)",
    ];
    const groups = new Map<string, AblationRow[]>();
    for (const r of shown) {
      const k = `${r.variant}|${r.epoch}`;
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const sorted = [...groups.values()].sort((a, b) =>
      (order.get(a[0].variant) ?? 1e9) - (order.get(b[0].variant) ?? 1e9) || (a[0].epoch ?? -1) - (b[0].epoch ?? -1)
    );
    out.push(
      `**${spec.title}: ${block}**`,
      "",
      `| ${columns.join(" | ")} |`,
      `|${columns.map((c) => (spec.labelColumns.includes(c) ? "---" : "---:")).join("|")}|`,
    );
    for (const g of sorted) {
      const ok = g.filter((r) => r.status === "ok");
      const cell = (xs: number[]) => (xs.length ? formatStat(stat(xs)) : "–");
      const cells = [
        ...spec.labelColumns.map((c) => g[0].labels[c] ?? ""),
        ...(spec.perEpoch ? [g[0].epoch === null ? "end" : String(g[0].epoch)] : []),
        ...keys.map((k) => cell(ok.map((r) => r.metrics[k]).filter(Number.isFinite))),
        cell(ok.map((r) => sumOf(r.metrics, gapKeys))),
        ...(refBySeed.size
          ? [cell(ok.filter((r) => refBySeed.has(r.seed)).map((r) => avgGap(r.metrics, refBySeed.get(r.seed)!, gapKeys)))]
          : []),
        cell(ok.map((r) => r.rteSeconds)),
      ];
      const failed = g.length - ok.length;
      if (failed) {
        cells[0] += ` (${failed} of ${g.length} ${[...new Set(g.filter((r) => r.status !== "ok").map((r) => r.status))].join("/")})`;
      }
      out.push(`| ${cells.join(" | ")} |`);
    }
    const seeds = [...new Set(inBlock.map((r) => r.seed))].sort((a, b) => a - b);
    out.push(
      "",
      `_mean ± std over ${seeds.length} seed(s) (${seeds.join(", ")}); Sum over ${gapKeys.join(", ")}${
        refBySeed.size ? "; Avg. Gap against Retrain of the same split and seed" : ""
      }._`,
      "",
    );
  }
  return out.join("\n");
}
