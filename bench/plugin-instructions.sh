#!/usr/bin/env bash
# bench/plugin-instructions.sh - instructions per request of bench/plugin-cost.sh's routes, counted
# with callgrind (noise-free, unlike timings on this shared machine; needs no bench lock), in
# bench/plugin-inprocess.ts's set-up (client, gateway and upstream in one process) driven by
# bench/plugin-counted.ts: one route per valgrind run, WARM requests (instrumentation off, so a
# long warm-up is cheap), the counters zeroed, then MEASURED requests, and the counters dumped
# per thread (--separate-threads=yes); the requests flow on through both (a pause there would
# deoptimize node's stream code and count the recompilation as the route's). Printed per route:
# the main thread's instructions per request and the other threads' (V8's compiler and GC
# helpers), and both against /none.
# By default node runs --single-threaded (compiles and GC on the main thread): valgrind runs one
# thread at a time and starves V8's helpers, so with them the compile jobs queued in the warm-up
# finish in the measured window ("took 1624 ms" for writeOrBuffer) and the other threads' count
# is which jobs happened to land there (14k-51k per request for the same route). Single-threaded,
# repeated runs agree within ±0.3k. NODE_FLAGS="" gives the split by thread.
# Env: ROUTES (default "none all key-auth limit-count prometheus"), WARM (100000), MEASURED
# (5000), CONNS (8), NODE_FLAGS (default "--single-threaded"), KEEP (a directory to keep the
# callgrind files in, for callgrind_annotate).
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUTES=${ROUTES:-none all key-auth limit-count prometheus}
WARM=${WARM:-100000}
MEASURED=${MEASURED:-5000}
NODE_FLAGS=${NODE_FLAGS---single-threaded}
export CONNS=${CONNS:-8}
for b in valgrind callgrind_control node; do
  command -v "$b" >/dev/null || { echo "plugin-instructions: missing $b (apt-get install -y valgrind)" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-plugin-instr.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 143' TERM INT

cd "$ROOT"
npx tsc -p . >/dev/null

# Sums the instructions (Ir) of callgrind files.
sum_ir() { awk '/^summary:/ { s += $2 } END { printf "%d", s }' "$@"; }

declare -A main other
printf '%-13s %12s %10s %14s %10s\n' route main/req vs-none other/req vs-none
for route in $ROUTES; do
  rm -f "$TMP"/cg.* "$TMP/out"
  # shellcheck disable=SC2086 # NODE_FLAGS is a list of options
  CALLGRIND=1 valgrind --tool=callgrind --separate-threads=yes --instr-atstart=no --callgrind-out-file="$TMP/cg.%p" \
    node $NODE_FLAGS dist/bench/plugin-counted.js "$route" "$WARM" "$MEASURED" \
    >"$TMP/out" 2>"$TMP/vg.log" || { cat "$TMP/vg.log" >&2; exit 1; }
  pid=$(awk '/^warm/ { print $2 }' "$TMP/out")
  # The dump asked for above is part 1: cg.<pid>.1-01 is the main thread, the rest V8's helpers.
  main[$route]=$(($(sum_ir "$TMP/cg.$pid.1-01") / MEASURED))
  others=("$TMP"/cg."$pid".1-*)
  other[$route]=$((($(sum_ir "${others[@]}") - $(sum_ir "$TMP/cg.$pid.1-01")) / MEASURED))
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$TMP"/cg."$pid".1-* "$KEEP/"; fi
  base_main=${main[none]:-}
  base_other=${other[none]:-}
  printf '%-13s %12d %10s %14d %10s\n' "/$route" "${main[$route]}" \
    "$([ -n "$base_main" ] && printf '%+d' $((main[$route] - base_main)) || echo -)" \
    "${other[$route]}" \
    "$([ -n "$base_other" ] && printf '%+d' $((other[$route] - base_other)) || echo -)"
done
if [ -n "${main[none]:-}" ]; then
  echo
  echo "main thread, /none over route (the share of /none's throughput a core would keep):"
  for route in $ROUTES; do
    awk -v r="$route" -v n="${main[none]}" -v m="${main[$route]}" -v no="${other[none]}" -v o="${other[$route]}" \
      'BEGIN { printf "  /%-12s %5.1f %%   (all threads: %5.1f %%)\n", r, 100 * n / m, 100 * (n + no) / (m + o) }'
  done
fi
