#!/bin/bash
# psycopg2.sh - Debian's python3-psycopg2 (libpq, simple protocol, client-side parameters,
# implicit BEGIN) against the server: tests/python/psycopg2_test.py under /usr/bin/python3.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

"$SYS_PYTHON" -c 'import psycopg2' 2>/dev/null || bail "no psycopg2 for $SYS_PYTHON (package python3-psycopg2)"
server_start md5 || server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT ($SRV_METHOD)"
kiln_tmpdir tmp psycopg2
tmo "$SYS_PYTHON" "$here/../python/psycopg2_test.py" "$SRV_HOST" "$SRV_PORT" "$SRV_DB" "$SRV_USER" "$SRV_PASSWORD" "$SRV_METHOD" \
    >"$tmp/out" 2>&1
rc=$?
tap_relay "$tmp/out"
if [ $rc -ne 0 ] && [ "$TAP_FAILED" -eq 0 ]; then
    not_ok "psycopg2_test.py exited with status $rc after $TAP_RELAYED checks"
    tail -30 "$tmp/out" | diag
fi
check "$SRV_KIND still accepts connections" server_alive
done_testing
