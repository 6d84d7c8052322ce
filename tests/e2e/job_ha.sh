#!/bin/bash
# tests/e2e/job_ha.sh - job engine failover across real processes: a private
# MariaDB metastore (tests/lib/mariadb.sh), a real 3-node ZooKeeper ensemble
# (tests/lib/zookeeper.sh), and several kiln-jobnode processes (src/job/
# jobnode.c: one job node each, running synthetic slow steps), killed on
# purpose:
#   scheduler 2    kill -9 of the node running a job: another node takes the
#                  job's lock after the session timeout and resumes it from
#                  its first unfinished step; the job publishes once.
#   scheduler 2    a node frozen past its session timeout stops its job on
#                  waking (its next write is fenced, or its lock is reported
#                  lost); another node finishes the job.
#   scheduler 2    a stale node (SIGSTOP past its session, then SIGCONT) whose
#                  step goes on to publish is refused by the metastore's
#                  fencing-token check; only the new owner's segment exists.
#   scheduler 100  kill -9 of the leader: a follower is elected and resumes.
#   scheduler 0    with ZooKeeper: a second node refuses to schedule (clear
#                  log line), takes over after kill -9 of the first.
#   scheduler 0    without ZooKeeper: the same through the metastore lease.
# Prints TAP; takeover times as "# ..." lines. Env: KILN_BUILD (build dir
# holding src/job/kiln-jobnode; default the checkout), JOB_SESSION_MS (4000),
# JOB_KEEP_LOGS=1 (keep the work directory even when everything passed).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${KILN_BUILD:-$top}
drv=$build/src/job/kiln-jobnode
T=${JOB_SESSION_MS:-4000}
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"

work=$(mktemp -d /tmp/kiln-job-e2e.XXXXXX)
export ZK_DIR=$work/zk MDB_DIR=$work/mdb
unset MDB_PORT
pids=()

