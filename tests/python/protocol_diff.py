"""protocol_diff.py HOST PORT USER PASSWORD DB [SCENARIO | -SCENARIO ...] - protocol transcripts for differential tests.

Runs scenarios of PostgreSQL protocol 3.0 message exchanges (simple and extended query,
transaction status, Describe, row limits and PortalSuspended, error recovery up to Sync,
binary formats, NegotiateProtocolVersion, ParameterStatus, Close, Flush, Terminate...) over a
raw socket and prints, per scenario, a normalized transcript of everything the server sent:

    === scenario NAME
    > what the client sent (a comment)
    < Z status=I
    ...

e2e/protocol.sh runs this against a reference PostgreSQL 15 and against kilnd and diffs the
transcripts scenario by scenario: kiln must answer what PostgreSQL answers, message by message.
Normalized away: backend key, server version number, the TimeZone value, and the source
file/line/routine fields of errors.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgwire  # noqa: E402

# PostgreSQL folds constant expressions while planning, so 'SELECT 1/0' fails before any
# RowDescription (even over a one-row VALUES, which it flattens); a division over two rows
# fails while executing, after one DataRow. The scenarios test the
# protocol flow, not constant folding, so they divide over a row.
DIV0 = "SELECT 1/x FROM (VALUES (1), (0)) AS v(x)"

host, port, user, password, db = sys.argv[1:6]
only = set(a for a in sys.argv[6:] if not a.startswith("-"))
skip = set(a[1:] for a in sys.argv[6:] if a.startswith("-"))
WAIT = 5.0


def i32(v):
    return struct.pack("!i", v)


def i16(v):
    return struct.pack("!h", v)


def cstr(s):
    return s.encode() + b"\0"


def msg(t, payload=b""):
    return t + i32(len(payload) + 4) + payload


def parse(name, sql, oids=()):
    return msg(b"P", cstr(name) + cstr(sql) + i16(len(oids)) + b"".join(i32(o) for o in oids))


def bind(portal, stmt, params=(), pformats=(), rformats=()):
    """params: list of bytes or None; formats as lists of 0/1."""
    body = cstr(portal) + cstr(stmt) + i16(len(pformats)) + b"".join(i16(f) for f in pformats)
    body += i16(len(params))
    for p in params:
        body += i32(-1) if p is None else i32(len(p)) + p
    body += i16(len(rformats)) + b"".join(i16(f) for f in rformats)
    return msg(b"B", body)


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def execute(portal, maxrows=0):
    return msg(b"E", cstr(portal) + i32(maxrows))


def close(kind, name):
    return msg(b"C", kind + cstr(name))


SYNC = msg(b"S")
FLUSH = msg(b"H")


def query(sql):
    return msg(b"Q", cstr(sql))


REPORTED = {"application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
            "in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser", "server_encoding",
            "server_version", "session_authorization", "standard_conforming_strings", "TimeZone"}


def fmt(mtype, p, binary_cols=None):
    t = mtype.decode("latin-1")
    if mtype in (b"E", b"N"):
        f = pgwire.parse_fields(p)
        keep = ["S", "V", "C", "M", "D", "H", "P", "q", "p", "W"]
        return "%s %s" % (t, " ".join("%s=%r" % (k, f[k]) for k in keep if k in f))
    if mtype == b"Z":
        return "Z status=%s" % p.decode()
    if mtype == b"C":
        return "C %r" % p.rstrip(b"\0").decode()
    if mtype == b"S":
        k, v = p.split(b"\0")[:2]
        k, v = k.decode(), v.decode()
        if k == "server_version":
            v = "15.x" if v.startswith("15") else "NOT 15: " + v
        if k == "TimeZone":
            v = "(zone)"
        if k == "is_superuser":
            v = "(on or off)"  # kiln has no superuser notion of its own
        return "S %s=%r" % (k, v)
    if mtype == b"K":
        return "K (backend key)"
    if mtype == b"T":
        (n,) = struct.unpack("!h", p[:2])
        i, cols = 2, []
        for _ in range(n):
            end = p.index(b"\0", i)
            name = p[i:end].decode()
            tbl, att, typ, tlen, tmod, fmtc = struct.unpack("!ihihih", p[end + 1:end + 19])
            i = end + 19
            cols.append("%s:type=%d,len=%d,mod=%d,fmt=%d" % (name, typ, tlen, tmod, fmtc))
            if binary_cols is not None:
                binary_cols.append(fmtc)
        return "T [%s]" % "; ".join(cols)
    if mtype == b"D":
        (n,) = struct.unpack("!h", p[:2])
        i, vals = 2, []
        for _ in range(n):
            (ln,) = struct.unpack("!i", p[i:i + 4])
            i += 4
            if ln < 0:
                vals.append("NULL")
            else:
                raw = p[i:i + ln]
                i += ln
                try:
                    s = raw.decode()
                    vals.append(repr(s) if s.isprintable() else "0x" + raw.hex())
                except UnicodeDecodeError:
                    vals.append("0x" + raw.hex())
        return "D [%s]" % ", ".join(vals)
    if mtype == b"t":
        (n,) = struct.unpack("!h", p[:2])
        return "t params=%r" % list(struct.unpack("!%di" % n, p[2:2 + 4 * n]))
    if mtype == b"v":
        minor, n = struct.unpack("!ii", p[:8])
        opts = [x.decode() for x in p[8:].split(b"\0")[:n]]
        return "v newest_minor=%d unrecognized=%r" % (minor, opts)
    if mtype in (b"1", b"2", b"3", b"n", b"s", b"I"):
        names = {b"1": "ParseComplete", b"2": "BindComplete", b"3": "CloseComplete", b"n": "NoData",
                 b"s": "PortalSuspended", b"I": "EmptyQueryResponse"}
        return "%s %s" % (t, names[mtype])
    if mtype == b"R":
        return "R auth=%d" % struct.unpack("!i", p[:4])
    return "%s %r" % (t, p)


class Session:
    def __init__(self, out, startup_version=pgwire.PROTOCOL_3_0, extra=None, quiet_startup=True):
        self.out = out
        self.c = pgwire.Conn(host, port, timeout=WAIT)
        params = {"user": user, "database": db, "application_name": "protocol_diff", "client_encoding": "UTF8",
                  "DateStyle": "ISO, MDY"}
        if extra:
            params.update(extra)
        body = i32(startup_version) + b"".join(cstr(k) + cstr(v) for k, v in params.items()) + b"\0"
        self.c.user = user
        self.c.send_raw(i32(len(body) + 4) + body)
        self.startup_msgs = []
        # authenticate, recording what is not authentication
        self._auth(quiet_startup)

    def _auth(self, quiet):
        c = self.c
        orig_recv = c.recv
        seen = []

        def recv():
            m = orig_recv()
            if m is not None and m[0] != b"R":
                seen.append(m)
            return m
        c.recv = recv
        try:
            c.authenticate(password)
        except pgwire.PgError as e:
            self.out.append("startup error: %s" % e)
        finally:
            c.recv = orig_recv
        if quiet:
            # only the startup scenario shows the startup messages; others show what went wrong
            self.out.extend("< " + fmt(t, p) for t, p in seen if t not in (b"S", b"K", b"Z", b"v"))
        else:
            # ParameterStatus order carries no meaning: sorted
            self.out.extend(sorted("< " + fmt(t, p) for t, p in seen if t == b"S"))
            self.out.extend("< " + fmt(t, p) for t, p in seen if t != b"S")

    def send(self, comment, data):
        self.out.append("> " + comment)
        self.c.send_raw(data)

    def expect(self, until_ready=1, timeout=WAIT):
        """Records messages until `until_ready` ReadyForQuery messages arrived, the server closed,
        or nothing came for `timeout` seconds. DataRows right before an ErrorResponse are
        dropped: PostgreSQL streams rows one by one, a batch executor may fail before sending
        the rows of a batch, and a client discards a partial result on error either way."""
        self.c.sock.settimeout(timeout)
        ready = 0
        rows = []
        try:
            while ready < until_ready:
                m = self.c.recv()
                if m is None:
                    self.out.extend(rows)
                    self.out.append("< (connection closed)")
                    return
                line = "< " + fmt(*m)
                if m[0] == b"D":
                    rows.append(line)
                    continue
                if m[0] != b"E":
                    self.out.extend(rows)
                rows = []
                self.out.append(line)
                if m[0] == b"Z":
                    ready += 1
        except socket.timeout:
            self.out.extend(rows)
            self.out.append("< (nothing more within %.1f s)" % timeout)
        except ConnectionResetError:
            self.out.append("< (connection reset)")

    def close(self):
        self.c.close()


SCENARIOS = []


def scenario(fn):
    SCENARIOS.append(fn)
    return fn


@scenario
def startup(o):
    s = Session(o, quiet_startup=False)
    s.close()


@scenario
def ssl_and_gss_requests(o):
    c = pgwire.Conn(host, port, timeout=WAIT)
    c.send_raw(i32(8) + i32(pgwire.SSL_REQUEST))
    o.append("> SSLRequest")
    o.append("< %r" % c.recv_byte())
    c.startup(user=user, database=db)
    try:
        c.authenticate(password)
        res, st = c.simple_query("SELECT 'after SSLRequest'")
        o.append("< %r status=%s" % (res, st.decode()))
    except pgwire.PgError as e:
        o.append("< error %s" % e)
    c.close()
    # A server built with GSSAPI answers G (PostgreSQL from Debian is); kiln answers N.
    # Either is a valid answer; anything else (nothing, a close, another byte) is not.
    c = pgwire.Conn(host, port, timeout=WAIT)
    c.send_raw(i32(8) + i32(pgwire.GSSENC_REQUEST))
    o.append("> GSSENCRequest")
    b = c.recv_byte()
    o.append("< %s" % ("N or G" if b in (b"N", b"G") else repr(b)))
    c.close()


@scenario
def negotiate_protocol_version(o):
    s = Session(o, startup_version=(3 << 16) | 7, extra={"_pq_.compression": "on", "_pq_.other": "x"})
    s.send("Query SELECT 1", query("SELECT 1"))
    s.expect()
    s.close()


@scenario
def simple_query_shapes(o):
    s = Session(o)
    for sql in ["SELECT 1", "", ";", " ; ; ", "SELECT 1; SELECT 2", "SELECT 1 AS a, NULL AS b, 'x' AS c",
                "SELECT 1 WHERE false", DIV0 + "; SELECT 2", "SELECT 1; SELEC 2", "SET application_name = 'pd'",
                "SHOW application_name", "RESET application_name"]:
        s.send("Query %r" % sql, query(sql))
        s.expect()
    s.close()


@scenario
def transaction_status(o):
    s = Session(o)
    for sql in ["BEGIN", "SELECT 1", DIV0, "SELECT 1", "COMMIT", "COMMIT", "ROLLBACK", "BEGIN",
                "SELEC", "ROLLBACK", "BEGIN; SELECT 1", "COMMIT; BEGIN", DIV0 + "; COMMIT", "ROLLBACK",
                "BEGIN; " + DIV0, "SELECT 1; ROLLBACK", "ROLLBACK; SELECT 'ok'", "START TRANSACTION READ ONLY",
                "END"]:
        s.send("Query %r" % sql, query(sql))
        s.expect()
    s.close()


@scenario
def extended_unnamed(o):
    s = Session(o)
    s.send("Parse '' 'SELECT $1::int + 1 AS n' [23]; Bind text '41'; Describe P; Execute; Sync",
           parse("", "SELECT $1::int + 1 AS n", [23]) + bind("", "", [b"41"]) + describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("Parse '' untyped 'SELECT $1 + 1'; Bind text '1'; Describe P; Execute; Sync (pgbench -M extended)",
           parse("", "SELECT $1 + 1") + bind("", "", [b"1"]) + describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("Bind '' again with '5' (unnamed statement survives Sync); Execute; Sync",
           bind("", "", [b"5"]) + execute("") + SYNC)
    s.expect()
    s.close()


@scenario
def extended_named_describe(o):
    s = Session(o)
    s.send("Parse s1 'SELECT $1::int AS a, $2::text AS b, $3 AS c' [0, 0, 23]; Describe S s1; Sync",
           parse("s1", "SELECT $1::int AS a, $2::text AS b, $3 AS c", [0, 0, 23]) + describe(b"S", "s1") + SYNC)
    s.expect()
    s.send("Bind p1 s1 ['7', 'seven', NULL]; Describe P p1; Execute p1; Sync",
           bind("p1", "s1", [b"7", b"seven", None]) + describe(b"P", "p1") + execute("p1") + SYNC)
    s.expect()
    s.send("Parse s1 again (duplicate name); Sync", parse("s1", "SELECT 2") + SYNC)
    s.expect()
    s.send("Close S s1; Close S never_existed; Close P never_existed; Sync",
           close(b"S", "s1") + close(b"S", "never_existed") + close(b"P", "never_existed") + SYNC)
    s.expect()
    s.send("Bind to closed s1; Sync", bind("", "s1", [b"1", b"x", None]) + SYNC)
    s.expect()
    s.send("Parse s2 'SET application_name = ''x'''; Describe S s2; Bind; Execute; Sync",
           parse("s2", "SET application_name = 'x'") + describe(b"S", "s2") + bind("", "s2") + execute("") + SYNC)
    s.expect()
    s.close()


@scenario
def row_limits_portal_suspended(o):
    s = Session(o)
    sql = "SELECT x, x * 10 AS y FROM (VALUES (1), (2), (3), (4), (5)) AS v(x) ORDER BY x"
    s.send("Parse ''; Bind ''; Execute max 2; Execute max 2; Execute max 2; Execute max 2; Sync",
           parse("", sql) + bind("", "") + execute("", 2) + execute("", 2) + execute("", 2) + execute("", 2) + SYNC)
    s.expect()
    s.send("BEGIN; then named portal cur over 2 Syncs", query("BEGIN"))
    s.expect()
    s.send("Parse ''; Bind cur; Execute cur max 3; Sync", parse("", sql) + bind("cur", "") + execute("cur", 3) + SYNC)
    s.expect()
    s.send("Execute cur max 0 (the rest); Sync", execute("cur", 0) + SYNC)
    s.expect()
    s.send("Close P cur; Sync; COMMIT", close(b"P", "cur") + SYNC + query("COMMIT"))
    s.expect(2)
    s.close()


@scenario
def error_skips_to_sync(o):
    s = Session(o)
    s.send("Parse '' 'SELEC 1'; Bind; Describe P; Execute; Sync",
           parse("", "SELEC 1") + bind("", "") + describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("Parse ok; Bind; Execute DIV0; Parse; Bind; Execute 'SELECT 2'; Sync",
           parse("", DIV0) + bind("", "") + execute("") + parse("", "SELECT 2") + bind("", "") + execute("") + SYNC)
    s.expect()
    s.send("Query after recovery", query("SELECT 'recovered'"))
    s.expect()
    s.send("BEGIN; then an extended error inside the block; Sync", query("BEGIN"))
    s.expect()
    s.send("Parse/Bind/Execute DIV0; Sync", parse("", DIV0) + bind("", "") + execute("") + SYNC)
    s.expect()
    s.send("Parse/Bind/Execute 'SELECT 1' in the failed block; Sync", parse("", "SELECT 1") + bind("", "") + execute("") + SYNC)
    s.expect()
    s.send("ROLLBACK", query("ROLLBACK"))
    s.expect()
    s.close()


@scenario
def flush_and_sync(o):
    s = Session(o)
    s.send("Parse s 'SELECT 1'; Flush (ParseComplete must arrive before any Sync)", parse("s", "SELECT 1") + FLUSH)
    s.expect(timeout=2.0)
    s.send("Bind; Execute; Flush", bind("", "s") + execute("") + FLUSH)
    s.expect(timeout=2.0)
    s.send("Sync", SYNC)
    s.expect()
    s.send("Sync; Sync; Sync", SYNC + SYNC + SYNC)
    s.expect(3)
    s.close()


@scenario
def empty_and_nodata(o):
    s = Session(o)
    s.send("Parse '' ''; Bind; Describe P; Execute; Sync",
           parse("", "") + bind("", "") + describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("Parse 'BEGIN'; Describe S; Bind; Describe P; Execute; Sync; ROLLBACK",
           parse("", "BEGIN") + describe(b"S", "") + bind("", "") + describe(b"P", "") + execute("") + SYNC + query("ROLLBACK"))
    s.expect(2)
    s.close()


@scenario
def binary_formats(o):
    s = Session(o)
    sql = "SELECT $1::int2 AS a, $2::int4 AS b, $3::int8 AS c, $4::float4 AS d, $5::float8 AS e, $6::bool AS f, $7::text AS g, $8::numeric AS h"
    params = [i16(-2), i32(-123456), struct.pack("!q", 1 << 40), struct.pack("!f", 1.5), struct.pack("!d", -0.25),
              b"\1", "héllo".encode(), None]
    s.send("Parse with 8 typed params; Bind binary params, all results binary; Execute; Sync",
           parse("", sql, [21, 23, 20, 700, 701, 16, 25, 1700]) + bind("", "", params, [1] * 7 + [0], [1]) +
           describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("Same, results text (format list empty)", bind("", "", params, [1] * 7 + [0], []) + describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("Same, per-column result formats [0,1,0,1,0,1,0,1]",
           bind("", "", params, [1] * 7 + [0], [0, 1, 0, 1, 0, 1, 0, 1]) + describe(b"P", "") + execute("") + SYNC)
    s.expect()
    s.send("numeric in binary both ways", parse("", "SELECT $1::numeric * 2 AS n, 0.5::numeric AS half, -12345678901234567890.0001::numeric AS big", [1700]) +
           bind("", "", [b"\0\2\0\0\0\0\0\4\0\x0c\x0d\x80"], [1], [1]) + execute("") + SYNC)
    s.expect()
    s.close()


@scenario
def parameter_status_reports(o):
    s = Session(o)
    for sql in ["SET application_name = 'reported'", "SET DateStyle = 'ISO, DMY'", "SET extra_float_digits = 2",
                "BEGIN", "SET application_name = 'in txn'", "ROLLBACK", "RESET ALL"]:
        s.send("Query %r" % sql, query(sql))
        s.expect()
    s.close()


@scenario
def sql_prepare_execute(o):
    s = Session(o)
    for sql in ["PREPARE q(int) AS SELECT $1 * 2 AS d", "EXECUTE q(21)", "EXECUTE q('x')", "PREPARE q AS SELECT 1",
                "DEALLOCATE q", "EXECUTE q(1)", "DEALLOCATE q", "PREPARE r AS SELECT 1", "DEALLOCATE ALL",
                "EXECUTE r", "DISCARD ALL"]:
        s.send("Query %r" % sql, query(sql))
        s.expect()
    s.close()


@scenario
def pipelined_queries(o):
    s = Session(o)
    s.send("Query 'SELECT 1'; Query DIV0; Query 'SELECT 3' in one write",
           query("SELECT 1") + query(DIV0) + query("SELECT 3"))
    s.expect(3)
    s.close()


@scenario
def cancel_when_idle(o):
    s = Session(o)
    pid, key = s.c.backend_key
    c2 = pgwire.Conn(host, port, timeout=WAIT)
    c2.send_raw(i32(16) + i32(pgwire.CANCEL_REQUEST) + i32(pid) + i32(key))
    o.append("> CancelRequest with the session's key (session idle)")
    c2.sock.settimeout(WAIT)
    o.append("< cancel connection: %s" % ("closed" if c2.recv_byte() is None else "answered something"))
    c2.close()
    s.send("Query 'SELECT 1' afterwards", query("SELECT 1"))
    s.expect()
    s.close()


@scenario
def cancel_running_query(o):
    s = Session(o)
    pid, key = s.c.backend_key
    s.send("Query: count over generate_series(1, 2000000000) (runs for seconds)",
           query("SELECT count(*) FROM generate_series(1, 2000000000)"))
    time.sleep(0.5)
    c2 = pgwire.Conn(host, port, timeout=WAIT)
    c2.send_raw(i32(16) + i32(pgwire.CANCEL_REQUEST) + i32(pid) + i32(key))
    o.append("> CancelRequest with the session's key, 0.5 s later")
    c2.close()
    t0 = time.time()
    s.expect(timeout=30)
    o.append("= answered %s" % ("within 5 s" if time.time() - t0 < 5 else "after %.1f s" % (time.time() - t0)))
    s.send("Query 'SELECT 1' afterwards", query("SELECT 1"))
    s.expect()
    s.send("CancelRequest with a wrong key while a query runs", query("SELECT count(*) FROM generate_series(1, 20000000)"))
    c2 = pgwire.Conn(host, port, timeout=WAIT)
    c2.send_raw(i32(16) + i32(pgwire.CANCEL_REQUEST) + i32(pid) + i32(key ^ 1))
    c2.close()
    s.expect(timeout=60)
    s.close()


@scenario
def terminate(o):
    s = Session(o)
    s.send("Terminate", msg(b"X"))
    s.expect()
    s.close()


for fn in SCENARIOS:
    if (only and fn.__name__ not in only) or fn.__name__ in skip:
        continue
    out = []
    try:
        fn(out)
    except Exception as e:
        out.append("!! scenario raised %s: %s" % (type(e).__name__, e))
    print("=== scenario %s" % fn.__name__)
    for line in out:
        print(line)
    sys.stdout.flush()
