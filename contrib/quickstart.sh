#!/bin/bash
# quickstart.sh - one command for a new user on a fresh Debian 12 machine:
# installs what is missing (apt-get), builds kiln, starts one kilnd on the
# embedded default (SQLite metastore under ./data, no MySQL, no ZooKeeper),
# listening on 127.0.0.1:5433 for psql, generates Star Schema Benchmark data
# (scale factor $KILN_SSB_SF, default 0.1), declares the source tables, and
# creates and builds Kylin's SSB cube, so the first query is answered from it.
# Stop the node with: kill $(cat data/kilnd.pid)
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

# Sample data and the sample cube, once.
sf=${KILN_SSB_SF:-0.1}
psql_k() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5433 kiln "$@"; }
if ! psql_k -tAc "select 1 from pg_class where relname = 'lineorder'" | grep -q 1; then
    echo "generating SSB data at scale factor $sf into data/ssb"
    ./kiln-ssbgen -s "$sf" -o "$top/data/ssb" -q
    sed "s|@SSB_DIR@|$top/data/ssb|g" contrib/ssb/kiln.sql | psql_k
fi
if ! psql_k -tAc "select 1 from pg_class where relname = 'ssb_cube'" | grep -q 1; then
    echo "creating the sample cube ssb_cube (Kylin's SSB design); CREATE MATERIALIZED VIEW builds it"
    psql_k -f contrib/ssb/cube.sql
fi
echo "kilnd is running (pid $(cat data/kilnd.pid)); connect with: psql -h 127.0.0.1 -p 5433 kiln"
echo "try: psql -h 127.0.0.1 -p 5433 kiln -f contrib/ssb/queries/q2.1.sql   (EXPLAIN shows the cube)"
