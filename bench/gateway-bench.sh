#!/usr/bin/env bash
# bench/gateway-bench.sh - the whole gateway as one row of ../shared/bench/run.sh (GW_CMD):
# `gatehouse start` in the foreground with 1 worker (nginx_config.worker_processes: 1) on
# 127.0.0.1:${GW_PORT:-9080}, no plugins, then one route `/*` → $UPSTREAM created through the
# Admin API once it answers. run.sh pins this script (and so the primary and the worker) to the
# proxy core and waits for the first 200 on GW_URL, which comes only once the route exists.
# Env: UPSTREAM (from run.sh), GW_PORT, ADMIN_PORT (9180), CONTROL_PORT (9090), STATUS_PORT (7085),
#      GW_WORKERS (1), NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof: every process).
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UPSTREAM=${UPSTREAM:-http://127.0.0.1:18080}
GW_PORT=${GW_PORT:-9080}
ADMIN_PORT=${ADMIN_PORT:-9180}
CONTROL_PORT=${CONTROL_PORT:-9090}
STATUS_PORT=${STATUS_PORT:-7085}
GW_WORKERS=${GW_WORKERS:-1}
KEY=gatehousebenchkeygatehousebenchkey
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
mkdir -p "$TMP/conf" "$TMP/data"
cat >"$TMP/conf/config.yaml" <<YAML
apisix:
  node_listen: [{ ip: 127.0.0.1, port: $GW_PORT }]
  control: { ip: 127.0.0.1, port: $CONTROL_PORT }
  status: { ip: 127.0.0.1, port: $STATUS_PORT }
  ssl: { enable: false }
nginx_config: { worker_processes: $GW_WORKERS }
plugin_attr: { prometheus: { enable_export_server: false } }
deployment:
  admin:
    admin_listen: { ip: 127.0.0.1, port: $ADMIN_PORT }
    admin_key: [{ name: admin, key: $KEY, role: admin }]
YAML

child=
cleanup() {
  if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

cd "$TMP"
# shellcheck disable=SC2086
GATEHOUSE_LOG_LEVEL=${GATEHOUSE_LOG_LEVEL:-warn} node ${NODE_ARGS:-} "$ROOT/bin/gatehouse.js" start -c "$TMP/conf/config.yaml" &
child=$!

node_addr=${UPSTREAM#http://}
node_addr=${node_addr%/}
for _ in $(seq 1 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://127.0.0.1:$ADMIN_PORT/apisix/admin/routes/bench?wait_applied=5" \
    -H "X-API-KEY: $KEY" -H 'Content-Type: application/json' \
    -d "{\"uri\":\"/*\",\"upstream\":{\"type\":\"roundrobin\",\"nodes\":{\"$node_addr\":1}}}" || true)
  [[ $code == 200 || $code == 201 ]] && break
  kill -0 "$child" 2>/dev/null || exit 1
  sleep 0.1
done
echo "gateway-bench: route created ($code), proxying to $node_addr" >&2
wait "$child"
