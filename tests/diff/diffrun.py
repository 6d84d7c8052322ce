#!/usr/bin/python3
"""diffrun.py - the differential test: each corpus query on a reference PostgreSQL 15
and on a target server (kilnd, or another PostgreSQL), compared; TAP on stdout.

Corpus (tests/diff/queries/*.sql, files in name order): every query starts with a
header line

    -- qNNN: what it tests [error SQLSTATE]

followed by the SQL, ending with a line that ends in ';'. Lines before the first
header are the file's comments. "[error SQLSTATE]" says that PostgreSQL must fail
with that SQLSTATE (so a mistyped query cannot pass silently); without it,
PostgreSQL must succeed. Every query returning more than one row has a total
ORDER BY, so rows compare in order.

Comparison, per query:
  * error on either side: both must fail, with the same SQLSTATE;
  * else the column count, names and type OIDs (--no-strict-columns: count only),
    then row count and every value in text form: float4/float8 columns compare as
    numbers with a relative tolerance (--float-tol, default 1e-9), everything else
    (numeric included) exactly as text; NULL differs from every string.
Expected rows are never stored: the reference server computes them at test time.

Exit status 0 when every query matched, 1 otherwise, 2 on usage or setup errors.
Usage: diffrun.py --ref DSN --target DSN [--queries DIR] [--only REGEX] [--timeout S]
       diffrun.py --ref DSN --check-corpus     (the reference against the annotations only)
       diffrun.py --self-check                 (the comparer's own unit tests)
"""

import argparse
import glob
import math
import os
import re
import socket
import sys
import threading
import time

HEADER = re.compile(r"^--\s*(q\d+):\s*(.*?)\s*$")
EXPECT_ERROR = re.compile(r"\[error\s+([0-9A-Z]{5})\]")
FLOAT_OIDS = {700, 701}


class Query:
    def __init__(self, qid, desc, sql, path, line):
        self.qid = qid
        self.desc = desc
        self.sql = sql
        self.path = path
        self.line = line
        m = EXPECT_ERROR.search(desc)
        self.expect_error = m.group(1) if m else None


def load_corpus(qdir):
    """Returns the queries of every qdir/*.sql, in file then text order."""
    queries, seen = [], {}
    for path in sorted(glob.glob(os.path.join(qdir, "*.sql"))):
        cur = None
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for no, text in enumerate(lines, 1):
            m = HEADER.match(text)
            if m:
                if cur is not None:
                    raise SystemExit("%s:%d: query %s does not end with ';'" % (path, no, cur[0]))
                cur = [m.group(1), m.group(2), [], no]
                continue
            if cur is None:
                if text.strip() and not text.startswith("--"):
                    raise SystemExit("%s:%d: SQL outside a query (missing '-- qNNN:' header)" % (path, no))
                continue
            cur[2].append(text)
            if text.rstrip().endswith(";"):
                qid, desc, body, start = cur
                if qid in seen:
                    raise SystemExit("%s:%d: %s already used at %s" % (path, start, qid, seen[qid]))
                seen[qid] = "%s:%d" % (path, start)
                sql = "\n".join(body).strip()
                queries.append(Query(qid, desc, sql, path, start))
                cur = None
        if cur is not None:
            raise SystemExit("%s: query %s does not end with ';'" % (path, cur[0]))
    return queries


# ---- results ----

class Result:
    """What one server answered: an error (sqlstate, message) or columns and rows."""

    def __init__(self, sqlstate=None, message=None, columns=None, rows=None):
        self.sqlstate = sqlstate
        self.message = message
        self.columns = columns  # [(name, type oid)]
        self.rows = rows        # [tuple of str or None]

    @property
    def is_error(self):
        return self.sqlstate is not None


def _text_caster():
    """Makes psycopg2 hand back every value as the server's text (None for NULL)."""
    import psycopg2.extensions as ext
    oids = set()
    for caster in list(ext.string_types.values()):
        oids.update(caster.values)
    # arrays of the common types: their text form too ("{1,2}"), not Python lists
    oids.update((1000, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1115, 1182, 1183, 1231, 1263))
    ext.register_type(ext.new_type(tuple(sorted(oids)), "KILN_TEXT", lambda v, cur: v))


