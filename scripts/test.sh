#!/usr/bin/env bash
# The kit's whole test suite: type-check, lint, format check, unit tests, then every notebook executed
# headless in quick mode (into tmp/test/executed/), each one's nbconvert HTML export checked for blank figures
# (tests/browser/check_html.ts), and the browser tests (tests/browser/: nbconvert through the Deno kernel,
# the classic Notebook in headless Chromium). Prints one plain summary line at the end,
# "N passed, N failed", counting each unit test, the type-check, the lint, the format check, each notebook,
# each HTML check and each browser test once. Exit status 0 only if nothing failed.
#   scripts/test.sh [--no-notebooks] [deno test filter args…]   (--no-notebooks: no Jupyter needed)
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1 UNLEARN_QUICK=1
# The checkout's Deno kernel (scripts/setup.sh --notebooks writes .jupyter/kernels/deno), before any other.
export JUPYTER_PATH="$PWD/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
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

step typecheck $deno check lib/ cli/ tests/ bench/ scripts/
step lint $deno lint
step format $deno fmt --check

# deno test, counted test by test: name, deno test args…
deno_tests() {
  local name="$1"; shift
  $deno test "$@" 2>&1 | tee "$log/$name.log" | grep -E "^(ok|FAILED) \||\.\.\. (FAILED|ignored)|^ERRORS" || true
  local summary p f
  summary=$(grep -E "^(ok|FAILED) \| [0-9]+ passed" "$log/$name.log" | tail -1)
  if [ -n "$summary" ]; then
    p=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) passed.*/\1/')
    f=$(echo "$summary" | sed -E 's/.*\| ([0-9]+) failed.*/\1/')
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -gt 0 ] && sed -n '/^ ERRORS/,$p' "$log/$name.log" | head -80
  else
    failed=$((failed + 1)); echo "FAIL $name tests did not report a summary"; tail -40 "$log/$name.log"
  fi
}

deno_tests unit -A --parallel --ignore=tests/browser tests/ "$@"

if [ "$notebooks" = 1 ]; then
  executed=tmp/test/executed
  rm -rf "$executed"; mkdir -p "$executed"
  for nb in notebooks/*.ipynb; do
    [ -e "$nb" ] || continue
    name=$(basename "$nb" .ipynb)
    step "notebook:$name" jupyter nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=deno --ExecutePreprocessor.timeout=1200 \
      --output-dir "$executed" "$nb"
    # Every figure of the HTML export must show (an <img> with drawn SVG, no emptied inline SVG).
    [ -f "$executed/$name.ipynb" ] && step "html:$name" $deno run -A tests/browser/check_html.ts --out tmp/test/html "$executed/$name.ipynb"
  done
  # The browser test opens notebook 04 as executed above (current outputs); without it, it executes one itself.
  if [ -f "$executed/04_classwise.ipynb" ]; then export UNLEARN_BROWSER_NOTEBOOK="$executed/04_classwise.ipynb"; fi
  deno_tests browser -A tests/browser/
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
