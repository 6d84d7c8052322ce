#!/bin/bash
# regress.sh - SQL regression tests through pg_regress (postgresql-client-15) against a
# running server: inputs sql/NAME.sql, expected tests/expected/NAME.out (NAME_1.out ... are
# accepted alternatives), names in tests/schedule.
#
#   bash tests/lib/regress.sh [OPTIONS] [NAME...]
#     --host H --port P --user U --dbname D   the server (default: PGHOST, PGPORT, PGUSER,
#                                             PGDATABASE; PGPASSWORD for the password)
#     --outdir DIR      where results/ and regression.diffs go (default: a new /tmp dir)
#     --oracle          start a reference PostgreSQL 15 (tests/lib/pgref.sh) and run against it
#     --accept          copy the results over tests/expected/ (only with --oracle: expected
#                       outputs come from PostgreSQL, never from kiln)
#   NAMEs given: run only those, one after another; else the whole schedule.
#
# pg_regress prints one line per test ("test NAME ... ok" / "FAILED"); the exit status is
# pg_regress's. pg_regress runs each file as `psql -X -a -q -d DB < sql/NAME.sql` with
# PGTZ=PST8PDT, PGDATESTYLE='Postgres, MDY' and PGAPPNAME=pg_regress/NAME in the environment,
# so a server must take timezone and datestyle from the startup packet.
# (PostgreSQL 15's pg_regress has no --expecteddir, hence the input dir of symlinks.)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

PG_REGRESS=${PG_REGRESS:-/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress}
host=${PGHOST:-127.0.0.1} port=${PGPORT:-} user=${PGUSER:-alice} db=${PGDATABASE:-kiln}
outdir= oracle=0 accept=0 names=()
while [ $# -gt 0 ]; do
    case "$1" in
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --dbname) db=$2; shift 2 ;;
    --outdir) outdir=$2; shift 2 ;;
    --oracle) oracle=1; shift ;;
    --accept) accept=1; shift ;;
    -*) echo "regress.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
    esac
done
if [ "$accept" = 1 ] && [ "$oracle" = 0 ]; then
    echo "regress.sh: --accept only with --oracle: expected outputs come from PostgreSQL" >&2
    exit 2
fi
[ -x "$PG_REGRESS" ] || { echo "regress.sh: $PG_REGRESS missing (package postgresql-client-15)" >&2; exit 2; }

if [ "$oracle" = 1 ]; then
    # shellcheck source=pgref.sh
    . "$here/pgref.sh"
    pgref_start scram-sha-256 || exit 2
    host=$PGREF_HOST port=$PGREF_PORT user=$KILN_TEST_USER db=$KILN_TEST_DB
    export PGPASSWORD=$KILN_TEST_PASSWORD
fi
[ -n "$port" ] || { echo "regress.sh: no server: give --port (or PGPORT), or --oracle" >&2; exit 2; }

if [ -z "$outdir" ]; then
    if [ "$accept" = 1 ]; then
        kiln_tmpdir outdir regress # removed at exit
    else
        outdir=$(mktemp -d /tmp/kiln-regress.XXXXXX) # kept: it holds the diffs
    fi
fi
mkdir -p "$outdir/input"
ln -sfn "$KILN_TOP/sql" "$outdir/input/sql"
ln -sfn "$KILN_TOP/tests/expected" "$outdir/input/expected"

sched=()
if [ ${#names[@]} -gt 0 ]; then
    sched=("${names[@]}")
else
    sched=(--schedule="$KILN_TOP/tests/schedule")
fi
# An expected file must exist for pg_regress to compare; a new test starts from an empty one.
for n in $(if [ ${#names[@]} -gt 0 ]; then printf '%s\n' "${names[@]}"; else sed -n 's/^test: *//p' "$KILN_TOP/tests/schedule" | tr ' ' '\n'; fi); do
    [ -e "$KILN_TOP/tests/expected/$n.out" ] || { [ "$accept" = 1 ] && : >"$KILN_TOP/tests/expected/$n.out"; }
done

"$PG_REGRESS" --use-existing --host="$host" --port="$port" --user="$user" --dbname="$db" \
    --bindir="$PG_BIN" --inputdir="$outdir/input" --outputdir="$outdir" --max-connections=20 "${sched[@]}"
rc=$?
if [ "$accept" = 1 ]; then
    for f in "$outdir"/results/*.out; do
        [ -f "$f" ] && cp "$f" "$KILN_TOP/tests/expected/" && echo "accepted $(basename "$f")"
    done
elif [ $rc -ne 0 ] && [ -f "$outdir/regression.diffs" ]; then
    echo "regress.sh: differences in $outdir/regression.diffs"
fi
exit $rc
