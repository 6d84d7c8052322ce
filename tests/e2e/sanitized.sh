#!/bin/bash
# sanitized.sh - the real clients and the hostile input against a kilnd built with AddressSanitizer
# and UBSan (tests/run's asan stage builds it in build/asan; KILN_ASAN_BUILD=DIR names another).
# The clients' own answers are checked by the other scripts; here what counts is the server: no
# sanitizer report while psql, pgjdbc-like extended traffic, pgbench, the protocol scenarios and
# the hostile cases run, and a clean exit (status 0, which includes LeakSanitizer's verdict) on
# SIGTERM.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

asan_kilnd "clients" 1
asan=$ASAN_BUILD
KILN_BUILD=$asan
server_start scram-sha-256 || bail "cannot start the ASan kilnd"
diag "server: ASan/UBSan kilnd on $SRV_HOST:$SRV_PORT"
pid=$KILN_PID
kiln_tmpdir tmp sanitized

sanitizer_report() { grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$SRV_LOG"; }
after() { # after WHAT: the server is alive and its log has no sanitizer report
    if sanitizer_report; then
        not_ok "no sanitizer report after $1"
        grep -E -A25 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$SRV_LOG" | head -60 | diag
        done_testing
    elif ! kill -0 "$pid" 2>/dev/null; then
        not_ok "the ASan kilnd survives $1"
        tail -30 "$SRV_LOG" | diag
        done_testing
    else
        ok "no sanitizer report after $1"
    fi
}

psql -X -q >"$tmp/psql.out" 2>&1 <<'SQL'
SELECT 1;
SELECT 1 + 1, 'a' || 'b', 1.5::numeric * 2, NULL, true;
BEGIN;
SELECT 1/0;
SELECT 1;
ROLLBACK;
SET application_name = 'sanitized';
SHOW application_name;
RESET ALL;
SELEC 1;
SELECT no_such_function(1);
SELECT 1 \; SELECT 2 \; SELECT 1/0;
PREPARE q(int) AS SELECT $1 * 2;
EXECUTE q(21);
DEALLOCATE q;
DISCARD ALL;
SQL
after "a psql session with errors, transactions, SET, PREPARE"

for py in protocol_diff.py hostile.py; do
    # (the long-running cancel scenario is left out: it costs a minute under ASan)
    tmo "$SYS_PYTHON" "$here/../python/$py" "$SRV_HOST" "$SRV_PORT" "$SRV_USER" "$SRV_PASSWORD" "$SRV_DB" \
        $([ $py = protocol_diff.py ] && echo -cancel_running_query) >"$tmp/$py.out" 2>&1
    after "$py"
done

for mode in simple extended prepared; do
    tmo "$PG_BIN/pgbench" -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -n -f "$KILN_TOP/tests/bench/select1.sql" \
        -M "$mode" -c 8 -j 2 -T 2 "$SRV_DB" >"$tmp/pgbench.out" 2>&1
done
tmo "$PG_BIN/pgbench" -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -n -f "$KILN_TOP/tests/bench/select1.sql" \
    -C -c 4 -j 2 -T 2 "$SRV_DB" >"$tmp/pgbench.out" 2>&1
after "pgbench in the three protocols and with a connection per transaction"

kiln_stop
rc=$?
is "$rc" 0 "the ASan kilnd exits 0 on SIGTERM (no leak report, no sanitizer error at exit)"
if sanitizer_report; then
    not_ok "no sanitizer report at shutdown"
    grep -E -A25 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$SRV_LOG" | head -60 | diag
else
    ok "no sanitizer report at shutdown"
fi
done_testing
