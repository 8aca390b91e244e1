#!/usr/bin/env bash
# bench/proxy-cost.sh - proxy cost of the Gatehouse data path next to nginx proxy_pass, the
# minimal node:http + undici proxy and @fastify/http-proxy, with ../shared/bench/run.sh's
# harness (one core for the proxy, wrk and the upstream on the other; see its README).
# For now the gateway row is bench/proxy-standalone.ts (the proxy handler alone, one route);
# the full gateway (1 worker, route through the Admin API) replaces it when the cluster lands.
# Env: everything run.sh takes (DURATION, ROUNDS, ...); HARNESS=path to run.sh.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench/run.sh}
cd "$ROOT"
npx tsc -p . >/dev/null
GW_CMD=${GW_CMD:-"node $ROOT/dist/bench/proxy-standalone.js"} \
GW_URL=${GW_URL:-http://127.0.0.1:9080/} \
ONLY=${ONLY:-"nginx undici-proxy fastify-http-proxy gateway"} \
  bash "$HARNESS"
