#!/usr/bin/env bash
# Instructions per request of one route of bench/plugin-inprocess.ts, main thread and the other
# threads (V8's GC and compiler helpers) apart: callgrind with --separate-threads=yes, counters
# zeroed after the warm-up, dumped after the measured requests. No timing, so no bench lock.
#
#   npx tsc -p . && bash bench/plugin-callgrind.sh <route> [warm-up=4000] [measured=2000]
#
# Prints: route, requests measured, main-thread and other-thread instructions per request.
# NODE_FLAGS adds node flags (a worker's: --min-semi-space-size=32 --max-semi-space-size=32).
# KEEP=1 keeps the callgrind files (for callgrind_annotate) and prints where they are.
set -euo pipefail
route=$1
warm=${2:-4000}
measured=${3:-2000}
dir=$(mktemp -d)
out=$dir/out
mkfifo "$dir/log"
ONLY=$route COUNT=$warm,$measured CONNS=${CONNS:-8} valgrind --tool=callgrind \
  --separate-threads=yes --callgrind-out-file="$dir/cg.%p" \
  node ${NODE_FLAGS:-} dist/bench/plugin-inprocess.js >"$dir/log" 2>"$dir/valgrind.log" &
vg=$!
n=0
while read -r line; do
  case $line in
    warm)
      callgrind_control -z "$vg" >/dev/null 2>&1
      kill -USR2 "$vg"
      ;;
    measured*)
      n=${line#measured }
      callgrind_control -d "$vg" >/dev/null 2>&1
      kill -USR2 "$vg"
      ;;
  esac
done <"$dir/log"
wait "$vg"
# The dump of the measured part has the highest part number; thread 1 is the main thread.
part=$(ls "$dir" | sed -n 's/^cg\.[0-9]*\.\([0-9]*\)-[0-9]*$/\1/p' | sort -n | tail -1)
main=0
other=0
for f in "$dir"/cg.*."$part"-*; do
  ir=$(sed -n 's/^summary: *//p;s/^totals: *//p' "$f" | head -1)
  case $f in
    *-01) main=$((main + ir)) ;;
    *) other=$((other + ir)) ;;
  esac
done
echo "$route requests=$n main/req=$((main / n)) other/req=$((other / n))"
if [ -n "${KEEP:-}" ]; then echo "callgrind files: $dir/cg.*.$part-*"; else rm -rf "$dir"; fi
