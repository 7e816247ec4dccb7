/**
 * Readings written from the records: a notebook's "Reading" that must stay true of the outputs it sits under,
 * whatever a rerun produces, is computed here from the same records as its table instead of being typed in.
 */
import type { RunRecord } from "../record.ts";
import { type Interval, meanInterval, pairedDifference } from "./stats.ts";

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");

/** "a [lo, hi], n = 5" or "a (one seed, no interval)". */
function withInterval(d: Interval & { seeds: number[] }): string {
  return Number.isFinite(d.halfWidth) ? `${f2(d.mean)} [${f2(d.lo)}, ${f2(d.hi)}], n = ${d.n}` : `${f2(d.mean)} (n = ${d.n}, no interval)`;
}

/** Per-seed values of `metric` for the finished class-wise runs of `method`. */
function bySeed(records: RunRecord[], method: string, metric: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of records) if (r.method === method && Number.isFinite(r.metrics[metric])) out.set(r.seed, r.metrics[metric]);
  return out;
}

const meanOf = (m: Map<number, number>) => meanInterval([...m.values()]).mean;

/** With one seed there is no interval; what that seed alone shows against the 5-point margin. */
function onOneSeed(d: Interval): string {
  if (d.n !== 1) return "";
  return ` (one seed: on it UGradSL+ is ${d.mean >= -5 ? "within 5 points of" : `${f2(-d.mean)} points below`} Retrain)`;
}

/** Where a paired difference a − b stands against −margin: within, beyond, or undecided. */
function againstMargin(d: Interval, margin: number): "within" | "beyond" | "undecided" {
  if (d.n === 0 || !Number.isFinite(d.halfWidth)) return "undecided";
  if (d.lo > -margin) return "within";
  if (d.hi < -margin) return "beyond";
  return "undecided";
}

/** The options a method ran with, and whether they came from a search's selection. */
function optionsOf(records: RunRecord[], method: string): string {
  const r = records.find((x) => x.method === method);
  if (!r) return "";
  const o = r.methodOptions;
  const sel = r.optionLayers.selection;
  const from = sel ? `the search's (${sel.name}) selection for ${r.paradigm} forgetting (${sel.source})` : "its defaults";
  return `α = ${o.smoothRate}, p = ${o.mixWeight}, learning rate ${o.learningRate}, ${o.epochs} epoch(s), from ${from}`;
}

/**
 * Notebook 00's reading of its class-wise run (Retrain, GA, UGradSL+): which classes were forgotten, whether
 * UGradSL+ forgot as completely as Retrain, what it cost in test accuracy against Retrain and GA (paired over
 * seeds, 95% interval, the 5-point margin of the verdict), with the options it ran with, and its run time.
 * Markdown; every number is read from `records`.
 */
export function quickstartReading(records: RunRecord[]): string {
  const rs = records.filter((r) => r.paradigm === "classwise" && r.status === "ok" && r.tags.epoch === undefined);
  const has = (m: string) => rs.some((r) => r.method === m);
  if (!has("retrain") || !has("ugradsl+")) return "**Reading**: this run has no finished Retrain and UGradSL+ pair to read.";
  const classes = [...new Map(rs.map((r) => [r.seed, r.split.forgotten.description])).entries()].sort((a, b) => a[0] - b[0]);
  const ua = pairedDifference(bySeed(rs, "ugradsl+", "UA"), bySeed(rs, "retrain", "UA"));
  const ta = pairedDifference(bySeed(rs, "ugradsl+", "TA"), bySeed(rs, "retrain", "TA"));
  const lines = [
    `**Reading** (written by \`quickstartReading\` in \`lib/report/readings.ts\` from the records above):`,
    "",
    `- **Forgotten classes**, one per seed: ${classes.map(([s, d]) => `seed ${s}: ${d}`).join("; ")}.`,
    `- **Forgetting**: UGradSL+ UA ${f2(meanOf(bySeed(rs, "ugradsl+", "UA")))} against Retrain's ${
      f2(meanOf(bySeed(rs, "retrain", "UA")))
    } (UGradSL+ − Retrain = ${withInterval(ua)}): ${
      againstMargin(ua, 5) === "within"
        ? "within 5 points of Retrain, as in Table 1"
        : againstMargin(ua, 5) === "beyond"
        ? "more than 5 points short of Retrain"
        : `not decided at this number of seeds${onOneSeed(ua)}`
    }.`,
    taLine(rs, ta),
  ];
  if (has("ga")) {
    const ga = pairedDifference(bySeed(rs, "ugradsl+", "TA"), bySeed(rs, "ga", "TA"));
    lines.push(
      `- **Against GA**: UGradSL+ − GA in TA = ${withInterval(ga)}; in UA = ${
        withInterval(pairedDifference(bySeed(rs, "ugradsl+", "UA"), bySeed(rs, "ga", "UA")))
      }.`,
    );
  }
  const rte = (m: string) => meanOf(new Map(rs.filter((r) => r.method === m).map((r) => [r.seed, r.rteSeconds])));
  lines.push(`- **Cost**: UGradSL+ took ${f2(rte("ugradsl+"))} s against Retrain's ${f2(rte("retrain"))} s (mean RTE).`);
  return lines.join("\n");
}

/** The test-accuracy line: the paired loss against Retrain, read against the 5-point margin, with the options used. */
function taLine(rs: RunRecord[], ta: Interval & { seeds: number[] }): string {
  const where = againstMargin(ta, 5);
  const verdict = where === "within"
    ? "it keeps TA within 5 points of Retrain, as Table 1 reports (94.29 vs 94.50 on CIFAR-10)"
    : where === "beyond"
    ? "it loses more than 5 points of TA, unlike Table 1 (94.29 vs 94.50 on CIFAR-10): the search chose its options " +
      "by closeness to Retrain on the search's own runs (docs/search.md), not for this run, and this run shows that " +
      "they cost utility here (the TA check of the verdict above fails)"
    : `whether it keeps TA within 5 points of Retrain is not decided at this number of seeds${onOneSeed(ta)}`;
  return `- **Utility**: UGradSL+ TA ${f2(meanOf(bySeed(rs, "ugradsl+", "TA")))} against Retrain's ${
    f2(meanOf(bySeed(rs, "retrain", "TA")))
  } (UGradSL+ − Retrain = ${withInterval(ta)}): ${verdict}. UGradSL+ ran with ${optionsOf(rs, "ugradsl+")}.`;
}
