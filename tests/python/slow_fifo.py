"""slow_fifo.py - feeds FILE into the named pipe FIFO slowly, again for every reader.

    python3 slow_fifo.py FIFO FILE SECONDS

Each time a reader opens FIFO it gets the whole of FILE, spread over about
SECONDS (tests/e2e/cluster_e2e.sh: a cube build that lasts long enough to kill
its node mid-build). A reader that goes away mid-stream (killed) ends that
copy; the next reader starts from the beginning. Runs until killed.
"""
import os
import sys
import time

fifo, path, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = open(path, "rb").read()
steps = 50
chunk = max(1, len(data) // steps + 1)
while True:
    try:
        with open(fifo, "wb") as out:  # blocks until a reader opens the pipe
            for i in range(0, len(data), chunk):
                out.write(data[i:i + chunk])
                out.flush()
                time.sleep(secs / steps)
    except BrokenPipeError:
        pass
    time.sleep(0.05)
