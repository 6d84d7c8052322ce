#!/bin/bash
# tests/lib/zookeeper.sh - a private ZooKeeper (Debian's 'zookeeper' package,
# plain java, no systemd) for tests: one standalone server or a 3-node
# ensemble on free loopback ports, everything under $ZK_DIR.
#
#   zookeeper.sh start [single|ensemble]  start (idempotent: a running one of the
#                                         same kind is reused); prints the connect
#                                         string on stdout, progress on stderr
#   zookeeper.sh connect                  print the connect string of the running one
#   zookeeper.sh stop                     stop every server (TERM, then KILL after 5 s)
#   zookeeper.sh stop-node N              stop ensemble member N (1..3), quorum kept
#   zookeeper.sh kill-node N              kill -9 member N
#   zookeeper.sh start-node N             restart member N with its old config and data
#   zookeeper.sh status                   one line per server: node, port, pid, mode
#   zookeeper.sh leader                   number of the ensemble's current leader
#
# Environment: ZK_DIR (default /tmp/kiln-zk-$UID; give each test its own to
# run several side by side), ZK_LOG_LEVEL (server log level, default warn),
# ZK_TICK (tickTime ms, default 500: session timeouts may be 1..10 s, which
# keeps expiry tests fast).
# Recipe and timings: ../shared/reference/deps.md section 4.
set -euo pipefail

BASE=${ZK_DIR:-/tmp/kiln-zk-$(id -u)}
TICK=${ZK_TICK:-500}
CP=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar
JVM="-Xms16m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true"
JVM="$JVM -Dzookeeper.admin.enableServer=false -Dorg.slf4j.simpleLogger.showDateTime=true"
JVM="$JVM -Dorg.slf4j.simpleLogger.defaultLogLevel=${ZK_LOG_LEVEL:-warn}"

say() { echo "zookeeper.sh: $*" >&2; }

zk4() { # zk4 PORT WORD: a four-letter word over bash /dev/tcp
    { exec 3<>"/dev/tcp/127.0.0.1/$1" && printf '%s' "$2" >&3 && timeout 2 cat <&3; exec 3<&-; } 2>/dev/null || true
}

port_busy() { # port_busy PORT: listening, or picked already in this run
    case " ${PICKED:-} " in *" $1 "*) return 0 ;; esac
    if command -v ss >/dev/null; then
        [ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
    else # no iproute2: something answering on the port means taken
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

free_port() { # free_port: sets PORT to a free port below the ephemeral range (free_port.py), not one picked before
    local p i
    for i in $(seq 1 200); do
        p=$(python3 "$(dirname "${BASH_SOURCE[0]}")/free_port.py" ${PICKED:-}) || return 1
        if ! port_busy "$p"; then
            PICKED="${PICKED:-} $p"
            PORT=$p
            return 0
        fi
    done
    say "no free port found"
    return 1
}

cfg() { # cfg DIR CLIENTPORT
    cat <<CFG
tickTime=$TICK
initLimit=20
syncLimit=10
dataDir=$1/data
clientPort=$2
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr,conf
maxClientCnxns=0
CFG
}

alive() { # alive DIR: its server runs
    [ -f "$1/zk.pid" ] && kill -0 "$(cat "$1/zk.pid")" 2>/dev/null
}

launch() { # launch DIR
    # setsid: the server must not share the test's process group (a test's
    # Ctrl-C or kill of its group should go through `stop`).
    setsid java $JVM -cp "$CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$1/zoo.cfg" \
        >>"$1/zk.log" 2>&1 </dev/null &
    echo $! >"$1/zk.pid"
}

wait_mode() { # wait_mode PORT REGEX DIR [SECONDS]
    local i n=$((${4:-30} * 20))
    for i in $(seq 1 "$n"); do
        zk4 "$1" srvr | grep -qE "Mode: ($2)" && return 0
        alive "$3" || { say "server in $3 died:"; tail -20 "$3/zk.log" >&2; return 1; }
        sleep 0.05
    done
    say "server on port $1 not serving after ${4:-30} s"
    tail -20 "$3/zk.log" >&2
    return 1
}

stop_dir() { # stop_dir DIR [KILL]
    local d=$1 pid i
    [ -f "$d/zk.pid" ] || return 0
    pid=$(cat "$d/zk.pid")
    rm -f "$d/zk.pid"
    kill -0 "$pid" 2>/dev/null || return 0
    kill -"${2:-TERM}" "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    say "server $pid did not stop in 5 s: killed"
}

running_kind() { # prints single|ensemble when one is fully up
    if [ -f "$BASE/kind" ]; then
        local k
        k=$(cat "$BASE/kind")
        if [ "$k" = single ] && alive "$BASE/single"; then echo single; return; fi
        if [ "$k" = ensemble ]; then
            local up=0 i
            for i in 1 2 3; do alive "$BASE/node$i" && up=$((up + 1)); done
            [ "$up" -ge 2 ] && { echo ensemble; return; }
        fi
    fi
    echo none
}

do_stop() {
    local d
    for d in "$BASE"/single "$BASE"/node1 "$BASE"/node2 "$BASE"/node3; do
        [ -d "$d" ] && stop_dir "$d"
    done
    rm -f "$BASE/kind" "$BASE/connect"
    return 0
}

start_single() {
    local d=$BASE/single p
    rm -rf "$d"
    mkdir -p "$d/data"
    free_port; p=$PORT
    cfg "$d" "$p" >"$d/zoo.cfg"
    echo "$p" >"$d/port"
    launch "$d"
    wait_mode "$p" standalone "$d" || return 1
    echo single >"$BASE/kind"
    echo "127.0.0.1:$p" >"$BASE/connect"
}

start_ensemble() {
    local i j d cp qp ep conn="" servers=""
    for i in 1 2 3; do
        free_port; cp=$PORT; free_port; qp=$PORT; free_port; ep=$PORT
        eval "CP$i=$cp"
        servers="${servers}server.$i=127.0.0.1:$qp:$ep"$'\n'
        conn="${conn:+$conn,}127.0.0.1:$cp"
    done
    for i in 1 2 3; do
        d=$BASE/node$i
        rm -rf "$d"
        mkdir -p "$d/data"
        echo "$i" >"$d/data/myid"
        eval "cp=\$CP$i"
        { cfg "$d" "$cp"; printf '%s' "$servers"; } >"$d/zoo.cfg"
        echo "$cp" >"$d/port"
    done
    for i in 1 2 3; do launch "$BASE/node$i"; done
    for i in 1 2 3; do
        wait_mode "$(cat "$BASE/node$i/port")" 'leader|follower' "$BASE/node$i" || return 1
    done
    echo ensemble >"$BASE/kind"
    echo "$conn" >"$BASE/connect"
}

node_dir() { # node_dir N
    case "${1:-}" in 1|2|3) echo "$BASE/node$1" ;; *) say "node must be 1, 2 or 3"; exit 2 ;; esac
}

