#!/bin/bash
# odbc.sh - unixODBC isql through psqlODBC (Debian odbc-postgresql, "PostgreSQL Unicode")
# against the server: DSN-less and DSN connections, results, errors with SQLSTATE, the
# session going on after them, a wrong password. psqlODBC prepares statements as named
# server statements (Parse "_PLAN0x..." / Describe S / Bind / Execute / DEALLOCATE) and
# queries pg_type at connect; with UseDeclareFetch=1 it reads results through SQL cursors
# (DECLARE / FETCH / CLOSE). A private ODBCSYSINI keeps /etc/odbcinst.ini's CommLog=1
# from writing /tmp/psqlodbc_*.log files.
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

DRIVER=/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so
command -v isql >/dev/null || bail "no isql (package unixodbc)"
[ -f "$DRIVER" ] || bail "no $DRIVER (package odbc-postgresql)"

server_start password || server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT ($SRV_METHOD)"

kiln_tmpdir ODBCSYSINI odbc
export ODBCSYSINI ODBCINI=$ODBCSYSINI/odbc.ini
cat >"$ODBCSYSINI/odbcinst.ini" <<INI
[PostgreSQL Unicode]
Description=psqlODBC Unicode
Driver=$DRIVER
CommLog=0
Debug=0
INI
cat >"$ODBCINI" <<INI
[kiln]
Driver      = PostgreSQL Unicode
Servername  = $SRV_HOST
Port        = $SRV_PORT
Database    = $SRV_DB
Username    = $SRV_USER
Password    = $SRV_PASSWORD
SSLmode     = disable
INI
conn="Driver={PostgreSQL Unicode};Servername=$SRV_HOST;Port=$SRV_PORT;Database=$SRV_DB;Username=$SRV_USER;Password=$SRV_PASSWORD;SSLmode=disable"
isql_k() { tmo isql -b -v -k "$@"; }

out=$(echo "SELECT 1 AS one, 'two' AS two, NULL AS n, 1.5::numeric AS x, true AS b" | isql_k -d'|' -c "$conn" 2>&1)
is "$?:$out" "0:one|two|n|x|b
1|two||1.5|1" "DSN-less connection: one row with int, text, NULL, numeric, bool"

out=$(echo "SELECT 40 + 2 AS answer" | tmo isql -b -v -d'|' -c kiln 2>&1)
is "$?:$out" "0:answer
42" "connection through a DSN in odbc.ini"

out=$(isql_k -d'|' "$conn" 2>&1 <<'SQL'
SELECT 'first'
SELECT 1/0
SELEC 1
SELECT no_such_function(1)
SELECT 'after errors'
SQL
)
like "$out" '^first$' "several statements in one isql session"
like "$out" '^\[22012\]ERROR: division by zero;' "division by zero comes back as SQLSTATE 22012"
like "$out" '^\[42601\]ERROR: syntax error at or near "SELEC";' "a syntax error comes back as 42601"
like "$out" '^\[42883\]ERROR: function no_such_function\(integer\) does not exist;' "an unknown function comes back as 42883"
like "$out" '^after errors$' "the session goes on after errors"

out=$(isql_k -d'|' "$conn" 2>&1 <<'SQL'
BEGIN
SELECT 'in transaction'
COMMIT
SHOW transaction_isolation
SET application_name = 'isql-test'
SHOW application_name
SQL
)
like "$out" '^in transaction$' "BEGIN / SELECT / COMMIT"
like "$out" '^read committed$' "SHOW transaction_isolation"
like "$out" '^isql-test$' "SET then SHOW"

# UseDeclareFetch: psqlODBC runs a SELECT as BEGIN, DECLARE "SQL_CUR..." CURSOR, FETCH n
# until the rows end, CLOSE (the cursor statements, as BI tools configure the driver)
out=$(echo "SELECT x, 'r' || x AS s FROM (VALUES (1), (2), (3), (4), (5)) AS v(x) ORDER BY x" |
    isql_k -d'|' -c "$conn;UseDeclareFetch=1;Fetch=2" 2>&1)
is "$?:$out" "0:x|s
1|r1
2|r2
3|r3
4|r4
5|r5" "UseDeclareFetch=1, Fetch=2: five rows through DECLARE and FETCH 2"
out=$(isql_k -d'|' "$conn;UseDeclareFetch=1;Fetch=3" 2>&1 <<'SQL'
SELECT 1/0
SELECT 'after a failed cursor'
SQL
)
like "$out" '^\[22012\]ERROR: division by zero;' "UseDeclareFetch: an error in the cursor's query comes back as 22012"
like "$out" '^after a failed cursor$' "UseDeclareFetch: the session goes on after it"

if [ "$SRV_METHOD" != trust ]; then
    out=$(echo "SELECT 1" | isql_k "${conn/Password=$SRV_PASSWORD/Password=wrong}" 2>&1)
    rc=$?
    is "$rc" 1 "a wrong password: isql fails"
    like "$out" "FATAL:  password authentication failed for user \"$SRV_USER\"" "a wrong password: PostgreSQL's message"
else
    skip "wrong password" "the server uses trust"
fi
check "$SRV_KIND still accepts connections" server_alive
done_testing
