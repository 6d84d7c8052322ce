"""hostile.py HOST PORT USER PASSWORD DB - malformed and hostile protocol input; TAP.

Every case opens its own connection and sends bytes no honest client sends: absurd
lengths, broken startup packets, garbage and truncated messages, counts that do not
match the bytes that follow. The server must answer each within a few seconds with an
ErrorResponse (08P01 protocol_violation for framing errors; the case lists the codes
PostgreSQL 15 itself uses) and close, or just close - or, for errors PostgreSQL reports
without dropping the session, answer the error and go on after Sync. It must never
hang, crash or answer garbage. Between cases a well-behaved connection, open all along,
runs a query and checks the answer.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgwire  # noqa: E402

host, port, user, password, db = sys.argv[1:6]
WAIT = 5.0
n = 0
failed = 0


def ok(cond, desc, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond and detail:
        for line in str(detail).splitlines():
            print("# " + line)
    sys.stdout.flush()
    return cond


def i32(v):
    return struct.pack("!i", v)


def msg(t, payload):
    return t + i32(len(payload) + 4) + payload


def startup_packet(**params):
    body = i32(pgwire.PROTOCOL_3_0)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return i32(len(body) + 4) + body


def outcome(c):
    """Reads until close or timeout: ('close', None), ('error', fields, closed?) or ('timeout', msgs)."""
    c.sock.settimeout(WAIT)
    msgs = []
    try:
        while True:
            m = c.recv()
            if m is None:
                break
            msgs.append(m)
    except socket.timeout:
        return "timeout", msgs
    except (ConnectionResetError, BrokenPipeError):
        pass
    except pgwire.ProtocolError as e:
        return "garbage", [str(e)]
    errs = [pgwire.parse_fields(p) for t, p in msgs if t == b"E"]
    if errs:
        return "error", errs
    return "close", msgs


def describe(kind, detail):
    if kind == "error":
        return "; ".join("%s %s %s" % (f.get("V", f.get("S")), f.get("C"), f.get("M")) for f in detail)
    return "%s %r" % (kind, detail[:5] if isinstance(detail, list) else detail)


def login():
    c = pgwire.Conn(host, port, timeout=WAIT)
    c.startup(user=user, database=db, application_name="hostile")
    c.authenticate(password)
    return c


def case_before_auth(desc, data, codes=("08P01",)):
    """Send raw bytes as the very first thing on a connection. A data of (SSLRequest, rest)
    sends the SSLRequest, expects 'N', then sends rest."""
    try:
        c = pgwire.Conn(host, port, timeout=WAIT)
        if isinstance(data, tuple):
            c.send_raw(data[0])
            b = c.recv_byte()
            if b != b"N":
                ok(False, "%s: SSLRequest answered %r, not N" % (desc, b))
                return
            data = data[1]
        c.send_raw(data)
        if data[4:8] == i32(2 << 16):
            # a protocol 2.0 client gets a 2.0-style error: 'E', text, NUL (PostgreSQL does that)
            c.sock.settimeout(WAIT)
            raw = b""
            try:
                while True:
                    chunk = c.sock.recv(4096)
                    if not chunk:
                        break
                    raw += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            ok(raw[:1] == b"E" or not raw, "%s: %s" % (desc, raw[:80] if raw else "closed"))
            c.close()
            return
        kind, detail = outcome(c)
        c.close()
    except (ConnectionResetError, BrokenPipeError):
        kind, detail = "close", []
    good = kind == "close" or (kind == "error" and all(f.get("C") in codes for f in detail))
    ok(good, "%s: %s" % (desc, "closed" if kind == "close" else describe(kind, detail)), describe(kind, detail))


def case_after_auth(desc, data, codes=("08P01",)):
    """Log in, send raw bytes, then Sync and a Query "SELECT 7". Good outcomes: the server
    closes (after an ErrorResponse with one of codes, or silently), or it answers errors with
    one of codes, goes on, and answers SELECT 7 with 7."""
    try:
        c = login()
    except Exception as e:
        ok(False, desc + ": login failed", e)
        return
    msgs, closed, timed_out = [], False, False
    try:
        c.send_raw(data + msg(b"S", b"") + msg(b"Q", b"SELECT 7\0"))
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    c.sock.settimeout(WAIT)
    try:
        while not closed:
            m = c.recv()
            if m is None:
                closed = True
                break
            msgs.append(m)
            if m[0] == b"Z" and any(t == b"D" for t, p in msgs):
                break
    except socket.timeout:
        timed_out = True
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    except pgwire.ProtocolError as e:
        ok(False, "%s: garbage from the server" % desc, e)
        c.close()
        return
    c.close()
    errs = [pgwire.parse_fields(p) for t, p in msgs if t == b"E"]
    codes_ok = all(f.get("C") in codes for f in errs)
    rows = [p for t, p in msgs if t == b"D"]
    answered = rows == [b"\0\1\0\0\0\0017"]
    if closed:
        good = codes_ok
        what = "closed" + (" after " + describe("error", errs) if errs else "")
    else:
        good = not timed_out and bool(errs) and codes_ok and answered
        what = "%s, session goes on" % (describe("error", errs) if errs else "no error")
        if timed_out:
            what = "no answer within %.0f s (%s)" % (WAIT, describe("timeout", msgs))
    ok(good, "%s: %s" % (desc, what), "messages: %r" % (msgs[:6],))


good_conn = None
good_count = 0


def good_session_check(after):
    """The long-lived honest connection still answers correctly."""
    global good_count
    good_count += 1
    try:
        res, status = good_conn.simple_query("SELECT %d AS n" % good_count)
        right = status == b"I" and res and not isinstance(res[0], Exception) and res[0][1] == [[str(good_count)]]
    except Exception as e:
        right, res = False, e
    if not right:
        ok(False, "the honest session is unaffected after: " + after, res)
    return right


cases_before = [
    ("startup length 0", i32(0)),
    ("startup length 4 (no protocol version)", i32(4)),
    ("startup length 7", i32(7) + b"\0\3\0"),
    ("startup length negative", i32(-8) + i32(pgwire.PROTOCOL_3_0)),
    ("startup length 2^31-1", i32(0x7FFFFFFF) + i32(pgwire.PROTOCOL_3_0) + b"user\0x\0\0"),
    ("startup packet of 1 MB", i32(1 << 20) + i32(pgwire.PROTOCOL_3_0) + b"user\0" + b"x" * ((1 << 20) - 14) + b"\0\0"),
    ("HTTP request instead of a startup packet", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("TLS ClientHello instead of a startup packet", bytes.fromhex("160301020001") + os.urandom(200)),
    ("protocol version 2.0", i32(16) + i32(2 << 16) + b"user\0x\0\0"),
    ("protocol version 4.0", i32(16) + i32(4 << 16) + b"user\0x\0\0"),
    ("startup parameters without the final terminator", i32(18) + i32(pgwire.PROTOCOL_3_0) + b"user\0alice\0"),
    ("startup parameter name without a value", i32(14) + i32(pgwire.PROTOCOL_3_0) + b"user\0\0"),
    ("startup packet without a user", startup_packet(database=db)),
    ("SSLRequest answered N, then garbage", (i32(8) + i32(pgwire.SSL_REQUEST), os.urandom(64))),
    ("two SSLRequests", (i32(8) + i32(pgwire.SSL_REQUEST), i32(8) + i32(pgwire.SSL_REQUEST))),
    ("CancelRequest with a bogus key", i32(16) + i32(pgwire.CANCEL_REQUEST) + i32(12345) + i32(67890)),
    ("CancelRequest of the wrong length", i32(12) + i32(pgwire.CANCEL_REQUEST) + i32(1)),
    ("64 kB of random bytes", os.urandom(65536)),
]
# PostgreSQL's codes for these: 08P01 protocol_violation, 0A000 (unsupported protocol
# version), 28000 (no user name), 08004? never: every other code is a failure.
startup_codes = ("08P01", "0A000", "28000")

cases_after = [
    # (description, bytes, acceptable SQLSTATEs: those PostgreSQL 15 answers)
    ("message length 0", b"Q" + i32(0), ("08P01",)),
    ("message length 3", b"Q" + i32(3), ("08P01",)),
    ("message length negative", b"Q" + i32(-1) + b"SELECT 1\0", ("08P01",)),
    ("message length 2^31-1", b"Q" + i32(0x7FFFFFFF) + b"SELECT 1\0", ("08P01",)),
    ("unknown message type '!'", msg(b"!", b"abc"), ("08P01",)),
    ("unknown message type 0x00", msg(b"\0", b""), ("08P01",)),
    ("Query without its NUL terminator", msg(b"Q", b"SELECT 1"), ("08P01",)),
    ("Query with bytes after the NUL", msg(b"Q", b"SELECT 1\0junk"), ("08P01",)),
    ("Parse with a negative parameter count",
     msg(b"P", b"\0SELECT 1\0" + struct.pack("!h", -5)), ("08P01",)),
    ("Parse declaring 1000 parameter types but carrying none",
     msg(b"P", b"\0SELECT 1\0" + struct.pack("!h", 1000)), ("08P01",)),
    ("Bind with 30000 parameters but no bytes for them",
     msg(b"P", b"\0SELECT $1\0" + struct.pack("!h", 0)) + msg(b"B", b"\0\0" + struct.pack("!hh", 0, 30000)),
     ("08P01",)),
    ("Bind with a parameter length past the message end",
     msg(b"P", b"\0SELECT $1::int\0" + struct.pack("!h", 0)) +
     msg(b"B", b"\0\0" + struct.pack("!hhi", 0, 1, 1 << 30) + b"1"), ("08P01",)),
    ("Bind with a parameter count that differs from the statement's",
     msg(b"P", b"\0SELECT 1\0" + struct.pack("!h", 0)) +
     msg(b"B", b"\0\0" + struct.pack("!hhi", 0, 1, 1) + b"1" + struct.pack("!h", 0)), ("08P01",)),
    ("Bind with 5000 result format codes for a 1-column result",
     msg(b"P", b"\0SELECT 1\0" + struct.pack("!h", 0)) +
     msg(b"B", b"\0\0" + struct.pack("!hh", 0, 0) + struct.pack("!h", 5000) + b"\0\1" * 5000), ("08P01",)),
    ("Bind with format code 7", msg(b"P", b"\0SELECT 1\0" + struct.pack("!h", 0)) +
     msg(b"B", b"\0\0" + struct.pack("!hh", 0, 0) + struct.pack("!hh", 1, 7)) + msg(b"E", b"\0" + i32(0)),
     ("08P01", "22023", "0A000")),
    ("binary int4 parameter of 3 bytes",
     msg(b"P", b"\0SELECT $1\0" + struct.pack("!hi", 1, 23)) +
     msg(b"B", b"\0\0" + struct.pack("!hhhhi", 1, 1, 1, 1, 3) + b"\0\0\1" + struct.pack("!h", 0)) +
     msg(b"E", b"\0" + i32(0)), ("22P03", "08P01")),
    ("Bind of a statement that does not exist", msg(b"B", b"\0no_such_stmt\0" + struct.pack("!hhh", 0, 0, 0)),
     ("26000",)),
    ("Execute of a portal that does not exist", msg(b"E", b"no_such_portal\0" + i32(0)), ("34000",)),
    ("Describe with subtype 'Z'", msg(b"D", b"Zx\0"), ("08P01",)),
    ("Close with subtype 'Z'", msg(b"C", b"Zx\0"), ("08P01",)),
    ("10 MB of random bytes", os.urandom(10 << 20), ("08P01",)),
    ("half a message, then close", b"Q" + i32(100) + b"SELECT", ("08P01",)),
]

# ---- run ----
try:
    good_conn = login()
    ok(True, "an honest session logs in and stays open through all cases")
except Exception as e:
    ok(False, "an honest session logs in", e)
    print("1..%d" % n)
    sys.exit(1)

for desc, data in cases_before:
    case_before_auth("before login: " + desc, data, startup_codes)
    good_session_check(desc)

for desc, data, codes in cases_after:
    if desc.startswith("half a message"):
        # send and hang up: nothing to read; the server must simply drop it
        c = login()
        c.send_raw(data)
        c.close()
        time.sleep(0.2)
        ok(True, "after login: " + desc)
    else:
        case_after_auth("after login: " + desc, data, codes)
    good_session_check(desc)

# many connections that hang up in the middle of the startup
socks = []
for i in range(200):
    try:
        s = socket.create_connection((host, int(port)), timeout=WAIT)
        s.sendall(i32(100)[:2 + (i % 3)])
        socks.append(s)
    except OSError:
        break
for s in socks:
    s.close()
ok(len(socks) == 200, "200 connections that hang up in the middle of a startup packet (%d opened)" % len(socks))
good_session_check("200 half-open connections")

ok(good_session_check("all cases"), "the honest session answered correctly after every case (%d queries)" % good_count)
good_conn.send(b"X")
good_conn.close()
print("1..%d" % n)
sys.exit(1 if failed else 0)
