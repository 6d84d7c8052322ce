#!/bin/sh
# scan_bench.sh - source-file scan throughput (src/catalog/filescan.c): MB/s on
# one core for the SSB tables at a scale factor (default 1), all columns
# converted and a 3-column projection. A benchmark, not a test.
#
#   tests/bench/scan_bench.sh [BUILD_DIR] [SF]
# BUILD_DIR holds kiln-ssbgen and tests/bench/scan_bench (make tests/bench/scan_bench).
set -e
build=${1:-.}
sf=${2:-1}
data=${SSB_DIR:-/tmp/kiln-ssb-sf$sf}
bench="$build/tests/bench/scan_bench"
[ -x "$bench" ] || { echo "build $bench first (make tests/bench/scan_bench)" >&2; exit 2; }
if [ ! -f "$data/lineorder.tbl" ]; then
    "$build/kiln-ssbgen" -s "$sf" -o "$data" >/dev/null
fi
cat "$data"/*.tbl > /dev/null # page cache: measure parsing, not the disk
echo "scan throughput, one core, SSB SF $sf ($(nproc) cores, $(uname -m))"
for t in lineorder customer part supplier; do
    printf '%-10s all columns: ' "$t"
    taskset -c 0 "$bench" "$data/$t.tbl" "$t" csv '|' | sed 's/^[^:]*: //'
done
t=date
printf '%-10s all columns: ' dates
taskset -c 0 "$bench" "$data/$t.tbl" dates csv '|' | sed 's/^[^:]*: //'
printf '%-10s 3 columns:   ' lineorder
taskset -c 0 "$bench" "$data/lineorder.tbl" lineorder csv '|' 0,5,12 | sed 's/^[^:]*: //'
for i in 1 2 3; do # MB/s per core is from CPU time; wall time depends on the load
    printf 'lineorder  run %d:       ' "$i"
    taskset -c 0 "$bench" "$data/lineorder.tbl" lineorder csv '|' | sed 's/^[^:]*: //'
done
