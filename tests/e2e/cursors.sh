#!/bin/bash
# cursors.sh - SQL cursors through real clients: psql's FETCH_COUNT (BEGIN; DECLARE
# _psql_cursor NO SCROLL CURSOR FOR ...; FETCH FORWARD n FROM _psql_cursor; CLOSE; COMMIT)
# prints exactly what psql prints without it, for a source table, a query answered from a
# cube, generate_series and the catalog; psycopg2's named cursors (tests/python/cursors_test.py)
# iterate the same rows as ordinary cursors, scroll, hold over COMMIT and fail as PostgreSQL
# does; through the extended protocol (tests/python/pgwire.py) a FETCH is described with its
# cursor's columns. Runs against kilnd by default (KILN_TEST_TARGET=postgres checks the script itself).
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

kiln_tmpdir data cursors
awk 'BEGIN {
    split("EU,US,ASIA,AFRICA", R, ",")
    for (i = 1; i <= 3000; i++)
        printf "%d,%s,%d\n", i, R[(i * 7) % 4 + 1], (i * 13) % 50 + 1
}' >"$data/sales.csv"

server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "cannot start the server"; }
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT"
kpsql() {
    PGPASSWORD=$SRV_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -d "$SRV_DB" "$@"
}

check "declare the source table and build a cube over it" kpsql -c "
CREATE SERVER cursor_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE sales (sale_id integer NOT NULL, region text NOT NULL, qty integer NOT NULL)
    SERVER cursor_files OPTIONS (filename '$data/sales.csv', format 'csv');" \
    -c "CREATE MATERIALIZED VIEW sales_cube AS SELECT region, sum(qty) AS qty, count(*) AS cnt FROM sales GROUP BY region"

cube_query="SELECT region, sum(qty) AS qty, count(*) AS n FROM sales GROUP BY region ORDER BY region"
if [ "$SRV_KIND" = kiln ]; then
    like "$(kpsql -A -t -c "EXPLAIN $cube_query" 2>&1)" 'Cube Scan on sales_cube' "the cube query is answered from the cube"
fi

# ---- psql FETCH_COUNT ----
queries=(
    "SELECT sale_id, region, qty FROM sales ORDER BY sale_id"
    "$cube_query"
    "SELECT g, g * 2 AS twice, 'row ' || g AS label FROM generate_series(1, 2345) g"
    "SELECT oid::int AS oid, typname FROM pg_type WHERE oid < 2000 ORDER BY oid"
    "SELECT g FROM generate_series(1, 5) g WHERE g > 5"
)
names=("a table" "a cube" "generate_series" "the catalog" "no rows")
for i in "${!queries[@]}"; do
    q=${queries[$i]}
    want=$(kpsql -A -F '|' -c "$q" 2>&1)
    for fc in 1000 7 1; do
        got=$(kpsql -A -F '|' -v FETCH_COUNT=$fc -c "$q" 2>&1)
        is "$got" "$want" "psql FETCH_COUNT=$fc over ${names[$i]}: same output as without"
    done
    # aligned output: widths are per batch, so one batch big enough for everything
    got=$(kpsql -v FETCH_COUNT=100000 -c "$q" 2>&1)
    is "$got" "$(kpsql -c "$q" 2>&1)" "psql FETCH_COUNT, aligned, over ${names[$i]}"
done
# inside the user's own transaction psql does not BEGIN itself
got=$(printf '%s\n' 'BEGIN;' '\set FETCH_COUNT 10' "${queries[2]};" 'COMMIT;' | kpsql -A -F '|' 2>&1)
is "$got" "$(kpsql -A -F '|' -c "${queries[2]}" 2>&1)" "psql FETCH_COUNT inside BEGIN ... COMMIT"
# a failing query under FETCH_COUNT: the error, and the session goes on
got=$(printf '%s\n' '\set FETCH_COUNT 10' 'SELECT nosuch FROM sales;' 'SELECT 1 AS after;' |
    PGPASSWORD=$SRV_PASSWORD psql -X -q -A -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -d "$SRV_DB" 2>&1)
like "$got" 'column "nosuch" does not exist' "psql FETCH_COUNT: a query's error is reported"
like "$got" '^1$' "psql FETCH_COUNT: the session goes on after the error"


# ---- psycopg2 named cursors ----
if "$SYS_PYTHON" -c 'import psycopg2' 2>/dev/null; then
    tmo "$SYS_PYTHON" "$here/../python/cursors_test.py" "$SRV_HOST" "$SRV_PORT" "$SRV_DB" "$SRV_USER" "$SRV_PASSWORD" \
        "$cube_query" >"$data/py.out" 2>&1
    rc=$?
    tap_relay "$data/py.out"
    if [ $rc -ne 0 ] && [ "$TAP_FAILED" -eq 0 ]; then
        not_ok "cursors_test.py exited with status $rc after $TAP_RELAYED checks"
        tail -30 "$data/py.out" | diag
    fi
else
    skip "psycopg2 named cursors" "no psycopg2 for $SYS_PYTHON (package python3-psycopg2)"
fi

check "$SRV_KIND still accepts connections" server_alive
done_testing
