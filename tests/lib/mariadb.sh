#!/bin/bash
# mariadb.sh - a private MariaDB for tests: no systemd, root or not, bound to
# 127.0.0.1 on a free (or given) port, data under /tmp. Any test may use it.
#
#   mariadb.sh start     start (install the datadir the first time); no-op if running
#   mariadb.sh stop      clean shutdown (SIGTERM, then SIGKILL after 10 s); no-op if stopped
#   mariadb.sh crash     kill -9 the server (for crash tests); `start` recovers it
#   mariadb.sh status    exit 0 if running
#   mariadb.sh port      print the port          mariadb.sh url   print mysql://user:pw@127.0.0.1:port/db
#   mariadb.sh sql       run the mariadb client as root on the socket (stdin or args)
#   mariadb.sh destroy   stop and remove MDB_DIR
#
# Environment: MDB_DIR (default /tmp/kiln-mdb-$UID), MDB_PORT (default: a free
# port, remembered in MDB_DIR/port), MDB_DB (olap_meta), MDB_USER (olap),
# MDB_PASSWORD (olap_pw). Prints nothing but errors (and what port/url ask for).
# Recipe: shared reference deps.md section 3 (--no-defaults first, --user=root).
set -u
D=${MDB_DIR:-/tmp/kiln-mdb-$(id -u)}
DB=${MDB_DB:-olap_meta}
USR=${MDB_USER:-olap}
PW=${MDB_PASSWORD:-olap_pw}

die() { echo "mariadb.sh: $*" >&2; exit 1; }

server_pid() { [ -f "$D/server.pid" ] && cat "$D/server.pid"; }
running() { local p; p=$(server_pid) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
port_busy() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

pick_port() {
    if [ -n "${MDB_PORT:-}" ]; then echo "$MDB_PORT"; return; fi
    if [ -f "$D/port" ]; then cat "$D/port"; return; fi
    # below the ephemeral range (free_port.py): a port in it can be an
    # outgoing connection's source port by the time the server binds it
    local p
    p=$(python3 "$(dirname "$0")/free_port.py") && [ -n "$p" ] && ! port_busy "$p" && { echo "$p"; return; }
    die "no free port found"
}

client() { mariadb --no-defaults -S "$D/mysqld.sock" -uroot "$@"; }

start() {
    running && return 0
    command -v mariadbd >/dev/null || die "mariadbd not found (apt-get install mariadb-server; tests/lib/install-deps.sh does)"
    mkdir -p "$D" || die "cannot create $D"
    if [ ! -d "$D/data/mysql" ]; then
        rm -rf "$D/data"
        mkdir -p "$D/data"
        mariadb-install-db --no-defaults --user=root --datadir="$D/data" \
            --auth-root-authentication-method=normal --skip-test-db >"$D/install.log" 2>&1 ||
            { cat "$D/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    local attempt port
    for attempt in 1 2 3 4 5; do
        port=$(pick_port)
        if port_busy "$port"; then
            [ -n "${MDB_PORT:-}" ] || [ -f "$D/port" ] && die "port $port is busy"
            continue
        fi
        echo "$port" >"$D/port"
        mariadbd --no-defaults --user=root --datadir="$D/data" \
            --socket="$D/mysqld.sock" --pid-file="$D/mysqld.pid" --log-error="$D/error.log" \
            --skip-networking=0 --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
            --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
            --innodb-buffer-pool-load-at-startup=0 --innodb-buffer-pool-dump-at-shutdown=0 \
            >/dev/null 2>&1 </dev/null &
        echo $! >"$D/server.pid"
        local i
        for i in $(seq 1 600); do # up to 30 s (crash recovery takes longer than a fresh start)
            if mariadb-admin --no-defaults -S "$D/mysqld.sock" -uroot ping >/dev/null 2>&1; then
                client <<SQL || die "could not create database $DB / user $USR"
CREATE DATABASE IF NOT EXISTS \`$DB\`;
CREATE USER IF NOT EXISTS '$USR'@'%' IDENTIFIED BY '$PW';
GRANT ALL PRIVILEGES ON \`$DB\`.* TO '$USR'@'%';
SQL
                return 0
            fi
            running || break
            sleep 0.05
        done
        if running; then
            tail -20 "$D/error.log" >&2
            die "mariadb not ready after 30 s"
        fi
        # Lost a race for the port (another test run took it): try another one.
        if grep -q "Address already in use" "$D/error.log" 2>/dev/null && [ -z "${MDB_PORT:-}" ]; then
            rm -f "$D/port"
            continue
        fi
        tail -20 "$D/error.log" >&2
        die "mariadbd exited during start"
    done
    die "could not start mariadb"
}

stop() {
    running || { rm -f "$D/server.pid"; return 0; }
    local pid i
    pid=$(server_pid)
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$D/server.pid"
    return 0
}

crash() {
    running || return 0
    local pid i
    pid=$(server_pid)
    kill -KILL "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    rm -f "$D/server.pid"
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
crash) crash ;;
status) running ;;
port) [ -f "$D/port" ] && cat "$D/port" || die "not started" ;;
url) [ -f "$D/port" ] && echo "mysql://$USR:$PW@127.0.0.1:$(cat "$D/port")/$DB" || die "not started" ;;
sql) shift; client "$@" ;;
destroy) stop; rm -rf "$D" ;;
*) die "usage: mariadb.sh start|stop|crash|status|port|url|sql|destroy" ;;
esac
