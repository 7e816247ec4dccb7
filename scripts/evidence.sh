#!/usr/bin/env bash
# The evidence recomputation (docs/evidence.md): every committed table from one pass on the final code.
#   1. fair searches of every method (same budget, same ranges for shared knobs, 3 search tasks per
#      paradigm apart from the evaluation seeds), and their selections R and C;
#   2. the main job (5 seeds, both selections; design v2: its units and selections R, C, C5), then under
#      design v2 the protocol's other families;
#   3. every notebook executed in full mode (they read back the runs the main job already made), in lanes
#      side by side; under design v2 then the second scale (the full training set);
#   4. the same searches of the core methods with every learning-rate range a decade lower and higher, and
#      the main job's runs from the selections they give (the sensitivity of each verdict to the search itself);
#   5. the figures and the scoreboard of the paper's claims.
# Steps run in that order (what every verdict needs first; the shifted searches, outside v2's protocol, last).
# Every step resumes: a run whose record exists is read back, so an interrupted pass continues where it
# stopped. Progress and timings go to results/evidence-log.txt; each step's time, the load while it ran and
# the sum go to results/bench/reproduction.json (deno task budget; printed at the end). It is the only writer of results/main and
# results/notebooks: it sets UNLEARN_EVIDENCE=1 for the main job and the notebooks (lib/notebook.ts).
#   bash scripts/evidence.sh [step…]      steps: search main families notebooks full shifted sensitivity report
#                                         (default: all; families and full, v2's, only under DESIGN=v2);
#                                         budget: print the budget of the pass so far
#   EVIDENCE_LOG, EVIDENCE_STEPS, REPRODUCTION, EVIDENCE_TMP: other files for the log, the attempts, the budget and
#   the pass's scratch (an attempt killed with its session is recorded from its load samples on the next start);
#   SEARCH_DIR: another folder for the searches; MAIN_OUT: for the main job (default results/main); SENSITIVITY_OUT:
#   for the sensitivity runs (default results/sensitivity);
#   DESIGN=v2: the evidence-v2 design; BUDGET, SHARDS: below
set -euo pipefail
cd "$(dirname "$0")/.."
deno=node_modules/.bin/deno
export NO_COLOR=1
# The Deno kernel of this checkout (.jupyter/kernels/deno, written by scripts/setup.sh --notebooks).
export JUPYTER_PATH="$PWD/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
# Points per method: "rule" (10 per searched dimension, at least 20: lib/search/rules.ts) or a number for all.
BUDGET=${BUDGET:-rule}
CORE=ft,ga,ugradsl,ugradsl+
# DESIGN=v2: the evidence-v2 design (lib/experiment/design.ts: 20 units a paradigm, search seeds apart, under
# results/protocol.json) for the Fashion-MNIST searches, the main job and the sensitivity runs; unset: five seeds.
DESIGN=${DESIGN:-}
DESIGN_FLAGS=()
[ -n "$DESIGN" ] && DESIGN_FLAGS=(--design "$DESIGN")
FASHION=(--dataset fashion-mnist --model mlp)
# The bag-of-embeddings originals train at lr 1.0 (lib/experiment/presets.ts): its searches shift every
# learning-rate range a decade up, the same for every method.
DEBIAN=(--dataset debian-corpus --model bag-of-embeddings --paradigm identity)
LOG=${EVIDENCE_LOG:-results/evidence-log.txt}
REPRODUCTION=${REPRODUCTION:-results/bench/reproduction.json}
steps=("$@")
# The full-scale line (step "full") belongs to design v2's protocol; it runs by default only under DESIGN=v2.
if [ ${#steps[@]} -eq 0 ]; then
  steps=(search main notebooks shifted sensitivity report)
  [ -n "$DESIGN" ] && steps=(search main families notebooks full shifted sensitivity report)
fi

log() { echo "[$(date -u +%FT%TZ)] $*" | tee -a "$LOG" >&2; }
# The budget (lib/report/budget.ts): every finished attempt of a step is a line of $STEPS with its wall
# seconds and the 1-minute load average sampled every $LOAD_EVERY s while it ran; after each step
# results/bench/reproduction.json is rewritten (the attempts of a step summed: a resumed step adds the time
# it took to finish). BUDGET_RESET=1 starts a new budget (a new pass); otherwise a rerun resumes this one.
# Scratch of the pass (logs, load samples, the notebook queue): EVIDENCE_TMP. The attempts file is committed
# (results/bench/evidence-steps.jsonl): a pass spans sessions, and a new checkout has no scratch. Before a
# session ends, stop the pass and run `bash scripts/evidence.sh budget`: the killed attempt is recorded from
# its load samples (scratch) into the attempts file, to commit with the step's records.
WORK=${EVIDENCE_TMP:-tmp/evidence}
STEPS=${EVIDENCE_STEPS:-results/bench/evidence-steps.jsonl}
LOAD_EVERY=${LOAD_EVERY:-5}
SCALE=standard
LAYOUT=""
WITHIN=""
timed() { # label, command…
  local label="$1"; shift
  local t0 started loadfile sampler rc=0
  t0=$(date +%s%N); started=$(date -u +%FT%TZ)
  loadfile=$(mktemp "$WORK/load.XXXXXX")
  # What recover_interrupted needs should this attempt be killed (a session's end): fields split by \x1f.
  printf '%s\x1f%s\x1f%s\x1f%s\x1f%s\n' "$label" "$SCALE" "$started" "$LAYOUT" "$WITHIN" >"$loadfile.meta"
  ( while :; do cut -d' ' -f1 /proc/loadavg >>"$loadfile"; sleep "$LOAD_EVERY"; done ) &
  sampler=$!
  log "start $label"
  "$@" || rc=$?
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  local ms seconds; ms=$(( ($(date +%s%N) - t0) / 1000000 )); seconds=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
  [ "$rc" = 0 ] || { log "FAILED $label after $seconds s (exit $rc)"; rm -f "$loadfile" "$loadfile.meta"; return "$rc"; }
  log "done  $label in ${seconds%.*} s"
  $deno task budget step "$label" "$seconds" --steps "$STEPS" --load "$loadfile" --scale "$SCALE" \
    --started "$started" ${LAYOUT:+--layout "$LAYOUT"} ${WITHIN:+--within "$WITHIN"}
  rm -f "$loadfile" "$loadfile.meta"
  budget_write >/dev/null
}
# Attempts that a killed pass left behind (its session ended mid-step: no line in $STEPS) still took their time:
# each is recorded from its load samples, one every $LOAD_EVERY s, so the budget sums every attempt of a step.
recover_interrupted() {
  local meta loadfile label scale started layout within samples
  for meta in "$WORK"/load.*.meta; do
    [ -e "$meta" ] || continue
    loadfile=${meta%.meta}
    IFS=$'\x1f' read -r label scale started layout within <"$meta"
    samples=$(wc -l <"$loadfile" 2>/dev/null || echo 0)
    if [ "$samples" -gt 0 ]; then
      log "an interrupted attempt of $label: about $((samples * LOAD_EVERY)) s (its load samples), recorded"
      $deno task budget step "$label" "$((samples * LOAD_EVERY))" --steps "$STEPS" --load "$loadfile" --scale "$scale" \
        --started "$started" ${layout:+--layout "$layout"} ${within:+--within "$within"} >/dev/null
    fi
    rm -f "$meta" "$loadfile"
  done
}
design() { # what this pass runs, for the budget
  printf '{"searchBudget":"%s","design":"%s","shards":%s,"steps":"%s"}' "$BUDGET" "${DESIGN:-five seeds}" "$SHARDS" "${steps[*]}"
}
budget_write() { $deno task budget write --steps "$STEPS" --design "$(design)" --out "$REPRODUCTION"; }
want() { printf '%s\n' "${steps[@]}" | grep -qx "$1"; }

# Searches run as $SHARDS shard processes side by side (one thread of native kernels each), then merge; while
# the merge plans a round of widened ranges (a choice on a range's edge), every shard runs that round, and merge
# again (deno task search pending: the round to run, exit 1 when none).
SHARDS=${SHARDS:-$(nproc)}
SEARCH_DIR=${SEARCH_DIR:-results/search}
search_round() { # name, round, extra flags…
  local name="$1" round="$2"; shift 2
  local pids=() k pid failed=0
  for ((k = 0; k < SHARDS; k++)); do
    UNLEARN_THREADS=1 $deno task search --budget "$BUDGET" --no-progress --name "$name" --out "$SEARCH_DIR/$name" \
      --shard "$k/$SHARDS" --round "$round" "$@" >>"$WORK/search-$(echo "$name" | tr / -)-shard$k.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { log "a shard of $name (round $round) failed: see $WORK/search-*-shard*.log"; return 1; }
  $deno task search merge "$SEARCH_DIR/$name" || return 1
}
search_shards() { # name, extra flags…
  local name="$1"; shift
  local round=0 dir="$SEARCH_DIR/$name"
  # A search merged earlier resumes at the round it planned, or is done: its rounds are not run again. (A run
  # resumes by configuration hash, which holds the code's numerics fingerprint: on changed code, a finished
  # round would run every point again. Each record keeps the fingerprint it ran on; remove the folder to redo it.)
  if [ -f "$dir/best.json" ] && grep -q '"complete": true' "$dir/best.json"; then
    log "search $name: complete (merged earlier, $dir/best.json): not run again"
    return 0
  fi
  # Explicit returns: this runs as `timed … || rc=$?`, where bash ignores set -e inside functions.
  if $deno task search pending "$dir" >/dev/null 2>&1; then
    log "search $name: merged earlier, resumes at its planned round"
  else
    search_round "$name" 0 "$@" || return 1
  fi
  while round=$($deno task search pending "$SEARCH_DIR/$name" 2>/dev/null); do
    log "search $name: round $round of widened ranges"
    search_round "$name" "$round" "$@" || return 1
  done
}
search() { # name, extra flags…
  local name="$1"; shift
  LAYOUT="$SHARDS shards × 1 thread" timed "search $name" search_shards "$name" "$@"
}

# Every step from the main job on runs on one code, the one $MAIN_OUT's records were made on (the numerics fingerprint
# each record names, lib/experiment/fingerprint.ts): on other code a step would neither read those runs back nor
# match them, so the pass stops and says so. The searches may run on earlier code (their records feed the
# selections, each naming its own fingerprint; results/evidence-log.txt says which ran on which).
MAIN_OUT=${MAIN_OUT:-results/main}
SENSITIVITY_OUT=${SENSITIVITY_OUT:-results/sensitivity}
code_fingerprint() {
  $deno eval 'const { numericsFingerprint } = await import("./lib/experiment/fingerprint.ts"); console.log(await numericsFingerprint("run"));'
}
fingerprints_in() { # a records file or a folder: the numerics fingerprints its records (any depth) were made on, comma-separated
  [ -e "$1" ] || return 0
  find "$1" -name records.jsonl -exec grep -ho '"numerics":"[0-9a-f]*"' {} + 2>/dev/null | sort -u | cut -d'"' -f4 | paste -sd, - || true
}
same_code_as_main() { # step, the step's own output folders…
  local step="$1" now made dir
  shift
  now=$(code_fingerprint) || { log "stop: cannot compute this code's numerics fingerprint"; exit 1; }
  made=$(fingerprints_in "$MAIN_OUT/records.jsonl")
  log "step $step on numerics fingerprint $now"
  if [ -n "$made" ] && [ "$made" != "$now" ]; then
    log "stop: $MAIN_OUT was made on numerics fingerprint $made and this code's is $now: step $step would neither read its runs back nor match them (check out the code the main job ran on, or run the main job again into an empty $MAIN_OUT)"
    exit 1
  fi
  # A step's own folders must not hold an earlier pass's records (other code): this pass's would join them.
  for dir in "$@"; do
    made=$(fingerprints_in "$dir")
    if [ -n "$made" ] && [ "$made" != "$now" ]; then
      log "stop: $dir holds records made on numerics fingerprint $made (an earlier pass's) and this code's is $now: step $step would mix them with its own (remove them, e.g. git rm -r $dir: they stay in history, and run again)"
      exit 1
    fi
  done
}

mkdir -p results "$WORK" results/bench
[ "${BUDGET_RESET:-0}" = 1 ] && rm -f "$STEPS" "$WORK"/load.*
touch "$STEPS"
recover_interrupted
# The notebooks' and the report's figures carry static images drawn by plotly.js in headless Chromium; without one the
# kit falls back to its own SVG (lib/report/display.ts), fine for a quick look but not for the committed pass:
# without one, stop before any work.
if want notebooks || want report; then
  if ! $deno eval 'const { chromiumPath } = await import("./lib/env.ts"); if (!chromiumPath()) Deno.exit(1);'; then
    log "stop: steps notebooks and report draw their figures in headless Chromium and none is found: install it (bash scripts/setup.sh --figures) or name one (UNLEARN_CHROMIUM)"
    exit 1
  fi
fi
log "evidence pass: steps ${steps[*]}; budget $BUDGET; $(nproc) cores; load $(cut -d' ' -f1 /proc/loadavg)"

if want search; then
  for p in classwise random group; do search "fashion-mnist-mlp-$p" "${FASHION[@]}" "${DESIGN_FLAGS[@]}" --paradigm "$p"; done
  # Notebook 07's table holds the core methods only, so only they are searched on the text corpus.
  search debian-corpus-bag-of-embeddings-identity "${DEBIAN[@]}" "${DESIGN_FLAGS[@]}" --methods "$CORE" --lr-shift=1
  timed "select" $deno task search select "$SEARCH_DIR"/fashion-mnist-mlp-{classwise,random,group} \
    "$SEARCH_DIR/debian-corpus-bag-of-embeddings-identity" --selection "$SEARCH_DIR/selection.json"
fi

# The main job and the sensitivity runs: $SHARDS processes of one thread side by side, each a share of the
# tasks, gathered into the folder in task order (deno task unlearn --jobs; the records do not depend on it).
if want main; then
  same_code_as_main main
  # The notebooks' runs of the same configuration are read back, when a notebooks step has made any.
  reuse_notebooks=()
  [ -d results/notebooks ] && reuse_notebooks=(--reuse results/notebooks)
  LAYOUT="$SHARDS jobs × 1 thread" timed "main job" env UNLEARN_EVIDENCE=1 ./kit main "${DESIGN_FLAGS[@]}" --out "$MAIN_OUT" \
    "${reuse_notebooks[@]}" --no-compare --no-progress --jobs "$SHARDS"
fi

# Design v2's families outside the main job, each made by the command the protocol names for it (docs/protocol.md,
# "made by"), into results/v2/<family> (deno task claims-v2 reads results/main, results/v2 and results/full):
# Table 8's variants on random forgetting (families smoothing and mixing) and identity forgetting on the Debian
# corpus side by side, one thread each; then the Streisand metric on the main job's random-forgetting runs, measured
# on their kept end states (./kit main --keep-end-states).
families_side_by_side() {
  local pids=() pid failed=0
  UNLEARN_EVIDENCE=1 UNLEARN_THREADS=1 $deno task ablation table8 --design v2 --paradigm random --out results/v2/table8 --reuse "$MAIN_OUT" \
    --no-progress >>"$WORK/family-table8.log" 2>&1 & pids+=($!)
  UNLEARN_EVIDENCE=1 UNLEARN_THREADS=1 $deno task unlearn "${DEBIAN[@]}" --design v2 --methods "retrain,$CORE" --selection-name R,C \
    --out results/v2/identity --no-progress >>"$WORK/family-identity.log" 2>&1 & pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { log "a family's runs failed: see $WORK/family-*.log"; return 1; }
}
if want families; then
  same_code_as_main families results/v2
  LAYOUT="2 processes × 1 thread" timed "families table8 and identity" families_side_by_side
  LAYOUT="$SHARDS jobs × 1 thread" timed "family streisand" env UNLEARN_EVIDENCE=1 $deno task unlearn "${FASHION[@]}" --design v2 \
    --paradigm random --metrics UA,RA,TA,VA,MIA,AvgGap,Sum,AdditionalMIA,Streisand --out results/v2/streisand \
    --reuse "$MAIN_OUT" --no-progress --jobs "$SHARDS"
fi

# Notebooks in $SHARDS lanes side by side, one thread each: a lane takes the next notebook of one queue,
# longest first by the last pass's times (results/bench/notebook_profile.json, bench/notebook_profile.ts), the
# rest in file order. Each notebook is timed inside the "notebooks" step (held to its own 8-minute target);
# the step's wall time is what the budget sums. Two notebooks that need one original train it once (the
# model cache takes the first writer) and may both compute a run neither has finished: same bits either way.
LONGEST_FIRST=(10 08 07 11 09 05 04 06)
notebook_queue() {
  local id nb
  for id in "${LONGEST_FIRST[@]}"; do ls notebooks/${id}_*.ipynb; done
  for nb in notebooks/0[0-9]_*.ipynb notebooks/1[0-9]_*.ipynb; do
    printf '%s\n' "${LONGEST_FIRST[@]}" | grep -qx "$(basename "$nb" | cut -c1-2)" || echo "$nb"
  done
}
next_notebook() { flock "$QUEUE.lock" bash -c 'head -n 1 "$1"; sed -i 1d "$1"' _ "$QUEUE"; }
notebook_lane() {
  local nb
  while nb=$(next_notebook) && [ -n "$nb" ]; do
    WITHIN=notebooks LAYOUT="lane of $SHARDS, 1 thread" timed "notebook $(basename "$nb")" \
      env UNLEARN_EVIDENCE=1 UNLEARN_THREADS=1 jupyter nbconvert --to notebook --execute --inplace \
      --ExecutePreprocessor.kernel_name=deno --ExecutePreprocessor.timeout=-1 "$nb"
  done
}
notebook_lanes() {
  QUEUE=$WORK/notebook-queue
  notebook_queue >"$QUEUE"
  local pids=() k pid failed=0
  for ((k = 0; k < SHARDS; k++)); do notebook_lane & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || { log "a notebook failed: see $LOG"; return 1; }
}
if want notebooks; then
  same_code_as_main notebooks results/notebooks
  LAYOUT="$SHARDS lanes × 1 thread" timed notebooks notebook_lanes
fi

# The second scale (the protocol's "full set", docs/protocol.md): class-wise and random forgetting on the whole
# 60,000-image training set and the whole test set, the core methods searched on that scale (its own searches and
# selection file: selection files are keyed by data set and model, not by size) and run on FULL_SEEDS units a
# paradigm (design v2's first units: class-wise classes 0 … 9 once at 10). The protocol names the CNN; the MLP
# stands in by default (FULL_MODEL) because the CNN line was projected at 536 min against its 60
# (results/bench/reproduction.json); the scoreboard names the model its records used. Below the protocol's final
# 20 units a look is judged at the interim boundary (docs/protocol.md, Looks).
FULL_MODEL=${FULL_MODEL:-mlp}
FULL_SEEDS=${FULL_SEEDS:-10}
FULL=(--dataset fashion-mnist --model "$FULL_MODEL" --train-size 0 --test-size 0 --design v2)
if want full; then
  same_code_as_main full results/full
  SCALE=full-scale
  full_dirs=()
  for p in classwise random; do
    search "full/fashion-mnist-$FULL_MODEL-$p" "${FULL[@]}" --paradigm "$p" --methods "$CORE"
    full_dirs+=("$SEARCH_DIR/full/fashion-mnist-$FULL_MODEL-$p")
  done
  timed "select full" $deno task search select "${full_dirs[@]}" --selection "$SEARCH_DIR/selection-full.json"
  LAYOUT="$SHARDS jobs × 1 thread" timed "full-scale runs" $deno task unlearn "${FULL[@]}" --paradigm classwise,random \
    --seeds "$FULL_SEEDS" --methods "retrain,$CORE" --selection "$SEARCH_DIR/selection-full.json" --out results/full \
    --no-progress --jobs "$SHARDS"
  SCALE=standard
fi

if want shifted; then
  for shift in -1 1; do
    dirs=()
    for p in classwise random group; do
      search "shifted/lr$shift-fashion-mnist-mlp-$p" "${FASHION[@]}" "${DESIGN_FLAGS[@]}" --paradigm "$p" --methods "$CORE" \
        "--lr-shift=$shift"
      dirs+=("$SEARCH_DIR/shifted/lr$shift-fashion-mnist-mlp-$p")
    done
    timed "select lr$shift" $deno task search select "${dirs[@]}" --selection "$SEARCH_DIR/selection-lr$shift.json"
  done
fi

if want sensitivity; then
  same_code_as_main sensitivity "$SENSITIVITY_OUT"
  for shift in -1 1; do
    # Under a design its units; else the five seeds.
    units=(--paradigm classwise,random,group --seeds 5)
    [ -n "$DESIGN" ] && units=("${DESIGN_FLAGS[@]}")
    LAYOUT="$SHARDS jobs × 1 thread" timed "sensitivity lr$shift" $deno task unlearn "${FASHION[@]}" "${units[@]}" \
      --methods "retrain,$CORE" --selection-name R,C --selection "$SEARCH_DIR/selection-lr$shift.json" \
      --out "$SENSITIVITY_OUT/lr$shift" --reuse "$MAIN_OUT" --no-progress --jobs "$SHARDS"
  done
fi

if want report; then
  timed "figures" $deno task figures
  if [ -n "$DESIGN" ]; then
    # The notebooks' own verdicts (results/claims.json, the book and notebooks/README.md) beside the scoreboard,
    # which under v2 is the protocol's: results/claims.md from deno task claims-v2 (v1's is kept in results/v1/).
    timed "chapters" $deno task claims --markdown results/chapters.md
    timed "claims v2" $deno task claims-v2
  else
    timed "claims" $deno task claims
  fi
  timed "main table" $deno task table results/main
fi
if want budget; then budget_write; exit 0; fi
log "evidence pass finished"
budget_write
