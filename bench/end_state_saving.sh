#!/usr/bin/env bash
# What kept end states save (lib/experiment/end_state.ts): a one-seed slice of the main job (class-wise and
# random; Retrain, FT, GA, UGradSL, UGradSL+ from selections R and C; the preset's sizes) run with
# --keep-end-states, then asked for notebook 09's metrics (AdditionalMIA, LiRA, Streisand) twice: once with its
# end states kept, once with the same records and cached originals but no end states (the run trains again, as
# before). Both timed under /tmp/bench.lock with the load average, then compared record by record (deno task
# compare: bit for bit by configuration hash + seed).
#   bash bench/end_state_saving.sh [FOLDER]   (default /tmp/end-state-saving; FOLDER/timing.txt holds the times)
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-/tmp/end-state-saving}"
rm -rf "$B" && mkdir -p "$B"
run() {
  UNLEARN_THREADS=1 node_modules/.bin/deno run -A cli/unlearn.ts --dataset fashion-mnist --model mlp --seeds 1 \
    --paradigm classwise,random --methods retrain,ft,ga,ugradsl,ugradsl+ --selection-name R,C --no-progress \
    --out "$1" --cache "$2" --metrics "$3" "${@:4}"
}
M1=UA,RA,TA,VA,MIA,AvgGap,Sum
M2=$M1,AdditionalMIA,LiRA,Streisand
run "$B/kept" "$B/cache" $M1 --keep-end-states >"$B/first.log" 2>&1
cp -r "$B/kept" "$B/retrained"
cp -r "$B/cache" "$B/cache-without" && rm -r "$B/cache-without/end-states"
echo "end states: $(ls "$B/cache/end-states" | wc -l) entries, $(du -sh "$B/cache/end-states" | cut -f1)" >"$B/timing.txt"
timed() {
  local what=$1 s e
  shift
  s=$(date +%s.%N)
  "$@"
  e=$(date +%s.%N)
  echo "$what $(echo "$e - $s" | bc) s, load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$B/timing.txt"
}
exec 9>/tmp/bench.lock
flock 9
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$B/timing.txt"
timed "kept end states:" run "$B/kept" "$B/cache" $M2 >"$B/kept.log" 2>&1
timed "trained again:" run "$B/retrained" "$B/cache-without" $M2 >"$B/retrained.log" 2>&1
flock -u 9
node_modules/.bin/deno run -A cli/compare.ts "$B/kept" "$B/retrained" | tail -2 >>"$B/timing.txt"
cat "$B/timing.txt"
