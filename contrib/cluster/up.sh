#!/bin/bash
# contrib/cluster/up.sh - one command: a kiln cluster on this machine, as docs/CLUSTER.md
# describes it. A private MariaDB (the shared metastore, kylin.metadata.url), a 3-node
# ZooKeeper ensemble (job locks, kylin.job.scheduler.default=2), three kilnd nodes sharing
# the metastore and one storage root (node 1: mode job, writes the storage; nodes 2 and 3:
# mode query, see the storage read-only), haproxy in front of the query nodes. Prints how
# to connect. Everything lives in $KILN_CLUSTER_DIR (default /tmp/kiln-cluster-$UID);
# contrib/cluster/down.sh stops it (down.sh --destroy also removes the directory).
#
#   bash contrib/cluster/up.sh                 # installs what is missing and builds when no kilnd is found
#   KILN_CLUSTER_MODES="all all query" bash contrib/cluster/up.sh   # other layouts
#   KILN_CLUSTER_SSB=0.01 bash contrib/cluster/up.sh   # also load SSB at that scale and build ssb_cube
# Other variables: see contrib/cluster/cluster.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster.sh
. "$here/cluster.sh"

# A new user's first run: the packages (MariaDB, ZooKeeper, haproxy) and an in-tree build.
if [ ! -x "$CL_BUILD/kilnd" ]; then
    bash "$CL_TOP/tests/lib/install-deps.sh" || exit 1
    (cd "$CL_TOP" && { [ -x configure ] || autoreconf -fi; } && { [ -f Makefile ] || ./configure -q; } &&
        make -j"$(nproc)" >/dev/null) || exit 1
fi

if cl_load && (for ((i = 1; i <= CL_N; i++)); do cl_node_alive "$i" || exit 1; done); then
    echo "the cluster in $CL_DIR is already running"
else
    [ -f "$CL_DIR/cluster.env" ] && { cl_load; cluster_down; }
    if ! cluster_up; then
        cl_say "start failed; stopping what started (files kept in $CL_DIR)"
        cluster_down
        exit 1
    fi
fi

if [ -n "${KILN_CLUSTER_SSB:-}" ]; then
    gen=$CL_BUILD/kiln-ssbgen
    [ -x "$gen" ] || gen=$CL_TOP/kiln-ssbgen
    if ! cl_hpsql -tAc "select 1 from pg_class where relname = 'lineorder'" | grep -q 1; then
        "$gen" -s "$KILN_CLUSTER_SSB" -o "$CL_DIR/ssb" -q &&
            sed "s|@SSB_DIR@|$CL_DIR/ssb|g" "$CL_TOP/contrib/ssb/kiln.sql" | cl_hpsql || exit 1
    fi
    if ! cl_hpsql -tAc "select 1 from pg_class where relname = 'ssb_cube'" | grep -q 1; then
        echo "building ssb_cube on the job node (CREATE MATERIALIZED VIEW waits for the job)"
        cl_hpsql -f "$CL_TOP/contrib/ssb/cube.sql" || exit 1
    fi
fi

host=${CL_HAPROXY%:*} port=${CL_HAPROXY#*:}
cat <<INFO
kiln cluster up in $CL_DIR
  metastore  MariaDB  $CL_URL
  ZooKeeper  $CL_ZK
  storage    $CL_STORAGE$([ "$CL_RO" = 1 ] && echo " (read-only for query nodes)")
INFO
for ((i = 1; i <= CL_N; i++)); do
    printf '  node %d     %-5s  pg 127.0.0.1:%s  rest 127.0.0.1:%s  pid %s  log %s\n' \
        "$i" "${CL_MODE[$i]}" "${CL_PG[$i]}" "${CL_REST[$i]}" "${CL_PID[$i]}" "${CL_LOG[$i]}"
done
cat <<INFO
  haproxy    $CL_HAPROXY -> query nodes (stats: HAPROXY_DIR=$HAPROXY_DIR bash tests/lib/haproxy.sh status)

Connect through haproxy:
  psql -h $host -p $port kiln
Stop:
  bash $here/down.sh            (--destroy also removes $CL_DIR)
INFO
