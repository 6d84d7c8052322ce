#!/bin/bash
# meta_mariadb.sh - the metastore on a real MariaDB: the whole unit suite
# (tests/unit/test_meta.c, including 4 writer processes x 1000 CAS
# increments), Kylin's JDBC-style URL, a clear 08006 while the server is
# down, and a kill -9 of MariaDB in the middle of writes: the writers ride
# through the restart without being restarted themselves, and the store
# holds exactly the committed writes, no half transaction.
#
# Installs nothing (tests/lib/install-deps.sh does); starts a private MariaDB
# on a free port under /tmp (tests/lib/mariadb.sh) and removes it on exit.
# Prints TAP lines. KILN_BUILD: the build directory (default: the source tree).
set -u
top=${KILN_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KILN_BUILD:-$top}
suite=$build/tests/unit/test_meta
tool=$build/tests/unit/test_meta_tool
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
now_ms() { date +%s%3N; }

if [ ! -x "$suite" ] || [ ! -x "$tool" ]; then
    make -C "$build" tests/unit/test_meta tests/unit/test_meta_tool >/dev/null 2>&1 ||
        { notok "build the metastore test programs in $build"; exit 1; }
fi

MDB_DIR=$(mktemp -d /tmp/kiln-meta-e2e.XXXXXX)
export MDB_DIR
unset MDB_PORT
mdb() { bash "$top/tests/lib/mariadb.sh" "$@"; }
writers=()
cleanup() {
    for p in "${writers[@]}"; do kill "$p" 2>/dev/null; done
    mdb destroy
}
trap cleanup EXIT

t0=$(now_ms)
if mdb start; then
    ok "private MariaDB started on port $(mdb port) in $(($(now_ms) - t0)) ms"
else
    notok "private MariaDB started"
    exit 1
fi
url=$(mdb url)
port=$(mdb port)

# 1. The same suite as make check, on MariaDB.
KILN_TEST_META_URL=$url "$suite" >"$MDB_DIR/suite.log" 2>&1
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$MDB_DIR/suite.log")
ran=0
while IFS= read -r line; do
    case "$line" in
    "ok "*) ran=$((ran + 1)); ok "mariadb: ${line#* - }" ;;
    "not ok "*) ran=$((ran + 1)); notok "mariadb: ${line#* - }" ;;
    "#"*) echo "$line" ;;
    esac
done <"$MDB_DIR/suite.log"
if [ -z "$plan" ] || [ "$ran" -ne "$plan" ]; then
    tail -20 "$MDB_DIR/suite.log"
    notok "mariadb: the suite ran all ${plan:-?} tests (ran $ran)"
fi

# 2. kylin.metadata.url exactly as Kylin writes it.
kylin_url="kylin_metadata@jdbc,url=jdbc:mysql://127.0.0.1:$port/olap_meta,username=olap,password=olap_pw,maxActive=10,maxIdle=10"
if out=$("$tool" ping "$kylin_url" 5000) && [ "$out" = ok ]; then
    ok "Kylin-style jdbc kylin.metadata.url opens the store"
else
    notok "Kylin-style jdbc kylin.metadata.url opens the store: $out"
fi

# 3. kill -9 in the middle of writes.
mdb sql -e "DROP DATABASE olap_meta; CREATE DATABASE olap_meta"
W=3
if ! "$tool" setup "$url" "$W"; then
    notok "crash test setup"
    exit 1
fi
stop="$MDB_DIR/stop"
for i in $(seq 0 $((W - 1))); do
    "$tool" writer "$url" "$i" "$stop" "$MDB_DIR/writer$i.out" 2>"$MDB_DIR/writer$i.err" &
    writers+=($!)
done
sleep 2
t_kill=$(now_ms)
mdb crash
echo "# MariaDB killed with SIGKILL while $W writers were committing"

# While it is down: a clear error, SQLSTATE 08006, naming the metastore, in bounded time.
out=$("$tool" ping "$url" 1500)
case "$out" in
"error 08006 metastore mysql://olap@127.0.0.1:$port/olap_meta is unavailable"*)
    ok "while MariaDB is down: $out" ;;
*) notok "while MariaDB is down: expected 08006 naming the metastore, got: $out" ;;
esac
sleep 1
t_restart=$(now_ms)
if mdb start; then
    ok "MariaDB restarted after kill -9 (crash recovery) in $(($(now_ms) - t_restart)) ms"
else
    notok "MariaDB restarted after kill -9"
fi
t_up=$(now_ms)
sleep 3
touch "$stop"
wrc=0
for p in "${writers[@]}"; do wait "$p" || wrc=1; done
writers=()
recovered=1
slowest=0
for i in $(seq 0 $((W - 1))); do
    f="$MDB_DIR/writer$i.out"
    [ -f "$f" ] || { recovered=0; echo "# writer $i wrote no tallies"; cat "$MDB_DIR/writer$i.err"; continue; }
    echo "# writer $i: $(tr '\n' ' ' <"$f")"
    grep -q 'after_outage=[1-9]' "$f" || recovered=0
    at=$(sed -n 's/.*recovered_at_ms=\([0-9]*\).*/\1/p' "$f")
    [ -n "$at" ] && [ "$at" -gt 0 ] && [ $((at - t_up)) -gt "$slowest" ] && slowest=$((at - t_up))
done
if [ "$recovered" = 1 ] && [ "$wrc" = 0 ]; then
    ok "writers in use during the crash recovered without restart: last one writing again $slowest ms after MariaDB was back (server down $((t_up - t_kill)) ms)"
else
    notok "writers in use during the crash recovered without restart"
    cat "$MDB_DIR"/writer*.err
fi
if grep -q 'catalog_ok=0' "$MDB_DIR"/writer*.out; then
    notok "catalog snapshots held through the outage stay intact; refresh works after it"
else
    ok "catalog snapshots held through the outage stay intact; refresh works after it"
fi
outs=()
for i in $(seq 0 $((W - 1))); do outs+=("$MDB_DIR/writer$i.out"); done
if v=$("$tool" verify "$url" "${outs[@]}"); then
    ok "store consistent after kill -9: $(echo "$v" | tr '\n' ' ')"
else
    notok "store consistent after kill -9: $(echo "$v" | tr '\n' ' ')"
fi

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
