# The memory soak, sourced by server-figures.sh while its SQLite server is up
# (BASE, COOKIE, SERVER_PID, WORK set): BENCH_SOAK_CSRS wrk connections
# (default 1,000) act as CSRs (wrk/mix.lua), each sending a request every
# BENCH_SOAK_THINK_MS on average (default 5,000: a busy CSR on the phone,
# a search, a page or a payment every few seconds; 0 is a flood), for
# BENCH_SOAK_SECONDS (default 600), while clients that
# hang up mid-page come and go (curl cut off after 20 ms, bounded in count).
# RSS is read from /proc every 5 s. Prints one Markdown table row.

soak() {
  local secs="${BENCH_SOAK_SECONDS:-600}" csrs="${BENCH_SOAK_CSRS:-1000}" think="${BENCH_SOAK_THINK_MS:-5000}"
  local rss="$WORK/rss" mark
  # "Minute 2 of 10": the first fifth is warm-up, growth counts after it.
  mark=$(( secs / 5 ))
  pd bench reviews --dir "$WORK/q" --count 5000 --out "$WORK/q/reviews.txt"
  : > "$rss"
  ( for _ in $(seq 1 $(( secs / 5 ))); do
      awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status" >> "$rss" 2>/dev/null || break
      sleep 5
    done ) &
  local sampler=$!
  # Hang-ups: a page request abandoned after 20 ms, at most one at a time.
  ( local k=0 q
    local until=$(( $(date +%s) + secs ))
    while [ "$(date +%s)" -lt "$until" ] && kill -0 "$SERVER_PID" 2>/dev/null; do
      q="$(sed -n "$(( k % 500 + 1 ))p" "$WORK/q/name.txt")"
      curl -s -o /dev/null --max-time 0.02 -H "Cookie: $COOKIE" "$BASE/payer-support?by=name&q=$q" || true
      k=$((k + 1)); sleep 0.2
    done; echo "$k" > "$WORK/hangups" ) &
  local hangups=$!
  local out
  out="$(BENCH_DIR="$WORK/q" BENCH_THINK_MS="$think" wrk -t 2 -c "$csrs" -d "${secs}s" --timeout 10s -s bench/wrk/mix.lua \
    -H "Cookie: $COOKIE" -H "Origin: $BASE" "$BASE" | grep '^wrk ')"
  wait "$hangups" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  # Panics in the server's log (Leptos, on pages cut off: docs/benchmarks.md).
  local panics
  panics="$(grep -c panicked "$WORK/server-$DB_NAME.log" 2>/dev/null || true)"
  python3 - "$rss" "$mark" "$out" "$(cat "$WORK/hangups" 2>/dev/null || echo '?')" "$secs" "$csrs" "$think" "${panics:-0}" <<'PY'
import sys
path, mark, out, hangups, secs, csrs, think = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
panics = int(sys.argv[8])
kb = [int(x) for x in open(path).read().split()]
kv = dict(p.split("=") for p in out.split()[1:])
at_mark = kb[min(len(kb) - 1, mark // 5)]
end, peak = kb[-1], max(kb)
growth = (end - at_mark) / at_mark
busy = int(kv.get("busy", 0))
bad = int(kv["non2xx"]) - busy + int(kv["errors"])
ok = end <= 150 * 1024 and growth <= 0.05 and bad == 0 and busy == 0
note = f"; {bad} failed answers" if bad else ""
note += f"; {busy:,} answered busy (503, past PAYDESK_MAX_IN_FLIGHT: the server was overloaded)" if busy else ""
note += f"; {panics} panics in the server log" if panics else ""
span = f"{secs // 60} min" if secs >= 60 else f"{secs} s"
pace = f", a request every {think / 1000:g} s each" if think else ", no pause"
print(f"| server memory: {span} soak, {csrs:,} CSRs{pace} (SQLite) | RSS {end / 1024:.0f} MB at the end, peak {peak / 1024:.0f} MB; {int(kv['requests']):,} requests, p99 {int(kv['p99_us']) / 1000:.0f} ms, {hangups} hang-ups mid-page{note} | growth {growth:+.1%} from {mark // 60 if mark >= 60 else mark} {'min' if mark >= 60 else 's'} ({at_mark / 1024:.0f} MB) to the end | ≤ 150 MB; growth ≤ 5% | {'pass' if ok else 'FAIL'} |")
PY
}
