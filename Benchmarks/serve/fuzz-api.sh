#!/usr/bin/env bash
# `make fuzz-api`: schemathesis against `replenish serve` on a copy of the demo ledger (loopback only),
# with an admin key, every operation of Sources/StockService/openapi.yaml, seeded and bounded
# (FUZZ_API_EXAMPLES per operation). What must hold: no 5xx, every status, content type, header and body
# as the contract declares, schema-violating requests refused, undeclared methods → 405, missing
# auth/Idempotency-Key refused. Not checked: positive_data_acceptance — a schema-valid request can be
# refused for the ledger's own reasons (an unknown SKU or location, a reused Idempotency-Key), which a
# schema cannot express. The server log and schemathesis' report stay in $DATA.
set -euo pipefail
source "$(dirname "$0")/listening.sh"
BIN=${BIN:-.build/release/replenish}
DATA=${DATA:-Benchmarks/.data/fuzz-api}
EXAMPLES=${FUZZ_API_EXAMPLES:-50}
SEED=${FUZZ_API_SEED:-1}
command -v schemathesis >/dev/null || { echo "fuzz-api: schemathesis is not installed (pip install schemathesis)" >&2; exit 2; }
rm -rf "$DATA" && mkdir -p "$DATA"
DB="$DATA/replenish.sqlite"
"$BIN" ledger init --db "$DB" --locations-file notebooks-data/demo/locations.csv --items notebooks-data/demo/items.csv > /dev/null
"$BIN" ledger import --db "$DB" notebooks-data/demo/opening_events.csv > /dev/null
"$BIN" serve channel --db "$DB" --name ops > /dev/null
KEY=$("$BIN" serve key create --db "$DB" --channel ops --scope admin --scope orders:write --scope inventory:read \
  --scope inventory:write --scope webhooks:manage 2> /dev/null)
# A plan for the /v1/plans operations: the demo's configuration (its paths absolute, without its backtest
# file), naive forecasts to keep it quick.
DEMO="$PWD/notebooks-data/demo"
sed -e '/^backtest/d' -e "s#\"\.\./\.\./#\"$PWD/#" -e "s#\"\.\./#\"$PWD/notebooks-data/#" -e "s#= \"\([a-z_]*\.csv\)\"#= \"$DEMO/\1\"#" \
  "$DEMO/plan.toml" > "$DATA/plan.toml"
"$BIN" plan --config "$DATA/plan.toml" --db "$DB" --models naive --out "$DATA/plan" > /dev/null
"$BIN" serve --db "$DB" --port 0 --rate-limit 0 --log-level warning --plan "$DATA/plan" > "$DATA/serve.out" 2> "$DATA/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
URL=$(wait_listening "$DATA/serve.out")
PORT=${URL##*:}
[ -n "$PORT" ] || { echo "fuzz-api: the server did not start: $(cat "$DATA/serve.err")" >&2; exit 1; }
set +e
# Run inside $DATA: schemathesis keeps a cache (.schemathesis/) in its working folder.
SPEC="$PWD/Sources/StockService/openapi.yaml"
(cd "$DATA" && timeout 900 schemathesis run "$SPEC" --url "http://127.0.0.1:$PORT" \
  -H "Authorization: Bearer $KEY" --checks all --exclude-checks positive_data_acceptance \
  --max-examples "$EXAMPLES" --seed "$SEED" --request-timeout 10 --no-color > report.txt 2>&1)
status=$?
set -e
sed -n '/= SUMMARY =/,$p' "$DATA/report.txt"
kill -0 $SERVER 2>/dev/null || { echo "fuzz-api: the server died during the run: $(tail -5 "$DATA/serve.err")" >&2; exit 1; }
[ $status -eq 0 ] || { echo "fuzz-api: failures above; the full report is $DATA/report.txt" >&2; exit $status; }
