#!/bin/bash
# pgbench.sh - pgbench 15 against the server, as a test (the benchmark is tests/bench/pgbench.sh):
# `-n -f select1.sql` in the simple, extended and prepared protocols with 8 clients; a script
# whose parameter the server must type itself ($1 with no declared type) and whose results
# pgbench checks with \gset/\if; a transaction block script; a new connection per transaction.
# A check passes when pgbench exits 0, processed transactions > 0, failed = 0, no client aborted.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

PGBENCH=${PGBENCH:-$PG_BIN/pgbench}
SECS=${KILN_PGBENCH_SECONDS:-3}
[ -x "$PGBENCH" ] || bail "no $PGBENCH (package postgresql-15)"

server_start scram-sha-256 || server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT ($SRV_METHOD)"
kiln_tmpdir tmp pgbench

cat >"$tmp/param.sql" <<'SQL'
\set x random(1, 1000000)
SELECT :x + 1 AS y, :x * 2 AS z \gset
\if :y <> :x + 1 or :z <> 2 * :x
SELECT 'wrong answer' / 0;
\endif
SQL
cat >"$tmp/txn.sql" <<'SQL'
BEGIN;
SELECT 1;
SELECT 2;
END;
SQL

bench() { # bench DESC PGBENCH-ARGS...: runs pgbench, one TAP line
    local desc=$1 rc out processed failed
    shift
    tmo "$PGBENCH" -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -n "$@" "$SRV_DB" >"$tmp/out" 2>&1
    rc=$?
    out=$(cat "$tmp/out")
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$tmp/out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$tmp/out")
    if [ $rc -eq 0 ] && [ "${processed:-0}" -gt 0 ] && [ "$failed" = 0 ] && ! grep -q 'aborted' "$tmp/out"; then
        ok "$desc: $processed transactions, 0 failed, $(sed -n 's/^tps = \([0-9]*\).*/\1/p' "$tmp/out") TPS"
    else
        not_ok "$desc (exit $rc, processed ${processed:-?}, failed ${failed:-?})"
        grep -v '^progress' "$tmp/out" | head -30 | diag
    fi
}

cp "$KILN_TOP/tests/bench/select1.sql" "$tmp/select1.sql"
for mode in simple extended prepared; do
    bench "pgbench -M $mode -c 8 -j 2 -f select1.sql" -f "$tmp/select1.sql" -M "$mode" -c 8 -j 2 -T "$SECS"
done
bench "pgbench -M prepared, untyped parameter, answers checked" -f "$tmp/param.sql" -M prepared -c 4 -j 2 -T "$SECS"
bench "pgbench -M extended, untyped parameter, answers checked" -f "$tmp/param.sql" -M extended -c 4 -j 2 -T "$SECS"
bench "pgbench -M simple, transaction blocks" -f "$tmp/txn.sql" -M simple -c 4 -j 2 -T "$SECS"
bench "pgbench -M extended with 64 clients" -f "$tmp/select1.sql" -M extended -c 64 -j 2 -T "$SECS"
bench "pgbench -C (a new connection and login per transaction)" -f "$tmp/select1.sql" -M simple -C -c 4 -j 2 -T "$SECS"

# the answer check above can fail: the same script expecting a wrong answer must abort
sed 's/:y <> :x + 1/:y <> :x + 2/' "$tmp/param.sql" >"$tmp/bad.sql"
tmo "$PGBENCH" -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -n -f "$tmp/bad.sql" -M prepared -c 1 -t 1 "$SRV_DB" >"$tmp/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'aborted' "$tmp/out"; then
    ok "the answer check works: a script expecting a wrong answer aborts (exit $rc)"
else
    not_ok "the answer check works: a script expecting a wrong answer aborts (exit $rc)"
    diag <"$tmp/out"
fi
check "$SRV_KIND still accepts connections" server_alive
done_testing
