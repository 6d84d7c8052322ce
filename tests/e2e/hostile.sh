#!/bin/bash
# hostile.sh - malformed and hostile protocol input (tests/python/hostile.py: absurd lengths,
# bad startup packets, garbage and truncated messages, counts past the bytes sent) while
# well-behaved clients run: an honest session inside hostile.py checks an answer after every
# case, and pgbench runs alongside in the extended protocol. Each hostile connection must get
# an ErrorResponse (08P01 for framing errors) and be closed, or be closed; the others must
# not notice. For kilnd, the same process must still be running at the end.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

server_start scram-sha-256 || server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT ($SRV_METHOD)"
pid0=${KILN_PID:-}
kiln_tmpdir tmp hostile

tmo "$PG_BIN/pgbench" -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -n -f "$KILN_TOP/tests/bench/select1.sql" \
    -M extended -c 2 -j 1 -T "${KILN_HOSTILE_PGBENCH_SECONDS:-6}" "$SRV_DB" >"$tmp/pgbench.out" 2>&1 &
bench=$!
sleep 0.5

tmo "$SYS_PYTHON" "$here/../python/hostile.py" "$SRV_HOST" "$SRV_PORT" "$SRV_USER" "$SRV_PASSWORD" "$SRV_DB" >"$tmp/out" 2>&1
rc=$?
tap_relay "$tmp/out"
if [ $rc -ne 0 ] && [ "$TAP_FAILED" -eq 0 ]; then
    not_ok "hostile.py exited with status $rc after $TAP_RELAYED checks"
    tail -30 "$tmp/out" | diag
fi

wait $bench
rc=$?
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$tmp/pgbench.out")
if [ $rc -eq 0 ] && [ "${processed:-0}" -gt 0 ] && grep -q '^number of failed transactions: 0 ' "$tmp/pgbench.out" &&
    ! grep -q aborted "$tmp/pgbench.out"; then
    ok "pgbench alongside the hostile clients: $processed transactions, none failed"
else
    not_ok "pgbench alongside the hostile clients (exit $rc)"
    diag <"$tmp/pgbench.out"
fi

out=$(psql -X -tA -c 'select 6 * 7' 2>&1)
is "$out" 42 "a new psql session works afterwards"
if [ -n "$pid0" ]; then
    check "kilnd (pid $pid0) is still the same process" kill -0 "$pid0"
    if grep -qiE 'AddressSanitizer|runtime error|assert|segfault|core dumped' "$SRV_LOG"; then
        not_ok "kilnd's log is free of sanitizer reports and assertion failures"
        grep -iE -m 20 'AddressSanitizer|runtime error|assert|segfault|core dumped' "$SRV_LOG" | diag
    else
        ok "kilnd's log is free of sanitizer reports and assertion failures"
    fi
fi
done_testing
