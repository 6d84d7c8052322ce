# pgref.sh - a reference PostgreSQL 15 (Debian postgresql-15), the oracle of the
# regression tests and the peer of the benchmarks. Private datadir under /tmp,
# 127.0.0.1 on a free port, fsync off, run as user postgres when we are root.
#
# Sourced (bash):
#   pgref_start [METHOD]     initdb + start; METHOD for TCP clients: scram-sha-256
#                            (default), md5, password or trust. Sets PGREF_DIR,
#                            PGREF_PORT, PGREF_HOST; stops it at exit (at_exit).
#                            Creates login role $KILN_TEST_USER (alice) with password
#                            $KILN_TEST_PASSWORD (secret) and database $KILN_TEST_DB (kiln),
#                            in which file_fdw is installed and usable by that role.
#   pgref_set_auth METHOD    rewrites pg_hba.conf for TCP clients and reloads; for md5
#                            the password is stored as md5 so the md5 exchange really runs
#   pgref_conf 'k = v'...    appends settings to postgresql.conf and restarts
#   pgref_admin ARGS...      psql as superuser postgres over the Unix socket
#   pgref_stop               pg_ctl stop -m fast
# Set PGREF_LOG_ALL=1 to log every statement and connection to $PGREF_DIR/server.log.
#
# Run:  bash tests/lib/pgref.sh start [METHOD]   starts one and leaves it running;
#                                                prints PGREF_PORT=... PGREF_DIR=...
#       bash tests/lib/pgref.sh stop DIR
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KILN_TEST_USER=${KILN_TEST_USER:-alice}
KILN_TEST_PASSWORD=${KILN_TEST_PASSWORD:-secret}
KILN_TEST_DB=${KILN_TEST_DB:-kiln}

pgref__as_postgres() { # pgref__as_postgres CMD...: run CMD as user postgres (root) or as ourselves
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    else
        "$@"
    fi
}

pgref_admin() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGREF_DIR" -p "$PGREF_PORT" -U postgres -d postgres "$@"
}

pgref__hba() { # pgref__hba METHOD: writes pg_hba.conf
    cat >"$PGREF_DIR/data/pg_hba.conf" <<HBA
# written by tests/lib/pgref.sh
local all all trust
host  all postgres 127.0.0.1/32 reject
host  all all      127.0.0.1/32 $1
HBA
}

pgref_start() {
    local method=${1:-scram-sha-256} d
    kiln_tmpdir d pgref || return 1
    PGREF_DIR=$d
    PGREF_HOST=127.0.0.1
    PGREF_PORT=${PGREF_PORT:-$(free_port)}
    [ "$(id -u)" -eq 0 ] && chown postgres "$PGREF_DIR"
    if ! pgref__as_postgres "$PG_BIN/initdb" -D "$PGREF_DIR/data" -U postgres -A trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >"$PGREF_DIR/initdb.log" 2>&1; then
        cat "$PGREF_DIR/initdb.log" >&2
        return 1
    fi
    cat >>"$PGREF_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGREF_PORT
unix_socket_directories = '$PGREF_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
ssl = off
max_connections = 100
lc_messages = 'C'
CONF
    if [ "${PGREF_LOG_ALL:-0}" = 1 ]; then
        cat >>"$PGREF_DIR/data/postgresql.conf" <<'CONF'
log_statement = 'all'
log_connections = on
log_disconnections = on
log_line_prefix = '%m [%p] app=%a %u@%d '
CONF
    fi
    pgref__hba "$method"
    at_exit pgref_stop
    kiln_watchdog "pgref__as_postgres '$PG_BIN/pg_ctl' -D '$PGREF_DIR/data' -m immediate -w stop; rm -rf '$PGREF_DIR'"
    if ! pgref__as_postgres "$PG_BIN/pg_ctl" -D "$PGREF_DIR/data" -l "$PGREF_DIR/server.log" -w -t 30 start >/dev/null; then
        cat "$PGREF_DIR/server.log" >&2
        return 1
    fi
    pgref_admin <<SQL || return 1
SET password_encryption = '$( [ "$method" = md5 ] && echo md5 || echo scram-sha-256 )';
CREATE ROLE "$KILN_TEST_USER" LOGIN PASSWORD '$KILN_TEST_PASSWORD';
CREATE DATABASE "$KILN_TEST_DB" OWNER "$KILN_TEST_USER";
\connect "$KILN_TEST_DB"
-- The regression tests declare file_fdw foreign tables as the test user (psql \d of
-- a foreign table, COPY-free data loading): only a superuser may create the
-- extension, and reading server files needs pg_read_server_files.
CREATE EXTENSION file_fdw;
GRANT USAGE ON FOREIGN DATA WRAPPER file_fdw TO "$KILN_TEST_USER";
GRANT pg_read_server_files TO "$KILN_TEST_USER";
SQL
}

pgref_set_auth() {
    local method=$1 before i
    before=$(grep -c 'received SIGHUP' "$PGREF_DIR/server.log")
    before=$((before + 1)) # two reloads
    pgref__hba "$method"
    # password_encryption decides how the password is stored, and which exchange the
    # server fakes for an unknown user: md5 for md5, SCRAM otherwise (as a real setup would).
    pgref_admin >/dev/null <<SQL || return 1
ALTER SYSTEM SET password_encryption = '$( [ "$method" = md5 ] && echo md5 || echo scram-sha-256 )';
SELECT pg_reload_conf();
SET password_encryption = '$( [ "$method" = md5 ] && echo md5 || echo scram-sha-256 )';
ALTER ROLE "$KILN_TEST_USER" PASSWORD '$KILN_TEST_PASSWORD';
SELECT pg_reload_conf();
SQL
    # The postmaster rereads pg_hba.conf on SIGHUP, asynchronously: wait for its log line.
    for ((i = 0; i < 50; i++)); do
        [ "$(grep -c 'received SIGHUP' "$PGREF_DIR/server.log")" -gt "$before" ] && break
        sleep 0.1
    done
    sleep 0.1
}

pgref_conf() { # pgref_conf 'key = value'...: appends to postgresql.conf and restarts
    printf '%s\n' "$@" >>"$PGREF_DIR/data/postgresql.conf"
    pgref__as_postgres "$PG_BIN/pg_ctl" -D "$PGREF_DIR/data" -l "$PGREF_DIR/server.log" -m fast -w -t 30 restart >/dev/null
}

pgref_stop() {
    [ -n "${PGREF_DIR:-}" ] && [ -f "$PGREF_DIR/data/postmaster.pid" ] || return 0
    pgref__as_postgres "$PG_BIN/pg_ctl" -D "$PGREF_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    case "${1:-}" in
    start)
        KILN_KEEP_TMP=1 KILN_NO_WATCHDOG=1
        pgref_start "${2:-scram-sha-256}" || exit 1
        KILN_EXIT_CMDS=() # leave it running
        echo "PGREF_PORT=$PGREF_PORT PGREF_DIR=$PGREF_DIR"
        ;;
    stop)
        PGREF_DIR=${2:?usage: pgref.sh stop DIR}
        pgref_stop
        rm -rf "$PGREF_DIR"
        ;;
    *)
        echo "usage: pgref.sh start [METHOD] | stop DIR" >&2
        exit 2
        ;;
    esac
fi
