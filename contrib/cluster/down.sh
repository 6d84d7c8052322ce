#!/bin/bash
# contrib/cluster/down.sh - stops the cluster contrib/cluster/up.sh started (haproxy, the
# kilnd nodes with SIGTERM, ZooKeeper, MariaDB). --destroy also removes $KILN_CLUSTER_DIR
# (default /tmp/kiln-cluster-$UID) with its metastore, storage and logs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=cluster.sh
. "$here/cluster.sh"
cl_load || { echo "no cluster in $CL_DIR"; exit 0; }
if [ "${1:-}" = --destroy ]; then
    cluster_destroy
    echo "cluster in $CL_DIR stopped and removed"
else
    cluster_down
    echo "cluster in $CL_DIR stopped (files kept; up.sh starts a new one, down.sh --destroy removes them)"
fi
