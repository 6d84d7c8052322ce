#!/bin/sh
# install-deps.sh - installs (apt-get, as root) everything kiln builds with and
# everything its tests start: MariaDB, ZooKeeper, PostgreSQL 15 (the oracle),
# and the real clients. Skips apt-get when every package is already there.
set -e
PKGS="autoconf automake libtool pkg-config make gcc valgrind
libpg-query-dev libprotobuf-c-dev libuv1-dev libmariadb-dev libzookeeper-mt-dev
libsqlite3-dev libssl-dev libpq-dev libmicrohttpd-dev
mariadb-server mariadb-client zookeeper haproxy nginx-light libnginx-mod-stream
postgresql-15 postgresql-client-15 libpostgresql-jdbc-java default-jdk-headless
odbc-postgresql unixodbc python3-psycopg2 python3-sqlalchemy sqlite3 procps netcat-openbsd tzdata"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    echo "install-deps: installing:$missing"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
