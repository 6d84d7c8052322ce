#!/usr/bin/python3
"""number.py - gives every new corpus query (header "-- q: description") the next
free id, in place: "-- q123: description". Ids, once given, never change, so TAP
names stay comparable between runs. Usage: number.py [queries dir]."""
import glob
import os
import re
import sys

qdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "queries")
files = sorted(glob.glob(os.path.join(qdir, "*.sql")))
used = set()
for path in files:
    used.update(int(m) for m in re.findall(r"^--\s*q(\d+):", open(path, encoding="utf-8").read(), re.M))
nxt = max(used, default=0) + 1
given = 0
for path in files:
    text = open(path, encoding="utf-8").read()
    out = []
    for line in text.split("\n"):
        m = re.match(r"^--\s*q:\s*(.*)$", line)
        if m:
            line = "-- q%03d: %s" % (nxt, m.group(1))
            nxt += 1
            given += 1
        out.append(line)
    new = "\n".join(out)
    if new != text:
        open(path, "w", encoding="utf-8").write(new)
print("numbered %d new queries; next id q%03d" % (given, nxt))
