/**
 * The scoreboard of the paper's claims (`deno task claims` → results/claims.md): every check of every
 * chapter's verdict, computed from the committed full-mode records alone, with the paper's number, the
 * kit's (a paired interval over seeds, or a measured value), the rule fixed before the run and the verdict,
 * and a link to the notebook that shows it. For the chapters whose runs start from the search's selections,
 * the same verdicts are recomputed on runs whose selections came from searches with every learning-rate
 * range shifted a decade down and a decade up: a verdict that flips with the range is not a finding about
 * the method, and the scoreboard says so.
 */
import type { NotebookMode } from "../env.ts";
import type { RunRecord } from "../record.ts";
import type { Level } from "../verdict.ts";
import { CHAPTERS } from "./chapters.ts";
import type { Verdict } from "../verdict.ts";

/** Records of the same configurations from selections of shifted searches, by name (e.g. "lr ÷10"). */
export type SensitivityRuns = Record<string, RunRecord[]>;

export interface ChapterVerdict {
  id: string;
  file: string;
  title: string;
  paper: string;
  verdict: Verdict | null;
  /** The verdict on each sensitivity run's records, for chapters that run from a selection. */
  sensitivity: Record<string, Verdict>;
}

/** Chapters whose verdicts are recomputed under shifted selections (their runs start from one). */
export const SELECTION_CHAPTERS = ["04", "05", "06"];

/** Every chapter's verdict in a mode (null where the chapter has no records in that mode). */
export async function chapterVerdicts(mode: NotebookMode, sensitivity: SensitivityRuns = {}): Promise<ChapterVerdict[]> {
  const out: ChapterVerdict[] = [];
  for (const id of Object.keys(CHAPTERS).sort()) {
    const spec = CHAPTERS[id];
    let data = await spec.load(mode);
    if (Array.isArray(data) && data.length === 0) {
      // A records file with no records is not a measurement: say so loudly and show the chapter as not run.
      console.error(
        `warning: ${id} (${spec.file}): its ${mode}-mode records file holds no records; shown as not run (run the notebook again)`,
      );
      data = null;
    }
    const shifted: Record<string, Verdict> = {};
    if (data !== null && SELECTION_CHAPTERS.includes(id)) {
      const paradigms = new Set((data as RunRecord[]).map((r) => r.paradigm));
      for (const [name, records] of Object.entries(sensitivity)) {
        const mine = records.filter((r) => paradigms.has(r.paradigm));
        if (mine.length) shifted[name] = spec.verdict(mine);
      }
    }
    out.push({
      id,
      file: spec.file,
      title: spec.title,
      paper: spec.paper,
      verdict: data === null ? null : spec.verdict(data),
      sensitivity: shifted,
    });
  }
  return out;
}

const cell = (s: string | undefined) => (s ?? "").replaceAll("|", "\\|").replaceAll("\n", " ");
const counts = (v: Verdict) => {
  const measured = v.checks.filter((c) => c.level !== "not measured");
  const by = (l: Level) => measured.filter((c) => c.level === l).length;
  return `${by("holds")} hold, ${by("does not hold")} fail, ${by("inconclusive")} inconclusive` +
    (by("partly") ? `, ${by("partly")} partly` : "") + ` of ${measured.length}`;
};

/** The scoreboard as Markdown. */
export function claimsMarkdown(chapters: ChapterVerdict[]): string {
  const out = [
    "# The paper's claims, checked",
    "",
    "Written by `deno task claims` from the committed full-mode records (never by hand). Each row is one check of a",
    "notebook's verdict: the paper's number, the kit's (for comparisons: the mean paired difference over seeds with its",
    "95% Student-t interval and n), the rule fixed in code before the run, and the check's level: **holds** only when",
    "the whole interval is on the claimed side, **does not hold** when the whole interval is on the other side,",
    "**inconclusive** otherwise. A notebook's verdict combines its checks (all hold → holds; all fail → does not hold;",
    "all inconclusive → inconclusive; else partly). The headline is closeness to Retrain (Avg. Gap); raw UA and MIA",
    "come second. Method labels: (R) = the search's selection closest to Retrain, (C) = its selection for complete",
    "forgetting with VA at most 5 points below the original's.",
    "",
    "| Notebook | Verdict | Checks |",
    "|---|---|---|",
    ...chapters.map((c) =>
      `| [${c.id}](../notebooks/${c.file}) ${cell(c.title)} | ${c.verdict ? `**${c.verdict.level}**` : "not run"} | ${
        c.verdict ? counts(c.verdict) : "–"
      } |`
    ),
    "",
  ];
  for (const c of chapters) {
    out.push(`## ${c.id} · ${c.title} (${c.paper})`, "");
    if (!c.verdict) {
      out.push(`No full-mode records: execute notebooks/${c.file} (full mode).`, "");
      continue;
    }
    const names = Object.keys(c.sensitivity);
    out.push(
      `**${c.verdict.level}**: ${c.verdict.claim}`,
      "",
      `| Claim | Paper | Kit | Rule | Verdict |${names.map((n) => ` ${cell(n)} |`).join("")}`,
      `|---|---|---|---|---|${names.map(() => "---|").join("")}`,
    );
    c.verdict.checks.forEach((check, i) => {
      const shifted = names.map((n) => {
        const other = c.sensitivity[n].checks[i];
        return other ? (other.level === check.level ? `${other.level} (survives)` : `**${other.level}** (flips)`) : "–";
      });
      out.push(
        `| ${cell(check.claim)} | ${cell(check.paper)} | ${cell(check.observed)} | ${cell(check.rule)} | ${check.level} |${
          shifted.map((s) => ` ${s} |`).join("")
        }`,
      );
    });
    if (names.length) {
      out.push("", `Under shifted searches: ${names.map((n) => `${n}: **${c.sensitivity[n].level}**`).join("; ")}.`);
    }
    out.push("", ...c.verdict.notes.map((n) => `- ${n}`), "");
  }
  return out.join("\n");
}

const START = "<!-- verdicts:start (written by deno task claims) -->";
const END = "<!-- verdicts:end -->";

/** The notebooks' index table with each verdict, for the region between the markers of notebooks/README.md. */
export function indexTable(chapters: ChapterVerdict[]): string {
  return [
    START,
    "| # | Notebook | Paper | Verdict (committed full run) | Checks |",
    "|---|---|---|---|---|",
    ...chapters.map((c) =>
      `| ${c.id} | [${c.file.replace(".ipynb", "")}](${c.file}) | ${cell(c.paper)} | ${
        c.verdict ? `**${c.verdict.level}**` : "not run in full mode"
      } | ${c.verdict ? counts(c.verdict) : "–"} |`
    ),
    END,
  ].join("\n");
}

/** `readme` with its verdict region replaced (or appended when it has none). */
export function withIndexTable(readme: string, table: string): string {
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  if (i < 0 || j < 0) return `${readme.trimEnd()}\n\n${table}\n`;
  return readme.slice(0, i) + table + readme.slice(j + END.length);
}
