-- A CSR's pause between requests, for fn.lua and mix.lua (each loads this
-- with dofile, from the repository's top folder). With BENCH_THINK_MS set,
-- each connection waits 0 to twice that many ms, evenly, before each
-- request; wrk's latency leaves the wait out. Without it there is no
-- `delay` at all, so wrk sends the next request at once, as it always did.

function think_init()
  math.randomseed(index * 104729 + 1)
end

local think = tonumber(os.getenv("BENCH_THINK_MS") or "0")
if think > 0 then
  function delay()
    return math.random(0, 2 * think)
  end
end
