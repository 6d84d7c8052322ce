#!/bin/bash
# cube_clients.sh - a second differential round over cubes, against PostgreSQL 15 on the same
# data (tests/e2e/cube_clients.py writes it: date, timestamp, timestamptz, numeric(12,2),
# bigint, smallint, non-ASCII text, boolean dimensions and measures, NULLs):
#   - query shapes around cube-answered aggregates (subqueries, CTEs, window functions, set
#     operations, scalar subqueries in HAVING, ORDER BY aggregates with LIMIT/OFFSET, DISTINCT,
#     GROUP BY expressions, count(DISTINCT), FILTER, GROUPING SETS/ROLLUP/CUBE and GROUPING()
#     in the query, the view joined with source tables, SET TimeZone), psycopg2 parameters:
#     answered with PostgreSQL's rows, or refused with 0A000 where kiln's cubes cannot derive
#     the aggregate -- never a wrong answer;
#   - pgjdbc (tests/java/CubeClientsTest.java): PreparedStatement parameters on cube queries
#     and on the view, DatabaseMetaData.getTables/getColumns of the materialized view, each
#     compared with what pgjdbc gets from PostgreSQL;
#   - psqlODBC through isql: the same queries, output compared with isql on PostgreSQL.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

"$SYS_PYTHON" -c 'import psycopg2' 2>/dev/null || bail "no psycopg2 for $SYS_PYTHON (package python3-psycopg2)"
kiln_tmpdir data cubeclients
server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "kilnd does not start"; }
ok "kilnd started"
pgref_start trust || bail "cannot start the reference PostgreSQL 15"
ssb_ref_db cubeclients || bail "cannot create the reference database"
ok "reference PostgreSQL 15 started"

relay() { # relay FILE: TAP lines of a helper, "# TODO" ones as todo
    local line
    while IFS= read -r line; do
        case $line in
        "ok "*) ok "${line#ok * - }" ;;
        "not ok "*"# TODO "*)
            line=${line#not ok * - }
            todo "${line%% # TODO *}" "${line#* # TODO }"
            ;;
        "not ok "*) not_ok "${line#not ok * - }" ;;
        "#"*) printf '%s\n' "$line" ;;
        esac
    done <"$1"
}

kiln_dsn="host=$SRV_HOST port=$SRV_PORT dbname=$SRV_DB user=$SRV_USER password=$SRV_PASSWORD"
"$SYS_PYTHON" "$KILN_TOP/tests/e2e/cube_clients.py" --dir "$data" --kiln "$kiln_dsn" \
    --ref "$(ssb_ref_dsn cubeclients)" >"$data/py.out" 2>&1
rc=$?
failed0=$TAP_FAILED
relay "$data/py.out"
if [ $rc -gt 1 ] || { [ $rc -ne 0 ] && [ "$TAP_FAILED" -eq "$failed0" ]; }; then
    not_ok "cube_clients.py ran to its end (exit status $rc)"
    tail -20 "$data/py.out" | diag
fi

# pgjdbc: the same PreparedStatements on both, the driver's defaults and two URL settings
JAR=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
if [ ! -f "$JAR" ] || ! command -v javac >/dev/null; then
    skip "pgjdbc" "no $JAR or no javac"
elif ! javac -d "$data" -cp "$JAR" "$KILN_TOP/tests/java/CubeClientsTest.java" >"$data/javac.log" 2>&1; then
    not_ok "compile tests/java/CubeClientsTest.java"
    diag <"$data/javac.log"
else
    for opts in "" "?preferQueryMode=simple" "?stringtype=unspecified&prepareThreshold=1"; do
        tmo java -cp "$data:$JAR" CubeClientsTest "jdbc:postgresql://$SRV_HOST:$SRV_PORT/$SRV_DB" \
            "jdbc:postgresql://$PGREF_HOST:$PGREF_PORT/cubeclients" "$SRV_USER" "$SRV_PASSWORD" "$opts" >"$data/jdbc.out" 2>&1
        rc=$?
        failed0=$TAP_FAILED
        relay "$data/jdbc.out"
        if [ $rc -ne 0 ] && [ "$TAP_FAILED" -eq "$failed0" ]; then
            not_ok "CubeClientsTest ${opts:+($opts) }exited with status $rc"
            tail -20 "$data/jdbc.out" | diag
        fi
    done
fi

# psqlODBC through isql (named server statements): the same output from both servers
DRIVER=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so
if ! command -v isql >/dev/null || [ ! -f "$DRIVER" ]; then
    skip "psqlODBC" "no isql or no $DRIVER"
else
    ODBCSYSINI=$data
    export ODBCSYSINI ODBCINI=$data/odbc.ini
    printf '[PostgreSQL Unicode]\nDriver=%s\nCommLog=0\nDebug=0\n' "$DRIVER" >"$ODBCSYSINI/odbcinst.ini"
    : >"$ODBCINI"
    odbc() { # odbc HOST PORT DB < statements
        tmo isql -b -v -k -d'|' "Driver={PostgreSQL Unicode};Servername=$1;Port=$2;Database=$3;Username=$SRV_USER;Password=$SRV_PASSWORD;SSLmode=disable" 2>&1
    }
    j="lineorder JOIN dates ON lo_datekey = d_key JOIN cust ON lo_custkey = c_key"
    while IFS= read -r sql; do
        want=$(printf '%s\n' "SET TimeZone = 'UTC'" "$sql" | odbc "$PGREF_HOST" "$PGREF_PORT" cubeclients)
        got=$(printf '%s\n' "SET TimeZone = 'UTC'" "$sql" | odbc "$SRV_HOST" "$SRV_PORT" "$SRV_DB")
        is "$got" "$want" "psqlODBC: ${sql:0:110}"
    done <<SQL
SELECT d_year, c_region, sum(lo_revenue) AS rev, sum(lo_price) AS price, avg(lo_price) AS avgp, count(*) AS n FROM $j WHERE c_city <> 'Mumbai' GROUP BY 1, 2 ORDER BY 1, 2
SELECT c_city, d_weekend, min(lo_qty), max(lo_qty), sum(lo_disc) FROM $j WHERE d_date BETWEEN '2023-01-01' AND '2023-03-31' GROUP BY 1, 2 ORDER BY 1, 2
WITH t AS (SELECT d_year, d_month, sum(lo_price) AS p FROM $j GROUP BY 1, 2) SELECT d_year, max(p), min(p), avg(p) FROM t GROUP BY 1 ORDER BY 1
SELECT d_year, c_region, lo_flag, rev, price, n, avg_price FROM cube_cube WHERE d_year = 2024 ORDER BY 2, 3, 6
SELECT lo_tstz, lo_ts, n, price FROM cube_time WHERE lo_ts IS NOT NULL OR lo_tstz IS NOT NULL ORDER BY 1, 2 LIMIT 8
SQL
fi

check "kilnd still accepts connections" server_alive
done_testing
