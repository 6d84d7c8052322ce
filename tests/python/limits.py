"""limits.py HOST PORT USER PASSWORD DB CHECK [ARGS] - server limits, one check per call; TAP lines.

  maxconn N            N sessions fit; the next gets FATAL 53300 "sorry, too many clients already"
                       and is closed; after one session leaves, a new one gets in
  maxmsg LIMIT         a Query a bit under LIMIT bytes works; one over LIMIT gets 08P01 and a close
  statement_timeout    SET statement_timeout = 300 (ms); a long statement fails with 57014 and
                       PostgreSQL's message; the session goes on
  idle_tx_timeout      SET idle_in_transaction_session_timeout = 300; BEGIN; idle 1.5 s: FATAL 25P03
  long_query           while one session runs a statement that takes seconds, a new session logs
                       in and answers within 2 s (a statement must not block the server)
  slow_reader PIDFILE  a client asks for ~1 GB of rows and stops reading for 4 s; the server's RSS
                       (pid in PIDFILE, if any) grows by < 100 MB; other sessions answer meanwhile
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgwire  # noqa: E402

host, port, user, password, db, what = sys.argv[1:7]
args = sys.argv[7:]
n = 0
failed = 0


def ok(cond, desc, detail=None):
    global n, failed
    n += 1
    failed += 0 if cond else 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond and detail is not None:
        for line in str(detail).splitlines():
            print("# " + line)
    sys.stdout.flush()


def login(**kw):
    c = pgwire.Conn(host, port, timeout=10, **kw)
    c.startup(user=user, database=db, application_name="limits")
    c.authenticate(password)
    return c


def one_value(c, sql):
    res, status = c.simple_query(sql)
    if res and isinstance(res[-1], Exception):
        raise res[-1]
    return res[-1][1][0][0]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    if what == "maxconn":
        limit = int(args[0])
        held = []
        try:
            for i in range(limit):
                held.append(login())
            ok(True, "%d sessions at once" % limit)
        except Exception as e:
            ok(False, "%d sessions at once (session %d failed)" % (limit, len(held) + 1), e)
        c = pgwire.Conn(host, port, timeout=10)
        c.startup(user=user, database=db)
        try:
            c.authenticate(password)
            ok(False, "session %d is refused" % (limit + 1), "it was accepted")
        except pgwire.PgError as e:
            f = e.fields
            got = (f.get("V"), f.get("C"), f.get("M"))
            want = ("FATAL", "53300", "sorry, too many clients already")
            ok(got == want, "session %d is refused: FATAL 53300 sorry, too many clients already" % (limit + 1), "got %r" % (got,))
            ok(c.recv_all() == [], "the refused connection is closed")
        except Exception as e:
            ok(False, "session %d is refused with an error" % (limit + 1), e)
        c.close()
        if held:
            try:
                ok(one_value(held[0], "SELECT 1") == "1", "the sessions already in still answer")
            except Exception as e:
                ok(False, "the sessions already in still answer", e)
            held.pop().close()
        time.sleep(0.5)
        try:
            c = login()
            ok(one_value(c, "SELECT 2") == "2", "after one session left, a new one gets in")
            c.close()
        except Exception as e:
            ok(False, "after one session left, a new one gets in", e)
        for h in held:
            h.close()

    elif what == "maxmsg":
        limit = int(args[0])
        c = login()
        small = "SELECT '" + "x" * (limit - 200) + "' = '' AS f"
        try:
            ok(one_value(c, small) == "f", "a %d-byte Query (under the %d-byte limit) works" % (len(small), limit))
        except Exception as e:
            ok(False, "a Query under the limit works", e)
        big = "SELECT '" + "x" * (limit + 100) + "' = '' AS f"
        c.send(b"Q", big.encode() + b"\0")
        c.sock.settimeout(10)
        msgs = c.recv_all()
        errs = [pgwire.parse_fields(p) for t, p in msgs if t == b"E"]
        ok(len(errs) == 1 and errs[0].get("C") == "08P01" and errs[0].get("V") == "FATAL",
           "a %d-byte Query gets FATAL 08P01 and the connection closes" % len(big), msgs)
        c.close()

    elif what == "statement_timeout":
        c = login()
        c.simple_query("SET statement_timeout = 300")
        t0 = time.time()
        c.sock.settimeout(60)
        try:
            res, status = c.simple_query("SELECT count(*) FROM generate_series(1, 2000000000)")
            err = res[-1] if res and isinstance(res[-1], Exception) else None
            got = (err.fields.get("C"), err.fields.get("M")) if err else res
        except socket.timeout:
            got = "no answer within 60 s"
        dt = time.time() - t0
        ok(got == ("57014", "canceling statement due to statement timeout") and dt < 5,
           "statement_timeout = 300 ms cancels a long statement with 57014 (after %.1f s)" % dt, got)
        ok(one_value(c, "SELECT 'after timeout'") == "after timeout", "the session goes on")
        c.close()

    elif what == "idle_tx_timeout":
        c = login()
        c.simple_query("SET idle_in_transaction_session_timeout = 300")
        c.simple_query("BEGIN")
        time.sleep(1.5)
        c.sock.settimeout(5)
        try:
            msgs = c.recv_all()
            errs = [pgwire.parse_fields(p) for t, p in msgs if t == b"E"]
            got = [(f.get("V"), f.get("C"), f.get("M")) for f in errs]
        except socket.timeout:
            got = "the server neither sent an error nor closed within 6.5 s"
        ok(got == [("FATAL", "25P03", "terminating connection due to idle-in-transaction timeout")],
           "an idle transaction is ended after idle_in_transaction_session_timeout: FATAL 25P03, closed", got)
        c.close()

    elif what == "long_query":
        busy = login()
        busy.send(b"Q", b"SELECT count(*) FROM generate_series(1, 2000000000)\0")
        time.sleep(0.5)
        t0 = time.time()
        try:
            c = login()
            v = one_value(c, "SELECT 'quick'")
            dt = time.time() - t0
            ok(v == "quick" and dt < 2, "while another session runs a long statement, a new session logs in "
               "and answers (in %.2f s, limit 2 s)" % dt)
            c.close()
        except Exception as e:
            ok(False, "while another session runs a long statement, a new session logs in and answers "
               "(failed after %.1f s)" % (time.time() - t0), e)
        # end the long statement: cancel it, then hang up
        try:
            pid, key = busy.backend_key
            cc = pgwire.Conn(host, port, timeout=10)
            cc.send_raw(struct.pack("!iiii", 16, pgwire.CANCEL_REQUEST, pid, key))
            cc.close()
        except Exception:
            pass
        busy.close()

    elif what == "slow_reader":
        pid = None
        if args and os.path.exists(args[0]):
            pid = int(open(args[0]).read().strip() or 0) or None
        before = rss_kb(pid) if pid else 0
        c = pgwire.Conn(host, port, timeout=10)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.startup(user=user, database=db, application_name="slow_reader")
        c.authenticate(password)
        c.send(b"Q", b"SELECT repeat('x', 1000) AS r FROM generate_series(1, 1000000)\0")
        other = login()
        answers = 0
        t0 = time.time()
        while time.time() - t0 < 4:
            try:
                if one_value(other, "SELECT 40 + 2") == "42":
                    answers += 1
            except Exception as e:
                ok(False, "another session answers while a client does not read", e)
                break
            time.sleep(0.1)
        ok(answers >= 10, "another session answered %d queries while a client did not read ~1 GB of rows" % answers)
        if pid:
            grown = (rss_kb(pid) - before) // 1024
            ok(grown < 100, "the server's memory grew by %d MB (< 100) while the client did not read" % grown)
        c.close()
        time.sleep(0.5)
        ok(one_value(other, "SELECT 'alive'") == "alive", "the server is fine after the slow reader hung up")
        other.close()


try:
    main()
except Exception as e:  # a check that could not even run is a failed check
    ok(False, "%s: %s: %s" % (what, type(e).__name__, e))

print("1..%d" % n)
sys.exit(1 if failed else 0)
