#!/usr/bin/env bash
# ./kit main: the main job (class-wise, random and group forgetting on Fashion-MNIST; Retrain, FT, GA, UGradSL,
# UGradSL+) run again into a scratch folder, then compared with the committed records in results/main by
# configuration hash + seed. The job is evidence v2's design, the one results/main holds (lib/experiment/design.ts):
# 20 seeds a paradigm, the forgotten class cycling with the seed, selections R, C and C5.
#   ./kit main [--committed] [--no-compare] [--five-seeds] [unlearn flags…]
#     --committed    only print the committed table (results/main), nothing run
#     --no-compare   skip the comparison
#     --five-seeds   evidence v1's job instead (5 seeds, selections R and C; its records are in results/v1's
#                    commit, not in results/main, so the comparison finds none of them)
#     unlearn flags  override the job's: --out (default scratch/main), --cache, --paradigm, --seeds,
#                    --methods, --rerun, … (deno task unlearn --help); the design's units narrow the same way
#                    (--paradigm classwise --seeds 3: its first three class-wise units)
# Original models come from the cache (data/cache); finished runs in --out are read back (--rerun recomputes).
# results/main is written only by the evidence pass (UNLEARN_EVIDENCE=1, scripts/evidence.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
deno=node_modules/.bin/deno
committed=results/main
out=scratch/main
compare=1
design=v2
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --committed) exec $deno run -A cli/table.ts "$committed" --no-write ;;
    --no-compare) compare=0; shift ;;
    --out) out="${2:?--out needs a folder}"; pass+=("$1" "$2"); shift 2 ;;
    --out=*) out="${1#--out=}"; pass+=("$1"); shift ;;
    --five-seeds) design=""; shift ;;
    --design) design="${2:?--design needs a name}"; shift 2 ;;
    --design=*) design="${1#--design=}"; shift ;;
    *) pass+=("$1"); shift ;;
  esac
done
# results/ is the evidence: only the evidence pass writes it.
abs_out="$(realpath -m "$out")"
if [[ "$abs_out/" == "$(pwd)/results/"* ]] && [ "${UNLEARN_EVIDENCE:-}" != 1 ]; then
  echo "error: --out: $out is under results/, which only the evidence pass writes (scripts/evidence.sh sets UNLEARN_EVIDENCE=1); give a folder elsewhere, e.g. scratch/main" >&2
  exit 2
fi
if [ "$abs_out" = "$(pwd)/results/main" ]; then
  echo "[main] the main job into $out/ (the evidence pass; originals from the cache)" >&2
else
  echo "[main] the main job into $out/ (originals from the cache; results/main is not touched)" >&2
fi
# The design gives the paradigms, methods, selections and seeds; --five-seeds: v1's job.
job=(--design "$design")
[ -z "$design" ] && job=(--paradigm classwise,random,group --methods retrain,ft,ga,ugradsl,ugradsl+ --selection-name R,C --seeds 5)
# --keep-end-states: notebooks 09 and 11 ask these runs for more metrics; their kept end states (1.0 MiB a run,
# lib/experiment/end_state.ts) are measured instead of trained again.
$deno run -A cli/unlearn.ts --dataset fashion-mnist --model mlp "${job[@]}" --keep-end-states --out "$out" "${pass[@]}"
if [ "$compare" = 1 ] && [ "$abs_out" != "$(realpath -m "$committed")" ]; then
  echo "[main] this run against the committed records ($committed), by configuration hash + seed:" >&2
  $deno run -A cli/compare.ts "$out" "$committed"
fi
