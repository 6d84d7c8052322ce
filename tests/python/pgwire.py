"""pgwire.py - a minimal PostgreSQL protocol 3.0 client for tests (standard library only).

It speaks the protocol byte by byte so tests can see what libpq hides (the
authentication request a server sends, every field of an ErrorResponse, the
ReadyForQuery status) and can send what no library would (see e2e/hostile.sh).

    c = Conn(host, port)
    c.startup(user="alice", database="kiln")       # StartupMessage
    c.authenticate("secret")                        # cleartext, md5 or SCRAM-SHA-256
    c.auth_kind                                     # "ok" | "cleartext" | "md5" | "scram-sha-256"
    results, status = c.simple_query("SELECT 1")    # status: b"I", b"T" or b"E"
    c.close()

Errors from the server raise PgError, whose .fields maps field codes to values
("S", "V", "C", "M", "D", "H", "P"...).
"""
import base64
import hashlib
import hmac
import os
import socket
import struct

PROTOCOL_3_0 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102


class PgError(Exception):
    def __init__(self, fields):
        self.fields = fields
        super().__init__("%s %s: %s" % (fields.get("S"), fields.get("C"), fields.get("M")))

    @property
    def sqlstate(self):
        return self.fields.get("C")


class ProtocolError(Exception):
    pass


def parse_fields(payload):
    """Fields of an ErrorResponse or NoticeResponse payload."""
    fields = {}
    i = 0
    while i < len(payload) and payload[i] != 0:
        code = chr(payload[i])
        end = payload.index(b"\0", i + 1)
        fields[code] = payload[i + 1:end].decode("utf-8", "replace")
        i = end + 1
    return fields


def cstr(s):
    return s.encode() + b"\0"


