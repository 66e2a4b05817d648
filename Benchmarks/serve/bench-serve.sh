#!/usr/bin/env bash
# `make bench-serve`: reservations/s over HTTP (wrk, loopback only, 10 s per cell) across 10,000 SKUs and
# on one hot SKU at 1, 16 and 64 connections, p50/p99, next to the store's own ceiling (the library
# reserving directly, no HTTP) in the same run. Afterwards: units committed = 201s counted (no oversell,
# nothing double-applied) and `ledger verify`. Bounded: 6 cells × DURATION, then the server is stopped.
set -euo pipefail
source "$(dirname "$0")/listening.sh"
BIN=${BIN:-.build/release/replenish}
BENCH=${BENCH:-.build/release/replenish-bench}
DATA=${DATA:-Benchmarks/.data/serve}
DURATION=${DURATION:-10s}
mkdir -p "$DATA"

echo "== the store's ceiling (no HTTP)"
"$BENCH" serve-store --folder "$DATA" --skus 10000 --requests 20000
echo
"$BENCH" serve-setup --folder "$DATA" --skus 10000
KEY=$(cat "$DATA/key")
# The defaults users run (log level info: one access-log line per request, to a file here) except
# --rate-limit 0: the default 2,000 requests/s per key would cap a one-key benchmark.
"$BIN" serve --db "$DATA/serve.sqlite" --port 0 --rate-limit 0 > "$DATA/serve.out" 2> "$DATA/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
URL=$(wait_listening "$DATA/serve.out")
PORT=${URL##*:}
[ -n "$PORT" ] || { echo "the server did not start: $(cat "$DATA/serve.err")"; exit 1; }
echo "== replenish serve on 127.0.0.1:$PORT (release build, default flags but --rate-limit 0, access log to a file); wrk $DURATION per cell"
# p50/p99 as wrk sees them (its own scheduling on the same two cores included), then inside the server:
# the durations of the cell's 201s in the access log (from the request's arrival at the router to its
# response).
printf '%-12s %5s %10s %9s %9s %12s %12s %8s %7s %5s\n' target conns "reserv/s" "p50 ms" "p99 ms" "server p50" "server p99" created other 5xx
total=0
for target in across hot; do
  skus=10000; [ $target = hot ] && skus=0
  for c in 1 16 64; do
    t=$(( c < 2 ? 1 : 2 ))
    before=$(wc -l < "$DATA/serve.err")
    line=$(SKUS=$skus RUN="$target$c" KEY="$KEY" wrk -t$t -c$c -d"$DURATION" --timeout 10s -s Benchmarks/serve/reserve.lua "http://127.0.0.1:$PORT" | grep RESULT)
    eval "$(echo "$line" | sed 's/^RESULT //')"
    sleep 0.2  # the access log lines of the last responses
    read -r server_p50 server_p99 < <(tail -n +$(( before + 1 )) "$DATA/serve.err" | grep -o ' 201 [0-9]* µs' | awk '{ print $2 }' | sort -n |
      awk '{ a[NR] = $1 } END { if (NR == 0) print "nan nan"; else printf "%.2f %.2f\n", a[int((NR - 1) * 0.5) + 1] / 1000, a[int((NR - 1) * 0.99) + 1] / 1000 }')
    printf '%-12s %5d %10.0f %9.2f %9.2f %12s %12s %8d %7d %5d\n' "$target" "$c" "$rps" "$p50_ms" "$p99_ms" "$server_p50" "$server_p99" "$created" "$other" "$server_errors"
    total=$(( total + created ))
  done
done
kill -TERM $SERVER; wait $SERVER || true
trap - EXIT
echo
committed=$("$BIN" ledger atp --db "$DATA/serve.sqlite" --format csv | awk -F, 'NR > 1 { s += $5 } END { print s + 0 }')
# wrk stops a cell with requests in flight and drops their responses: those reservations are committed but
# not counted, at most one per connection (1 + 16 + 64 per target = 162 in all).
gap=$(( committed - total ))
if [ "$gap" -ge 0 ] && [ "$gap" -le 162 ]; then verdict="the $gap beyond the 201s counted were in flight when wrk ended a cell (≤ 162 connections): no oversell, nothing applied twice"
else verdict="INCONSISTENT: $gap units beyond the 201s counted (at most 162 can be in flight)"; fi
echo "201s counted: $total; units committed in the ledger: $committed; $verdict"
"$BIN" ledger verify --db "$DATA/serve.sqlite" | tail -1
