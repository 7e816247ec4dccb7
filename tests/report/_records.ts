/** Hand-made run records for table tests (no training). */
import type { RunRecord } from "../../lib/record.ts";
import { RECORD_SCHEMA } from "../../lib/record.ts";

export function record(method: string, seed: number, metrics: Record<string, number>, extra: Partial<RunRecord> = {}): RunRecord {
  const paradigm = extra.paradigm ?? "classwise";
  return {
    schema: RECORD_SCHEMA,
    experiment: "hand",
    runId: `synthetic/${paradigm}/${method}/seed${seed}`,
    method,
    methodOptions: {},
    tuned: null,
    dataset: "synthetic",
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
    metrics,
    rteSeconds: 2,
    evalSeconds: 1,
    history: [],
    environment: {} as RunRecord["environment"],
    startedAt: "2026-11-27T00:00:00Z",
    ...extra,
  };
}

/** Retrain and two methods over three seeds, class-wise, with MIA; UA/MIA/RA/TA chosen by hand. */
export function handRecords(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const seed of [0, 1, 2]) {
    out.push(record("retrain", seed, { UA: 100, MIA: 100, RA: 98 + seed, TA: 94, VA: 93 }));
    out.push(record("ft", seed, { UA: 20 + seed, MIA: 80, RA: 99, TA: 94 + seed, VA: 93, AdditionalMIA: 99 }));
    out.push(record("ugradsl", seed, { UA: 95, MIA: 97, RA: 97, TA: 93, VA: 92, AdditionalMIA: 98 + seed }));
  }
  return out;
}
