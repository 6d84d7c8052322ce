#!/bin/bash
# limits.sh - hard limits and timeouts (tests/python/limits.py): the connection limit
# (53300 "sorry, too many clients already"), the message size limit (08P01, kiln only:
# PostgreSQL's is a fixed 1 GB), statement_timeout (57014), idle_in_transaction_session_timeout
# (FATAL 25P03), a long statement must not keep other sessions from connecting, and back-pressure: a client that stops reading a ~1 GB result must not grow
# the server's memory nor slow other sessions down.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

MAXCONN=5
MAXMSG=8192
kiln_tmpdir tmp limits
if [ -n "${KILN_TEST_PORT:-}" ]; then
    bail "limits.sh configures its own server; it cannot use an external one"
elif [ "${KILN_TEST_TARGET:-kiln}" = kiln ]; then
    SRV_KIND=kiln
    kiln_start -c kiln.auth.method=scram-sha-256 -c kiln.auth.users="$KILN_TEST_USER:$KILN_TEST_PASSWORD" \
        -c kiln.pg.max-connections=$MAXCONN -c kiln.pg.max-message-bytes=$MAXMSG || bail "cannot start kilnd"
    SRV_HOST=$KILN_HOST SRV_PORT=$KILN_PORT
    echo "$KILN_PID" >"$tmp/pid"
else
    SRV_KIND=postgres
    pgref_start scram-sha-256 || bail "cannot start PostgreSQL"
    pgref_conf "max_connections = $MAXCONN" "superuser_reserved_connections = 0" || bail "cannot restart PostgreSQL"
    SRV_HOST=$PGREF_HOST SRV_PORT=$PGREF_PORT
fi
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT"

lim() { # lim CHECK ARGS...: one limits.py check, relayed
    tmo "$SYS_PYTHON" "$here/../python/limits.py" "$SRV_HOST" "$SRV_PORT" "$KILN_TEST_USER" "$KILN_TEST_PASSWORD" \
        "$KILN_TEST_DB" "$@" >"$tmp/out" 2>&1
    local rc=$?
    tap_relay "$tmp/out"
    if [ $rc -ne 0 ] && ! grep -q '^not ok' "$tmp/out"; then
        not_ok "limits.py $1 exited with status $rc"
        tail -20 "$tmp/out" | diag
    fi
}

lim maxconn $MAXCONN
if [ "$SRV_KIND" = kiln ]; then
    lim maxmsg $MAXMSG
else
    skip "message size limit" "PostgreSQL's is a fixed 1 GB"
fi
lim long_query
lim statement_timeout
lim idle_tx_timeout
lim slow_reader "$tmp/pid"
if [ "$SRV_KIND" = kiln ]; then
    check "kilnd is still running" kill -0 "$KILN_PID"
fi
done_testing
