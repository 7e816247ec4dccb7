/**
 * The chapters (notebooks) as data: what each reads (its results folders), shows (figures) and
 * concludes (verdict), all from records alone. The notebooks call these functions after their runs, and
 * `deno task figures` calls the same ones on the committed full-mode records, so an exported figure is
 * the figure the notebook shows.
 */
import type { NotebookMode } from "../env.ts";
import { notebookResultsDir } from "../env.ts";
import { KitError } from "../errors.ts";
import type { RunRecord } from "../record.ts";
import { readRecords } from "../record.ts";
import { confusionFigure, distributionFigure } from "./plots_mia.ts";
import type { PlotlyFigure } from "./figure.ts";
import { columnBars, metricBars, tradeoffScatter } from "./plots.ts";
import { blockTitle, captioned, figureCaption, figureTitle, methodTitle } from "./figure.ts";
import { blockOf, buildTable } from "./table.ts";
import type { Table } from "./table.ts";
import type { Verdict } from "../verdict.ts";
import {
  architecturesVerdict,
  classwiseVerdict,
  groupVerdict,
  identityVerdict,
  miaVerdict,
  quickstartVerdict,
  randomVerdict,
} from "./verdicts.ts";
import type { StreisandData } from "../metrics/streisand.ts";
import { ablationFigures, ablationVerdict } from "./ablation_report.ts";
import { verificationFigures, verificationVerdict } from "./verify_report.ts";
import type { TheoryRecords } from "./theory_report.ts";
import {
  loadTheoryRecords,
  theorem1Figures,
  theorem1Verdict,
  theorem2Figures,
  theorem2Verdict,
  theorem3Figures,
  theorem3Verdict,
} from "./theory_report.ts";

export interface ChapterSpec<T = unknown> {
  id: string;
  file: string;
  title: string;
  /** The paper's tables and figures it reproduces. */
  paper: string;
  /** What the chapter reads in a mode, or null when it has not been run in that mode. */
  load(mode: NotebookMode): Promise<T | null>;
  /** What a record chapter reads from another results folder (a scratch run's `records/`); absent for theory chapters. */
  loadFrom?(dir: string): Promise<T | null>;
  figures(data: T): Record<string, PlotlyFigure>;
  verdict(data: T): Verdict;
}

/** A chapter over run records kept in results folders under the notebook's folder. */
function recordChapter(spec: Omit<ChapterSpec<RunRecord[]>, "load"> & { subs: string[] }): ChapterSpec {
  const { subs, ...rest } = spec;
  return {
    ...rest,
    load: (mode) => readChapterFolders(notebookResultsDir(spec.id, mode), subs),
    loadFrom: (dir) => readChapterFolders(dir, subs),
  } as ChapterSpec;
}

/** A chapter over the theory records (results/theory/). */
function theoryChapter<T>(
  spec: Omit<ChapterSpec<T>, "load"> & { names: (keyof TheoryRecords)[]; pick: (t: TheoryRecords) => T },
): ChapterSpec {
  const { names, pick, ...rest } = spec;
  return { ...rest, load: async (mode) => (await loadTheoryRecords(mode, names).then((t) => (t ? pick(t) : null))) } as ChapterSpec;
}

/** Notebook 09's extra columns. */
export const MIA_COLUMNS = ["AdditionalMIA", "LiRA_AUC", "LiRA_TPR@1%FPR", "Streisand_TV_pred"];

export function tableOf(records: RunRecord[], extraColumns: string[] = []): Table {
  return buildTable(records, { extraColumns });
}

/** Bars of UA/MIA/RA/TA, Avg. Gap bars and the UA–TA trade-off, for each block of the records. */
function standardFigures(records: RunRecord[], prefix = ""): Record<string, PlotlyFigure> {
  const table = tableOf(records);
  const out: Record<string, PlotlyFigure> = {};
  const blocks = [...new Set(table.rows.map((r) => r.block))];
  for (const block of blocks) {
    const tag = blocks.length > 1 ? `${prefix}${block.split(" · ").slice(1).join("_")}_` : prefix;
    out[`${tag}metrics`] = metricBars(table, { block });
    out[`${tag}avg_gap`] = columnBars(table, "AvgGap", { block });
    out[`${tag}tradeoff`] = tradeoffScatter(table, { block });
  }
  return out;
}

