/**
 * Memorisation scores and worst-case forget sets.
 *
 * Feldman & Zhang ("What neural networks memorize and why: discovering the long tail via influence
 * estimation", NeurIPS 2020, §2) define the memorisation of a training example (x, y) as
 *
 *   mem(x) = P[h(x) = y | h trained with x] − P[h(x) = y | h trained without x],
 *
 * estimated from many models trained on random subsets: the mean correctness over the models whose
 * subset held x minus the mean over those whose subset did not. Any per-example statistic can stand in for
 * correctness (the true-class confidence p_y gives a smoother score). `memorizationFromOriginal` is the
 * cheaper variant the kit's worst-case forget sets use: the original model's statistic minus the mean
 * over models that never trained on x.
 *
 * Forget sets made of the most memorised examples are a hard case for unlearning (worst-case forget sets:
 * Fan et al., "Challenging forgets", OPTML-Group/Unlearn-WorstCase; Hayes et al. 2024 find per-example
 * vulnerability varies widely, so averages over random forget sets hide the worst examples):
 * `rankByMemorization` orders candidates highest first and `worstCaseForgetSet` takes the top n.
 */
import { KitError } from "../../errors.ts";
import { ensembleShape, type PerModel } from "./ensemble.ts";

/**
 * mem(x) from subset models: `stats[m][i]` is model m's statistic on example i (correctness, p_y…),
 * `trainedOn[m][i]` is 1 when model m's training subset held example i, else 0. NaN for an example that
 * is in every subset or in none (no estimate).
 */
export function memorizationFromSubsets(stats: PerModel, trainedOn: PerModel): Float64Array {
  const { models, examples } = ensembleShape("memorisation: model statistics", stats, 2);
  const shape = ensembleShape("memorisation: membership masks", trainedOn, 2);
  if (shape.models !== models || shape.examples !== examples) {
    throw new Error(`memorisation: masks are ${shape.models} × ${shape.examples}, statistics ${models} × ${examples}`);
  }
  const out = new Float64Array(examples);
  for (let i = 0; i < examples; i++) {
    let sIn = 0, nIn = 0, sOut = 0, nOut = 0;
    for (let m = 0; m < models; m++) {
      if (trainedOn[m][i]) (sIn += stats[m][i]), nIn++;
      else (sOut += stats[m][i]), nOut++;
    }
    out[i] = nIn > 0 && nOut > 0 ? sIn / nIn - sOut / nOut : NaN;
  }
  return out;
}

/**
 * mem(x) ≈ original(x) − mean over leave-out models of their statistic on x. `leaveOut[m][i]` must come
 * from a model that did not train on example i; `held` (optional, same shape) marks with 1 which
 * (model, example) pairs are usable, for subset models where only some examples were left out. NaN where
 * no leave-out value exists.
 */
export function memorizationFromOriginal(original: ArrayLike<number>, leaveOut: PerModel, held?: PerModel): Float64Array {
  const { models, examples } = ensembleShape("memorisation: leave-out models", leaveOut, 1);
  if (original.length !== examples) throw new Error(`memorisation: original covers ${original.length} examples, leave-out ${examples}`);
  if (held) ensembleShape("memorisation: leave-out masks", held, models);
  const out = new Float64Array(examples);
  for (let i = 0; i < examples; i++) {
    let s = 0, n = 0;
    for (let m = 0; m < models; m++) {
      if (held && !held[m][i]) continue;
      s += leaveOut[m][i];
      n++;
    }
    out[i] = n > 0 ? original[i] - s / n : NaN;
  }
  return out;
}

/** Positions of `scores` from the highest to the lowest; NaN last; equal scores keep their order. */
export function rankByMemorization(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  const key = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  return order.sort((a, b) => {
    const na = Number.isNaN(scores[a]), nb = Number.isNaN(scores[b]);
    if (na !== nb) return na ? 1 : -1;
    return key(b) - key(a) || a - b;
  });
}

/**
 * The `size` most memorised candidates as a forget set: `candidates[i]` is the data-set index scored by
 * `scores[i]` (e.g. the train split's indices); returns those indices, sorted ascending as the kit's
 * index lists are. Examples without a score are never chosen.
 */
export function worstCaseForgetSet(scores: ArrayLike<number>, candidates: ArrayLike<number>, size: number): Int32Array {
  if (scores.length !== candidates.length) {
    throw new Error(`worst-case forget set: ${scores.length} scores for ${candidates.length} candidates`);
  }
  const scored = Array.from(scores).filter((v) => !Number.isNaN(v)).length;
  if (!Number.isInteger(size) || size < 1 || size > scored) {
    throw new KitError(
      `must be a whole number from 1 to ${scored} (the candidates with a memorisation score), got ${size}`,
      "forget set size",
    );
  }
  const ranking = rankByMemorization(scores);
  return Int32Array.from(ranking.subarray(0, size), (i) => candidates[i]).sort();
}
