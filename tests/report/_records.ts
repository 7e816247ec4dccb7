/** Hand-made run records for table, verdict and figure tests (no training). */
import { GAP_KEYS, meanAbsGap, sumOf } from "../../lib/metrics/gaps.ts";
import type { RunRecord } from "../../lib/record.ts";
import { RECORD_SCHEMA } from "../../lib/record.ts";

/**
 * One record. `method` may carry a variant as the tables print it ("ugradsl (R)"); it goes into the
 * record's `variant` field. The configuration hash is one per data set, paradigm, method and variant, as
 * the runner makes it for repeats of one configuration over seeds.
 */
export function record(method: string, seed: number, metrics: Record<string, number>, extra: Partial<RunRecord> = {}): RunRecord {
  const paradigm = extra.paradigm ?? "classwise";
  const named = method.match(/^(.+) \((.+)\)$/);
  const [name, variant] = named ? [named[1], named[2]] : [method, null];
  return {
    schema: RECORD_SCHEMA,
    experiment: "hand",
    runId: `synthetic/${paradigm}/${name}${variant ? `[${variant}]` : ""}/seed${seed}`,
    method: name,
    variant,
    tags: {},
    methodOptions: {},
    optionLayers: { defaults: {}, selection: null, overrides: {} },
    configHash: `hash-${paradigm}-${name}-${variant ?? ""}`,
    dataset: "synthetic",
    dataChecksum: "",
    numerics: "",
    paradigm,
    seed,
    model: { arch: "mlp", inputShape: [6, 6, 1], numClasses: 4, options: { hidden: 16, depth: 2 } },
    split: {
      options: {} as RunRecord["split"]["options"],
      forgotten: { description: "class 1" },
      sizes: { train: 100, forget: 25, retain: 75, val: 10, test: 30 },
      indexFile: `splits/${paradigm}-seed${seed}.json`,
      indexSha256: `sha-${paradigm}-${seed}`,
    },
    original: {
      key: "k",
      training: {} as RunRecord["original"]["training"],
      trainAcc: 1,
      valAcc: 1,
      testAcc: 1,
      trainSeconds: 1,
      cached: false,
    },
    status: "ok",
    metricNames: Object.keys(metrics),
    metrics,
    rteSeconds: 2,
    evalSeconds: 1,
    history: [],
    environment: {} as RunRecord["environment"],
    startedAt: "2026-11-27T00:00:00Z",
    ...extra,
  };
}

/**
 * The records with AvgGap and Sum added as the runner records them (lib/metrics/gaps.ts): Avg. Gap
 * against the Retrain record of the same paradigm, seed and split; NaN where there is none.
 */
export function withGaps(records: RunRecord[]): RunRecord[] {
  return records.map((r) => {
    if (r.status !== "ok") return r;
    const ref = records.find((x) =>
      x.method === "retrain" && x.status === "ok" && x.paradigm === r.paradigm && x.seed === r.seed &&
      x.split.indexSha256 === r.split.indexSha256
    );
    const AvgGap = ref ? meanAbsGap(r.metrics, ref.metrics, GAP_KEYS) : NaN;
    return { ...r, metrics: { ...r.metrics, AvgGap, Sum: sumOf(r.metrics) }, metricNames: [...r.metricNames, "AvgGap", "Sum"] };
  });
}

/** Retrain and two methods over three seeds, class-wise, with MIA; UA/MIA/RA/TA chosen by hand; AvgGap and Sum added. */
export function handRecords(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const seed of [0, 1, 2]) {
    out.push(record("retrain", seed, { UA: 100, MIA: 100, RA: 98 + seed, TA: 94, VA: 93 }));
    out.push(record("ft", seed, { UA: 20 + seed, MIA: 80, RA: 99, TA: 94 + seed, VA: 93, AdditionalMIA: 99 }));
    out.push(record("ugradsl", seed, { UA: 95, MIA: 97, RA: 97, TA: 93, VA: 92, AdditionalMIA: 98 + seed }));
  }
  return withGaps(out);
}
