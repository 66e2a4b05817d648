# Sourced by the serve scripts (bench-serve.sh, fuzz-api.sh, docs/connector-session.sh).
# wait_listening FILE: waits up to 10 s for the "… listening on http://HOST:PORT…" line that
# `replenish serve` and `replenish serve webhook-listen` print, then prints that URL (empty if none came).
wait_listening() {
  for _ in $(seq 1 100); do grep -q "listening on http" "$1" 2>/dev/null && break; sleep 0.1; done
  sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$1" | head -1
}
