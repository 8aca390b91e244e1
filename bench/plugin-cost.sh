#!/usr/bin/env bash
# bench/plugin-cost.sh - what plugins cost, side by side in one run: the same gateway (1 worker,
# pinned to core 0) serves five routes to one nginx upstream (pinned with wrk to core 1):
#   none         no plugins
#   all          key-auth + limit-count (local, a quota never reached) + prometheus
#   key-auth     key-auth alone
#   limit-count  limit-count (local) alone
#   prometheus   prometheus alone
# Each round measures every route once, in a rotating order, with wrk (keep-alive); the report is
# the median throughput per route and the median of the per-round ratios to `none`, and — robust
# on a shared machine — the worker's CPU time per request (from /proc, user + system) and the
# throughput it implies for a saturated core, as a ratio to `none`, and the primary's share of a
# core (it shares core 0 with the worker: limit-count's lease grants wake it).
# Env: DURATION (s, default 8), ROUNDS (default 5), CONNS (default 32), GW_PORT (19480),
# ROUTES (the routes to measure, default "none all key-auth limit-count prometheus").
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-5}
CONNS=${CONNS:-32}
GW_PORT=${GW_PORT:-19480}
ADMIN_PORT=$((GW_PORT + 1))
CONTROL_PORT=$((GW_PORT + 2))
STATUS_PORT=$((GW_PORT + 3))
METRICS_PORT=$((GW_PORT + 4))
UP_PORT=$((GW_PORT + 5))
KEY=gatehousebenchkeygatehousebenchkey
export PATH=$PATH:/usr/sbin:/sbin
for b in wrk nginx taskset curl node; do
  command -v "$b" >/dev/null || { echo "plugin-cost: missing $b (apt-get install -y wrk nginx util-linux curl)" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-plugin-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

cd "$ROOT"
npx tsc -p . >/dev/null

mkdir -p "$TMP/nginx/logs" "$TMP/conf" "$TMP/data"
cat >"$TMP/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log $TMP/nginx/logs/error.log crit;
pid $TMP/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx; proxy_temp_path $TMP/nginx; fastcgi_temp_path $TMP/nginx;
  uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP_PORT; location / { return 200 "ok\n"; } }
}
NGINX
taskset -c 1 nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
pids+=($!)

cat >"$TMP/conf/config.yaml" <<YAML
apisix:
  node_listen: [{ ip: 127.0.0.1, port: $GW_PORT }]
  control: { ip: 127.0.0.1, port: $CONTROL_PORT }
  status: { ip: 127.0.0.1, port: $STATUS_PORT }
  ssl: { enable: false }
nginx_config: { worker_processes: 1 }
plugin_attr:
  prometheus: { export_addr: { ip: 127.0.0.1, port: $METRICS_PORT } }
deployment:
  admin:
    admin_listen: { ip: 127.0.0.1, port: $ADMIN_PORT }
    admin_key: [{ name: admin, key: $KEY, role: admin }]
gatehouse:
  data_dir: $TMP/data
  pid_file: $TMP/gatehouse.pid
YAML
(cd "$TMP" && GATEHOUSE_LOG_LEVEL=warn exec taskset -c 0 node "$ROOT/bin/gatehouse.js" start -c "$TMP/conf/config.yaml") &
pids+=($!)

admin() {
  curl -sf -o /dev/null -X PUT "http://127.0.0.1:$ADMIN_PORT/apisix/admin/$1?wait_applied=5" \
    -H "X-API-KEY: $KEY" -H 'Content-Type: application/json' -d "$2"
}
for _ in $(seq 1 300); do
  admin consumers '{"username":"bench","plugins":{"key-auth":{"key":"bench-key"}}}' && break
  sleep 0.1
done
UPSTREAM="\"upstream\":{\"type\":\"roundrobin\",\"nodes\":{\"127.0.0.1:$UP_PORT\":1}}"
KA='"key-auth":{}'
LC='"limit-count":{"count":1000000000,"time_window":3600,"rejected_code":503}'
PR='"prometheus":{}'
admin routes/none "{\"uri\":\"/none\",$UPSTREAM}"
admin routes/all "{\"uri\":\"/all\",\"plugins\":{$KA,$LC,$PR},$UPSTREAM}"
admin routes/key-auth "{\"uri\":\"/key-auth\",\"plugins\":{$KA},$UPSTREAM}"
admin routes/limit-count "{\"uri\":\"/limit-count\",\"plugins\":{$LC},$UPSTREAM}"
admin routes/prometheus "{\"uri\":\"/prometheus\",\"plugins\":{$PR},$UPSTREAM}"
for v in none all key-auth limit-count prometheus; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'apikey: bench-key' "http://127.0.0.1:$GW_PORT/$v")
  [[ $code == 200 ]] || { echo "plugin-cost: /$v answered $code" >&2; exit 1; }
done

primary=$(cat "$TMP/gatehouse.pid")
worker=$(pgrep -P "$primary" | head -1)
[[ -n $worker ]] || { echo "plugin-cost: no worker process under $primary" >&2; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

read -r -a VARIANTS <<<"${ROUTES:-none all key-auth limit-count prometheus}"
: >"$TMP/results.tsv"
for ((r = 0; r < ROUNDS; r++)); do
  for ((i = 0; i < ${#VARIANTS[@]}; i++)); do
    v=${VARIANTS[$(((i + r) % ${#VARIANTS[@]}))]}
    before=$(ticks "$worker")
    pbefore=$(ticks "$primary")
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -H 'apikey: bench-key' "http://127.0.0.1:$GW_PORT/$v")
    after=$(ticks "$worker")
    pafter=$(ticks "$primary")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    primary_pct=$(awk -v t=$((pafter - pbefore)) -v hz="$HZ" -v d="$DURATION" 'BEGIN { printf "%.1f", t / hz * 100 / d }')
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$v" "$rps" "$cpu_us" "$primary_pct" >>"$TMP/results.tsv"
    echo "round $((r + 1))/$ROUNDS $v: $rps req/s, worker $cpu_us µs CPU/request, primary $primary_pct % of a core" >&2
  done
done
curl -s "http://127.0.0.1:$METRICS_PORT/apisix/prometheus/metrics" | grep -c '^apisix_http_status' |
  xargs -I{} echo "prometheus export: {} apisix_http_status series" >&2
node "$ROOT/dist/bench/plugin-cost-report.js" "$TMP/results.tsv"
