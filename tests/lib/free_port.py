#!/usr/bin/env python3
"""free_port.py [PORT...] - prints a TCP port that is free on 127.0.0.1 now, below the
kernel's ephemeral range (net.ipv4.ip_local_port_range), and not one of the PORTs given.

Why below that range: the port bind(0) hands out comes from the ephemeral range, and so
does the source port of every outgoing connection. In the seconds between picking a port
and a server binding it, a client connection (MariaDB, ZooKeeper, a node's REST call) can
take it as its source port, and the server fails with "address already in use" (seen in
cluster_e2e). Outgoing connections never use a port below the range."""
import random
import socket
import sys

taken = {int(a) for a in sys.argv[1:] if a.isdigit()}
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        first = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    first = 32768
low = 10000 if first > 12000 else 1024
for _ in range(1000):
    p = random.randrange(low, first)
    if p in taken:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
s = socket.socket()  # no luck below the range: what the kernel hands out
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
