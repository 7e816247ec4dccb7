#!/usr/bin/env bash
# Installs what the kit needs on a Debian machine with Node.js and npm:
#   always        npm packages from package.json (pinned Deno 2.9.6, TensorFlow.js 4.22, …)
#   --data        Debian's dataset-fashion-mnist (the main job's data)
#   --notebooks   Jupyter from Debian and the Deno kernel (to execute notebooks headless)
#   --figures     Debian's Chromium, to render Plotly figures headless (deno task figures, notebook images)
#   --bench       Debian's python3-torch, the reference of deno task bench
# Always (when root): OpenBLAS and oneDNN from Debian for the `native` backend (docs/speed.md); without
# them, or without root, the kit still runs (on wasm) and this script says what to install.
# Idempotent: it only installs what is missing. Where it cannot (not root, not Debian), it stops and
# says exactly what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
want_data=0
want_nb=0
want_fig=0
want_bench=0
for a in "$@"; do
  case "$a" in
    --data) want_data=1 ;;
    --notebooks) want_nb=1 ;;
    --figures) want_fig=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup.sh: unknown flag $a (valid: --data, --notebooks, --figures, --bench)" >&2; exit 2 ;;
  esac
done

say() { echo "[setup] $*" >&2; }

if ! command -v npm >/dev/null; then
  say "npm is missing: install Node.js 20+ and npm (Debian: apt-get install nodejs npm)"; exit 1
fi
if [ ! -x node_modules/.bin/deno ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "npm install (Deno, TensorFlow.js, …)"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error >&2; else npm install --no-audit --no-fund --loglevel=error >&2; fi
fi

apt_install() {
  # $1: what it is for; rest: Debian packages
  local why="$1"; shift
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "$why needs the Debian packages: ${missing[*]}. This is not a Debian system: install their equivalents by hand."; exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    say "$why needs: sudo apt-get install -y --no-install-recommends ${missing[*]}   (run it, then retry)"; exit 1
  fi
  say "apt-get install ${missing[*]}"
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

# The native backend's libraries are optional: where they cannot be installed the kit runs on wasm
# (initBackend records why), so this never stops the setup.
native_libs=(libopenblas0-pthread libdnnl2)
missing_native=()
for p in "${native_libs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_native+=("$p"); done
if [ ${#missing_native[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
    apt_install "The native backend (OpenBLAS, oneDNN)" "${missing_native[@]}" ||
      say "could not install ${missing_native[*]}: the kit will run on wasm"
  else
    say "optional, for the native backend (several times faster training): sudo apt-get install -y --no-install-recommends ${missing_native[*]}"
  fi
fi

if [ "$want_bench" = 1 ]; then
  apt_install "The PyTorch reference of deno task bench" python3-torch
fi
if [ "$want_data" = 1 ] && [ -z "${FASHION_MNIST_DIR:-}" ]; then
  apt_install "Fashion-MNIST" dataset-fashion-mnist
fi
if [ "$want_nb" = 1 ]; then
  apt_install "Executing notebooks" jupyter-client python3-nbclient python3-nbconvert python3-ipykernel jupyter-nbconvert
  spec_dir="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/deno"
  deno_bin="$(pwd)/node_modules/.bin/deno"
  if ! grep -qs "$deno_bin" "$spec_dir/kernel.json" 2>/dev/null; then
    say "registering the Deno Jupyter kernel"
    node_modules/.bin/deno jupyter --install --force >/dev/null 2>&1 || node_modules/.bin/deno jupyter --install >&2
    # Saved outputs without ANSI colour codes; the kernel's Deno is the pinned one.
    /usr/bin/python3 - "$spec_dir/kernel.json" "$deno_bin" <<'PY'
import json, sys
path, deno = sys.argv[1], sys.argv[2]
spec = json.load(open(path))
spec["argv"][0] = deno
spec.setdefault("env", {})["NO_COLOR"] = "1"
json.dump(spec, open(path, "w"), indent=2)
PY
  fi
fi
if [ "$want_fig" = 1 ] && [ -z "${UNLEARN_CHROMIUM:-}" ]; then
  apt_install "Rendering figures (headless Chromium)" chromium
fi