class Server:
    """One connection, re-opened after a failure; queries run in autocommit."""

    def __init__(self, label, dsn, timeout):
        self.label = label
        self.dsn = dsn
        self.timeout = timeout
        self.conn = None

    def connect(self):
        import psycopg2
        self.conn = psycopg2.connect(self.dsn, connect_timeout=10)
        self.conn.autocommit = True

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def run(self, sql):
        import psycopg2
        if self.conn is None or self.conn.closed:
            try:
                self.connect()
            except psycopg2.Error as e:
                return Result(sqlstate="CONN", message="cannot connect: %s" % str(e).strip())
        conn = self.conn
        done = threading.Event()
        timed_out = []

        def watchdog():
            if done.wait(self.timeout):
                return
            timed_out.append(1)
            try:
                conn.cancel()
            except Exception:
                pass
            if done.wait(5):
                return
            try:  # the server ignored the cancel: cut the connection
                socket.socket(fileno=os.dup(conn.fileno())).shutdown(socket.SHUT_RDWR)
            except Exception:
                pass

        t = threading.Thread(target=watchdog, daemon=True)
        t.start()
        try:
            cur = conn.cursor()
            cur.execute(sql)
            if cur.description is None:
                res = Result(columns=[], rows=[])
            else:
                cols = [(d.name, d.type_code) for d in cur.description]
                rows = [tuple(None if v is None else str(v) for v in r) for r in cur.fetchall()]
                res = Result(columns=cols, rows=rows)
            cur.close()
        except psycopg2.Error as e:
            if timed_out:
                res = Result(sqlstate="TIME", message="no answer in %g s" % self.timeout)
            elif e.pgcode:
                res = Result(sqlstate=e.pgcode, message=(e.pgerror or str(e)).strip())
            else:
                res = Result(sqlstate="CONN", message="connection failed: %s" % str(e).strip())
            if conn.closed or not e.pgcode:
                self.close()
        finally:
            done.set()
        return res


# ---- comparison ----

def floats_equal(a, b, tol):
    """a, b: text of float4/float8 values. Equal when both parse and agree to tol
    (relative), or when the text is identical (NaN, Infinity)."""
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    if x == y:
        return True
    scale = max(abs(x), abs(y))
    return abs(x - y) <= tol * scale or abs(x - y) <= 1e-300


def show(v):
    return "NULL" if v is None else repr(v)


def compare(ref, tgt, tol, strict_columns=True):
    """Returns None when tgt answers as ref did, else a one-line reason (and the
    details for diagnostics)."""
    if ref.is_error or tgt.is_error:
        if ref.is_error and tgt.is_error:
            if ref.sqlstate == tgt.sqlstate:
                return None
            return ("SQLSTATE %s, expected %s" % (tgt.sqlstate, ref.sqlstate),
                    ["expected: %s" % ref.message, "got:      %s" % tgt.message])
        if ref.is_error:
            return ("returned %d rows, expected error %s" % (len(tgt.rows), ref.sqlstate),
                    ["expected: %s" % ref.message])
        return ("error %s, expected %d rows" % (tgt.sqlstate, len(ref.rows)), ["got: %s" % tgt.message])
    if len(ref.columns) != len(tgt.columns):
        return ("%d columns, expected %d" % (len(tgt.columns), len(ref.columns)),
                ["expected: %s" % [c[0] for c in ref.columns], "got:      %s" % [c[0] for c in tgt.columns]])
    if strict_columns:
        for i, (rc, tc) in enumerate(zip(ref.columns, tgt.columns)):
            if rc[0] != tc[0]:
                return ("column %d is named %r, expected %r" % (i + 1, tc[0], rc[0]), [])
            if rc[1] != tc[1]:
                return ("column %d (%s) has type oid %s, expected %s" % (i + 1, rc[0], tc[1], rc[1]), [])
    float_cols = {i for i, c in enumerate(ref.columns) if c[1] in FLOAT_OIDS}
    for n, (rr, tr) in enumerate(zip(ref.rows, tgt.rows), 1):
        for i, (a, b) in enumerate(zip(rr, tr)):
            if a is None or b is None:
                same = a is None and b is None
            elif i in float_cols:
                same = floats_equal(a, b, tol)
            else:
                same = a == b
            if not same:
                detail = ["expected row %d: %s" % (n, ", ".join(show(v) for v in rr)),
                          "got row %d:      %s" % (n, ", ".join(show(v) for v in tr))]
                if sorted(map(repr, ref.rows)) == sorted(map(repr, tgt.rows)):
                    return ("same rows in another order (row %d)" % n, detail)
                return ("row %d column %d (%s): %s, expected %s" % (n, i + 1, ref.columns[i][0], show(b), show(a)),
                        detail)
    if len(ref.rows) != len(tgt.rows):
        extra = tgt.rows[len(ref.rows)] if len(tgt.rows) > len(ref.rows) else ref.rows[len(tgt.rows)]
        return ("%d rows, expected %d" % (len(tgt.rows), len(ref.rows)),
                ["first unmatched row: %s" % ", ".join(show(v) for v in extra)])
    return None


