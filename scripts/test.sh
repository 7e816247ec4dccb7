#!/usr/bin/env bash
# The kit's whole test suite: type-check, lint, unit tests, then every notebook executed headless in
# quick mode. Prints one plain summary line at the end, "N passed, N failed", counting each unit test,
# the type-check, the lint and each notebook once. Exit status 0 only if nothing failed.
#   scripts/test.sh [--no-notebooks] [deno test filter args…]
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1 UNLEARN_QUICK=1
deno=node_modules/.bin/deno
passed=0
failed=0
notebooks=1
if [ "${1:-}" = "--no-notebooks" ]; then notebooks=0; shift; fi
log=$(mktemp -d)

step() { # name, command…
  local name="$1"; shift
  if "$@" >"$log/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; tail -40 "$log/$name.log"
  fi
}

mapfile -t entry < <(ls ./*.ts 2>/dev/null)
step typecheck $deno check lib/ tests/ bench/ scripts/ "${entry[@]}"
step lint $deno lint lib/ tests/ bench/ scripts/ "${entry[@]}"

$deno test -A --parallel tests/ "$@" 2>&1 | tee "$log/unit.log" | grep -E "^(ok|FAILED) \||\.\.\. (FAILED|ignored)|^ERRORS" || true
summary=$(grep -E "^(ok|FAILED) \| [0-9]+ passed" "$log/unit.log" | tail -1)
if [ -n "$summary" ]; then
  p=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) passed.*/\1/')
  f=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" -gt 0 ] && sed -n '/^ ERRORS/,$p' "$log/unit.log" | head -80
else
  failed=$((failed + 1)); echo "FAIL unit tests did not report a summary"; tail -40 "$log/unit.log"
fi

if [ "$notebooks" = 1 ]; then
  for nb in notebooks/*.ipynb; do
    [ -e "$nb" ] || continue
    step "notebook:$(basename "$nb" .ipynb)" jupyter nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=deno --ExecutePreprocessor.timeout=1200 \
      --output-dir "$log/executed" "$nb"
  done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
