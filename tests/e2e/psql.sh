#!/bin/bash
# psql.sh - real psql (postgresql-client-15) against the server: -c, an interactive session
# from a here-document, ON_ERROR_STOP, psql on a tty, errors with SQLSTATE, and logins under
# every password method (right password, wrong password -> 28P01 with PostgreSQL's message).
# Target: kilnd by default; KILN_TEST_TARGET=postgres or KILN_TEST_HOST/PORT (tests/lib/kiln.sh).
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT"

# ---- psql -c ----
out=$(psql -X -c 'select 1' 2>&1)
is "$out" " ?column? 
----------
        1
(1 row)" "psql -c 'select 1' prints PostgreSQL's table"

out=$(psql -X -tA -c 'SELECT 1 + 1' 2>&1)
is "$out" "2" "psql -tA -c prints the bare value"

out=$(psql -X -tA -c 'select 1; select 2' 2>&1)
is "$out" "1
2" "psql -c with two statements in one message prints both results"

out=$(psql -X -tA -c 'select 1/0' 2>&1)
rc=$?
is "$rc:$out" "1:ERROR:  division by zero" "psql -c with a failing statement exits 1 with the error"

# ---- an interactive session from a here-document ----
out=$(psql -X -q 2>&1 <<'SQL'
SELECT 'hello' AS greeting, 42 AS answer;
\set who 'kiln'
SELECT :'who' AS who;
SELECT 1 AS x \gset
\echo x is :x
BEGIN;
SELECT 'in transaction' AS state;
COMMIT;
SELECT 1/0;
SELECT 'goes on' AS after_error;
\echo done
SQL
)
rc=$?
is "$rc" 0 "psql session from a here-document exits 0"
is "$out" " greeting | answer 
----------+--------
 hello    |     42
(1 row)

 who  
------
 kiln
(1 row)

x is 1
     state      
----------------
 in transaction
(1 row)

ERROR:  division by zero
 after_error 
-------------
 goes on
(1 row)

done" "psql session from a here-document prints what PostgreSQL prints"

# ---- ON_ERROR_STOP ----
out=$(psql -X -q -tA -v ON_ERROR_STOP=1 2>&1 <<'SQL'
SELECT 'before';
SELECT no_such_function();
SELECT 'not reached';
SQL
)
rc=$?
is "$rc" 3 "psql -v ON_ERROR_STOP=1 exits 3 at the first error"
like "$out" '^before$' "ON_ERROR_STOP: statements before the error ran"
like "$out" 'ERROR:  function no_such_function\(\) does not exist' "ON_ERROR_STOP: the error is printed"
unlike "$out" 'not reached' "ON_ERROR_STOP: nothing after the error ran"

out=$(psql -X -q -tA 2>&1 <<'SQL'
SELECT 'first';
\set ON_ERROR_STOP on
SELECT 'second';
SELEC 'typo';
SELECT 'not reached';
SQL
)
rc=$?
is "$rc:$(echo "$out" | grep -v '^ERROR\|^LINE\|^ *^' | tr '\n' ' ')" "3:first second " \
    "\\set ON_ERROR_STOP on inside a session stops at a syntax error"

out=$(psql -X -q -tA -v ON_ERROR_STOP=1 -c 'select 1' -c 'select 2' 2>&1)
is "$?:$out" "0:1
2" "ON_ERROR_STOP with statements that all succeed exits 0"

# ---- errors carry SQLSTATE, the session goes on ----
out=$(psql -X -q 2>&1 <<'SQL'
\set VERBOSITY verbose
FROBNICATE THE DATABASE;
\echo :LAST_ERROR_SQLSTATE
SELECT no_such_function(1);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT 'alive' AS state;
SQL
)
like "$out" 'ERROR:  42601: syntax error at or near "FROBNICATE"' "an unknown statement gives 42601 (VERBOSITY verbose shows it)"
like "$out" 'LINE 1: FROBNICATE THE DATABASE;' "the syntax error has a position (psql prints the line)"
like "$out" 'ERROR:  42883: function no_such_function\(integer\) does not exist' "an unknown function gives 42883"
like "$out" 'HINT:  No function matches the given name and argument types' "the unknown function error has PostgreSQL's hint"
like "$out" 'alive' "the session goes on after errors"

