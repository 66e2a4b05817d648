#!/usr/bin/env bash
# A connector's session against `replenish serve`, run by `make demo` on the demo ledger and written to
# reports/serve/session.txt: define a channel and keys, start the server on a free loopback port, read
# availability, subscribe a webhook listener that verifies signatures, post an order with an Idempotency-Key
# (its signed webhook received and verified), retry it (replayed), reuse the key for another
# payload (422), more than available (backordered: the demo's items allow it), all lines or none (422 for
# an unknown SKU, nothing reserved), a bad body (422 naming the field), ship part and cancel the rest, a stale
# cycle count (409 CHANGE_FROM_QUANTITY_STALE), another channel's key (404), the change feed, metrics;
# stop the server (SIGTERM, drained) and verify the ledger. Every status is checked: an unexpected one
# stops the session with a non-zero exit. Needs curl; talks to 127.0.0.1 only.
#
#   docs/connector-session.sh BIN DB OUT
set -euo pipefail
source "$(dirname "$0")/../Benchmarks/serve/listening.sh"
BIN=$1 DB=$2 OUT=$3
work=$(mktemp -d)
server=""
listener=""
cleanup() {
  if [ -n "$listener" ] && kill -0 "$listener" 2>/dev/null; then kill "$listener"; wait "$listener" || true; fi
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
exec 3> "$OUT"
say() { printf '%s\n' "$*" >&3; }

# Two SKUs with stock at UK-DC, from the ledger itself.
"$BIN" ledger atp --db "$DB" --format csv | awk -F, 'NR > 1 && $2 == "UK-DC" && $6 >= 20 && n++ < 2 { print $1 }' > "$work/skus"
SKU1=$(sed -n 1p "$work/skus"); SKU2=$(sed -n 2p "$work/skus")
[ -n "$SKU2" ] || { echo "connector session: the demo ledger has no two SKUs with 20 units at UK-DC" >&2; exit 1; }

say "# replenish serve: a connector's session on the demo ledger ($DB), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say
say '$ replenish serve channel --name shopify --buffer 2 --buffer-percent 10 --cap 500'
"$BIN" serve channel --db "$DB" --name shopify --buffer 2 --buffer-percent 10 --cap 500 >&3
"$BIN" serve channel --db "$DB" --name wholesale >/dev/null
"$BIN" serve channel --db "$DB" --name warehouse >/dev/null
say '$ replenish serve key create --channel shopify --scope orders:write --scope inventory:read --scope webhooks:manage'
# `key create` tells on stderr that the key is shown once; kept out of the session unless it fails.
key() { "$BIN" serve key create --db "$DB" "$@" 2> "$work/key.err" || { cat "$work/key.err" >&2; exit 1; }; }
SHOP=$(key --channel shopify --scope orders:write --scope inventory:read --scope webhooks:manage)
say "${SHOP:0:12}…  (printed once; stored as a SHA-256 hash)"
WHOLESALE=$(key --channel wholesale --scope orders:write --scope inventory:read)
WAREHOUSE=$(key --channel warehouse --scope inventory:write --scope inventory:read)
say

"$BIN" serve --db "$DB" --port 0 --log-level warning > "$work/serve.out" 2> "$work/serve.err" &
server=$!
URL=$(wait_listening "$work/serve.out")
[ -n "$URL" ] || { echo "connector session: the server did not start: $(cat "$work/serve.err")" >&2; exit 1; }
say "\$ replenish serve --db $DB --port 0"
say "$(head -1 "$work/serve.out")"

# call EXPECTED METHOD PATH KEY [IDEMPOTENCY-KEY] [BODY]: shows the request and the response, checks the status.
call() {
  local expected=$1 method=$2 path=$3 key=$4 idem=${5:-} body=${6:-}
  local args=(-sS -X "$method" -D "$work/headers" -o "$work/body" -w '%{http_code}')
  [ -n "$key" ] && args+=(-H "Authorization: Bearer $key")
  [ -n "$idem" ] && args+=(-H "Idempotency-Key: $idem")
  [ -n "$body" ] && args+=(-H "Content-Type: application/json" --data "$body")
  say
  say "\$ curl -X $method $path${idem:+  (Idempotency-Key: $idem)}"
  [ -n "$body" ] && say "  $body"
  local status
  status=$(curl "${args[@]}" "$URL$path")
  local replayed
  replayed=$(grep -i '^idempotent-replayed:' "$work/headers" | tr -d '\r' || true)
  say "HTTP $status${replayed:+  ($replayed)}"
  head -c 1200 "$work/body" | sed 's/whsec_[A-Za-z0-9+\/=]*/whsec_…/g' >&3; say
  if [ "$status" != "$expected" ]; then
    echo "connector session: $method $path answered $status, expected $expected: $(cat "$work/body")" >&2
    exit 1
  fi
}

call 200 GET /health ""
call 200 GET /ready ""
call 200 GET "/v1/availability?sku=$SKU1" "$SHOP"

# The connector's webhook endpoint: `replenish serve webhook-listen` verifies each delivery's signature
# with the subscription's secret (read from a file, written once the subscription returns it).
"$BIN" serve webhook-listen --port 0 --secret-file "$work/secret" --count 1 --timeout-seconds 30 > "$work/hook.out" 2> "$work/hook.err" &
listener=$!
HOOK=$(wait_listening "$work/hook.out")
[ -n "$HOOK" ] || { echo "connector session: the webhook listener did not start: $(cat "$work/hook.err")" >&2; exit 1; }
say
say "\$ replenish serve webhook-listen --port 0 --secret-file secret --count 1"
say "$(head -1 "$work/hook.out")"
call 201 POST /v1/webhooks "$SHOP" subscribe-orders '{"url":"'$HOOK'","topics":["orders/updated"]}'
sed -n 's/.*"secret":"\(whsec_[^"]*\)".*/\1/p' "$work/body" > "$work/secret"
[ -s "$work/secret" ] || { echo "connector session: the subscription came back without its secret" >&2; exit 1; }
ORDER='{"order_id":"shop-1001","location":"UK-DC","lines":[{"line":"1","sku":"'$SKU1'","quantity":3},{"line":"2","sku":"'$SKU2'","quantity":2}]}'
call 201 POST /v1/orders "$SHOP" order-shop-1001 "$ORDER"
say
say "# the listener got the order's webhook and checked its signature (webhook-id, then the verdict, then the body):"
if ! wait "$listener"; then echo "connector session: no verified webhook within 30 s: $(cat "$work/hook.out" "$work/hook.err")" >&2; exit 1; fi
listener=""
tail -n +2 "$work/hook.out" | cut -c1-400 >&3
say "# the connector timed out and retries with the same key: the stored response, nothing applied twice"
call 201 POST /v1/orders "$SHOP" order-shop-1001 "$ORDER"
grep -qi '^idempotent-replayed: true' "$work/headers" || { echo "connector session: the retry was not marked Idempotent-Replayed" >&2; exit 1; }
say "# the same key for another payload"
call 422 POST /v1/orders "$SHOP" order-shop-1001 '{"order_id":"shop-1002","location":"UK-DC","lines":[{"line":"1","sku":"'$SKU1'","quantity":1}]}'
say "# more than is available: the demo's items allow backorders (items.csv allow_backorder = 1), so the"
say "# line beyond ATP is backordered, not refused; a SKU without backorders would get 409 INSUFFICIENT_STOCK"
call 201 POST /v1/orders "$SHOP" order-shop-1003 '{"order_id":"shop-1003","location":"UK-DC","lines":[{"line":"1","sku":"'$SKU2'","quantity":50}]}'
say "# all lines or none: an unknown SKU on line 2 refuses the whole order; line 1 is not reserved"
call 422 POST /v1/orders "$SHOP" order-shop-1005 '{"order_id":"shop-1005","location":"UK-DC","allocation":"all_or_nothing","lines":[{"line":"1","sku":"'$SKU1'","quantity":1},{"line":"2","sku":"NO-SUCH-SKU","quantity":1}]}'
say "# a bad body: a fractional quantity"
call 422 POST /v1/orders "$SHOP" order-shop-1004 '{"order_id":"shop-1004","location":"UK-DC","lines":[{"line":"1","sku":"'$SKU1'","quantity":1.5}]}'
call 200 GET "/v1/inventory-levels?sku=$SKU1&location=UK-DC" "$SHOP"
say "# ship line 1 in part; cancel what is left of the order"
call 200 POST /v1/orders/shop-1001/shipments "$SHOP" ship-shop-1001-a '{"lines":[{"line":"1","quantity":2}]}'
call 200 POST /v1/orders/shop-1001/cancel "$SHOP" cancel-shop-1001 '{}'
call 200 GET /v1/orders/shop-1001 "$SHOP"
call 200 POST /v1/orders/shop-1003/cancel "$SHOP" cancel-shop-1003 '{}'
say "# another channel's key cannot see the order"
call 404 GET /v1/orders/shop-1001 "$WHOLESALE"
say "# the warehouse counts the shelf with a quantity read before the shipment: refused"
call 409 POST /v1/cycle-counts "$WAREHOUSE" count-1 '{"sku":"'$SKU1'","location":"UK-DC","quantity":10,"change_from_quantity":999999}'
say "# a connector that missed webhooks catches up from its cursor"
call 200 GET "/v1/changes?after=0&limit=5" "$SHOP"
curl -sS "$URL/metrics" -o "$work/metrics"
say
say '$ curl /metrics | grep replenish_reservations_total'
grep '^replenish_reservations_total\|^replenish_refusals_total' "$work/metrics" >&3 || true

kill -TERM "$server"; wait "$server" || true
server=""
say
say '$ kill -TERM (drains in-flight requests, then exits)'
say '$ replenish ledger verify'
"$BIN" ledger verify --db "$DB" | tail -1 >&3
echo "connector session: $(grep -c '^HTTP ' "$OUT") requests, every status as expected; written to $OUT"