def check_expectation(q, ref):
    """The reference itself must do what the corpus says (a query typo must not
    turn into a test that passes by matching an error)."""
    if q.expect_error:
        if not ref.is_error:
            return "reference returned rows, corpus expects error %s" % q.expect_error
        if ref.sqlstate != q.expect_error:
            return "reference failed with %s (%s), corpus expects %s" % (ref.sqlstate, ref.message, q.expect_error)
        return None
    if ref.is_error:
        return "reference failed: %s %s" % (ref.sqlstate, ref.message)
    if len(ref.rows) > 1 and not re.search(r"\border\s+by\b", q.sql, re.I):
        return "returns %d rows but has no ORDER BY" % len(ref.rows)
    return None


def diag(lines):
    for line in lines:
        for part in str(line).split("\n"):
            print("#   " + part)


# ---- self-check of the comparer ----

def self_check():
    R = Result
    cols_f = [("x", 701)]
    cols_t = [("x", 25)]
    cases = [
        ("same text", R(columns=cols_t, rows=[("a",)]), R(columns=cols_t, rows=[("a",)]), True),
        ("different text", R(columns=cols_t, rows=[("a",)]), R(columns=cols_t, rows=[("b",)]), False),
        ("NULL vs empty", R(columns=cols_t, rows=[(None,)]), R(columns=cols_t, rows=[("",)]), False),
        ("NULL vs NULL", R(columns=cols_t, rows=[(None,)]), R(columns=cols_t, rows=[(None,)]), True),
        ("float within 1e-9", R(columns=cols_f, rows=[("1.0000000000",)]), R(columns=cols_f, rows=[("1.0000000001",)]), True),
        ("float off by 1e-6", R(columns=cols_f, rows=[("1.0",)]), R(columns=cols_f, rows=[("1.000001",)]), False),
        ("float exponent form", R(columns=cols_f, rows=[("1e+20",)]), R(columns=cols_f, rows=[("100000000000000000000",)]), True),
        ("float NaN", R(columns=cols_f, rows=[("NaN",)]), R(columns=cols_f, rows=[("NaN",)]), True),
        ("float -Infinity", R(columns=cols_f, rows=[("-Infinity",)]), R(columns=cols_f, rows=[("Infinity",)]), False),
        ("numeric exact", R(columns=[("x", 1700)], rows=[("1.50",)]), R(columns=[("x", 1700)], rows=[("1.5",)]), False),
        ("row count", R(columns=cols_t, rows=[("a",), ("b",)]), R(columns=cols_t, rows=[("a",)]), False),
        ("extra row", R(columns=cols_t, rows=[("a",)]), R(columns=cols_t, rows=[("a",), ("b",)]), False),
        ("order", R(columns=cols_t, rows=[("a",), ("b",)]), R(columns=cols_t, rows=[("b",), ("a",)]), False),
        ("column name", R(columns=[("x", 25)], rows=[]), R(columns=[("y", 25)], rows=[]), False),
        ("column type", R(columns=[("x", 20)], rows=[]), R(columns=[("x", 23)], rows=[]), False),
        ("same error", R(sqlstate="42P01"), R(sqlstate="42P01"), True),
        ("other error", R(sqlstate="42P01"), R(sqlstate="42703"), False),
        ("error vs rows", R(sqlstate="22012"), R(columns=cols_t, rows=[]), False),
        ("rows vs error", R(columns=cols_t, rows=[]), R(sqlstate="XX000"), False),
        ("no result columns", R(columns=[], rows=[]), R(columns=[], rows=[]), True),
    ]
    n = 0
    bad = 0
    for name, a, b, want in cases:
        n += 1
        got = compare(a, b, 1e-9) is None
        print("%s %d - comparer: %s" % ("ok" if got == want else "not ok", n, name))
        bad += got != want
    q = Query("q1", "x [error 22012]", "select 1/0;", "-", 1)
    n += 1
    ok = check_expectation(q, R(sqlstate="22012")) is None and check_expectation(q, R(columns=[], rows=[])) is not None
    print("%s %d - expectation: annotated error" % ("ok" if ok else "not ok", n))
    bad += not ok
    q = Query("q2", "x", "select a from t", "-", 1)
    n += 1
    ok = check_expectation(q, R(columns=cols_t, rows=[("a",), ("b",)])) is not None
    print("%s %d - expectation: several rows need ORDER BY" % ("ok" if ok else "not ok", n))
    bad += not ok
    print("1..%d" % n)
    return 1 if bad else 0


