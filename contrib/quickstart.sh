#!/bin/bash
# quickstart.sh - one command for a new user on a fresh Debian 12 machine:
# installs what is missing (apt-get), builds kiln, and starts one kilnd on the
# embedded default (SQLite metastore under ./data, no MySQL, no ZooKeeper),
# listening on 127.0.0.1:5433 for psql. Stop it with: kill $(cat data/kilnd.pid)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash tests/lib/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null
mkdir -p data
if [ -f data/kilnd.pid ] && kill -0 "$(cat data/kilnd.pid)" 2>/dev/null; then
    echo "kilnd already running (pid $(cat data/kilnd.pid))"
else
    nohup ./kilnd -c kiln.data-dir="$top/data" >data/kilnd.log 2>&1 &
    echo $! >data/kilnd.pid
fi
for _ in $(seq 1 100); do
    pg_isready -q -h 127.0.0.1 -p 5433 && break
    sleep 0.1
done
if ! pg_isready -q -h 127.0.0.1 -p 5433; then
    echo "kilnd did not start; see data/kilnd.log" >&2
    tail -20 data/kilnd.log >&2
    exit 1
fi
echo "kilnd is running (pid $(cat data/kilnd.pid)); connect with: psql -h 127.0.0.1 -p 5433 kiln"
