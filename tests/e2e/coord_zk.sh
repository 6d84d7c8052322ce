#!/bin/bash
# tests/e2e/coord_zk.sh - kiln's ZooKeeper primitives (src/coord) across real
# processes against a real 3-node ensemble (tests/lib/zookeeper.sh), driven
# by kiln-coord (src/coord/drive.c), with processes killed on purpose:
#   job lock exclusivity; takeover after kill -9 of the holder within the
#   session timeout; fencing tokens growing on every acquisition; fast
#   handover on a clean release; a frozen holder (SIGSTOP) told its session
#   expired; the worker-thread (sync) API; the mode-0 scheduler lock with a
#   standby taking over; leader election with takeover
#   after the leader is killed; self-registration and the watched membership;
#   a rolling stop/restart of every ZooKeeper member with quorum kept and no
#   lock, leadership or registration lost; quorum lost: a holder is told it
#   lost its lock (local expiry) and everything recovers once quorum is back.
# Prints TAP; takeover times as "# ..." lines. Env: KILN_BUILD (build dir
# holding src/coord/kiln-coord; default the checkout), COORD_SESSION_MS,
# COORD_KEEP_LOGS=1 (keep $ZK_DIR even when everything passed).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${KILN_BUILD:-$top}
drv=$build/src/coord/kiln-coord
zksh=$top/tests/lib/zookeeper.sh
T=${COORD_SESSION_MS:-4000}

export ZK_DIR=/tmp/kiln-coord-e2e.$$
work=$ZK_DIR/run
mkdir -p "$work"
pids=()
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { # check DESCRIPTION COMMAND...
    local d=$1
    shift
    if "$@"; then ok "$d"; else notok "$d"; fi
}
diag() { echo "# $*"; }

