"""notice_times.py - when each message of a statement's answer arrives.

    python3 notice_times.py HOST PORT USER DB MODE SQL [PAUSE]

Connects with trust or cleartext password (PGPASSWORD), sends SQL as a simple
Query (MODE simple) or as Parse/Bind/Describe/Execute/Sync (MODE extended),
and prints one line per backend message until ReadyForQuery:

    SECONDS TYPE TEXT

SECONDS is when the message arrived, counted from the moment SQL was sent;
TYPE is the message letter (N NoticeResponse, C CommandComplete, E error,
Z ReadyForQuery, ...); TEXT is the message's M field for N and E, the tag for
C. With PAUSE the client reads nothing for PAUSE seconds after sending (a
client that does not read); the times are then those of the socket reads.
tests/e2e/notice_progress.sh uses it to check that a REFRESH's progress
NOTICEs arrive while it runs.
"""
import os
import socket
import struct
import sys
import time


def msg(kind, body=b""):
    return kind + struct.pack("!I", len(body) + 4) + body


def cstr(s):
    return s.encode() + b"\0"


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, int(port)), timeout=600)
        self.buf = b""

    def read_msg(self):
        while True:
            if len(self.buf) >= 5:
                n = struct.unpack("!I", self.buf[1:5])[0]
                if len(self.buf) >= n + 1:
                    kind, body = self.buf[:1], self.buf[5:n + 1]
                    self.buf = self.buf[n + 1:]
                    return kind.decode(), body
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("server closed the connection")
            self.buf += data


def fields(body):
    out = {}
    for f in body.split(b"\0"):
        if f:
            out[chr(f[0])] = f[1:].decode(errors="replace")
    return out


def main():
    host, port, user, db, mode, sql = sys.argv[1:7]
    pause = float(sys.argv[7]) if len(sys.argv) > 7 else 0
    c = Conn(host, port)
    body = struct.pack("!I", 196608) + cstr("user") + cstr(user) + cstr("database") + cstr(db) + b"\0"
    c.sock.sendall(struct.pack("!I", len(body) + 4) + body)
    while True:
        kind, body = c.read_msg()
        if kind == "R" and struct.unpack("!I", body[:4])[0] == 3:
            c.sock.sendall(msg(b"p", cstr(os.environ.get("PGPASSWORD", ""))))
        elif kind == "E":
            sys.exit("startup failed: " + fields(body).get("M", "?"))
        elif kind == "Z":
            break
    if mode == "simple":
        out = msg(b"Q", cstr(sql))
    else:
        out = (msg(b"P", cstr("") + cstr(sql) + struct.pack("!H", 0)) +
               msg(b"B", cstr("") + cstr("") + struct.pack("!HHH", 0, 0, 0)) +
               msg(b"D", b"P" + cstr("")) +
               msg(b"E", cstr("") + struct.pack("!I", 0)) +
               msg(b"S"))
    t0 = time.monotonic()
    c.sock.sendall(out)
    if pause:
        time.sleep(pause)
    while True:
        kind, body = c.read_msg()
        t = time.monotonic() - t0
        if kind in "NE":
            text = fields(body).get("M", "")
        elif kind == "C":
            text = body.rstrip(b"\0").decode()
        else:
            text = ""
        print("%.3f %s %s" % (t, kind, text), flush=True)
        if kind == "Z":
            break
    c.sock.sendall(msg(b"X"))
    c.sock.close()


if __name__ == "__main__":
    main()
