# contrib/cluster/cluster.sh - a kiln cluster on one machine (sourced, bash): a private
# MariaDB metastore, a 3-node ZooKeeper ensemble, N kilnd nodes sharing the metastore and
# one storage root, haproxy in front of the nodes that answer queries. up.sh / down.sh
# run it for users; tests/e2e/cluster_e2e.sh drives it and kills its processes on purpose.
#
#   cluster_up                 starts everything (see the variables below); sets CL_* below
#   cluster_down               stops haproxy, the nodes, ZooKeeper and MariaDB (keeps the files)
#   cluster_destroy            cluster_down, then removes $CL_DIR
#   cl_node_start I [-c k=v]...  starts node I (1-based) from its kylin.properties; extra
#                              -c options are appended for this start only; waits for pg_isready
#   cl_node_stop I             SIGTERM (clean drain), SIGKILL after 10 s
#   cl_node_kill I             kill -9
#   cl_node_alive I            its process runs
#   cl_psql I ARGS...          psql into node I          cl_hpsql ARGS...  psql through haproxy
#   cl_http I METHOD PATH      "STATUS BODY" from node I's REST port (bash /dev/tcp, no curl)
#
# Variables (environment, all optional):
#   KILN_CLUSTER_DIR     everything lives here (default /tmp/kiln-cluster-$UID)
#   KILN_CLUSTER_MODES   kylin.server.mode of each node, space separated
#                        (default "job query query": Kylin's documented shape, read/write separated)
#   KILN_CLUSTER_SCHEDULER  kylin.job.scheduler.default (default 2: a ZooKeeper lock per job)
#   KILN_CLUSTER_PORT    haproxy's PostgreSQL port (default 6432 when free, else a free one)
#   KILN_CLUSTER_SESSION_MS  kiln.zookeeper.session-timeout-ms (default 10000)
#   KILN_CLUSTER_SYNC_MS kiln.metadata.sync-interval-ms (default 2000)
#   KILN_CLUSTER_RO      1 (default): query nodes see the storage root read-only (a read-only
#                        bind mount in a private mount namespace; needs root, else not enforced);
#                        0: no enforcement
#   KILN_CLUSTER_DEAF    (tests) node number whose REST address every node's cluster-servers
#                        gets wrong: it learns metadata changes only from the periodic replay
#   KILN_BUILD / KILN_TOP where kilnd was built / the source tree (as tests/lib/kiln.sh)
#
# After cluster_up: CL_DIR, CL_N (nodes), CL_MODE[i], CL_PG[i], CL_REST[i], CL_PID[i],
# CL_DATA[i], CL_LOG[i], CL_STORAGE, CL_URL (metastore), CL_ZK (connect string),
# CL_HAPROXY (host:port), CL_RO (1 when query nodes run with a read-only storage root).
# Layout of $CL_DIR: mdb/ zk/ haproxy/ storage/ nodeI/{kylin.properties,data/,kilnd.log,kilnd.pid}

