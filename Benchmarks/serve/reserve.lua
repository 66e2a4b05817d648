-- wrk script for `make bench-serve`: one-line orders, each with its own order id and Idempotency-Key.
-- SKUS=0 sends every order to the hot SKU "HOT"; otherwise a SKU among S0 … S(SKUS-1) per request.
-- Counts 201s and other statuses per thread and prints them at the end (wrk's own "Non-2xx" line too).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  created = 0
  other = 0
  server_errors = 0
  skus = tonumber(os.getenv("SKUS") or "10000")
  run = os.getenv("RUN") or "r"
  key = os.getenv("KEY")
  math.randomseed(id * 7919 + 1)
end

function request()
  counter = counter + 1
  local sku = "HOT"
  if skus > 0 then sku = "S" .. math.random(0, skus - 1) end
  local order = run .. "-" .. id .. "-" .. counter
  local body = '{"order_id":"' .. order .. '","location":"WH1","lines":[{"line":"1","sku":"' .. sku .. '","quantity":1}]}'
  local headers = {}
  headers["Authorization"] = "Bearer " .. key
  headers["Idempotency-Key"] = order
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/orders", headers, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 elseif status >= 500 then server_errors = server_errors + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local c, o, e = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    e = e + t:get("server_errors")
  end
  io.write(string.format("RESULT created=%d other=%d server_errors=%d p50_ms=%.2f p99_ms=%.2f rps=%.0f\n",
    c, o, e, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