/** The Streisand data of a method's first seed in a paradigm, if the records hold it. */
export function streisandOfRecord(records: RunRecord[], paradigm: string, method: string): StreisandData | undefined {
  const r = records.find((x) => x.paradigm === paradigm && x.method === method && x.status === "ok" && x.details?.Streisand);
  return r?.details?.Streisand as StreisandData | undefined;
}

export const CHAPTERS: Record<string, ChapterSpec> = {
  "01": theoryChapter({
    id: "01",
    file: "01_theorem1_gradient_ascent.ipynb",
    title: "Theorem 1: gradient ascent alone",
    paper: "§3.2, Theorem 1, Eq. 3",
    names: ["theorem1"],
    pick: (t) => t.theorem1!,
    figures: theorem1Figures,
    verdict: theorem1Verdict,
  }),
  "02": theoryChapter({
    id: "02",
    file: "02_theorem2_negative_smoothing.ipynb",
    title: "Theorem 2 and Figure 5: negative smoothing helps",
    paper: "§3.3, Theorem 2, Eq. 5, Fig. 5",
    names: ["theorem2", "figure5"],
    pick: (t) => t,
    figures: (t) => theorem2Figures(t.theorem2!, t.figure5),
    verdict: (t) => theorem2Verdict(t.theorem2!, t.figure5),
  }),
  "03": theoryChapter({
    id: "03",
    file: "03_theorem3_label_ldp.ipynb",
    title: "Theorem 3: label local differential privacy",
    paper: "§3.4, Definition 1, Theorem 3",
    names: ["theorem3"],
    pick: (t) => t.theorem3!,
    figures: theorem3Figures,
    verdict: theorem3Verdict,
  }),
  "00": recordChapter({
    id: "00",
    file: "00_quickstart.ipynb",
    title: "Quickstart: load data, unlearn one class, read the table",
    paper: "Table 1 (one row pair)",
    subs: ["classwise"],
    figures: (r) => ({ metrics: metricBars(tableOf(r)) }),
    verdict: quickstartVerdict,
  }),
  "04": recordChapter({
    id: "04",
    file: "04_classwise.ipynb",
    title: "Class-wise forgetting",
    paper: "Tables 1, 9",
    subs: ["classwise"],
    figures: (r) => standardFigures(r),
    verdict: classwiseVerdict,
  }),
  "05": recordChapter({
    id: "05",
    file: "05_random.ipynb",
    title: "Random forgetting",
    paper: "Tables 2, 10, 13",
    subs: ["main"],
    figures: (r) => standardFigures(r),
    verdict: randomVerdict,
  }),
  "06": recordChapter({
    id: "06",
    file: "06_group.ipynb",
    title: "Group forgetting",
    paper: "Table 3",
    subs: ["main"],
    figures: (r) => standardFigures(r),
    verdict: groupVerdict,
  }),
  "07": recordChapter({
    id: "07",
    file: "07_identity.ipynb",
    title: "Identity forgetting on the Debian corpus",
    paper: "Table 4 (analogue)",
    subs: ["main"],
    figures: (r) => standardFigures(r),
    verdict: identityVerdict,
  }),
  "08": recordChapter({
    id: "08",
    file: "08_ablations.ipynb",
    title: "Ablations",
    paper: "Table 8, Fig. 3, Table 14, Algorithm 1, sweeps of p, β and the forget-set size",
    subs: ["table8", "fig3", "table14", "adaptive", "mixweight", "threshold", "forgetsize"],
    figures: ablationFigures,
    verdict: ablationVerdict,
  }),
  "09": recordChapter({
    id: "09",
    file: "09_mia_streisand.ipynb",
    title: "MIA and the Streisand effect",
    paper: "Table 5, Figs. 4, 7",
    subs: ["main"],
    figures: (records) => {
      const table = tableOf(records, MIA_COLUMNS);
      const out: Record<string, PlotlyFigure> = {};
      for (const block of [...new Set(table.rows.map((r) => r.block))]) {
        const paradigm = block.split(" · ")[1];
        out[`${paradigm}_additional_mia`] = columnBars(table, "AdditionalMIA", {
          block,
          title: `${blockTitle(block)}: Additional MIA (seen vs unseen accuracy, Table 5)`,
        });
        if (table.rows.some((r) => r.block === block && Number.isFinite(r.cells.LiRA_AUC?.mean))) {
          out[`${paradigm}_lira_auc`] = columnBars(table, "LiRA_AUC", {
            block,
            title: `${blockTitle(block)}: LiRA AUC, D_f against D_te (50 = chance)`,
          });
        }
        out[`${paradigm}_streisand_tv`] = columnBars(table, "Streisand_TV_pred", {
          block,
          title: `${blockTitle(block)}: distance of predicted classes, D_f against D_te (total variation, %)`,
        });
      }
      for (const method of ["retrain", "ugradsl", "ugradsl+"]) {
        const s = streisandOfRecord(records, "random", method);
        if (s) {
          out[`random_confusion_${method}`] = confusionFigure(s, {
            title: `Fig. 4 analogue: ${methodTitle(method)}, random forgetting — predictions on D_f and D_te`,
          });
        }
      }
      for (const paradigm of ["classwise", "random"]) {
        for (const method of ["retrain", "ugradsl+"]) {
          const s = streisandOfRecord(records, paradigm, method);
          if (s) {
            out[`${paradigm}_loss_${method}`] = distributionFigure(s, "loss", {
              title: `Fig. 7 analogue: loss on D_f, D_r, D_te — ${methodTitle(method)}, ${paradigm} forgetting`,
            });
          }
        }
      }
      return out;
    },
    verdict: miaVerdict,
  }),
  "10": recordChapter({
    id: "10",
    file: "10_architectures.ipynb",
    title: "Other architectures",
    paper: "Tables 11, 12",
    subs: ["cnn", "resnet18", "vit"],
    figures: (records) => {
      const out: Record<string, PlotlyFigure> = {};
      const table = tableOf(records);
      for (const block of [...new Set(table.rows.map((r) => r.block))]) {
        const tag = block.split(" · ").slice(1).join("_");
        const fig = metricBars(table, { block });
        // An unlearning result means little when the original did not learn the task: say how well it did.
        const originals = records.filter((r) => blockOf(r) === block).map((r) => 100 * r.original.trainAcc);
        const [lo, hi] = [Math.min(...originals), Math.max(...originals)];
        const weak = hi < 50 ? " These originals did not learn the task, so their unlearning metrics say little." : "";
        const note = originals.length
          ? ` The original models reached ${lo.toFixed(1)}${hi - lo >= 0.05 ? `–${hi.toFixed(1)}` : ""}% train accuracy.${weak}`
          : "";
        const titled = weak
          ? { ...fig, layout: { ...fig.layout, title: { text: `${figureTitle(fig)} (the originals did not learn the task)` } } }
          : fig;
        out[`${tag}_metrics`] = captioned(titled, `${figureCaption(fig)}${note}`);
      }
      return out;
    },
    verdict: architecturesVerdict,
  }),
  "11": recordChapter({
    id: "11",
    file: "11_verification.ipynb",
    title: "Verification beyond MIA: per-example forgetting",
    paper: "beyond the paper: U-LiRA, NeurIPS 2023 ε score, KLOM, KS, probes",
    subs: ["main"],
    figures: verificationFigures,
    verdict: verificationVerdict,
  }),
};

export function chapterSpec(id: string): ChapterSpec {
  const spec = CHAPTERS[id];
  if (!spec) throw new KitError(`unknown notebook "${id}": valid ids are ${Object.keys(CHAPTERS).sort().join(", ")}`);
  return spec;
}

/**
 * A notebook's records from its results folders in a mode, or null when a folder has no records (the
 * notebook has not been run in that mode).
 */
async function readChapterFolders(dir: string, subs: string[]): Promise<RunRecord[] | null> {
  const out: RunRecord[] = [];
  for (const sub of subs) {
    const file = `${dir}/${sub}/records.jsonl`;
    try {
      await Deno.stat(file);
    } catch {
      return null;
    }
    out.push(...await readRecords([file]));
  }
  return out;
}