cleanup() {
    local p
    for p in ${pids[@]+"${pids[@]}"}; do
        kill -CONT "$p" 2>/dev/null
        kill -9 "$p" 2>/dev/null
    done
    bash "$top/tests/lib/zookeeper.sh" stop >/dev/null 2>&1
    bash "$top/tests/lib/mariadb.sh" destroy >/dev/null 2>&1
    if [ "$TAP_FAILED" -eq 0 ] && [ -z "${JOB_KEEP_LOGS:-}" ]; then
        rm -rf "$work"
    else
        echo "# logs kept in $work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# node NAME ARGS...: starts a job node in the background; pid in PID_NAME.
node() {
    local name=$1
    shift
    "$drv" -u "$URL" -n "$name" "$@" run >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    disown $! # no "Killed" notices: the kills are the test
    eval "PID_$name=$!"
}
jn() { "$drv" -u "$URL" "$@" 2>>"$work/cmd.err"; }

# wait_line NAME REGEX SECONDS: until NAME's output has a line matching REGEX.
wait_line() {
    local i
    for i in $(seq 1 $(($3 * 20))); do
        grep -qE "$2" "$work/$1.out" 2>/dev/null && return 0
        sleep 0.05
    done
    diag "$1: no line matching /$2/ after $3 s; last output:"
    tail -15 "$work/$1.out" "$work/$1.err" 2>/dev/null | diag
    return 1
}
# who NAMES... -- REGEX: the first node whose output matches (empty if none).
who() {
    local re=${*: -1} n
    for n in "${@:1:$#-2}"; do
        grep -qE "$re" "$work/$n.out" 2>/dev/null && { echo "$n"; return; }
    done
}
# wait_who SECONDS NAMES... -- REGEX: like who, waiting.
wait_who() {
    local s=$1 i w
    shift
    for i in $(seq 1 $((s * 20))); do
        w=$(who "$@")
        [ -n "$w" ] && { echo "$w"; return 0; }
        sleep 0.05
    done
    return 1
}
stamp() { grep -E "$2" "$work/$1.out" | head -1 | cut -d' ' -f1; }
field() { grep -E "$2" "$work/$1.out" | head -1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1000 }'; }
stop_all() {
    local p
    for p in "$@"; do kill -9 "$p" 2>/dev/null; done
}

# ---------------------------------------------------------------------------
if [ ! -x "$drv" ]; then
    make -C "$build" src/job/kiln-jobnode >/dev/null 2>&1 || true
fi
if [ ! -x "$drv" ]; then
    not_ok "kiln-jobnode built (run make first; KILN_BUILD=$build)"
    done_testing
fi
t0=$(now_ms)
if bash "$top/tests/lib/mariadb.sh" start; then
    URL=$(bash "$top/tests/lib/mariadb.sh" url)
    ok "private MariaDB up in $(secs "$t0" "$(now_ms)") s"
else
    bail "MariaDB did not start (tests/lib/install-deps.sh installs it)"
fi
t0=$(now_ms)
if ZK=$(bash "$top/tests/lib/zookeeper.sh" start ensemble 2>"$work/zk-start.err"); then
    ok "3-node ZooKeeper ensemble up in $(secs "$t0" "$(now_ms)") s ($ZK)"
else
    cat "$work/zk-start.err" | diag
    bail "ZooKeeper ensemble did not start"
fi

# --------------------------------------------------------------- scheduler 2
C="-z $ZK -t $T -c job_e2e_s2_$$ -s 2"
node a1 $C
node a2 $C
node a3 $C
for n in a1 a2 a3; do wait_line $n 'scheduler active' 20 >/dev/null || true; done
J=$(jn submit 5 1500)
X=$(wait_who 20 a1 a2 a3 -- "claimed job=$J ") || X=
check "scheduler 2: a node claims the job (job $J on ${X:-nobody})" test -n "$X"
if [ -n "$X" ]; then
    wait_line "$X" "step job=$J step=2 attempt=1 start" 20
    others=$(printf '%s\n' a1 a2 a3 | grep -v "^$X$" | tr '\n' ' ')
    claims=$(cat "$work"/a?.out | grep -c "claimed job=$J ")
    is "$claims" 1 "scheduler 2: one node runs the job while its owner lives"
    tk=$(now_ms)
    eval "kill -9 \$PID_$X"
    Y=$(wait_who $((T / 1000 + 25)) $others -- "claimed job=$J ") || Y=
    check "scheduler 2: after kill -9 of $X another node takes the job over (${Y:-none})" test -n "$Y"
    if [ -n "$Y" ]; then
        tc=$(stamp "$Y" "claimed job=$J ")
        from=$(field "$Y" "claimed job=$J " from_step)
        is "$from" 2 "scheduler 2: $Y resumes from the first unfinished step (2 of 0..4)"
        wait_line "$Y" "job job=$J state=SUCCEED" 30
        td=$(stamp "$Y" "job job=$J state=SUCCEED")
        diag "scheduler 2: kill -9 -> job taken over in $(secs "$tk" "$tc") s (session timeout $T ms); -> SUCCEED in $(secs "$tk" "$td") s"
        show=$(jn show "$J")
        like "$show" "^state=SUCCEED owner=$Y .* s0=SUCCEED/1 s1=SUCCEED/1 " "scheduler 2: job SUCCEED on $Y; finished steps not rerun ($show)"
        unlike "$(cat "$work/$Y.out")" "step job=$J step=[01] " "scheduler 2: $Y never ran steps 0 and 1"
        ytok=$(field "$Y" "claimed job=$J " token)
        pub=$(jn published "$J")
        is "$(printf '%s\n' "$pub" | grep -c token=)" 1 "scheduler 2: exactly one segment published"
        like "$pub" "^token=$ytok " "scheduler 2: published with the new owner's fencing token $ytok"
    fi
fi
stop_all "$PID_a1" "$PID_a2" "$PID_a3"

# ------------------------------------------------- scheduler 2: stale node
C="-z $ZK -t $T -c job_e2e_stale_$$ -s 2 -F"
node b1 $C
node b2 $C
for n in b1 b2; do wait_line $n 'scheduler active' 20 >/dev/null || true; done
K=$(jn submit 2 $((T + 3000)))
X=$(wait_who 20 b1 b2 -- "step job=$K step=1 attempt=1 start") || X=
if [ -n "$X" ]; then
    Y=$([ "$X" = b1 ] && echo b2 || echo b1)
    eval "xp=\$PID_$X"
    kill -STOP "$xp"
    ts=$(now_ms)
    check "stale: $X frozen (SIGSTOP) during the publishing step; $Y takes the job over" \
        wait_line "$Y" "claimed job=$K " $((T / 1000 + 20))
    diag "stale: taken over $(secs "$ts" "$(stamp "$Y" "claimed job=$K ")") s after SIGSTOP"
    check "stale: $Y publishes and finishes" wait_line "$Y" "job job=$K state=SUCCEED" $((T / 1000 + 30))
    kill -CONT "$xp"
    check "stale: $X wakes up, its step goes on to publish" wait_line "$X" "publishing job=$K " 15
    check "stale: the metastore refuses $X's publish (fencing token)" wait_line "$X" "publish refused job=$K " 10
    like "$(grep "publish failed job=$K " "$work/$X.out")" "now run by $Y with fencing token" \
        "stale: the refusal names the new owner and token"
    ytok=$(field "$Y" "claimed job=$K " token)
    pub=$(jn published "$K")
    is "$(printf '%s\n' "$pub" | grep -c token=)" 1 "stale: exactly one segment published"
    like "$pub" "^token=$ytok path=/tmp/sim/$Y/" "stale: it is $Y's (token $ytok)"
    like "$(jn show "$K")" "^state=SUCCEED owner=$Y " "stale: the job stays SUCCEED, owned by $Y"
else
    not_ok "stale: a node starts the publishing step of job $K"
fi
stop_all "$PID_b1" "$PID_b2"

# --------------------------- scheduler 2: an expired session stops its jobs
C="-z $ZK -t $T -c job_e2e_expire_$$ -s 2"
node c1 $C
node c2 $C
for n in c1 c2; do wait_line $n 'scheduler active' 20 >/dev/null || true; done
E=$(jn submit 4 2000)
X=$(wait_who 20 c1 c2 -- "step job=$E step=1 attempt=1 start") || X=
if [ -n "$X" ]; then
    Y=$([ "$X" = c1 ] && echo c2 || echo c1)
    eval "xp=\$PID_$X"
    kill -STOP "$xp"
    check "expiry: $Y takes job $E over while $X is frozen" wait_line "$Y" "claimed job=$E " $((T / 1000 + 20))
    kill -CONT "$xp"
    check "expiry: $X, awake again, finds the job taken over (fenced write or lost lock) and stops it" wait_line "$X" "lost job=$E " 15
    check "expiry: $Y finishes it" wait_line "$Y" "job job=$E state=SUCCEED" 40
    unlike "$(grep -E "step job=$E step=[23]" "$work/$X.out")" . "expiry: $X ran no later step of job $E"
    like "$(jn show "$E")" "^state=SUCCEED owner=$Y " "expiry: job SUCCEED owned by $Y"
else
    not_ok "expiry: a node runs job $E"
fi
stop_all "$PID_c1" "$PID_c2"

# ------------------------------------------------------------- scheduler 100
C="-z $ZK -t $T -c job_e2e_s100_$$ -s 100"
node l1 $C
wait_line l1 'scheduler active' 20 >/dev/null
node l2 $C
node l3 $C
wait_line l2 'scheduler standby' 20 >/dev/null
wait_line l3 'scheduler standby' 20 >/dev/null
L=$(who l1 l2 l3 -- 'scheduler active')
is "$(cat "$work"/l?.out | grep -c 'scheduler active')" 1 "scheduler 100: exactly one leader (${L:-none})"
M=$(jn submit 5 1500)
if [ -n "$L" ] && wait_line "$L" "step job=$M step=2 attempt=1 start" 30; then
    ok "scheduler 100: the leader runs job $M"
    others=$(printf '%s\n' l1 l2 l3 | grep -v "^$L$" | tr '\n' ' ')
    tk=$(now_ms)
    eval "kill -9 \$PID_$L"
    N=$(wait_who $((T / 1000 + 25)) $others -- 'scheduler active') || N=
    check "scheduler 100: a follower is elected after kill -9 of leader $L (${N:-none})" test -n "$N"
    if [ -n "$N" ]; then
        check "scheduler 100: the new leader $N resumes job $M" wait_line "$N" "claimed job=$M " 20
        is "$(field "$N" "claimed job=$M " from_step)" 2 "scheduler 100: from the first unfinished step"
        wait_line "$N" "job job=$M state=SUCCEED" 30
        diag "scheduler 100: kill -9 -> new leader in $(secs "$tk" "$(stamp "$N" 'scheduler active')") s, job resumed in $(secs "$tk" "$(stamp "$N" "claimed job=$M ")") s, SUCCEED in $(secs "$tk" "$(stamp "$N" "job job=$M state=SUCCEED")") s"
        like "$(jn show "$M")" "^state=SUCCEED owner=$N " "scheduler 100: job SUCCEED under the new leader"
    fi
else
    not_ok "scheduler 100: the leader runs job $M"
fi
stop_all "$PID_l1" "$PID_l2" "$PID_l3"

# ------------------------------------------------ scheduler 0 with ZooKeeper
C="-z $ZK -t $T -c job_e2e_s0_$$ -s 0"
node z1 $C
wait_line z1 'scheduler active' 20 >/dev/null
node z2 $C
check "scheduler 0 (ZooKeeper): a second node does not schedule" wait_line z2 'scheduler standby holder=' 20
like "$(cat "$work/z2.err")" "job scheduler not started on z2: kylin.job.scheduler.default=0 allows exactly one job node" \
    "scheduler 0 (ZooKeeper): with a clear log line"
P=$(jn submit 4 1500)
if wait_line z1 "step job=$P step=1 attempt=1 start" 20; then
    tk=$(now_ms)
    kill -9 "$PID_z1"
    check "scheduler 0 (ZooKeeper): z2 takes over after kill -9 of z1" wait_line z2 'scheduler active' $((T / 1000 + 25))
    check "scheduler 0 (ZooKeeper): and finishes job $P" wait_line z2 "job job=$P state=SUCCEED" 30
    is "$(field z2 "claimed job=$P " from_step)" 1 "scheduler 0 (ZooKeeper): resumed from step 1"
    diag "scheduler 0 (ZooKeeper): kill -9 -> scheduling in $(secs "$tk" "$(stamp z2 'scheduler active')") s, job resumed in $(secs "$tk" "$(stamp z2 "claimed job=$P ")") s"
else
    not_ok "scheduler 0 (ZooKeeper): z1 runs job $P"
fi
stop_all "$PID_z1" "$PID_z2"

# --------------------------------------- scheduler 0 without ZooKeeper (lease)
LEASE=3000
node m1 -s 0 -l $LEASE
wait_line m1 'scheduler active' 20 >/dev/null
node m2 -s 0 -l $LEASE
check "scheduler 0 (metastore lease): a second node does not schedule" wait_line m2 'scheduler standby holder=m1' 20
like "$(cat "$work/m2.err")" "allows exactly one job node and m1 holds the scheduler lease in the metastore" \
    "scheduler 0 (metastore lease): with a clear log line naming the holder"
sleep $((LEASE / 1000 + 1))
unlike "$(cat "$work/m2.out")" 'scheduler active' "scheduler 0 (metastore lease): the live holder keeps renewing; no takeover"
Q=$(jn submit 4 1500)
if wait_line m1 "step job=$Q step=1 attempt=1 start" 20; then
    tk=$(now_ms)
    kill -9 "$PID_m1"
    check "scheduler 0 (metastore lease): m2 takes over after kill -9 of m1 (stale lease expires)" \
        wait_line m2 'scheduler active' $((LEASE / 1000 + 15))
    check "scheduler 0 (metastore lease): and finishes job $Q" wait_line m2 "job job=$Q state=SUCCEED" 30
    is "$(field m2 "claimed job=$Q " from_step)" 1 "scheduler 0 (metastore lease): resumed from step 1"
    diag "scheduler 0 (metastore lease): kill -9 -> scheduling in $(secs "$tk" "$(stamp m2 'scheduler active')") s (lease $LEASE ms), job resumed in $(secs "$tk" "$(stamp m2 "claimed job=$Q ")") s"
else
    not_ok "scheduler 0 (metastore lease): m1 runs job $Q"
fi
stop_all "$PID_m1" "$PID_m2"

done_testing
