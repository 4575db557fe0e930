#!/usr/bin/env python3
"""Times one Paydesk server function over HTTP, as the browser calls it:
fn_http.py BASE COOKIE COUNT FUNCTION [field=value ...] POSTs the form
fields to BASE/api/FUNCTION COUNT times (after 3 untimed calls that only
warm the caches) on one kept-alive connection, reading each whole answer.
Prints one line of key=value pairs for bench/lib.sh's `field`: p50_us,
p95_us, n, failed; or not_built=1 when the server answers 404 (the function
or the report does not exist yet)."""
import http.client
import math
import sys
import time
import urllib.parse

WARM_UP = 3

base, cookie, count, fn = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fields = [tuple(a.split("=", 1)) for a in sys.argv[5:]]
body = urllib.parse.urlencode(fields)
url = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
headers = {
    "Cookie": cookie,
    "Origin": base,
    "Accept": "application/json",
    "Content-Type": "application/x-www-form-urlencoded",
}
times, failed = [], 0
for k in range(WARM_UP + count):
    started = time.perf_counter()
    conn.request("POST", f"/api/{fn}", body=body, headers=headers)
    answer = conn.getresponse()
    data = answer.read()
    took = time.perf_counter() - started
    if answer.status == 404:
        print(f"http {fn} not_built=1")
        sys.exit(0)
    if k >= WARM_UP:
        times.append(took)
        failed += answer.status != 200 or not data


def at(p):
    s = sorted(times)
    return s[max(math.ceil(len(s) * p) - 1, 0)] * 1e6


print(f"http {fn} p50_us={at(0.50):.0f} p95_us={at(0.95):.0f} n={count} failed={failed}")
