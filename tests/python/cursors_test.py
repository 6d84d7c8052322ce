#!/usr/bin/python3
# cursors_test.py - psycopg2 server-side (named) cursors against the server: psycopg2 sends
# DECLARE "name" CURSOR WITHOUT HOLD FOR ..., FETCH FORWARD itersize FROM "name", MOVE for
# scroll(), CLOSE "name". Every named cursor must give the rows an ordinary cursor gives.
# TAP on stdout. Usage: cursors_test.py HOST PORT DB USER PASSWORD CUBE_QUERY
import os
import struct
import sys

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgwire  # noqa: E402

host, port, db, user, password, cube_query = sys.argv[1:7]
n = 0


def ok(cond, desc):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    return cond


def is_(got, want, desc):
    if not ok(got == want, desc):
        print("# got:      %r" % (got[:5] if isinstance(got, list) else got,))
        print("# expected: %r" % (want[:5] if isinstance(want, list) else want,))


conn = psycopg2.connect(host=host, port=int(port), dbname=db, user=user, password=password or None)

QUERIES = [
    ("a table", "SELECT sale_id, region, qty FROM sales ORDER BY sale_id"),
    ("a cube", cube_query),
    ("generate_series", "SELECT g, g * 3 AS t, 'row ' || g AS label FROM generate_series(1, 4321) g"),
    ("the catalog", "SELECT oid::int, typname FROM pg_type WHERE oid < 1000 ORDER BY oid"),
    ("no rows", "SELECT g FROM generate_series(1, 10) g WHERE g < 0"),
]

for what, q in QUERIES:
    plain = conn.cursor()
    plain.execute(q)
    want = plain.fetchall()
    plain.close()
    conn.commit()
    for itersize in (2000, 7, 1):
        if itersize == 1 and len(want) > 100:
            continue
        cur = conn.cursor(name="named_%d" % itersize)
        cur.itersize = itersize
        cur.execute(q)
        got = [row for row in cur]
        is_(got, want, "named cursor over %s, itersize %d: %d rows" % (what, itersize, len(want)))
        ok(cur.description is not None and [d.name for d in cur.description] == [d.name for d in plain.description],
           "named cursor over %s: column names" % what)
        cur.close()
        conn.commit()
    # fetchmany / fetchone mixed
    cur = conn.cursor(name="mixed")
    cur.execute(q)
    got = cur.fetchmany(3)
    one = cur.fetchone()
    if one is not None:
        got.append(one)
    got += cur.fetchall()
    is_(got, want, "named cursor over %s: fetchmany + fetchone + fetchall" % what)
    cur.close()
    conn.commit()

# scrollable cursor: scroll() sends MOVE
q = "SELECT g FROM generate_series(1, 50) g"
cur = conn.cursor(name="scroller", scrollable=True)
cur.execute(q)
is_(cur.fetchmany(3), [(1,), (2,), (3,)], "scrollable: first three")
cur.scroll(10, mode="absolute")
is_(cur.fetchone(), (11,), "scrollable: scroll(10, absolute) then fetchone")
cur.scroll(-5)
is_(cur.fetchone(), (7,), "scrollable: scroll(-5) then fetchone")
cur.scroll(0, mode="absolute")
is_(cur.fetchall()[-1], (50,), "scrollable: rewind, fetchall ends at 50")
cur.close()
conn.rollback()

# no scroll: backward movement is PostgreSQL's error
cur = conn.cursor(name="forward_only", scrollable=False)
cur.execute(q)
cur.fetchmany(5)
try:
    cur.scroll(-2)
    ok(False, "NO SCROLL: scroll(-2) fails")
except psycopg2.Error as e:
    is_((e.pgcode, e.pgerror.splitlines()[0]), ("55000", "ERROR:  cursor can only scan forward"),
        "NO SCROLL: scroll(-2) fails with 55000")
conn.rollback()

# WITH HOLD survives commit
cur = conn.cursor(name="held", withhold=True)
cur.execute(q)
first = cur.fetchmany(10)
conn.commit()
rest = cur.fetchall()
is_(first + rest, [(g,) for g in range(1, 51)], "withhold: rows before and after COMMIT")
cur.close()
conn.commit()

# autocommit: psycopg2 itself refuses a named cursor without hold; with hold it works
conn.autocommit = True
cur = conn.cursor(name="auto_held", withhold=True)
cur.execute(q)
is_(len(cur.fetchall()), 50, "autocommit, withhold: DECLARE ... WITH HOLD outside a block")
cur.close()
c2 = conn.cursor()
try:
    c2.execute('DECLARE "x" CURSOR WITHOUT HOLD FOR SELECT 1')
    ok(False, "autocommit: DECLARE without hold fails")
except psycopg2.Error as e:
    is_(e.pgcode, "25P01", "autocommit: DECLARE without hold fails with 25P01")
conn.close()


# extended protocol (pgwire.py): Describe of a FETCH statement and portal gives the cursor's
# columns (PostgreSQL's UtilityTupleDescriptor), of a MOVE NoData; Execute streams with max_rows
def row_description(p):
    (k,) = struct.unpack("!h", p[:2])
    i, cols = 2, []
    for _ in range(k):
        end = p.index(b"\0", i)
        name = p[i:end].decode()
        i = end + 1
        _table, _att, typ, _len, _mod, _fmt = struct.unpack("!ihihih", p[i:i + 18])
        i += 18
        cols.append((name, typ))
    return cols


def extended(c, sql, max_rows=0):
    c.send(b"P", pgwire.cstr("") + pgwire.cstr(sql) + struct.pack("!h", 0))
    c.send(b"D", b"S" + pgwire.cstr(""))
    c.send(b"B", pgwire.cstr("") + pgwire.cstr("") + struct.pack("!hhh", 0, 0, 0))
    c.send(b"D", b"P" + pgwire.cstr(""))
    c.send(b"E", pgwire.cstr("") + struct.pack("!i", max_rows))
    c.send(b"S")
    out = []
    while True:
        mtype, p = c.recv()
        if mtype == b"T":
            out.append(("T", row_description(p)))
        elif mtype == b"D":
            out.append(("D",))
        elif mtype == b"C":
            out.append(("C", p.rstrip(b"\0").decode()))
        elif mtype == b"E":
            out.append(("E", pgwire.parse_fields(p).get("C")))
        elif mtype in (b"n", b"s"):
            out.append((mtype.decode(),))
        elif mtype == b"Z":
            return out


w = pgwire.Conn(host, port)
w.startup(user=user, database=db)
w.authenticate(password or None)
w.simple_query("BEGIN")
w.simple_query("DECLARE x SCROLL CURSOR FOR SELECT g AS num, g::text AS txt FROM generate_series(1, 5) g")
cols = [("num", 23), ("txt", 25)]
is_(extended(w, "FETCH 2 FROM x"), [("T", cols), ("T", cols), ("D",), ("D",), ("C", "FETCH 2")],
    "extended: FETCH described (statement and portal) with its cursor's columns")
is_(extended(w, "FETCH ALL FROM x", max_rows=2), [("T", cols), ("T", cols), ("D",), ("D",), ("s",)],
    "extended: FETCH ALL with max_rows 2 suspends (and moves the cursor to the end)")
is_(extended(w, "MOVE BACKWARD ALL IN x"), [("n",), ("n",), ("C", "MOVE 5")],
    "extended: MOVE has no row description")
is_(extended(w, "FETCH 1 FROM nosuch"), [("n",), ("n",), ("E", "34000")],
    "extended: FETCH from a missing cursor: NoData, then 34000 at Bind's execution")
w.simple_query("ROLLBACK")
w.close()
print("1..%d" % n)
