#!/usr/bin/env python3
"""Writes a deterministic synthetic universal file (accounts) to stdout.

Usage: gen-universal-file.py ROWS [FIRST_ACCOUNT_NUMBER]

The same arguments always give the same bytes, so import timings compare
like with like. One account in 10 is a business; one in 4 has an enrolled
payer (user ID), shared by 2 accounts.
"""
import sys

FIRST = ["Ann", "Bo", "Carla", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Mo", "Nia", "Otto", "Pia"]
LAST = ["Lee", "Garcia", "Smith", "Nguyen", "Okafor", "Brown", "Kowalski", "Tanaka", "Silva", "Murphy", "Khan", "Rossi"]


def main():
    rows = int(sys.argv[1])
    first_number = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
    out = sys.stdout
    out.write("account_number,account_type,first_name,last_name,company_name,email,balance,status,user_id\n")
    buf = []
    for i in range(rows):
        n = first_number + i
        balance = f"{(i * 7919) % 100000 // 100}.{(i * 7919) % 100:02d}"
        user = f"payer{i // 2}" if i % 4 < 2 and i % 8 < 2 else ""
        if i % 10 == 0:
            buf.append(f"{n},B,,,Company {i},billing{i}@example.com,{balance},active,{user}\n")
        else:
            f, l = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
            buf.append(f"{n},I,{f},{l}{i % 997},,{f.lower()}.{l.lower()}{i}@example.com,{balance},active,{user}\n")
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


if __name__ == "__main__":
    main()
