"""cancel_cross.py - a CancelRequest sent to another node than the query's.

    python3 cancel_cross.py QUERY_HOST:PORT CANCEL_HOST:PORT [SQL]

Opens a PostgreSQL-protocol session on QUERY (trust authentication, user and
database kiln), notes its BackendKeyData, starts SQL (default: a long count
over generate_series), then sends PostgreSQL's CancelRequest with that pid and
key to CANCEL, as a client behind a load balancer may. Prints one line:
"SQLSTATE MS" (the error the query ended with and the milliseconds from the
cancel to it), or "completed MS" / "timeout" / "error TEXT". Raw sockets: no
driver needed, so the test sees exactly the packets libpq's PQcancel sends.
"""
import socket
import struct
import sys
import time

SQL = "select count(*) from generate_series(1, 2000000000) g"


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def read_msg(sock):
    head = b""
    while len(head) < 5:
        chunk = sock.recv(5 - len(head))
        if not chunk:
            raise EOFError("connection closed")
        head += chunk
    kind, length = head[:1], struct.unpack("!I", head[1:])[0]
    body = b""
    while len(body) < length - 4:
        chunk = sock.recv(length - 4 - len(body))
        if not chunk:
            raise EOFError("connection closed")
        body += chunk
    return kind, body


def main():
    qaddr, caddr = addr(sys.argv[1]), addr(sys.argv[2])
    sql = sys.argv[3] if len(sys.argv) > 3 else SQL
    s = socket.create_connection(qaddr, timeout=30)
    params = b"user\0kiln\0database\0kiln\0\0"
    s.sendall(struct.pack("!II", 8 + len(params), 196608) + params)
    pid = key = None
    while True:
        kind, body = read_msg(s)
        if kind == b"K":
            pid, key = struct.unpack("!II", body)
        elif kind == b"E":
            print("error startup " + body.decode(errors="replace"))
            return 1
        elif kind == b"Z":
            break
    if pid is None:
        print("error no BackendKeyData")
        return 1
    q = sql.encode() + b"\0"
    s.sendall(b"Q" + struct.pack("!I", 4 + len(q)) + q)
    time.sleep(0.7)  # the statement is running now
    c = socket.create_connection(caddr, timeout=5)
    c.sendall(struct.pack("!IIII", 16, 80877102, pid, key))
    t0 = time.monotonic()
    c.close()
    s.settimeout(15)
    try:
        while True:
            kind, body = read_msg(s)
            ms = int((time.monotonic() - t0) * 1000)
            if kind == b"E":
                fields = dict((f[:1], f[1:]) for f in body.split(b"\0") if f)
                print("%s %d" % (fields.get(b"C", b"?").decode(), ms))
                return 0
            if kind == b"C":
                print("completed %d" % ms)
                return 0
    except socket.timeout:
        print("timeout")
        return 0


sys.exit(main())