# ---- psql on a terminal (it then sends client_encoding in the startup packet) ----
if command -v script >/dev/null; then
    out=$(tmo script -qec "psql -X -P pager=off -tA -c 'show client_encoding' -c 'select 40 + 2'" /dev/null </dev/null 2>&1 | tr -d '\r')
    is "$out" "UTF8
42" "psql on a tty (client_encoding=UTF8 in the startup packet) works"
else
    skip "psql on a tty" "no script(1)"
fi

# ---- TLS is not offered: the SSLRequest is answered N ----
out=$(PGSSLMODE=require psql -X -tA -c 'select 1' 2>&1)
is "$?:$out" "2:psql: error: connection to server at \"$SRV_HOST\", port $SRV_PORT failed: server does not support SSL, but SSL was required" \
    "sslmode=require fails with libpq's 'server does not support SSL' (the server answered N)"
out=$(PGSSLMODE=disable psql -X -tA -c 'select 3' 2>&1)
is "$out" 3 "sslmode=disable (no SSLRequest at all) works"

# ---- several connections at once ----
kiln_tmpdir tmp psql
pids=()
for i in 1 2 3 4 5 6 7 8; do
    psql -X -tA -c "select $i * 10" >"$tmp/conc.$i" 2>&1 &
    pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
got=$(cat "$tmp"/conc.* | sort -n | tr '\n' ' ')
is "$bad:$got" "0:10 20 30 40 50 60 70 80 " "8 psql sessions at once each get their own answer"

# ---- Ctrl-C: psql sends a CancelRequest for the running statement ----
"$(type -P psql)" -X -c 'SELECT count(*) FROM generate_series(1, 2000000000)' >"$tmp/cancel.out" 2>&1 &
pid=$!
sleep 1
kill -INT $pid
t0=$SECONDS
for ((i = 0; i < 300; i++)); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && kill -KILL $pid
wait $pid
rc=$?
is "$rc:$(cat "$tmp/cancel.out")" "1:Cancel request sent
ERROR:  canceling statement due to user request" "SIGINT to psql cancels the running statement (57014) within $((SECONDS - t0 + 1)) s"
out=$(psql -X -tA -c 'select 5')
is "$out" 5 "the server works after a cancel"

# ---- authentication ----
py() { "$SYS_PYTHON" "$here/../python/auth_check.py" "$@"; }
for method in password md5 scram-sha-256; do
    if ! server_set_auth "$method"; then
        skip "login with $method" "the external server does not use $method"
        continue
    fi
    out=$(psql -X -tA -c 'select current_user' 2>&1)
    is "$out" "$SRV_USER" "$method: psql logs in with the right password"
    out=$(PGPASSWORD=wrong psql -X -tA -c 'select 1' 2>&1)
    is "$?:$out" "2:psql: error: connection to server at \"$SRV_HOST\", port $SRV_PORT failed: FATAL:  password authentication failed for user \"$SRV_USER\"" \
        "$method: a wrong password fails with PostgreSQL's message"
    want_kind=$([ "$method" = password ] && echo cleartext || echo "$method")
    out=$(py "$SRV_HOST" "$SRV_PORT" "$SRV_USER" wrong)
    is "$out" "auth=$want_kind result=error severity=FATAL sqlstate=28P01 message=password authentication failed for user \"$SRV_USER\"
closed_after_error=yes" "$method: the server asks for $want_kind; a wrong password is FATAL 28P01 and the connection closes"
    out=$(py "$SRV_HOST" "$SRV_PORT" nosuchuser whatever)
    is "$out" "auth=$want_kind result=error severity=FATAL sqlstate=28P01 message=password authentication failed for user \"nosuchuser\"
closed_after_error=yes" "$method: an unknown user gets the same answer (no user enumeration)"
    out=$(py "$SRV_HOST" "$SRV_PORT" "$SRV_USER" "$SRV_PASSWORD")
    is "$out" "auth=$want_kind result=ok status=I" "$method: the raw protocol login with the right password succeeds"
done

check "$SRV_KIND still accepts connections" server_alive
done_testing
