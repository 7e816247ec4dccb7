#!/usr/bin/env bash
# Installs what the kit needs on a Debian machine with Node.js and npm:
#   always        npm packages from package.json (pinned Deno 2.9.6, TensorFlow.js 4.22, …)
#   --data        Debian's dataset-fashion-mnist (the main job's data)
#   --notebooks   Jupyter from Debian (nbconvert, the classic Notebook) and this checkout's Deno kernel
#                 (.jupyter/kernels/deno; used through JUPYTER_PATH=<checkout>/.jupyter)
#   --figures     Debian's Chromium, to render Plotly figures headless (deno task figures, notebook images)
#   --webgpu      Mesa's software Vulkan driver and the Vulkan loader (tests/backend/webgpu_test.ts; optional)
#   --slurm       Slurm and munge (tests/cluster/slurm_test.ts; optional)
#   --bench       Debian's python3-torch, the reference of deno task bench (optional)
# Always (when root): OpenBLAS and oneDNN from Debian for the `native` backend (docs/speed.md); without
# them, or without root, the kit still runs (on wasm) and this script says what to install. Then
# scripts/build_native.sh builds the backend's parallel runner of product blocks (gcc).
# Idempotent: it only installs what is missing. Where it cannot (not root, not Debian), it stops and
# says exactly what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
want_data=0
want_nb=0
want_fig=0
want_webgpu=0
want_slurm=0
want_bench=0
for a in "$@"; do
  case "$a" in
    --data) want_data=1 ;;
    --notebooks) want_nb=1 ;;
    --figures) want_fig=1 ;;
    --webgpu) want_webgpu=1 ;;
    --slurm) want_slurm=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup.sh: unknown flag $a (valid: --data, --notebooks, --figures, --webgpu, --slurm, --bench)" >&2; exit 2 ;;
  esac
done

say() { echo "[setup] $*" >&2; }

if ! command -v npm >/dev/null; then
  say "npm is missing: install Node.js 20+ and npm (Debian: apt-get install nodejs npm)"; exit 1
fi
if [ -L node_modules ] && [ -x node_modules/.bin/deno ]; then
  # A node_modules shared with another checkout (a git worktree's link): `npm ci` here would empty the
  # folder it points to, under every checkout using it. Install in that checkout instead.
  [ package.json -nt node_modules/.package-lock.json ] &&
    say "node_modules is a link to $(readlink node_modules): not running npm here (run it in the checkout that owns it)"
elif [ ! -x node_modules/.bin/deno ] || [ package.json -nt node_modules/.package-lock.json ]; then
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

optional_apt_install() {
  # Like apt_install, for what only some tests need: where it cannot install, it says what to install
  # and carries on (those tests are then skipped with the reason in their name).
  local why="$1"; shift
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null || [ "$(id -u)" -ne 0 ]; then
    say "$why needs: sudo apt-get install -y --no-install-recommends ${missing[*]}   (optional: those tests are skipped without it)"
    return 0
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
      say "could not install ${missing[*]}; $why is skipped"
  }
}

# The native backend's libraries are optional: where they cannot be installed the kit runs on wasm
# (initBackend records why), so this never stops the setup.
optional_apt_install "The native backend (OpenBLAS, oneDNN; several times faster training)" libopenblas0-pthread libdnnl2
# Its parallel runner of matrix-product blocks (optional too: without it the blocks run one after another, same bits).
optional_apt_install "The native backend's parallel runner (gcc)" gcc
scripts/build_native.sh || say "the native products will run their blocks one after another (same bits, slower)"
if [ "$want_bench" = 1 ]; then
  optional_apt_install "The PyTorch reference of deno task bench" python3-torch
fi

if [ "$want_data" = 1 ] && [ -z "${FASHION_MNIST_DIR:-}" ]; then
  apt_install "Fashion-MNIST" dataset-fashion-mnist
fi
if [ "$want_nb" = 1 ]; then
  apt_install "Notebooks (executing, exporting, the classic Notebook)" jupyter-client python3-nbclient python3-nbconvert \
    python3-nbformat python3-ipykernel jupyter-nbconvert jupyter-notebook
  # MathJax 2.7, which nbconvert's HTML and ./kit book typeset math with (a local copy: nothing from a CDN).
  optional_apt_install "Math in ./kit book and nbconvert's HTML" libjs-mathjax
  # The Deno kernel of this checkout, in <checkout>/.jupyter/kernels/deno (ignored by git), found through
  # JUPYTER_PATH, which scripts/test.sh and scripts/notebook.sh set. `deno jupyter --install` would write
  # one per-user kernelspec that points at whichever checkout ran it last; this one points at this
  # checkout's pinned Deno and leaves the per-user one alone. Kernel name "deno", as in the notebooks.
  spec_dir="$(pwd)/.jupyter/kernels/deno"
  spec="$(/usr/bin/python3 - "$(pwd)" <<'PY'
import json, sys
root = sys.argv[1]
print(json.dumps({
    "argv": [root + "/node_modules/.bin/deno", "jupyter", "--kernel", "--conn", "{connection_file}"],
    "display_name": "Deno (unlearn-kit " + root + ")",
    "language": "typescript",
    # Saved outputs without ANSI colour codes.
    "env": {"NO_COLOR": "1"},
}, indent=2))
PY
)"
  if [ "$(cat "$spec_dir/kernel.json" 2>/dev/null)" != "$spec" ]; then
    say "registering the Deno kernel for this checkout (.jupyter/kernels/deno)"
    mkdir -p "$spec_dir"
    # Deno's kernel logos: let `deno jupyter --install` write its kernelspec into a throw-away home.
    tmp_home="$(mktemp -d)"
    if HOME="$tmp_home" XDG_DATA_HOME="$tmp_home" node_modules/.bin/deno jupyter --install --force >/dev/null 2>&1; then
      cp "$tmp_home"/jupyter/kernels/deno/logo-* "$spec_dir"/ 2>/dev/null || true
    fi
    rm -rf "$tmp_home"
    printf '%s\n' "$spec" >"$spec_dir/kernel.json"
  fi
fi
if [ "$want_fig" = 1 ] && [ -z "${UNLEARN_CHROMIUM:-}" ]; then
  apt_install "Rendering figures (headless Chromium)" chromium
fi
if [ "$want_webgpu" = 1 ]; then
  # llvmpipe through Vulkan: the same WGSL shaders a GPU runs, on the CPU (docs/gpu.md).
  optional_apt_install "The WebGPU tests (software adapter)" mesa-vulkan-drivers libvulkan1
fi
if [ "$want_slurm" = 1 ]; then
  optional_apt_install "The Slurm test (a one-node cluster on this machine)" slurm-wlm munge
fi