cleanup() {
    local p
    for p in ${pids[@]+"${pids[@]}"}; do
        kill -CONT "$p" 2>/dev/null
        kill -9 "$p" 2>/dev/null
    done
    bash "$zksh" stop >/dev/null 2>&1
    if [ "$fails" -eq 0 ] && [ -z "${COORD_KEEP_LOGS:-}" ]; then
        rm -rf "$ZK_DIR"
    else
        echo "# logs kept in $ZK_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# drive NAME ARGS...: starts kiln-coord in the background; its pid in PID_NAME.
drive() {
    local name=$1
    shift
    "$drv" -z "$ZK" -c "e2e_$$" -t "$T" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    eval "PID_$name=$!"
}

# wait_line NAME REGEX SECONDS: until NAME's output has a line matching REGEX.
wait_line() {
    local i
    for i in $(seq 1 $(($3 * 20))); do
        grep -qE "$2" "$work/$1.out" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "# $1: no line matching /$2/ after $3 s; output:"
    sed 's/^/#   /' "$work/$1.out" "$work/$1.err" 2>/dev/null | tail -20
    return 1
}

# wait_count NAME REGEX COUNT SECONDS: until COUNT lines match.
wait_count() {
    local i
    for i in $(seq 1 $(($4 * 20))); do
        [ "$(grep -cE "$2" "$work/$1.out" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.05
    done
    echo "# $1: fewer than $3 lines matching /$2/ after $4 s"
    return 1
}

# lines NAME: how many lines NAME printed so far (a mark for *_after).
lines() { wc -l <"$work/$1.out" 2>/dev/null || echo 0; }
# wait_after NAME FROM REGEX SECONDS: a matching line after the first FROM lines.
wait_after() {
    local i
    for i in $(seq 1 $(($4 * 20))); do
        tail -n +"$(($2 + 1))" "$work/$1.out" 2>/dev/null | grep -qE "$3" && return 0
        sleep 0.05
    done
    echo "# $1: no new line matching /$3/ after $4 s; output:"
    sed 's/^/#   /' "$work/$1.out" "$work/$1.err" 2>/dev/null | tail -20
    return 1
}
# stamp_after NAME FROM REGEX: timestamp of the first matching line after FROM lines.
stamp_after() { tail -n +"$(($2 + 1))" "$work/$1.out" | grep -E "$3" | head -1 | cut -d' ' -f1; }

# field NAME REGEX KEY: value of KEY=... on the first line matching REGEX.
field() { grep -E "$2" "$work/$1.out" | head -1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }
# stamp NAME REGEX: the ms timestamp of the first line matching REGEX.
stamp() { grep -E "$2" "$work/$1.out" | head -1 | cut -d' ' -f1; }

# ---------------------------------------------------------------------------
if [ ! -x "$drv" ]; then
    make -C "$build" src/coord/kiln-coord >/dev/null 2>&1 || true
fi
if [ ! -x "$drv" ]; then
    notok "kiln-coord built (run make first; KILN_BUILD=$build)"
    echo "1..$n"
    exit 1
fi
t0=$(now_ms)
if ZK=$(bash "$zksh" start ensemble 2>"$work/zk-start.err"); then
    ok "3-node ZooKeeper ensemble up at $ZK in $(($(now_ms) - t0)) ms"
else
    cat "$work/zk-start.err" | sed 's/^/# /'
    notok "3-node ZooKeeper ensemble up"
    echo "1..$n"
    exit 1
fi
diag "session timeout asked: $T ms"

# --- job lock: exclusivity ---------------------------------------------------
drive watchlocks locks
drive A lock job1
wait_line A 'ACQUIRED' 10 && tokA=$(field A ACQUIRED token)
check "holder A acquires job1 lock (token ${tokA:-?})" [ -n "${tokA:-}" ]
"$drv" -z "$ZK" -c "e2e_$$" -t "$T" lock job1 >"$work/B.out" 2>"$work/B.err"
rc=$?
check "second process B finds job1 busy (exit 1) and sees A as holder" \
    [ $rc -eq 1 -a -n "$(grep -E "BUSY .*holder=$PID_A@" "$work/B.out")" ]
check "lock watcher lists job1 as held" wait_line watchlocks 'LOCKS n=1 list=job1$' 5

# --- takeover after kill -9 ----------------------------------------------------
drive W lock job1 wait
wait_line W 'BUSY' 10 >/dev/null
tkill=$(now_ms)
kill -9 "$PID_A"
if wait_line W 'ACQUIRED' $((T / 1000 + 8)); then
    tW=$(stamp W ACQUIRED)
    tokW=$(field W ACQUIRED token)
    dt=$((tW - tkill))
    diag "job lock takeover after kill -9 of the holder: $dt ms (session timeout $(field W 'SESSION state=connected' timeout) ms)"
    check "waiter W takes job1 over after kill -9 of A within the session timeout + 2 s ($dt ms)" [ "$dt" -le $((T + 2000)) ]
    check "fencing token grows on takeover ($tokA -> $tokW)" [ "$tokW" -gt "$tokA" ]
else
    notok "waiter W takes job1 over after kill -9 of A"
    notok "fencing token grows on takeover"
fi

# --- clean release hands over at once -----------------------------------------
drive W2 lock job1 wait
wait_line W2 'BUSY' 10 >/dev/null
trel=$(now_ms)
kill -TERM "$PID_W"
if wait_line W2 'ACQUIRED' 5; then
    tok2=$(field W2 ACQUIRED token)
    dt=$(($(stamp W2 ACQUIRED) - trel))
    diag "job lock handover after a clean release: $dt ms"
    check "clean release hands job1 to W2 in under 1 s ($dt ms)" [ "$dt" -lt 1000 ]
    check "fencing token grows again ($tokW -> $tok2)" [ "$tok2" -gt "$tokW" ]
else
    notok "clean release hands job1 to W2"
    notok "fencing token grows again"
fi
kill -TERM "$PID_W2"
check "lock watcher sees job1 released" wait_line watchlocks 'LOCKS n=0 list=$' 5

# --- a frozen holder is told its session expired --------------------------------
drive H lock job2
wait_line H 'ACQUIRED' 10 >/dev/null
tokH=$(field H ACQUIRED token)
drive X lock job2 wait
wait_line X 'BUSY' 10 >/dev/null
tstop=$(now_ms)
kill -STOP "$PID_H"
if wait_line X 'ACQUIRED' $((T / 1000 + 8)); then
    dt=$(($(stamp X ACQUIRED) - tstop))
    diag "job lock takeover from a frozen (SIGSTOP) holder: $dt ms"
    ok "X takes job2 from frozen H after its session expires ($dt ms)"
else
    notok "X takes job2 from frozen H after its session expires"
fi
kill -CONT "$PID_H"
check "H, thawed, is told it lost job2 (LOST, session expired)" wait_line H 'LOST path=.*job2' 15
tokX=$(field X ACQUIRED token)
check "X's token fences H's ($tokH < ${tokX:-?})" [ "${tokX:-0}" -gt "$tokH" ]
check "H is told its session expired, then gets a new one" wait_count H 'SESSION state=connected' 2 10
check "H saw the expiry" grep -q 'SESSION state=expired' "$work/H.out"

# --- worker-thread (sync) API ------------------------------------------------------
"$drv" -z "$ZK" -c "e2e_$$" -t "$T" synclock job3 >"$work/S1.out" 2>&1
check "sync API: job3 acquired and released from a worker thread" \
    grep -qE 'SYNC ACQUIRED token=[0-9]+ now=[1-9]' "$work/S1.out"
"$drv" -z "$ZK" -c "e2e_$$" -t "$T" synclock job2 >"$work/S2.out" 2>&1
check "sync API: job2 (held by X) reported busy with its holder" grep -qE "SYNC lock held by another node holder=$PID_X@" "$work/S2.out"

# --- scheduler mode 0: exactly one scheduler, a standby takes over ------------------
drive SA sched
wait_line SA 'ACQUIRED' 10 >/dev/null
drive SB sched wait
check "mode 0: a second scheduler is refused while the first runs (BUSY, names the holder)" \
    wait_line SB "BUSY path=.*global_job_engine_lock holder=$PID_SA@" 10
tkill=$(now_ms)
kill -9 "$PID_SA"
if wait_line SB 'ACQUIRED' $((T / 1000 + 8)); then
    dt=$(($(stamp SB ACQUIRED) - tkill))
    diag "mode-0 scheduler lock takeover after kill -9: $dt ms"
    ok "mode 0: the standby becomes the scheduler after kill -9 of the first ($dt ms), no stale lock"
else
    notok "mode 0: the standby becomes the scheduler after kill -9 of the first"
fi
kill -TERM "$PID_SB"

# --- leader election ------------------------------------------------------------------
drive E1 elect e1
wait_line E1 'LEADER' 10 >/dev/null
drive E2 elect e2
wait_line E2 'FOLLOWER leader=e1' 10 >/dev/null
drive E3 elect e3
wait_line E3 'FOLLOWER leader=e1' 10 >/dev/null
leaders=$(cat "$work"/E?.out | grep -c ' LEADER ')
check "exactly one leader of three (e1), the others follow it" \
    [ "$leaders" -eq 1 -a -n "$(grep ' LEADER ' "$work/E1.out")" ] 
tokE1=$(field E1 LEADER token)
tkill=$(now_ms)
kill -9 "$PID_E1"
if wait_line E2 ' LEADER ' $((T / 1000 + 8)); then
    dt=$(($(stamp E2 ' LEADER ') - tkill))
    diag "leader takeover after kill -9 of the leader: $dt ms"
    check "e2 leads after kill -9 of e1, within the session timeout + 2 s ($dt ms)" [ "$dt" -le $((T + 2000)) ]
    tokE2=$(field E2 ' LEADER ' token)
    check "leader token grows ($tokE1 -> $tokE2)" [ "$tokE2" -gt "$tokE1" ]
    check "e3 did not lead meanwhile" bash -c "! grep -q ' LEADER ' '$work/E3.out'"
else
    notok "e2 leads after kill -9 of e1"
    notok "leader token grows"
    notok "e3 did not lead meanwhile"
fi
tterm=$(now_ms)
kill -TERM "$PID_E2"
if wait_line E3 ' LEADER ' 5; then
    dt=$(($(stamp E3 ' LEADER ') - tterm))
    diag "leader handover on a clean stop: $dt ms"
    check "e3 leads right after e2 stops cleanly ($dt ms)" [ "$dt" -lt 1000 ]
else
    notok "e3 leads right after e2 stops cleanly"
fi

# --- self-registration and membership --------------------------------------------------
drive M members
drive R1 register 127.0.0.1:17071 all
drive R2 register 127.0.0.1:17072 query
check "membership lists both registered nodes with their modes" \
    wait_line M 'MEMBERS n=2 list=127.0.0.1:17071\|all,127.0.0.1:17072\|query$' 10
m=$(lines M)
tkill=$(now_ms)
kill -9 "$PID_R2"
if wait_after M "$m" 'MEMBERS n=1 list=127.0.0.1:17071\|all$' $((T / 1000 + 8)); then
    dt=$(($(stamp_after M "$m" 'MEMBERS n=1') - tkill))
    diag "membership drops a kill -9'd node after $dt ms"
    ok "membership drops the killed node ($dt ms)"
else
    notok "membership drops the killed node"
fi
m=$(lines M)
drive R2b register 127.0.0.1:17072 query
check "a restarted node registers again" wait_after M "$m" 'MEMBERS n=2 .*17072\|query' 10

# --- rolling stop/restart of every ZooKeeper member --------------------------------------
drive K lock job4
wait_line K 'ACQUIRED' 10 >/dev/null
sidK=$(field K 'SESSION state=connected' session)
mE3=$(lines E3)
mM=$(lines M)
roll_ok=1
for i in 1 2 3; do
    tr=$(now_ms)
    bash "$zksh" stop-node "$i" 2>>"$work/zk-roll.err"
    sleep 1
    if ! "$drv" -z "$ZK" -c "e2e_$$" -t "$T" lock job4 >"$work/K$i.out" 2>&1 && grep -q "BUSY.*holder=$PID_K@" "$work/K$i.out"; then
        :
    else
        roll_ok=0
        diag "with member $i down, job4 was not reported busy:"
        sed 's/^/#   /' "$work/K$i.out"
    fi
    bash "$zksh" start-node "$i" 2>>"$work/zk-roll.err" || roll_ok=0
    diag "member $i stopped and back in $(($(now_ms) - tr)) ms: $(bash "$zksh" status | grep "node$i")"
done
check "quorum kept through a rolling stop/restart of all three members (job4 stays held)" [ "$roll_ok" -eq 1 ]
check "holder K lost nothing: no LOST, no session expiry" bash -c "! grep -qE 'LOST|state=expired' '$work/K.out'"
check "holder K kept its session ($sidK)" bash -c "! grep 'SESSION state=connected' '$work/K.out' | grep -qv 'session=$sidK'"
diag "K reconnects during the roll: $(grep -c 'state=disconnected' "$work/K.out")"
check "e3 kept the leadership through the roll" bash -c "grep -E ' (LEADER|FOLLOWER) ' '$work/E3.out' | tail -1 | grep -q ' LEADER ' && ! tail -n +$((mE3 + 1)) '$work/E3.out' | grep -qE ' (LEADER|FOLLOWER) '"
check "membership unchanged through the roll" bash -c "! tail -n +$((mM + 1)) '$work/M.out' | grep -q MEMBERS && grep MEMBERS '$work/M.out' | tail -1 | grep -q 'n=2'"
"$drv" -z "$ZK" -c "e2e_$$" -t "$T" members hold=1 >"$work/M2.out" 2>&1
check "a fresh client sees the same membership" grep -q 'MEMBERS n=2 list=127.0.0.1:17071|all,127.0.0.1:17072|query' "$work/M2.out"

# --- quorum lost: a holder must hear it lost its lock, without any server ----------
mK=$(lines K)
mE=$(lines E3)
bash "$zksh" stop-node 1 2>>"$work/zk-roll.err"
bash "$zksh" stop-node 2 2>>"$work/zk-roll.err"
tq=$(now_ms)
if wait_after K "$mK" 'LOST path=.*job4' $((T / 1000 + 10)); then
    dt=$(($(stamp_after K "$mK" 'LOST path=.*job4') - tq))
    tl=$(stamp_after K "$mK" 'LOST path=.*job4')
    td=$(tail -n +"$((mK + 1))" "$work/K.out" | awk -v t="$tl" '$1 <= t && /state=disconnected/ { d = $1 } END { print d }')
    dd=$((tl - td))
    diag "quorum lost: holder told LOST $dt ms after the second member stopped, $dd ms after its own disconnect (local expiry at the session timeout)"
    ok "quorum lost: K is told it lost job4 within the session timeout + 2 s of losing contact ($dt ms)"
else
    notok "quorum lost: K is told it lost job4"
fi
check "quorum lost: e3 stops leading" wait_after E3 "$mE" 'FOLLOWER' 3
bash "$zksh" start-node 1 2>>"$work/zk-roll.err"
bash "$zksh" start-node 2 2>>"$work/zk-roll.err"
check "quorum back: K gets a new session" wait_after K "$mK" 'SESSION state=connected' 30
check "quorum back: e3 leads again" wait_after E3 "$mE" ' LEADER ' $((T / 1000 + 20))

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