CL_TOP=${KILN_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CL_BUILD=${KILN_BUILD:-$CL_TOP}
CL_DIR=${KILN_CLUSTER_DIR:-/tmp/kiln-cluster-$(id -u)}
CL_LIB=$CL_TOP/tests/lib
export MDB_DIR=$CL_DIR/mdb ZK_DIR=$CL_DIR/zk HAPROXY_DIR=$CL_DIR/haproxy

cl_say() { echo "cluster: $*" >&2; }

cl_free_port() { # a free port below the ephemeral range (tests/lib/free_port.py), not one picked earlier in this run
    local p
    # shellcheck disable=SC2086 # the picked ports, one argument each
    p=$(python3 "$CL_LIB/free_port.py" ${CL_PICKED:-}) || return 1
    CL_PICKED="${CL_PICKED:-} $p"
    echo "$p"
}

cl_kilnd() {
    local b
    for b in "$CL_BUILD/kilnd" "$CL_TOP/kilnd"; do
        [ -x "$b" ] && { echo "$b"; return 0; }
    done
    cl_say "no kilnd in $CL_BUILD or $CL_TOP (build first, or set KILN_BUILD)"
    return 1
}

# cl_ro_ok: a private mount namespace with a read-only bind mount works here (root, and
# a kernel/container that allows it).
cl_ro_ok() {
    [ "$(id -u)" -eq 0 ] || return 1
    unshare -m sh -c "mount --bind '$CL_STORAGE' '$CL_STORAGE' && mount -o remount,ro,bind '$CL_STORAGE' '$CL_STORAGE' && ! touch '$CL_STORAGE/.rw-probe' 2>/dev/null" 2>/dev/null
}

cl_write_props() { # cl_write_props I
    local i=$1 servers="" j
    for ((j = 1; j <= CL_N; j++)); do
        # KILN_CLUSTER_DEAF=j (tests): node j is listed at a port nobody listens on, so every
        # notification to it is lost and only the periodic replay brings it news.
        if [ "$j" = "${KILN_CLUSTER_DEAF:-}" ]; then
            servers="${servers:+$servers,}127.0.0.1:$CL_DEAD_PORT"
        else
            servers="${servers:+$servers,}127.0.0.1:${CL_REST[$j]}"
        fi
    done
    cat >"$CL_DIR/node$i/kylin.properties" <<PROPS
# node $i of the kiln cluster in $CL_DIR (written by contrib/cluster/cluster.sh)
kiln.pg.listen-address = 127.0.0.1
kiln.pg.port = ${CL_PG[$i]}
kiln.rest.port = ${CL_REST[$i]}
kiln.data-dir = ${CL_DATA[$i]}
# one storage root for every node (on real hosts: NFS, CephFS, an S3 mount)
kiln.storage.root = $CL_STORAGE
kylin.metadata.url = kylin_metadata@jdbc,url=jdbc:mysql://127.0.0.1:$CL_MDB_PORT/olap_meta,username=olap,password=olap_pw
kylin.server.mode = ${CL_MODE[$i]}
kylin.server.host-address = 127.0.0.1:${CL_REST[$i]}
kylin.server.cluster-servers = $servers
$CL_PG_LINE
kylin.env.zookeeper-connect-string = $CL_ZK
kylin.job.scheduler.default = $CL_SCHEDULER
kylin.job.lock = org.apache.kylin.job.lock.zookeeper.ZookeeperJobLock
kiln.zookeeper.session-timeout-ms = $CL_SESSION_MS
kiln.metadata.sync-interval-ms = $CL_SYNC_MS
kylin.job.scheduler.poll-interval-second = 5
PROPS
}

cl_node_alive() { [ -n "${CL_PID[$1]:-}" ] && kill -0 "${CL_PID[$1]}" 2>/dev/null; }

cl_node_start() {
    local i=$1 bin k
    shift
    bin=$(cl_kilnd) || return 1
    mkdir -p "${CL_DATA[$i]}"
    echo "--- start $(date '+%F %T')" >>"${CL_LOG[$i]}"
    if [ "${CL_MODE[$i]}" = query ] && [ "$CL_RO" = 1 ]; then
        # Read/write separation, enforced: the node sees the storage root read-only in a
        # mount namespace of its own. exec keeps the pid: $! is kilnd's.
        unshare -m --propagation private sh -c 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"' \
            "$CL_STORAGE" "$bin" --config "$CL_DIR/node$i/kylin.properties" "$@" \
            </dev/null >>"${CL_LOG[$i]}" 2>&1 &
    else
        "$bin" --config "$CL_DIR/node$i/kylin.properties" "$@" </dev/null >>"${CL_LOG[$i]}" 2>&1 &
    fi
    CL_PID[$i]=$!
    disown "${CL_PID[$i]}" 2>/dev/null # no "Killed" notices: tests kill on purpose
    echo "${CL_PID[$i]}" >"$CL_DIR/node$i/kilnd.pid"
    for ((k = 0; k < 300; k++)); do
        if ! cl_node_alive "$i"; then
            cl_say "node $i exited during startup; the end of ${CL_LOG[$i]}:"
            tail -20 "${CL_LOG[$i]}" >&2
            return 1
        fi
        pg_isready -q -h 127.0.0.1 -p "${CL_PG[$i]}" -t 1 >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cl_say "node $i not ready after 30 s (log ${CL_LOG[$i]})"
    return 1
}

cl_node_stop() { # cl_node_stop I [nosignal]: nosignal when SIGTERM was sent already (a second one exits at once)
    local i=$1 k
    cl_node_alive "$i" || return 0
    [ "${2:-}" = nosignal ] || kill -TERM "${CL_PID[$i]}" 2>/dev/null
    for ((k = 0; k < 100; k++)); do
        cl_node_alive "$i" || return 0
        sleep 0.1
    done
    kill -KILL "${CL_PID[$i]}" 2>/dev/null
}

cl_node_kill() {
    cl_node_alive "$1" && kill -KILL "${CL_PID[$1]}" 2>/dev/null
    local k
    for ((k = 0; k < 50; k++)); do cl_node_alive "$1" || return 0; sleep 0.02; done
}

cl_psql() {
    local i=$1
    shift
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${CL_PG[$i]}" -U kiln -d kiln "$@"
}

cl_hpsql() {
    psql -X -q -v ON_ERROR_STOP=1 -h "${CL_HAPROXY%:*}" -p "${CL_HAPROXY#*:}" -U kiln -d kiln "$@"
}

cl_http() { # cl_http I METHOD PATH
    local resp
    resp=$({ exec 3<>"/dev/tcp/127.0.0.1/${CL_REST[$1]}" &&
        printf '%s %s HTTP/1.0\r\nContent-Length: 0\r\n\r\n' "$2" "$3" >&3 && timeout 3 cat <&3; exec 3<&-; } 2>/dev/null | tr -d '\r')
    echo "$(echo "$resp" | head -1 | cut -d' ' -f2) $(echo "$resp" | sed '1,/^$/d')"
}

cl_backends() { # host:pg:rest of every node that answers queries
    local i b=""
    for ((i = 1; i <= CL_N; i++)); do
        [ "${CL_MODE[$i]}" = job ] && continue
        b="${b:+$b,}127.0.0.1:${CL_PG[$i]}:${CL_REST[$i]}"
    done
    echo "$b"
}

cluster_up() {
    local i modes
    read -r -a modes <<<"${KILN_CLUSTER_MODES:-job query query}"
    CL_N=${#modes[@]}
    CL_SCHEDULER=${KILN_CLUSTER_SCHEDULER:-2}
    CL_SESSION_MS=${KILN_CLUSTER_SESSION_MS:-10000}
    CL_SYNC_MS=${KILN_CLUSTER_SYNC_MS:-2000}
    CL_STORAGE=$CL_DIR/storage
    CL_MODE=() CL_PG=() CL_REST=() CL_PID=() CL_DATA=() CL_LOG=()
    mkdir -p "$CL_STORAGE" || return 1
    chmod 755 "$CL_DIR" "$CL_STORAGE"
    cl_kilnd >/dev/null || return 1
    for c in mariadbd java haproxy psql pg_isready python3; do
        command -v "$c" >/dev/null || { cl_say "$c is missing (bash tests/lib/install-deps.sh installs what kiln needs)"; return 1; }
    done

    bash "$CL_LIB/mariadb.sh" start || { cl_say "MariaDB did not start (log $MDB_DIR/error.log)"; return 1; }
    CL_MDB_PORT=$(bash "$CL_LIB/mariadb.sh" port)
    CL_URL=$(bash "$CL_LIB/mariadb.sh" url)
    CL_ZK=$(bash "$CL_LIB/zookeeper.sh" start ensemble 2>>"$CL_DIR/zk-start.log") ||
        { cl_say "ZooKeeper did not start:"; cat "$CL_DIR/zk-start.log" >&2; return 1; }

    CL_PG_SERVERS=""
    CL_DEAD_PORT=$(cl_free_port) || return 1
    for ((i = 1; i <= CL_N; i++)); do
        CL_MODE[$i]=${modes[$((i - 1))]}
        CL_PG[$i]=$(cl_free_port) && CL_REST[$i]=$(cl_free_port) || return 1
        CL_DATA[$i]=$CL_DIR/node$i/data
        CL_LOG[$i]=$CL_DIR/node$i/kilnd.log
        CL_PG_SERVERS="${CL_PG_SERVERS:+$CL_PG_SERVERS,}127.0.0.1:${CL_PG[$i]}"
        mkdir -p "$CL_DIR/node$i"
    done
    # Cancel forwarding needs every node's PostgreSQL address (older builds lack the key).
    CL_PG_LINE="# (this kilnd has no kiln.cluster.pg-servers: no cross-node cancel)"
    "$(cl_kilnd)" --describe-config 2>/dev/null | grep -q 'kiln.cluster.pg-servers' &&
        CL_PG_LINE="kiln.cluster.pg-servers = $CL_PG_SERVERS"
    CL_RO=0
    if [ "${KILN_CLUSTER_RO:-1}" = 1 ]; then
        if cl_ro_ok; then CL_RO=1; else cl_say "query nodes' read-only storage is not enforced here (needs root and mount namespaces)"; fi
    fi
    for ((i = 1; i <= CL_N; i++)); do cl_write_props "$i"; done
    # One node first: it applies the metastore migrations; the others find them done.
    cl_node_start 1 || return 1
    for ((i = 2; i <= CL_N; i++)); do cl_node_start "$i" || return 1; done

    local front
    if [ -n "${KILN_CLUSTER_PORT:-}" ]; then
        front=$KILN_CLUSTER_PORT
    elif ! (exec 3<>/dev/tcp/127.0.0.1/6432) 2>/dev/null; then
        front=6432
    else
        front=$(cl_free_port)
    fi
    CL_HAPROXY=$(HAPROXY_PORT=$front bash "$CL_LIB/haproxy.sh" start "$(cl_backends)" 2>>"$CL_DIR/haproxy-start.log") ||
        { cl_say "haproxy did not start:"; cat "$CL_DIR/haproxy-start.log" >&2; return 1; }
    bash "$CL_LIB/haproxy.sh" wait-up "$(cl_backends | tr ',' '\n' | grep -c .)" 20 ||
        { cl_say "haproxy does not see every query node UP"; return 1; }
    cl_save
}

# cl_save / cl_load: the CL_* state in $CL_DIR/cluster.env, so down.sh (another process) finds it.
cl_save() {
    {
        declare -p CL_N CL_MODE CL_PG CL_REST CL_PID CL_DATA CL_LOG CL_STORAGE CL_URL CL_ZK CL_HAPROXY CL_RO \
            CL_SCHEDULER CL_SESSION_MS CL_SYNC_MS CL_MDB_PORT CL_PG_SERVERS CL_DEAD_PORT CL_PG_LINE
    } | sed 's/^declare -/declare -g -/' >"$CL_DIR/cluster.env" # -g: cl_load sources it in a function
}

cl_load() {
    [ -f "$CL_DIR/cluster.env" ] || return 1
    # shellcheck disable=SC1091
    . "$CL_DIR/cluster.env"
    local i
    for ((i = 1; i <= CL_N; i++)); do
        [ -f "$CL_DIR/node$i/kilnd.pid" ] && CL_PID[$i]=$(cat "$CL_DIR/node$i/kilnd.pid")
    done
    return 0
}

cluster_down() {
    local i
    bash "$CL_LIB/haproxy.sh" stop >/dev/null 2>&1
    for ((i = 1; i <= ${CL_N:-0}; i++)); do cl_node_alive "$i" && kill -TERM "${CL_PID[$i]}" 2>/dev/null; done
    for ((i = 1; i <= ${CL_N:-0}; i++)); do cl_node_stop "$i" nosignal; done
    bash "$CL_LIB/zookeeper.sh" stop >/dev/null 2>&1
    bash "$CL_LIB/mariadb.sh" stop >/dev/null 2>&1
    return 0
}

cluster_destroy() {
    cluster_down
    rm -rf "$CL_DIR"
}
