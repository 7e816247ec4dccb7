#!/usr/bin/env bash
# ./kit notebook: the kit's notebooks in the classic Notebook (Debian's jupyter-notebook 6.4), on this
# machine only (127.0.0.1), with this checkout's Deno kernel.
#   ./kit notebook [--port N] [--quick] [--no-trust]
#     --port N     listen on N (default 8888, or a free port if 8888 is taken)
#     --quick      kernels run in quick mode (UNLEARN_QUICK=1: small subsets, one seed, results in tmp/)
#     --no-trust   do not sign the kit's notebooks (figures then show as static images, not interactive)
# Installs what is missing first (scripts/setup.sh --data --notebooks --figures), which also writes the
# kernelspec .jupyter/kernels/deno; JUPYTER_PATH=<checkout>/.jupyter makes the server use it, so two
# checkouts on one machine each run their own Deno and code. Stop the server with Ctrl-C.
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

bash scripts/setup.sh --data --notebooks --figures
export JUPYTER_PATH="$root/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export NO_COLOR=1

if [ "$trust" = 1 ]; then
  # Debian's Jupyter has no `jupyter trust`: sign with nbformat's notary, as the server would on save.
  # The signatures go to the user's Jupyter data folder (nbsignatures.db), which the server reads.
  /usr/bin/python3 - notebooks/*.ipynb <<'PY'
import sys
import nbformat
from nbformat.sign import NotebookNotary

notary = NotebookNotary()
for path in sys.argv[1:]:
    notary.sign(nbformat.read(path, as_version=4))
print(f"[notebook] trusted {len(sys.argv) - 1} notebooks (signatures in {notary.db_file})", file=sys.stderr)
PY
fi

free_port() { # $1: preferred port; prints it if free, else one the OS picks
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys
for want in (int(sys.argv[1]), 0):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", want))
        print(s.getsockname()[1])
        break
    except OSError:
        continue
    finally:
        s.close()
PY
}
if [ -z "$port" ]; then port="$(free_port 8888)"; fi
token="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))')"

args=(--no-browser --ip=127.0.0.1 --port="$port" --port-retries=0 --notebook-dir="$root")
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)
say "Deno kernel: $root/.jupyter/kernels/deno (kernel name \"deno\", $root/node_modules/.bin/deno)"
[ "${UNLEARN_QUICK:-}" = 1 ] && say "quick mode: results go to tmp/notebooks/"
say "open  http://127.0.0.1:$port/tree/notebooks?token=$token"
say "stop with Ctrl-C"
# The token goes through the environment, not the command line (which other users could read with ps).
JUPYTER_TOKEN="$token" exec jupyter-notebook "${args[@]}"
