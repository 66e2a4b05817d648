#!/usr/bin/env bash
# `make bench-postgres`: the stock service on PostgreSQL, on this machine, in one run:
#   1. reservations/s and p50/p99 over HTTP (wrk, loopback only, DURATION per cell, 64 connections in all)
#      across 10,000 SKUs and on one hot SKU, with 1 and then 3 `replenish serve` processes on one database;
#   2. the store's ceiling as the issue defines it: pgbench, 64 clients, a custom script doing the same
#      guarded UPDATE the ledger does (committed + 1 where sellable − committed ≥ 1), on a copy of that
#      database (`createdb -T`: the same rows, so that pgbench's bare UPDATEs do not touch the ledger that
#      verify then checks) — the ratio HTTP ÷ pgbench is printed;
#   3. `replenish ledger verify` timed on a ledger of 1,000,000 movements (MOVEMENTS): the ledger is topped
#      up with one-unit receipts written by SQL in the shape the ledger writes a receipt (the event, its
#      movement, the position's sellable units) — through the ledger's own calls on this 2-core machine
#      that would take over an hour (about 300 events/s, see above) — and `verify` must find it consistent.
# A throwaway cluster (.ci/postgres-cluster, PostgreSQL's durable defaults: fsync and synchronous_commit
# on) on a Unix socket; servers and cluster are stopped at the end, also on failure.
set -euo pipefail
source "$(dirname "$0")/listening.sh"
BIN=${BIN:-.build/release/replenish}
BENCH=${BENCH:-.build/release/replenish-bench}
DATA=${DATA:-Benchmarks/.data/postgres}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
MOVEMENTS=${MOVEMENTS:-1000000}
mkdir -p "$DATA"
pg=$(mktemp -d /tmp/replenish-bench-pg.XXXXXX)
servers=()
stop_servers() {
  for p in "${servers[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  servers=()
}
trap 'stop_servers; .ci/postgres-cluster stop "$pg"' EXIT
PG_DURABLE=1 .ci/postgres-cluster start "$pg" >/dev/null
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_owner "$bin/createdb" -h "$pg" -U replenish bench
DB="postgres://replenish@/bench?host=$pg"
echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}'), durable defaults, Unix socket; ledger: 10,000 SKUs + HOT at WH1, a billion units each"
"$BENCH" serve-setup --folder "$DATA" --skus 10000 --db "$DB"
KEY=$(cat "$DATA/key")

start_servers() {
  for i in $(seq 1 "$1"); do
    "$BIN" serve --db "$DB" --port 0 --rate-limit 0 > "$DATA/serve$i.out" 2> "$DATA/serve$i.err" &
    servers+=($!)
  done
  ports=()
  for i in $(seq 1 "$1"); do
    url=$(wait_listening "$DATA/serve$i.out")
    [ -n "$url" ] || { echo "server $i did not start: $(cat "$DATA/serve$i.err")"; exit 1; }
    ports+=("${url##*:}")
  done
}

