-- wrk script: POSTs one Paydesk server function (the URL's path), a line of
-- the file BENCH_LINES per request, sent as the form field BENCH_FIELD
-- (default q) after the fixed fields BENCH_EXTRA (e.g. "by=account&").
-- Threads start at different lines. With BENCH_ONCE=1 each thread takes its
-- own slice and never sends a line twice; a thread that runs out stops
-- sending new lines and `done` reports it (the figure is then invalid).
-- With BENCH_THINK_MS set, each connection (a CSR) pauses between
-- requests (think.lua).
-- `done` prints one line of key=value pairs for bench/lib.sh to read.

dofile("bench/wrk/think.lua")

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  thread:set("count", 0)
  table.insert(threads, thread)
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function init(args)
  local extra = os.getenv("BENCH_EXTRA") or ""
  local field = os.getenv("BENCH_FIELD") or "q"
  local once = os.getenv("BENCH_ONCE") == "1"
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  bodies = {}
  local k = 0
  for line in io.lines(os.getenv("BENCH_LINES")) do
    if not once or k % nthreads == index then
      bodies[#bodies + 1] = extra .. field .. "=" .. encode(line)
    end
    k = k + 1
  end
  next_line = once and 0 or (index * 7919) % #bodies
  ran_out = 0
  limit = once and #bodies or math.huge
  think_init()
end

function request()
  if count >= limit then
    ran_out = 1
    return wrk.format("GET", "/healthz")
  end
  count = count + 1
  next_line = next_line % #bodies + 1
  return wrk.format("POST", nil, nil, bodies[next_line])
end

function done(summary, latency, requests)
  local out = 0
  for _, t in ipairs(threads) do out = out + (t:get("ran_out") or 0) end
  local e = summary.errors
  io.write(string.format(
    "wrk requests=%d seconds=%.2f p50_us=%d p99_us=%d non2xx=%d errors=%d ran_out=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, out))
end
