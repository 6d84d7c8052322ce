#!/bin/bash
# protocol.sh - differential protocol test: tests/python/protocol_diff.py plays scenarios of raw
# protocol 3.0 exchanges (simple and extended query, transaction status, Describe, row limits and
# PortalSuspended, error recovery up to Sync, binary formats, NegotiateProtocolVersion,
# ParameterStatus reports, SQL PREPARE/EXECUTE, pipelining, cancel, Terminate) against a reference
# PostgreSQL 15 and against the server under test; each scenario passes when the normalized
# transcripts are identical, message by message.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

kiln_tmpdir tmp protocol
py() { tmo "$SYS_PYTHON" "$here/../python/protocol_diff.py" "$@"; }

# the oracle's transcript
pgref_start scram-sha-256 || bail "cannot start the reference PostgreSQL"
py "$PGREF_HOST" "$PGREF_PORT" "$KILN_TEST_USER" "$KILN_TEST_PASSWORD" "$KILN_TEST_DB" >"$tmp/pg.txt" 2>&1 ||
    bail "protocol_diff.py failed against PostgreSQL: $(tail -3 "$tmp/pg.txt")"
pgref_stop

server_start scram-sha-256 || server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT ($SRV_METHOD)"
py "$SRV_HOST" "$SRV_PORT" "$SRV_USER" "$SRV_PASSWORD" "$SRV_DB" >"$tmp/srv.txt" 2>&1

split() { # split FILE DIR: one file per scenario
    mkdir -p "$2"
    awk -v d="$2" '/^=== scenario / { f = d "/" $3 } f { print > f }' "$1"
}
split "$tmp/pg.txt" "$tmp/pg"
split "$tmp/srv.txt" "$tmp/srv"
for f in "$tmp"/pg/*; do
    name=$(basename "$f")
    if [ ! -f "$tmp/srv/$name" ]; then
        not_ok "$name: no transcript from $SRV_KIND"
        tail -5 "$tmp/srv.txt" | diag
    elif diff -u --label postgresql --label "$SRV_KIND" "$f" "$tmp/srv/$name" >"$tmp/diff"; then
        ok "$name: same messages as PostgreSQL 15"
    else
        not_ok "$name: same messages as PostgreSQL 15"
        head -40 "$tmp/diff" | diag
    fi
done
check "$SRV_KIND still accepts connections" server_alive
done_testing