# ---- main ----

def load_known(path):
    """qid -> reason from a known-failures file ('qNNN reason' lines, # comments)."""
    known = {}
    if not path or not os.path.exists(path):
        return known
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            qid, _, reason = line.partition(" ")
            known[qid] = reason.strip() or "known bug"
    return known


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", help="libpq DSN of the reference PostgreSQL 15")
    ap.add_argument("--target", help="libpq DSN of the server under test")
    ap.add_argument("--queries", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "queries"))
    ap.add_argument("--only", help="run only queries whose id or file name matches this regex")
    ap.add_argument("--known", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_failures"),
                    help="file of 'qNNN reason' lines: known bugs, reported as TAP TODO when they fail")
    ap.add_argument("--float-tol", type=float, default=1e-9)
    ap.add_argument("--timeout", type=float, default=60, help="seconds per query and server")
    ap.add_argument("--no-strict-columns", action="store_true", help="do not compare column names and types")
    ap.add_argument("--check-corpus", action="store_true", help="run the reference only, against the annotations")
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("--list", action="store_true", help="print the corpus and exit")
    ap.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    args = ap.parse_args()

    if args.self_check:
        return self_check()
    queries = load_corpus(args.queries)
    if args.only:
        rx = re.compile(args.only)
        queries = [q for q in queries if rx.search(q.qid) or rx.search(os.path.basename(q.path))]
    if args.list:
        for q in queries:
            print("%s\t%s:%d\t%s" % (q.qid, os.path.basename(q.path), q.line, q.desc))
        return 0
    if not args.ref or (not args.target and not args.check_corpus):
        ap.print_usage(sys.stderr)
        return 2
    try:
        _text_caster()
    except ImportError:
        print("Bail out! psycopg2 is missing (apt-get install python3-psycopg2; run with /usr/bin/python3)")
        return 2

    ref = Server("reference", args.ref, args.timeout)
    tgt = None if args.check_corpus else Server("target", args.target, args.timeout)
    for s in (ref, tgt):
        if s is None:
            continue
        try:
            s.connect()
        except Exception as e:
            print("Bail out! cannot connect to the %s (%s): %s" % (s.label, s.dsn, str(e).strip()))
            return 2

    known = load_known(args.known)
    print("# %d queries from %s" % (len(queries), args.queries))
    failed, cats, t0 = [], {}, time.time()
    todo, fixed = [], []
    down = 0
    for n, q in enumerate(queries, 1):
        cat = os.path.splitext(os.path.basename(q.path))[0]
        r = ref.run(q.sql)
        reason, detail = check_expectation(q, r), []
        if reason:
            reason = "corpus: " + reason
        elif tgt is not None:
            if down >= 3:
                t = Result(sqlstate="CONN", message="target is down")
            else:
                t = tgt.run(q.sql)
            down = down + 1 if t.sqlstate == "CONN" else 0
            c = compare(r, t, args.float_tol, not args.no_strict_columns)
            if c:
                reason, detail = c
        total, bad = cats.get(cat, (0, 0))
        cats[cat] = (total + 1, bad + (1 if reason else 0))
        if reason and q.qid in known and tgt is not None and not reason.startswith("corpus: "):
            # a known bug: TAP's expected failure, visible but not a failure of the run
            todo.append(q.qid)
            print("not ok %d - %s: %s # TODO %s" % (n, q.qid, reason, known[q.qid]))
            diag(["%s:%d %s" % (os.path.relpath(q.path), q.line, q.desc)] + detail + ["sql: " + q.sql])
        elif reason:
            failed.append(q.qid)
            print("not ok %d - %s: %s" % (n, q.qid, reason))
            diag(["%s:%d %s" % (os.path.relpath(q.path), q.line, q.desc)] + detail + ["sql: " + q.sql])
        else:
            if q.qid in known:
                fixed.append(q.qid)
            if not args.quiet:
                print("ok %d - %s" % (n, q.qid))
    print("1..%d" % len(queries))
    print("# by file: " + ", ".join("%s %d/%d" % (c, t - b, t) for c, (t, b) in sorted(cats.items())))
    print("# %d passed, %d failed, %d known failures, in %.1f s"
          % (len(queries) - len(failed) - len(todo), len(failed), len(todo), time.time() - t0))
    if failed:
        print("# failed: " + " ".join(failed))
    if todo:
        print("# known failures (TODO): " + " ".join(todo))
    if fixed:
        print("# listed in %s but passing now, remove them: %s" % (os.path.relpath(args.known), " ".join(fixed)))
    ref.close()
    if tgt:
        tgt.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
