-- wrk script for the memory soak: each connection acts as a CSR on the
-- phone, mixing what CSRs do. Out of 10 requests: 4 exact searches, 2
-- name suggestions, 1 Make Payment (sealed reviews from BENCH_DIR/reviews.txt,
-- each thread in its own order; once all are used they come round again,
-- as a browser retry would), 1 status refresh of 5 references, and 2 full
-- Payer Support pages rendered on the server. With BENCH_THINK_MS set, each
-- CSR pauses between requests (think.lua: a person between clicks), so that
-- many connections model many people rather than a flood.

dofile("bench/wrk/think.lua")

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function lines(name)
  local t = {}
  for line in io.lines(os.getenv("BENCH_DIR") .. "/" .. name) do t[#t + 1] = line end
  return t
end

function init(args)
  accounts, names, refs, reviews = lines("account.txt"), lines("name.txt"), lines("reference.txt"), lines("reviews.txt")
  n = index * 7919
  -- Headers given to wrk.format replace wrk's own (the -H cookie and
  -- Origin), so the server function calls carry both sets.
  json = { ["Accept"] = "application/json", ["Content-Type"] = "application/x-www-form-urlencoded" }
  for k, v in pairs(wrk.headers) do json[k] = v end
  think_init()
end

-- Answers refused as busy (503 past PAYDESK_MAX_IN_FLIGHT), apart from the
-- other failures: an overloaded server is meant to answer them.
busy = 0
function response(status, headers, body)
  if status == 503 then busy = busy + 1 end
end

local function pick(t) return t[n % #t + 1] end

function request()
  n = n + 1
  local step = n % 10
  if step < 4 then
    return wrk.format("POST", "/api/search_accounts", json, "by=account&q=" .. encode(pick(accounts)))
  elseif step < 6 then
    return wrk.format("POST", "/api/suggest_accounts", json, "by=name&q=" .. encode(pick(names)))
  elseif step == 6 then
    return wrk.format("POST", "/api/make_payment", json, "r=" .. encode(pick(reviews)))
  elseif step == 7 then
    local five = {}
    for k = 1, 5 do five[k] = refs[(n + k * 31) % #refs + 1] end
    return wrk.format("POST", "/api/payment_statuses", json, "refs=" .. encode(table.concat(five, ",")))
  else
    return wrk.format("GET", "/payer-support?by=account&q=" .. encode(pick(accounts)))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local refused = 0
  for _, t in ipairs(threads) do refused = refused + (t:get("busy") or 0) end
  io.write(string.format("wrk requests=%d seconds=%.2f p50_us=%d p99_us=%d non2xx=%d errors=%d busy=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, refused))
end
