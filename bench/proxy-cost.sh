#!/usr/bin/env bash
# bench/proxy-cost.sh - proxy cost of the Gatehouse data path next to nginx proxy_pass, the
# minimal node:http + undici proxy and @fastify/http-proxy, with ../shared/bench/run.sh's
# harness (one core for the proxy, wrk and the upstream on the other; see its README).
# The gateway row is the whole gateway (bench/gateway-bench.sh: `gatehouse start`, 1 worker,
# one route created through the Admin API, no plugins). GW_CMD="node dist/bench/proxy-standalone.js"
# measures the proxy handler alone instead.
# Env: everything run.sh takes (DURATION, ROUNDS, ...); HARNESS=path to run.sh.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench/run.sh}
cd "$ROOT"
npx tsc -p . >/dev/null
GW_CMD=${GW_CMD:-"bash $ROOT/bench/gateway-bench.sh"} \
GW_URL=${GW_URL:-http://127.0.0.1:9080/} \
ONLY=${ONLY:-"nginx undici-proxy fastify-http-proxy gateway"} \
  bash "$HARNESS"