# One cell: CONNECTIONS split over the servers, one wrk per server at once; reservations/s summed, p50 and
# p99 the highest of the wrk processes' (each is one server's clients).
total=0
cell() {
  local target=$1 n=${#ports[@]} skus=10000
  [ "$target" = hot ] && skus=0
  local per=$(( CONNECTIONS / n )) outs=()
  for i in "${!ports[@]}"; do
    SKUS=$skus RUN="$target$n-$i" KEY="$KEY" wrk -t1 -c$per -d"$DURATION" --timeout 10s -s Benchmarks/serve/reserve.lua "http://127.0.0.1:${ports[$i]}" \
      > "$DATA/wrk$i.out" &
    outs+=($!)
  done
  for p in "${outs[@]}"; do wait "$p"; done
  local rps=0 p50=0 p99=0 created=0 other=0 errors=0
  for i in "${!ports[@]}"; do
    eval "$(grep RESULT "$DATA/wrk$i.out" | sed 's/^RESULT //')"
    rps_sum=$(awk -v a="${rps_sum:-0}" -v b="$rps" 'BEGIN { print a + b }')
    p50_max=$(awk -v a="${p50_max:-0}" -v b="$p50_ms" 'BEGIN { print (b > a ? b : a) }')
    p99_max=$(awk -v a="${p99_max:-0}" -v b="$p99_ms" 'BEGIN { print (b > a ? b : a) }')
    c_sum=$(( ${c_sum:-0} + created )); o_sum=$(( ${o_sum:-0} + other )); e_sum=$(( ${e_sum:-0} + server_errors ))
  done
  printf '%-8s %7d %5d %10.0f %9.2f %9.2f %8d %7d %5d\n' "$target" "$n" "$CONNECTIONS" "$rps_sum" "$p50_max" "$p99_max" "$c_sum" "$o_sum" "$e_sum"
  eval "rate_${target}_$n=$rps_sum"
  total=$(( total + c_sum ))
  unset rps_sum p50_max p99_max c_sum o_sum e_sum
}

echo "== replenish serve (release, default flags but --rate-limit 0) on that database; wrk $DURATION per cell, $CONNECTIONS connections in all"
printf '%-8s %7s %5s %10s %9s %9s %8s %7s %5s\n' target servers conns "reserv/s" "p50 ms" "p99 ms" created other 5xx
for n in 1 3; do
  start_servers "$n"
  cell across
  cell hot
  stop_servers
done

echo
"$BIN" ledger verify --db "$DB" | tail -1
committed=$("$BIN" ledger atp --db "$DB" --format csv | awk -F, 'NR > 1 { s += $5 } END { print s + 0 }')
# wrk stops a cell with requests in flight and drops their responses: committed, not counted (≤ 64 per cell).
echo "201s counted: $total; units committed in the ledger: $committed ($(( committed - total )) in flight when wrk ended a cell; at most $(( 4 * CONNECTIONS )))"
as_owner "$bin/createdb" -h "$pg" -U replenish -T bench bench_ceiling

echo
echo "== pgbench: the guarded UPDATE alone, $CONNECTIONS clients, 2 threads, $DURATION (the store's ceiling)"
cat > "$DATA/across.sql" <<'SQL'
\set n random(0, 9999)
UPDATE positions SET committed = committed + 1 WHERE sku = 'S' || :n AND location = 'WH1' AND sellable - committed >= 1;
SQL
cat > "$DATA/hot.sql" <<'SQL'
UPDATE positions SET committed = committed + 1 WHERE sku = 'HOT' AND location = 'WH1' AND sellable - committed >= 1;
SQL
chmod 644 "$DATA"/*.sql
for target in across hot; do
  tps=$(as_owner "$bin/pgbench" -n -h "$pg" -U replenish -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" -f "$PWD/$DATA/$target.sql" bench_ceiling 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
  eval "pgbench_$target=$tps"
  for n in 1 3; do
    eval "r=\$rate_${target}_$n"
    printf '%-8s pgbench %9.0f UPDATEs/s; %d server(s) over HTTP %7.0f reservations/s = %4.0f %% of it\n' "$target" "$tps" "$n" "$r" \
      "$(awk -v a="$r" -v b="$tps" 'BEGIN { print 100 * a / b }')"
  done
done

echo
echo "== replenish ledger verify on $MOVEMENTS movements"
have=$(as_owner psql -h "$pg" -U replenish -d bench -Atc "SELECT count(*) FROM movements")
fill=$(( MOVEMENTS > have ? MOVEMENTS - have : 0 ))
as_owner psql -q -h "$pg" -U replenish -d bench -v ON_ERROR_STOP=1 <<SQL
BEGIN;
CREATE TEMP TABLE fill AS SELECT g, 'S' || (g % 10000) AS sku, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS at FROM generate_series(1, $fill) g;
WITH e AS (
  INSERT INTO events (source, key, kind, payload, at, recorded_at, status)
  SELECT 'fill', 'f' || g, 'receive', '{"kind":"receive","location":"WH1","qty":1,"sku":"' || sku || '"}', at, at, 'applied' FROM fill ORDER BY g
  RETURNING id, key, at)
INSERT INTO movements (event_id, sku, location, bucket, qty, flow, at)
SELECT e.id, f.sku, 'WH1', 'sellable', 1, 'receipt', e.at FROM e JOIN fill f ON e.key = 'f' || f.g;
UPDATE positions p SET sellable = sellable + c.n FROM (SELECT sku, count(*) AS n FROM fill GROUP BY sku) c WHERE p.sku = c.sku AND p.location = 'WH1';
COMMIT;
SQL
echo "$(as_owner psql -h "$pg" -U replenish -d bench -Atc "SELECT count(*) FROM movements") movements ($fill one-unit receipts added by SQL)"
start=$(date +%s%N)
"$BIN" ledger verify --db "$DB" | tail -1
echo "verify: $(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.1f", ns / 1e9 }') s"
