#!/bin/bash
# introspect_jdbc.sh - pgjdbc's DatabaseMetaData (getSchemas, getTables, getColumns,
# getPrimaryKeys, getTypeInfo) lists the SSB source tables on kilnd as on PostgreSQL 15
# with the same DDL (contrib/ssb/kiln.sql over file_fdw): tests/java/IntrospectTest.java
# prints one canonical line per row on each server and the outputs are compared.
# getTypeInfo: kiln has fewer types than PostgreSQL, so every type kiln lists must be
# listed the same way by PostgreSQL, and the types of the SSB columns must be there.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

JAR=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
[ -f "$JAR" ] || bail "no $JAR (package libpostgresql-jdbc-java)"
command -v javac >/dev/null || bail "no javac (package default-jdk-headless)"

kiln_tmpdir work introspect-jdbc
javac -d "$work" -cp "$JAR" "$KILN_TOP/tests/java/IntrospectTest.java" >"$work/javac.log" 2>&1 ||
    { not_ok "compile tests/java/IntrospectTest.java"; diag <"$work/javac.log"; done_testing; }
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

list() { # list HOST PORT SECTION OUT
    tmo java -cp "$work:$JAR" IntrospectTest "$1" "$2" "$KILN_TEST_DB" "$KILN_TEST_USER" "$KILN_TEST_PASSWORD" "$3" \
        >"$4" 2>&1
}

for section in schemas tables columns pkeys typeinfo; do
    if ! list "$PGREF_HOST" "$PGREF_PORT" "$section" "$work/pg.$section"; then
        not_ok "PostgreSQL: $section"
        diag <"$work/pg.$section"
        continue
    fi
    if ! list "$SRV_HOST" "$SRV_PORT" "$section" "$work/kiln.$section"; then
        if [ "$section" = pkeys ] && grep -q 'function _pg_expandarray(int2vector) does not exist' "$work/kiln.$section"; then
            # A known engine bug, kept visible: any other failure is still one.
            todo "$SRV_KIND: DatabaseMetaData $section" "information_schema._pg_expandarray is missing (src/catalog)"
        else
            not_ok "$SRV_KIND: DatabaseMetaData $section"
        fi
        head -5 "$work/kiln.$section" | diag
        continue
    fi
    if [ "$section" = typeinfo ]; then
        missing=$(sort "$work/kiln.$section" | comm -23 - <(sort "$work/pg.$section"))
        if [ -z "$missing" ] && [ -s "$work/kiln.$section" ]; then
            ok "$SRV_KIND: getTypeInfo lists its $(wc -l <"$work/kiln.$section") types as PostgreSQL does"
        else
            not_ok "$SRV_KIND: getTypeInfo lists types unlike PostgreSQL"
            printf '%s\n' "$missing" | head -20 | diag
        fi
        for t in int4 int8 varchar numeric date text bool float8; do
            grep -q "^$t|" "$work/kiln.$section" || { not_ok "$SRV_KIND: getTypeInfo lists $t"; continue 2; }
        done
        ok "$SRV_KIND: getTypeInfo lists the types of the SSB columns"
        continue
    fi
    if diff -u "$work/pg.$section" "$work/kiln.$section" >"$work/$section.diff"; then
        ok "$SRV_KIND: DatabaseMetaData $section equals PostgreSQL's ($(wc -l <"$work/pg.$section") lines)"
    else
        not_ok "$SRV_KIND: DatabaseMetaData $section differs from PostgreSQL's"
        head -30 "$work/$section.diff" | diag
    fi
done
check "$SRV_KIND still accepts connections" server_alive
done_testing
