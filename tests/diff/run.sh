#!/bin/bash
# run.sh - runs the differential corpus (tests/diff/queries) on a reference PostgreSQL 15
# and on a target server and prints TAP: "ok N - qNNN" / "not ok N - qNNN: reason".
#
#   tests/diff/run.sh --ref DSN --target DSN [diffrun.py options]
#   DIFF_REF=DSN DIFF_TARGET=DSN tests/diff/run.sh [options]
#
# DSN is a libpq connection string, e.g. "host=127.0.0.1 port=5433 dbname=kiln user=alice".
# Both servers must already hold the SSB tables loaded from the same .tbl files
# (contrib/ssb/postgres.sql for PostgreSQL, contrib/ssb/kiln.sql for kilnd);
# tests/e2e/diff_ssb.sh does all of it. Options: --only REGEX, --timeout S,
# --float-tol X, --no-strict-columns, --quiet, --check-corpus (reference only),
# --self-check (the comparer's own tests), --list. See diffrun.py.
# psycopg2 is only installed for /usr/bin/python3, hence the explicit interpreter.
set -u
here=$(cd "$(dirname "$0")" && pwd)
args=()
[ -n "${DIFF_REF:-}" ] && args+=(--ref "$DIFF_REF")
[ -n "${DIFF_TARGET:-}" ] && args+=(--target "$DIFF_TARGET")
exec "${SYS_PYTHON:-/usr/bin/python3}" "$here/diffrun.py" "${args[@]}" "$@"