class Conn:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buf = b""
        self.auth_kind = None
        self.params = {}
        self.backend_key = None
        self.notices = []

    # ---- raw I/O ----
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, mtype, payload=b""):
        self.sock.sendall(mtype + struct.pack("!i", len(payload) + 4) + payload)

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def recv_byte(self):
        """One byte (the answer to SSLRequest / GSSENCRequest); None at EOF."""
        if not self._fill(1):
            return None
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def recv(self):
        """(type, payload) of the next message, or None when the server closed the connection."""
        if not self._fill(5):
            return None
        mtype = self.buf[:1]
        (length,) = struct.unpack("!i", self.buf[1:5])
        if length < 4 or length > 1 << 30:
            raise ProtocolError("bad length %d in message %r" % (length, mtype))
        if not self._fill(1 + length):
            return None
        payload = self.buf[5:1 + length]
        self.buf = self.buf[1 + length:]
        return mtype, payload

    def recv_all(self):
        """Every message until the server closes (or the timeout passes: socket.timeout)."""
        msgs = []
        while True:
            m = self.recv()
            if m is None:
                return msgs
            msgs.append(m)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- startup and authentication ----
    def startup(self, version=PROTOCOL_3_0, **params):
        body = struct.pack("!i", version)
        for k, v in params.items():
            body += cstr(k) + cstr(v)
        body += b"\0"
        self.send_raw(struct.pack("!i", len(body) + 4) + body)
        self.user = params.get("user", "")

    def authenticate(self, password=None):
        """Answers authentication requests until ReadyForQuery; raises PgError on ErrorResponse."""
        scram = None
        while True:
            m = self.recv()
            if m is None:
                raise ProtocolError("server closed the connection during authentication")
            mtype, p = m
            if mtype == b"E":
                raise PgError(parse_fields(p))
            if mtype == b"N":
                self.notices.append(parse_fields(p))
            elif mtype == b"R":
                (code,) = struct.unpack("!i", p[:4])
                if code == 0:
                    self.auth_kind = self.auth_kind or "ok"
                elif code == 3:
                    self.auth_kind = "cleartext"
                    self.send(b"p", cstr(password or ""))
                elif code == 5:
                    self.auth_kind = "md5"
                    salt = p[4:8]
                    inner = hashlib.md5((password or "").encode() + self.user.encode()).hexdigest()
                    outer = hashlib.md5(inner.encode() + salt).hexdigest()
                    self.send(b"p", cstr("md5" + outer))
                elif code == 10:
                    mechs = [x.decode() for x in p[4:].split(b"\0") if x]
                    if "SCRAM-SHA-256" not in mechs:
                        raise ProtocolError("no SCRAM-SHA-256 among %r" % mechs)
                    self.auth_kind = "scram-sha-256"
                    scram = _Scram(password or "")
                    first = scram.client_first()
                    self.send(b"p", cstr("SCRAM-SHA-256") + struct.pack("!i", len(first)) + first)
                elif code == 11:
                    self.send(b"p", scram.client_final(p[4:]))
                elif code == 12:
                    scram.verify_server_final(p[4:])
                else:
                    raise ProtocolError("unsupported authentication request %d" % code)
            elif mtype == b"S":
                k, v = p.split(b"\0")[:2]
                self.params[k.decode()] = v.decode()
            elif mtype == b"K":
                self.backend_key = struct.unpack("!ii", p[:8])
            elif mtype == b"v":
                # NegotiateProtocolVersion: newest minor version supported, options not recognized
                self.negotiated = p
            elif mtype == b"Z":
                return p
            else:
                raise ProtocolError("unexpected message %r during startup" % mtype)

    # ---- queries ----
    def simple_query(self, sql):
        """Sends Query; returns ([(command_tag, rows)], ready_status). Rows are lists of str/None.
        An ErrorResponse is returned in place of a result as PgError(...)."""
        self.send(b"Q", cstr(sql))
        return self.read_results()

    def read_results(self):
        results = []
        rows = []
        while True:
            m = self.recv()
            if m is None:
                raise ProtocolError("server closed the connection")
            mtype, p = m
            if mtype == b"T":
                rows = []
            elif mtype == b"D":
                (n,) = struct.unpack("!h", p[:2])
                i = 2
                row = []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", p[i:i + 4])
                    i += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(p[i:i + ln].decode())
                        i += ln
                rows.append(row)
            elif mtype == b"C":
                results.append((p.rstrip(b"\0").decode(), rows))
                rows = []
            elif mtype == b"I":
                results.append(("", []))
            elif mtype == b"E":
                results.append(PgError(parse_fields(p)))
            elif mtype == b"N":
                self.notices.append(parse_fields(p))
            elif mtype == b"S":
                k, v = p.split(b"\0")[:2]
                self.params[k.decode()] = v.decode()
            elif mtype == b"Z":
                return results, p
            elif mtype in (b"1", b"2", b"3", b"n", b"s", b"t"):
                results.append((mtype.decode(), []))
            else:
                raise ProtocolError("unexpected message %r" % mtype)


class _Scram:
    """Client side of SCRAM-SHA-256 (RFC 5802/7677) as libpq does it: no channel binding."""

    def __init__(self, password):
        self.password = password.encode()
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = "n=,r=" + self.nonce

    def client_first(self):
        return ("n,," + self.first_bare).encode()

    def client_final(self, server_first):
        self.server_first = server_first.decode()
        attrs = dict(kv.split("=", 1) for kv in self.server_first.split(","))
        if not attrs["r"].startswith(self.nonce):
            raise ProtocolError("server nonce does not extend ours")
        salt = base64.b64decode(attrs["s"])
        iters = int(attrs["i"])
        self.salted = hashlib.pbkdf2_hmac("sha256", self.password, salt, iters)
        client_key = hmac.new(self.salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        final_wo_proof = "c=biws,r=" + attrs["r"]
        self.auth_message = (self.first_bare + "," + self.server_first + "," + final_wo_proof).encode()
        sig = hmac.new(stored_key, self.auth_message, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, sig))
        return (final_wo_proof + ",p=" + base64.b64encode(proof).decode()).encode()

    def verify_server_final(self, data):
        server_key = hmac.new(self.salted, b"Server Key", hashlib.sha256).digest()
        want = hmac.new(server_key, self.auth_message, hashlib.sha256).digest()
        got = dict(kv.split("=", 1) for kv in data.decode().split(","))
        if base64.b64decode(got.get("v", "")) != want:
            raise ProtocolError("bad server signature in SCRAM final message")
