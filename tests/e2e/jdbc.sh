#!/bin/bash
# jdbc.sh - pgjdbc (Debian libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) against the
# server: tests/java/JdbcTest.java, compiled with javac into /tmp at test time. The program
# runs a PreparedStatement with parameters 10 times (pgjdbc switches to a named server
# statement and binary results after 5), binary transfer of the core types, errors with
# SQLState, transactions and 25P02, COPY TO STDOUT through CopyManager.copyOut (csv and text),
# fetch size (Execute row limits), a wrong password (28P01).
# e2e-timeout: 300
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/kiln.sh"

JAR=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
[ -f "$JAR" ] || bail "no $JAR (package libpostgresql-jdbc-java)"
command -v javac >/dev/null || bail "no javac (package default-jdk-headless)"

kiln_tmpdir classes jdbc
if ! javac -d "$classes" -cp "$JAR" "$KILN_TOP/tests/java/JdbcTest.java" >"$classes/javac.log" 2>&1; then
    not_ok "compile tests/java/JdbcTest.java"
    diag <"$classes/javac.log"
    done_testing
fi

# scram-sha-256: what pgjdbc users run with, and the wrong-password check needs a password method
server_start scram-sha-256 || server_start trust || bail "cannot start the $SRV_KIND server"
diag "server: $SRV_KIND on $SRV_HOST:$SRV_PORT ($SRV_METHOD)"

# the driver's defaults, then the URL settings users of poolers and BI tools pick
for params in "" "preferQueryMode=simple" "preferQueryMode=extendedForPrepared" "prepareThreshold=1&binaryTransfer=false"; do
    tmo java -cp "$classes:$JAR" JdbcTest "$SRV_HOST" "$SRV_PORT" "$SRV_DB" "$SRV_USER" "$SRV_PASSWORD" "$SRV_METHOD" "$params" \
        >"$classes/out" 2>&1
    rc=$?
    failed0=$TAP_FAILED
    tag=${params:+[${params//&/\\&}] }
    sed -E "s/^((not )?ok [0-9]+ - )/\1$tag/" "$classes/out" >"$classes/out2"
    tap_relay "$classes/out2"
    if [ $rc -ne 0 ] && [ "$TAP_FAILED" -eq "$failed0" ]; then
        not_ok "JdbcTest ${params:+($params) }exited with status $rc after $TAP_RELAYED checks"
        tail -30 "$classes/out" | diag
    fi
done
check "$SRV_KIND still accepts connections" server_alive
done_testing
