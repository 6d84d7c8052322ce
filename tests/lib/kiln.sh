# kiln.sh - start and stop kilnd for tests, and choose the server a test talks to (sourced, bash).
#
# kilnd itself:
#   kiln_start [-c key=value]...   starts $KILN_BUILD/kilnd (else $KILN_TOP/kilnd) on a free
#                                  port with its own data dir under /tmp, waits until pg_isready
#                                  says it accepts connections, stops it at exit. Sets KILN_PID,
#                                  KILN_PORT, KILN_HOST, KILN_DATA, KILN_LOG. KILN_WRAPPER (e.g.
#                                  "valgrind -q") is put before the binary.
#   kiln_stop                      SIGTERM, then SIGKILL after 10 s; returns kilnd's exit status
#                                  (1 when it had to be killed)
#   kiln_bin                       prints the path of kilnd
#   asan_kilnd WHAT LEAKS          for a script run against the ASan/UBSan kilnd: sets ASAN_BUILD
#                                  ($KILN_ASAN_BUILD, else build/asan, which tests/run's asan stage
#                                  builds) and exports ASAN_OPTIONS (leak detection LEAKS: 0|1;
#                                  any report halts the server) and UBSAN_OPTIONS, unless already
#                                  set; skips WHAT and ends the script when there is no such
#                                  build or the server under test is not one the script starts
#
# The server under test (the same script can validate itself against PostgreSQL):
#   KILN_TEST_TARGET=kiln          (default) a kilnd started by the script
#   KILN_TEST_TARGET=postgres      a reference PostgreSQL 15 started by the script (pgref.sh)
#   KILN_TEST_HOST/KILN_TEST_PORT  an already running server (any target); KILN_TEST_AUTH
#                                  says its auth method (default trust), tests that need
#                                  another method are skipped
#   KILN_TEST_USER/KILN_TEST_PASSWORD/KILN_TEST_DB   alice / secret / kiln
#
#   server_start [METHOD]          METHOD: trust (default), password, md5, scram-sha-256.
#                                  Sets SRV_KIND (kiln|postgres|external), SRV_HOST, SRV_PORT,
#                                  SRV_USER, SRV_PASSWORD, SRV_DB, SRV_LOG, SRV_METHOD and
#                                  exports PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE for libpq.
#   server_set_auth METHOD         switches the auth method (restarts kilnd, reloads PostgreSQL);
#                                  fails for an external server whose method differs
#   server_alive                   true while the server accepts connections (pg_isready)
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=pgref.sh
. "$(dirname "${BASH_SOURCE[0]}")/pgref.sh"

KILN_TEST_USER=${KILN_TEST_USER:-alice}
KILN_TEST_PASSWORD=${KILN_TEST_PASSWORD:-secret}
KILN_TEST_DB=${KILN_TEST_DB:-kiln}
KILN_HOST=127.0.0.1

kiln_bin() {
    local b
    for b in "$KILN_BUILD/kilnd" "$KILN_TOP/kilnd"; do
        [ -x "$b" ] && { echo "$b"; return 0; }
    done
    echo "kiln.sh: no kilnd in $KILN_BUILD or $KILN_TOP (build first, or set KILN_BUILD)" >&2
    return 1
}

asan_kilnd() {
    ASAN_BUILD=${KILN_ASAN_BUILD:-$KILN_TOP/build/asan}
    if [ ! -x "$ASAN_BUILD/kilnd" ]; then
        skip "$1 against an ASan/UBSan kilnd" "no $ASAN_BUILD/kilnd (tests/run's asan stage builds it)"
        done_testing
    fi
    if [ -n "${KILN_TEST_PORT:-}" ] || [ "${KILN_TEST_TARGET:-kiln}" != kiln ]; then
        skip "$1 against an ASan/UBSan kilnd" "only meaningful for a kilnd this script starts"
        done_testing
    fi
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$2:abort_on_error=0:halt_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
}

