#!/bin/bash
# introspect_sqlalchemy.sh - SQLAlchemy's inspector (Debian's python3-sqlalchemy with
# psycopg2, under /usr/bin/python3): get_schema_names, get_table_names /
# get_foreign_table_names, get_columns (name, type, nullable, default), get_pk_constraint
# and get_view_names list the SSB source tables on kilnd exactly as on PostgreSQL 15 with
# the same DDL (contrib/ssb/kiln.sql over file_fdw): tests/python/introspect_sqlalchemy.py
# prints one canonical line per item on each server and the outputs are compared.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

PY=${SYS_PYTHON:-/usr/bin/python3}
"$PY" -c 'import sqlalchemy, psycopg2' 2>/dev/null || bail "no sqlalchemy/psycopg2 for $PY (python3-sqlalchemy, python3-psycopg2)"

kiln_tmpdir work introspect-sqlalchemy
check "kiln-ssbgen -s 0.01" ssb_generate 0.01 "$work/ssb" || bail "cannot generate SSB data"

# The oracle: PostgreSQL 15, file_fdw usable by the test user, the same DDL.
pgref_start trust || bail "cannot start the reference PostgreSQL 15"
pgref_admin -d "$KILN_TEST_DB" -c "CREATE EXTENSION IF NOT EXISTS file_fdw" \
    -c "GRANT USAGE ON FOREIGN DATA WRAPPER file_fdw TO \"$KILN_TEST_USER\"" \
    -c "GRANT pg_read_server_files TO \"$KILN_TEST_USER\"" >/dev/null || bail "cannot set up file_fdw"
ssb_sql kiln.sql "$work/ssb" | PGPASSWORD=$KILN_TEST_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$PGREF_HOST" \
    -p "$PGREF_PORT" -U "$KILN_TEST_USER" -d "$KILN_TEST_DB" >"$work/pg_ddl.out" 2>&1 ||
    { diag <"$work/pg_ddl.out"; bail "cannot declare the SSB tables in PostgreSQL"; }

server_start trust || bail "cannot start the $SRV_KIND server"
if ssb_sql kiln.sql "$work/ssb" | psql -X -q -v ON_ERROR_STOP=1 >"$work/ddl.out" 2>&1; then
    ok "$SRV_KIND: declare the SSB tables with contrib/ssb/kiln.sql"
else
    not_ok "$SRV_KIND: declare the SSB tables with contrib/ssb/kiln.sql"
    diag <"$work/ddl.out"
fi

inspect() { # inspect HOST PORT OUT
    tmo "$PY" "$KILN_TOP/tests/python/introspect_sqlalchemy.py" \
        "host=$1 port=$2 dbname=$KILN_TEST_DB user=$KILN_TEST_USER password=$KILN_TEST_PASSWORD" >"$3" 2>&1
}

inspect "$PGREF_HOST" "$PGREF_PORT" "$work/pg.out" || { diag <"$work/pg.out"; bail "the inspector fails on PostgreSQL"; }
if inspect "$SRV_HOST" "$SRV_PORT" "$work/kiln.out"; then
    ok "$SRV_KIND: the inspector runs"
else
    not_ok "$SRV_KIND: the inspector runs"
    tail -30 "$work/kiln.out" | diag
fi
for what in schema foreign table column pk views; do
    if diff -u <(grep "^$what|" "$work/pg.out") <(grep "^$what|" "$work/kiln.out") >"$work/$what.diff"; then
        ok "$SRV_KIND: inspector $what lines equal PostgreSQL's ($(grep -c "^$what|" "$work/pg.out"))"
    else
        not_ok "$SRV_KIND: inspector $what lines differ from PostgreSQL's"
        head -30 "$work/$what.diff" | diag
    fi
done
check "$SRV_KIND still accepts connections" server_alive
done_testing
