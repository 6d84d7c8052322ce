"""psycopg2_test.py HOST PORT DB USER PASSWORD - Debian's python3-psycopg2 against the server; TAP.

Run with /usr/bin/python3 (psycopg2 is installed for the system python only).
psycopg2 uses the simple protocol only: it interpolates parameters client-side, and
sends BEGIN before the first statement of a transaction unless autocommit is on.
"""
import datetime
import decimal
import sys

import psycopg2
import psycopg2.errors
import psycopg2.extensions

host, port, db, user, password = sys.argv[1:6]
n = 0
failed = 0


def ok(cond, desc):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    return cond


def is_(got, want, desc):
    if not ok(got == want, desc):
        print("# got:      %r" % (got,))
        print("# expected: %r" % (want,))


def attempt(desc, fn):
    try:
        fn()
    except Exception as e:  # a check that raised is a failed check
        ok(False, "%s (raised %s: %s)" % (desc, type(e).__name__, str(e).strip().replace("\n", " | ")))


conn = psycopg2.connect(host=host, port=port, dbname=db, user=user, password=password, connect_timeout=10)
ok(True, "connect (psycopg2 %s, libpq %s)" % (psycopg2.__version__.split()[0], psycopg2.extensions.libpq_version()))
is_(conn.server_version // 10000, 15, "server_version reports 15")
is_(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE, "idle after connect")
cur = conn.cursor()


def basic():
    cur.execute("SELECT 1")
    is_(cur.fetchall(), [(1,)], "SELECT 1")
    is_(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INTRANS,
        "psycopg2 opened a transaction (BEGIN) before the first statement")
    is_([d.name for d in cur.description], ["?column?"], "column name of an unnamed expression")
    conn.commit()
    is_(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE, "idle after commit")


attempt("basic query", basic)


def parameters():
    cur.execute("SELECT %s + 1, %s, %s, %s IS NULL", (41, "it's \"quoted\"", "héllo wörld", None))
    is_(cur.fetchone(), (42, "it's \"quoted\"", "héllo wörld", True), "parameters: int, quotes, UTF-8, NULL")
    cur.execute("SELECT %(a)s * %(b)s AS product, %(a)s AS a", {"a": 6, "b": 7})
    is_(cur.fetchone(), (42, 6), "named parameters")
    is_([d.name for d in cur.description], ["product", "a"], "column names from aliases")
    conn.rollback()


attempt("parameters", parameters)


def types():
    cur.execute("SELECT 1::int2, 2147483647::int4, 9223372036854775807::int8, 1.5::float8, 0.25::float4, "
                "12345.678::numeric, true, false, 'text'::text, 'vc'::varchar, NULL::int")
    is_(cur.fetchone(), (1, 2147483647, 9223372036854775807, 1.5, 0.25, decimal.Decimal("12345.678"),
                         True, False, "text", "vc", None), "core types decode to Python values")
    oids = [d.type_code for d in cur.description]
    is_(oids, [21, 23, 20, 701, 700, 1700, 16, 16, 25, 1043, 23], "RowDescription type OIDs")
    cur.execute("SELECT %s::numeric, %s::float8, %s::bool", (decimal.Decimal("-0.000001"), 1e-10, False))
    is_(cur.fetchone(), (decimal.Decimal("-0.000001"), 1e-10, False), "numeric, float and bool parameters round-trip")
    cur.execute("SELECT '2024-02-29'::date, '2024-02-29 13:45:00'::timestamp")
    is_(cur.fetchone(), (datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 13, 45)), "date and timestamp")
    conn.rollback()


attempt("types", types)


def errors():
    try:
        cur.execute("SELECT 1/0")
        ok(False, "division by zero raises")
    except psycopg2.errors.DivisionByZero as e:
        is_(e.pgcode, "22012", "division by zero raises DivisionByZero (22012)")
    is_(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INERROR,
        "the transaction is in the failed state")
    try:
        cur.execute("SELECT 1")
        ok(False, "a statement in a failed transaction raises")
    except psycopg2.errors.InFailedSqlTransaction as e:
        is_(e.pgcode, "25P02", "a statement in a failed transaction raises InFailedSqlTransaction (25P02)")
    conn.rollback()
    cur.execute("SELECT 'after rollback'")
    is_(cur.fetchone(), ("after rollback",), "rollback clears the failed state")
    try:
        cur.execute("SELEC 1")
        ok(False, "a syntax error raises")
    except psycopg2.errors.SyntaxError as e:
        is_((e.pgcode, e.diag.message_primary, e.diag.statement_position), ("42601", 'syntax error at or near "SELEC"', "1"),
            "syntax error: SQLSTATE, message and position")
    conn.rollback()
    try:
        cur.execute("SELECT no_such_function(%s)", (1,))
        ok(False, "an unknown function raises")
    except psycopg2.errors.UndefinedFunction as e:
        is_((e.pgcode, e.diag.severity, e.diag.message_hint),
            ("42883", "ERROR", "No function matches the given name and argument types. You might need to add explicit type casts."),
            "unknown function: 42883 with PostgreSQL's hint")
    conn.rollback()


attempt("errors", errors)


def autocommit():
    conn.autocommit = True
    cur.execute("SELECT 1")
    is_(cur.fetchone(), (1,), "autocommit: query")
    is_(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE, "autocommit: no transaction left open")
    try:
        cur.execute("SELECT 1/0")
        ok(False, "autocommit: division by zero raises")
    except psycopg2.Error:
        pass
    is_(conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE, "autocommit: idle (not failed) after an error")
    cur.execute("SELECT 2")
    is_(cur.fetchone(), (2,), "autocommit: next statement works after an error")
    cur.execute("BEGIN")
    cur.execute("SET application_name = 'psycopg2-inner'")
    cur.execute("ROLLBACK")
    cur.execute("SHOW application_name")
    is_(cur.fetchone()[0] != "psycopg2-inner", True, "autocommit: explicit BEGIN/ROLLBACK undoes SET")
    conn.autocommit = False


attempt("autocommit", autocommit)


def session_settings():
    cur.execute("SET application_name = 'psy'")
    cur.execute("SHOW application_name")
    is_(cur.fetchone(), ("psy",), "SET then SHOW in a transaction")
    conn.commit()
    cur.execute("SELECT current_setting('application_name')")
    is_(cur.fetchone(), ("psy",), "the SET survives commit")
    conn.commit()
    cur.execute("SELECT 1; SELECT 2")
    is_(cur.fetchall(), [(2,)], "two statements in one execute: the last result is returned")
    conn.commit()
    cur.executemany("SELECT %s", [(1,), (2,), (3,)])
    ok(True, "executemany")
    conn.commit()


attempt("session settings", session_settings)


conn.close()
ok(conn.closed, "close")

try:
    psycopg2.connect(host=host, port=port, dbname=db, user=user, password=password + "-wrong", connect_timeout=10).close()
    ok(len(sys.argv) > 6 and sys.argv[6] == "trust", "a wrong password is refused (trust server accepts)")
except psycopg2.OperationalError as e:
    ok('FATAL:  password authentication failed for user "%s"' % user in str(e),
       "a wrong password fails with PostgreSQL's message")

print("1..%d" % n)
sys.exit(1 if failed else 0)