kiln_start() {
    local bin i
    bin=$(kiln_bin) || return 1
    kiln_tmpdir KILN_DATA kilnd || return 1
    KILN_PORT=$(free_port)
    KILN_LOG=$KILN_DATA/kilnd.log
    # shellcheck disable=SC2086 # KILN_WRAPPER is a command line on purpose
    ${KILN_WRAPPER:-} "$bin" -c kiln.pg.listen-address=127.0.0.1 -c kiln.pg.port="$KILN_PORT" \
        -c kiln.rest.port="$(free_port)" -c kiln.data-dir="$KILN_DATA/data" "$@" \
        </dev/null >"$KILN_LOG" 2>&1 &
    KILN_PID=$!
    at_exit kiln_stop
    kiln_watchdog "kill -TERM $KILN_PID; sleep 10; kill -0 $KILN_PID && kill -KILL $KILN_PID; rm -rf '$KILN_DATA'"
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$KILN_PID" 2>/dev/null; then
            echo "kiln.sh: kilnd exited during startup; its log:" >&2
            sed 's/^/  /' "$KILN_LOG" >&2
            KILN_PID=
            return 1
        fi
        pg_isready -q -h "$KILN_HOST" -p "$KILN_PORT" -t 1 >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "kiln.sh: kilnd not ready on $KILN_HOST:$KILN_PORT after 30 s; its log:" >&2
    sed 's/^/  /' "$KILN_LOG" >&2
    return 1
}

kiln_stop() {
    local i rc=0
    [ -n "${KILN_PID:-}" ] || return 0
    kill -TERM "$KILN_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$KILN_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$KILN_PID" 2>/dev/null; then
        echo "kiln.sh: kilnd (pid $KILN_PID) ignored SIGTERM for 10 s; killing it" >&2
        kill -KILL "$KILN_PID" 2>/dev/null
        rc=1
    fi
    wait "$KILN_PID" 2>/dev/null || rc=$?
    KILN_PID=
    return $rc
}

server__export() {
    SRV_USER=$KILN_TEST_USER
    SRV_PASSWORD=$KILN_TEST_PASSWORD
    SRV_DB=$KILN_TEST_DB
    export PGHOST=$SRV_HOST PGPORT=$SRV_PORT PGUSER=$SRV_USER PGPASSWORD=$SRV_PASSWORD PGDATABASE=$SRV_DB
    export PGCONNECT_TIMEOUT=10 PGSSLMODE=${PGSSLMODE:-prefer}
}

server_start() {
    local method=${1:-trust}
    SRV_METHOD=$method
    if [ -n "${KILN_TEST_PORT:-}" ]; then
        SRV_KIND=external
        SRV_HOST=${KILN_TEST_HOST:-127.0.0.1}
        SRV_PORT=$KILN_TEST_PORT
        SRV_LOG=/dev/null
        SRV_METHOD=${KILN_TEST_AUTH:-trust}
        server__export
        [ "$method" = "$SRV_METHOD" ] || [ "$method" = trust ] || {
            echo "kiln.sh: external server uses ${SRV_METHOD}, not $method" >&2
            return 1
        }
        return 0
    fi
    case "${KILN_TEST_TARGET:-kiln}" in
    kiln)
        SRV_KIND=kiln
        kiln_start -c kiln.auth.method="$method" \
            -c kiln.auth.users="$KILN_TEST_USER:$KILN_TEST_PASSWORD" -c kiln.database="$KILN_TEST_DB" ||
            return 1
        SRV_HOST=$KILN_HOST
        SRV_PORT=$KILN_PORT
        SRV_LOG=$KILN_LOG
        ;;
    postgres | pg)
        SRV_KIND=postgres
        pgref_start "$method" || return 1
        SRV_HOST=$PGREF_HOST
        SRV_PORT=$PGREF_PORT
        SRV_LOG=$PGREF_DIR/server.log
        ;;
    *)
        echo "kiln.sh: KILN_TEST_TARGET must be kiln or postgres" >&2
        return 1
        ;;
    esac
    server__export
}

server_set_auth() {
    local method=$1
    case "$SRV_KIND" in
    kiln)
        kiln_stop
        server_start "$method"
        ;;
    postgres)
        pgref_set_auth "$method" && SRV_METHOD=$method
        ;;
    external)
        [ "$method" = "$SRV_METHOD" ]
        ;;
    esac
}

server_alive() {
    pg_isready -q -h "$SRV_HOST" -p "$SRV_PORT" -t 5 >/dev/null 2>&1
}