cmd=${1:-start}
case "$cmd" in
start)
    kind=${2:-single}
    case "$kind" in single|ensemble) ;; *) say "kind must be single or ensemble"; exit 2 ;; esac
    command -v java >/dev/null && [ -f /usr/share/java/zookeeper.jar ] ||
        { say "ZooKeeper missing: apt-get install zookeeper"; exit 1; }
    mkdir -p "$BASE"
    if [ "$(running_kind)" = "$kind" ]; then
        cat "$BASE/connect"
        exit 0
    fi
    do_stop
    t0=$(date +%s%N)
    ok=0
    for attempt in 1 2 3; do # a port taken between pick and bind: try fresh ports
        if "start_$kind"; then ok=1; break; fi
        do_stop
        say "start attempt $attempt failed"
    done
    [ "$ok" = 1 ] || exit 1
    say "$kind up at $(cat "$BASE/connect") in $(( ($(date +%s%N) - t0) / 1000000 )) ms (dir $BASE)"
    cat "$BASE/connect"
    ;;
connect)
    [ "$(running_kind)" != none ] || { say "not running"; exit 1; }
    cat "$BASE/connect"
    ;;
stop)
    do_stop
    ;;
stop-node|kill-node)
    d=$(node_dir "${2:-}")
    if [ "$cmd" = kill-node ]; then stop_dir "$d" KILL; else stop_dir "$d"; fi
    say "node ${2} stopped"
    ;;
start-node)
    d=$(node_dir "${2:-}")
    if alive "$d"; then exit 0; fi
    launch "$d"
    wait_mode "$(cat "$d/port")" 'leader|follower' "$d" 60
    say "node ${2} back: $(zk4 "$(cat "$d/port")" srvr | grep Mode)"
    ;;
status)
    for d in "$BASE"/single "$BASE"/node1 "$BASE"/node2 "$BASE"/node3; do
        [ -f "$d/port" ] || continue
        p=$(cat "$d/port")
        if alive "$d"; then
            echo "$(basename "$d") 127.0.0.1:$p pid $(cat "$d/zk.pid") $(zk4 "$p" srvr | grep Mode || echo 'Mode: ?')"
        else
            echo "$(basename "$d") 127.0.0.1:$p down"
        fi
    done
    ;;
leader)
    for i in 1 2 3; do
        d=$BASE/node$i
        [ -f "$d/port" ] && alive "$d" && zk4 "$(cat "$d/port")" srvr | grep -q 'Mode: leader' && { echo "$i"; exit 0; }
    done
    exit 1
    ;;
*)
    sed -n '2,22p' "$0" >&2
    exit 2
    ;;
esac
