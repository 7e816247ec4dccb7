#!/usr/bin/env bash
# ./kit notebook: the kit's notebooks in the classic Notebook (Debian's jupyter-notebook 6.4), on this
# machine only (127.0.0.1), with this checkout's Deno kernel.
#   ./kit notebook [--port N] [--quick] [--no-trust]
#     --port N     listen on N (default: 8888, or the next free port after it)
#     --quick      kernels run in quick mode (UNLEARN_QUICK=1: small subsets, one seed, results in tmp/)
#     --no-trust   do not sign the working copies (figures then show as static images, not interactive)
# The server shows working copies in scratch/notebooks/ (made from notebooks/ when missing; yours are kept),
# never the committed notebooks: saving and autosave write the copies only. Kernels start in notebooks/, so
# the notebooks' `../lib/` imports resolve; what they run writes into scratch/ or tmp/, never results/.
# The URL is printed once the server listens. Ctrl-C, SIGTERM or SIGHUP (closing the terminal) stop the
# server and its kernels; kernels a hard-killed server leaves behind are ended too.
# Installs what is missing first (scripts/setup.sh --data --notebooks --figures), which also writes the
# kernelspec .jupyter/kernels/deno; JUPYTER_PATH=<checkout>/.jupyter makes the server use it, so two
# checkouts on one machine each run their own Deno and code.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
port=""
trust=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --quick) export UNLEARN_QUICK=1; shift ;;
    --no-trust) trust=0; shift ;;
    *) echo "kit notebook: unknown option $1 (valid: --port N, --quick, --no-trust)" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) [ -z "$port" ] || { echo "kit notebook: --port wants a number, got '$port'" >&2; exit 2; } ;; esac

say() { echo "[notebook] $*" >&2; }

[ "${KIT_NOTEBOOK_NO_SETUP:-}" = 1 ] || bash scripts/setup.sh --data --notebooks --figures
export JUPYTER_PATH="$root/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export NO_COLOR=1

# Working copies: the committed notebooks are never served.
work="${KIT_NOTEBOOK_WORK:-$root/scratch/notebooks}" # (tests give their own folder)
mkdir -p "$work"
for nb in notebooks/*.ipynb; do
  copy="$work/$(basename "$nb")"
  if [ ! -e "$copy" ]; then
    cp "$nb" "$copy"
  elif ! cmp -s "$nb" "$copy" && [ "$nb" -nt "$copy" ]; then
    say "kept your working copy scratch/notebooks/$(basename "$nb"); the committed one is newer (delete the copy to start from it)"
  fi
done
# plotly.js for trusted figures is looked up under the served folder's node_modules/ (lib/report/figure_html.ts).
[ -e "$work/node_modules" ] || ln -s "$root/node_modules" "$work/node_modules"

if [ "$trust" = 1 ]; then
  # Debian's Jupyter has no `jupyter trust`: sign with nbformat's notary, as the server would on save.
  # The signatures go to the user's Jupyter data folder (nbsignatures.db), which the server reads.
  /usr/bin/python3 - "$work"/*.ipynb <<'PY'
import sys
import nbformat
from nbformat.sign import NotebookNotary

notary = NotebookNotary()
for path in sys.argv[1:]:
    notary.sign(nbformat.read(path, as_version=4))
print(f"[notebook] trusted {len(sys.argv) - 1} working copies (signatures in {notary.db_file})", file=sys.stderr)
PY
fi

token="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))')"
# The server binds the port itself: a given port must be free (no retries); otherwise 8888 or the next free one.
if [ -n "$port" ]; then retries=0; else port=8888; retries=50; fi
args=(--no-browser --ip=127.0.0.1 --port="$port" --port-retries="$retries" --notebook-dir="$work"
  --MappingKernelManager.root_dir="$root/notebooks")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)
log="$work/.server-$$.log"
rel_log="${log#"$root"/}"
say "Deno kernel: $root/.jupyter/kernels/deno (kernel name \"deno\", $root/node_modules/.bin/deno)"
if [ "${UNLEARN_QUICK:-}" = 1 ]; then say "quick mode: results go to tmp/notebooks/ (scratch/ with a parameter file)"; fi
# The token goes through the environment, not the command line (which other users could read with ps).
JUPYTER_TOKEN="$token" jupyter-notebook "${args[@]}" >"$log" 2>&1 &
server=$!
stop() { kill -TERM "$server" 2>/dev/null || true; }
trap stop HUP TERM INT

# Print the URL only once the server listens on it.
url=""
while kill -0 "$server" 2>/dev/null; do
  bound=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -1 || true)
  if [ -n "$bound" ] && /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" \
    "$(echo "$bound" | sed -E 's/.*:([0-9]+)\/$/\1/')" 2>/dev/null; then
    url="${bound}tree?token=$token"
    break
  fi
  sleep 0.2
done
if [ -z "$url" ]; then
  wait "$server" || rc=$?
  cat "$log" >&2
  say "the server did not start (rc ${rc:-0}; port $port$([ "$retries" = 0 ] && echo ' was asked for and is taken?'))"
  rm -f "$log"
  exit "${rc:-1}"
fi
say "working copies: ${work#"$root"/}/ (the committed notebooks/ are not served); server log: $rel_log"
say "open  $url"
say "stop with Ctrl-C"

# Wait for the server. Kernels carry JPY_PARENT_PID=<server> (jupyter_client): any a hard-killed server
# leaves behind are found by it and ended.
while kill -0 "$server" 2>/dev/null; do
  sleep 1 &
  wait $! 2>/dev/null || true
done
rc=0
wait "$server" 2>/dev/null || rc=$?
for p in /proc/[0-9]*; do
  tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qx "JPY_PARENT_PID=$server" || continue
  tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -- '--kernel' || continue
  say "ending kernel ${p#/proc/} left by the server"
  kill -TERM "${p#/proc/}" 2>/dev/null || true
done
rm -f "$log"
say "stopped"
exit "$rc"
