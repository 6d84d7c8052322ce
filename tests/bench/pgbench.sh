#!/bin/bash
# pgbench.sh - protocol throughput benchmark (not a test): pgbench against kilnd and against a
# local PostgreSQL 15 in the same run, same machine, same client settings; prints TPS of each
# and the kiln / PostgreSQL ratio.
#
#   bash tests/bench/pgbench.sh [-T SECONDS] [-c CLIENTS] [-j THREADS] [-r REPEAT] [-M "simple extended prepared"] [--markdown]
#
# Defaults: -T 10 -c 16 -j 2 -r 1, all three protocols, script tests/bench/select1.sql:
#   pgbench -n -f select1.sql -M MODE -c 16 -j 2 -T 10
# Both servers run with trust authentication on 127.0.0.1 (TCP), PostgreSQL with fsync off.
# Runs alternate kiln / PostgreSQL per mode so that drifting machine load hits both alike.
# kilnd: $KILN_BUILD/kilnd (else $KILN_TOP/kilnd); KILN_BENCH_KILN_PORT=P benchmarks an already
# running kiln on 127.0.0.1:P instead. --markdown prints the result table for docs/BENCHMARKS.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/kiln.sh"

secs=10 clients=16 threads=2 repeat=1 modes="simple extended prepared" markdown=0
while [ $# -gt 0 ]; do
    case "$1" in
    -T) secs=$2; shift 2 ;;
    -c) clients=$2; shift 2 ;;
    -j) threads=$2; shift 2 ;;
    -r) repeat=$2; shift 2 ;;
    -M) modes=$2; shift 2 ;;
    --markdown) markdown=1; shift ;;
    *) echo "usage: $0 [-T s] [-c n] [-j n] [-r n] [-M modes] [--markdown]" >&2; exit 2 ;;
    esac
done
PGBENCH=$PG_BIN/pgbench
script=$here/select1.sql

kiln_tmpdir tmp bench
echo "machine: $(nproc) vCPU, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pgbench: $($PGBENCH --version)"

# ---- servers ----
kiln_port=
if [ -n "${KILN_BENCH_KILN_PORT:-}" ]; then
    kiln_port=$KILN_BENCH_KILN_PORT
    echo "kiln: already running on 127.0.0.1:$kiln_port"
elif kiln_start -c kiln.auth.method=trust -c kiln.log.level=warn; then
    kiln_port=$KILN_PORT
    echo "kiln: $(kiln_bin) on 127.0.0.1:$kiln_port ($("$(kiln_bin)" --version 2>&1 | head -1))"
else
    echo "kiln: kilnd did not start; only PostgreSQL is measured"
fi
pgref_start trust || { echo "PostgreSQL 15 did not start" >&2; exit 1; }
echo "postgres: $(psql -X -tA -h 127.0.0.1 -p "$PGREF_PORT" -U "$KILN_TEST_USER" -d "$KILN_TEST_DB" -c 'select version()' | cut -d' ' -f1-2) on 127.0.0.1:$PGREF_PORT (fsync off)"

run() { # run PORT MODE: prints TPS (integer) or "fail"
    local out
    out=$(timeout -k 5 $((secs + 60)) "$PGBENCH" -h 127.0.0.1 -p "$1" -U "$KILN_TEST_USER" -n -f "$script" -M "$2" \
        -c "$clients" -j "$threads" -T "$secs" "$KILN_TEST_DB" 2>&1)
    if [ $? -eq 0 ] && echo "$out" | grep -q '^number of failed transactions: 0 ' && ! echo "$out" | grep -q aborted; then
        echo "$out" | sed -n 's/^tps = \([0-9]*\)\..*/\1/p'
    else
        echo "$out" | grep -v '^progress' | tail -5 | sed 's/^/    /' >&2
        echo fail
    fi
}

declare -A kiln_tps pg_tps
for ((r = 1; r <= repeat; r++)); do
    for m in $modes; do
        k=n/a
        [ -n "$kiln_port" ] && k=$(run "$kiln_port" "$m")
        p=$(run "$PGREF_PORT" "$m")
        kiln_tps[$m]="${kiln_tps[$m]:-}${kiln_tps[$m]:+ }$k"
        pg_tps[$m]="${pg_tps[$m]:-}${pg_tps[$m]:+ }$p"
        echo "run $r -M $m: kiln $k TPS, PostgreSQL $p TPS"
    done
done

best() { # highest number in a list, or the first word if none is numeric
    local b= x
    for x in $1; do
        [[ $x =~ ^[0-9]+$ ]] && { [ -z "$b" ] || [ "$x" -gt "$b" ]; } && b=$x
    done
    echo "${b:-${1%% *}}"
}
ratio() {
    [[ $1 =~ ^[0-9]+$ ]] && [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo "n/a"
}

echo
echo "pgbench -n -f select1.sql -M MODE -c $clients -j $threads -T $secs (best of $repeat)"
if [ "$markdown" = 1 ]; then
    echo "| protocol | kiln TPS | PostgreSQL 15 TPS | kiln / PostgreSQL |"
    echo "|---|---|---|---|"
fi
for m in $modes; do
    k=$(best "${kiln_tps[$m]}")
    p=$(best "${pg_tps[$m]}")
    if [ "$markdown" = 1 ]; then
        echo "| $m | $k | $p | $(ratio "$k" "$p") |"
    else
        printf '%-9s kiln %8s TPS   PostgreSQL %8s TPS   ratio %s\n' "$m" "$k" "$p" "$(ratio "$k" "$p")"
    fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
