#!/usr/bin/env bash
# Builds the native backend's parallel runner (lib/backend/native/parallel.c → build/libkit_parallel.so,
# or the path given): a few lines of C that run the fixed blocks of a matrix product on a pool of threads
# (docs/speed.md). Without it the kit runs the same blocks one after another: same bits, slower.
# Needs gcc (Debian: gcc). Rebuilds only when the source is newer than the library.
set -euo pipefail
cd "$(dirname "$0")/.."
src=lib/backend/native/parallel.c
out="${1:-build/libkit_parallel.so}"
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then exit 0; fi
if ! command -v gcc >/dev/null; then
  echo "[build_native] gcc is missing (apt-get install gcc): the native products run their blocks one after another" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
gcc -O3 -ffp-contract=off -shared -fPIC -pthread -Wall -Werror -o "$tmp" "$src" -ldl
mv "$tmp" "$out"
echo "[build_native] built $out" >&2
