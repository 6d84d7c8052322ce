#!/bin/bash
# tests/e2e/cluster_notify.sh - the cluster plumbing a node runs, without the
# node: three "kiln-coord serve" processes each open a REST port, register in
# ZooKeeper (self-discovery), feed the live membership to their event
# notifier, and report events they receive. Checks:
#   membership converges on every node; an event sent by one node reaches all
#   of them, the sender included (latency reported); /kylin/api/admin/nodes
#   lists the cluster; a kill -9'd node leaves every membership and later
#   events go to the survivors; haproxy in front of the REST ports (the health
#   check of contrib/haproxy) marks the dead node and a draining node DOWN and
#   keeps forwarding to the healthy one.
# Prints TAP. Env: KILN_BUILD (build dir holding src/coord/kiln-coord).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${KILN_BUILD:-$top}
drv=$build/src/coord/kiln-coord
T=4000

export ZK_DIR=/tmp/kiln-cluster-notify.$$
export HAPROXY_DIR=$ZK_DIR/haproxy
work=$ZK_DIR/run
mkdir -p "$work"
pids=()
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() {
    local d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
diag() { echo "# $*"; }
now_ms() { date +%s%3N; }

cleanup() {
    local p
    for p in ${pids[@]+"${pids[@]}"}; do kill -9 "$p" 2>/dev/null; done
    bash "$top/tests/lib/haproxy.sh" stop >/dev/null 2>&1
    bash "$top/tests/lib/zookeeper.sh" stop >/dev/null 2>&1
    if [ "$fails" -eq 0 ]; then rm -rf "$ZK_DIR"; else echo "# logs kept in $ZK_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# http METHOD PORT PATH: prints "STATUS BODY" (bash /dev/tcp, no curl needed).
http() {
    local resp
    resp=$({ exec 3<>"/dev/tcp/127.0.0.1/$2" &&
        printf '%s %s HTTP/1.0\r\nContent-Length: 0\r\n\r\n' "$1" "$3" >&3 && timeout 3 cat <&3; exec 3<&-; } 2>/dev/null | tr -d '\r')
    echo "$(echo "$resp" | head -1 | cut -d' ' -f2) $(echo "$resp" | sed '1,/^$/d')"
}

wait_line() { # wait_line NAME REGEX SECONDS
    local i
    for i in $(seq 1 $(($3 * 20))); do
        grep -qE "$2" "$work/$1.out" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "# $1: no line matching /$2/ after $3 s:"
    sed 's/^/#   /' "$work/$1.out" "$work/$1.err" 2>/dev/null | tail -15
    return 1
}
stamp() { grep -E "$2" "$work/$1.out" | head -1 | cut -d' ' -f1; }
lines() { wc -l <"$work/$1.out"; }
wait_after() { # wait_after NAME FROM REGEX SECONDS: a match after the first FROM lines
    local i
    for i in $(seq 1 $(($4 * 20))); do
        tail -n +"$(($2 + 1))" "$work/$1.out" | grep -qE "$3" && return 0
        sleep 0.05
    done
    echo "# $1: no new line matching /$3/ after $4 s"
    return 1
}
stamp_after() { tail -n +"$(($2 + 1))" "$work/$1.out" | grep -E "$3" | head -1 | cut -d' ' -f1; }

serve() { # serve NAME MODE
    "$drv" -z "$ZK" -c "cn_$$" -t "$T" serve 0 "$2" >"$work/$1.out" 2>"$work/$1.err" &
    pids+=($!)
    eval "PID_$1=$!"
    wait_line "$1" 'SERVING port=' 10 >/dev/null
    eval "PORT_$1=$(sed -n 's/.*SERVING port=\([0-9]*\).*/\1/p' "$work/$1.out" | head -1)"
}

[ -x "$drv" ] || make -C "$build" src/coord/kiln-coord >/dev/null 2>&1 || true
if [ ! -x "$drv" ]; then notok "kiln-coord built"; echo "1..$n"; exit 1; fi
if ZK=$(bash "$top/tests/lib/zookeeper.sh" start single 2>"$work/zk.err"); then
    ok "ZooKeeper up at $ZK"
else
    sed 's/^/# /' "$work/zk.err"
    notok "ZooKeeper up"
    echo "1..$n"
    exit 1
fi

serve N1 all
serve N2 query
serve N3 query
for x in N1 N2 N3; do
    wait_line "$x" 'MEMBERS n=3 ' 10 >/dev/null
done
check "every node sees the three members (self-discovery)" \
    bash -c "grep -q 'MEMBERS n=3 ' '$work/N1.out' && grep -q 'MEMBERS n=3 ' '$work/N2.out' && grep -q 'MEMBERS n=3 ' '$work/N3.out'"

t0=$(now_ms)
r=$(http POST "$PORT_N1" "/kiln/test/notify?event_id=5")
allok=1
for x in N1 N2 N3; do wait_line "$x" 'ANNOUNCE id=5$' 5 >/dev/null || allok=0; done
if [ $allok -eq 1 ]; then
    last=0
    for x in N1 N2 N3; do s=$(stamp "$x" 'ANNOUNCE id=5$'); [ "$s" -gt "$last" ] && last=$s; done
    diag "event 5 from N1 reached all three nodes (N1 included) $((last - t0)) ms after the request"
    ok "an event sent by N1 reaches every node, itself included"
else
    notok "an event sent by N1 reaches every node, itself included (request: $r)"
fi

r=$(http GET "$PORT_N2" /kylin/api/admin/nodes)
check "GET /kylin/api/admin/nodes on N2 lists all three with modes" \
    bash -c "echo '$r' | grep -q '^200 ' && [ \$(echo '$r' | grep -o '\"address\"' | wc -l) -eq 3 ] && echo '$r' | grep -q '\"mode\":\"all\"'"

# A lost node: membership shrinks, events go on to the survivors.
m1=$(lines N1)
m2=$(lines N2)
tkill=$(now_ms)
kill -9 "$PID_N3"
if wait_after N1 "$m1" 'MEMBERS n=2 ' $((T / 1000 + 6)) && wait_after N2 "$m2" 'MEMBERS n=2 ' 3; then
    diag "a kill -9'd node left the membership after $(($(stamp_after N1 "$m1" 'MEMBERS n=2 ') - tkill)) ms"
    ok "N3 killed: N1 and N2 drop it from the membership"
else
    notok "N3 killed: N1 and N2 drop it from the membership"
fi
http POST "$PORT_N2" "/kiln/test/notify?event_id=6" >/dev/null
check "a later event from N2 reaches N1 and N2" bash -c "
    for i in \$(seq 1 100); do
        grep -q 'ANNOUNCE id=6$' '$work/N1.out' && grep -q 'ANNOUNCE id=6$' '$work/N2.out' && exit 0
        sleep 0.05
    done; exit 1"

# haproxy with the health check on the REST port (here the proxied port is
# the REST port too, so a request through the frontend shows who answers).
H=$top/tests/lib/haproxy.sh
if FE=$(bash "$H" start "127.0.0.1:$PORT_N1:$PORT_N1,127.0.0.1:$PORT_N2:$PORT_N2,127.0.0.1:$PORT_N3:$PORT_N3" 2>"$work/hap.err"); then
    ok "haproxy up at $FE in front of three nodes"
else
    sed 's/^/# /' "$work/hap.err"
    notok "haproxy up"
fi
check "haproxy marks the dead node N3 DOWN and N1, N2 UP" \
    bash -c "bash '$H' wait-down kiln3 10 && bash '$H' wait-up 2 10"
td=$(now_ms)
http POST "$PORT_N2" /kiln/test/drain >/dev/null
r=$(http GET "$PORT_N2" /kylin/api/health)
check "a draining node answers 503 on /kylin/api/health ($r)" bash -c "echo '$r' | grep -q '^503 .*shutting down'"
if bash "$H" wait-down kiln2 10; then
    diag "haproxy took the draining node out of rotation after $(($(now_ms) - td)) ms"
    ok "haproxy takes the draining node N2 out of rotation"
else
    notok "haproxy takes the draining node N2 out of rotation"
fi
fp=${FE##*:}
good=0
for i in 1 2 3 4 5 6; do
    r=$(http GET "$fp" /kylin/api/health)
    case "$r" in "200 "*) good=$((good + 1)) ;; esac
done
check "through haproxy every request lands on the healthy node ($good/6)" [ "$good" -eq 6 ]

# nginx stream (contrib/nginx/kiln-stream.conf's settings) in front of the live
# N1 and the dead N3: passive checks skip the dead node.
ngmod=/usr/lib/nginx/modules/ngx_stream_module.so
if command -v nginx >/dev/null && [ -f "$ngmod" ]; then
    # below the ephemeral range: a random port in it was once an outgoing
    # connection's source port, and nginx failed with "address already in use"
    ngp=$(python3 "$top/tests/lib/free_port.py" "$PORT_N1" "$PORT_N2" "$PORT_N3")
    mkdir -p "$ZK_DIR/nginx"
    sed -e "s/listen 5432;/listen 127.0.0.1:$ngp;/" \
        -e "s/server 10.0.0.11:5433 /server 127.0.0.1:$PORT_N1 /" \
        -e "s/server 10.0.0.12:5433 /server 127.0.0.1:$PORT_N3 /" \
        -e "/server 10.0.0.13:5433 /d" "$top/contrib/nginx/kiln-stream.conf" >"$ZK_DIR/nginx/stream.conf"
    cat >"$ZK_DIR/nginx/nginx.conf" <<NGX
load_module $ngmod;
pid $ZK_DIR/nginx/nginx.pid;
error_log $ZK_DIR/nginx/error.log;
events {}
include $ZK_DIR/nginx/stream.conf;
NGX
    if nginx -p "$ZK_DIR/nginx" -c "$ZK_DIR/nginx/nginx.conf" 2>"$work/nginx.err"; then
        sleep 0.3
        good=0
        for i in 1 2 3 4 5 6; do
            r=$(http GET "$ngp" /kylin/api/health)
            case "$r" in "200 "*) good=$((good + 1)) ;; esac
        done
        check "through nginx stream every request reaches the live node, the dead one is skipped ($good/6)" [ "$good" -eq 6 ]
        kill -TERM "$(cat "$ZK_DIR/nginx/nginx.pid")" 2>/dev/null
    else
        sed 's/^/# /' "$work/nginx.err"
        notok "nginx stream starts with contrib/nginx/kiln-stream.conf"
    fi
else
    ok "nginx stream # SKIP nginx with the stream module not installed"
fi

# Clean shutdown of every driver still running: SIGTERM, exit status 0, and
# nothing from a sanitizer when the build has them (--enable-sanitizers).
bad=0
for p in ${pids[@]+"${pids[@]}"}; do
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    rc=$?
    [ "$rc" -eq 0 ] || { bad=1; diag "driver $p exited with $rc after SIGTERM"; }
done
pids=()
if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$work"/*.err >/dev/null 2>&1; then
    bad=1
    grep -hE -A5 'ERROR: (Address|Leak)Sanitizer|runtime error' "$work"/*.err | head -30 | sed 's/^/#   /'
fi
check "every driver stops cleanly on SIGTERM, no sanitizer report" [ "$bad" -eq 0 ]

echo "1..$n"
[ "$fails" -eq 0 ]
