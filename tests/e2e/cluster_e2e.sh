#!/bin/bash
# cluster_e2e.sh - the kiln cluster end to end with real kilnd nodes, brought up as
# contrib/cluster/up.sh does (contrib/cluster/cluster.sh): a private MariaDB metastore, a
# 3-node ZooKeeper ensemble, four kilnd nodes on one storage root (1, 2: mode job, so a job
# has somewhere to go when its node dies; 3, 4: mode query, storage read-only for them),
# haproxy in front of 3 and 4. Node 4 is "deaf": every node's cluster-servers lists it at a
# dead port, so it learns metadata changes only by the periodic replay. Checks:
#   (a) SSB SF 0.01 declared and ssb_cube built through haproxy; both query nodes answer the
#       13 SSB queries with PostgreSQL 15's rows;
#   (b) a client loop through haproxy (a new connection per query) keeps getting right
#       answers while query node 3 is killed with kill -9: no wrong rows, no SQL errors,
#       only connection-level failures;
#   (c) kill -9 of the node building a cube (the fact table is a named pipe fed slowly, so
#       the build takes seconds): with scheduler 2 the other job node takes the job over and
#       finishes it with PostgreSQL's rows; the same with scheduler 100 (new leader); seconds
#       from kill to resumed job and from publish to visibility on the query nodes;
#   (d) a ZooKeeper member stopped and restarted, and MariaDB restarted, during a build:
#       the build finishes, no job and no segment is lost;
#   (e) the deaf node sees new metadata within kiln.metadata.sync-interval-ms (replay);
#   (f) a CancelRequest sent to another node than its query's cancels it (forwarding);
#   and query nodes never write the storage root (it is read-only in their mount namespace).
# Prints TAP, measured times as "# ..." lines. Env: KILN_BUILD, KILN_CLUSTER_KEEP=1 (keep
# the work directory).
# e2e-timeout: 420
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

kiln_tmpdir work cluster
export KILN_CLUSTER_DIR=$work/cl
export KILN_CLUSTER_MODES="job job query query" KILN_CLUSTER_SCHEDULER=2 KILN_CLUSTER_SESSION_MS=4000
export KILN_CLUSTER_SYNC_MS=1000 KILN_CLUSTER_DEAF=4 KILN_CLUSTER_PORT=$(free_port)
. "$KILN_TOP/contrib/cluster/cluster.sh"
[ "${KILN_CLUSTER_KEEP:-0}" = 1 ] && KILN_KEEP_TMP=1
feeder=
cleanup() {
    [ -n "$feeder" ] && kill "$feeder" 2>/dev/null
    cluster_down
    if [ "$TAP_FAILED" -gt 0 ] || [ "${KILN_CLUSTER_KEEP:-0}" = 1 ]; then
        cp -r "$KILN_CLUSTER_DIR" "/tmp/kiln-cluster-e2e-logs.$$" 2>/dev/null &&
            echo "# logs kept in /tmp/kiln-cluster-e2e-logs.$$"
    fi
}
at_exit cleanup
kiln_watchdog "bash '$KILN_TOP/contrib/cluster/down.sh' --destroy"

now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1000 }'; }
q() { cl_psql "$@" -A -t 2>&1; } # q NODE ARGS: unaligned tuples, errors included
# job_field NODE ID COLUMN
job_field() { cl_psql "$1" -A -t -c "SELECT $3 FROM kiln.jobs WHERE id = $2" 2>/dev/null; }
node_of_rest() { # the node number whose REST address is $1
    local i
    for ((i = 1; i <= CL_N; i++)); do [ "127.0.0.1:${CL_REST[$i]}" = "$1" ] && { echo "$i"; return; }; done
}

t0=$(now_ms)
if cluster_up 2>"$work/up.err"; then
    ok "cluster up in $(secs "$t0" "$(now_ms)") s: MariaDB, 3 ZooKeeper members, nodes job job query query, haproxy $CL_HAPROXY"
else
    diag <"$work/up.err"
    bail "the cluster did not come up"
fi
if [ "$CL_RO" = 1 ]; then
    ro=0
    for i in 3 4; do
        grep " $CL_STORAGE " "/proc/${CL_PID[$i]}/mountinfo" 2>/dev/null | grep -qE ' ro[, ]' && ro=$((ro + 1))
    done
    is "$ro" 2 "read/write separation: both query nodes see the storage root read-only"
else
    skip "read/write separation enforced with a read-only mount" "needs root and mount namespaces"
fi

# ---------------------------------------------------------------- (a) SSB on every query node
check "kiln-ssbgen -s 0.01" ssb_generate 0.01 "$work/ssb" || bail "cannot generate SSB data"
if ssb_sql kiln.sql "$work/ssb" | cl_hpsql >"$work/ddl.out" 2>&1; then
    ok "SSB tables declared through haproxy"
    # The deaf node learns of them only by replay (up to the sync interval): the next
    # statement through haproxy may land there.
    wait_until 10 bash -c "[ \"\$(psql -X -A -t -h 127.0.0.1 -p ${CL_PG[4]} -U kiln -d kiln -c \"SELECT count(*) FROM pg_class WHERE relname = 'lineorder'\")\" = 1 ]"
else
    diag <"$work/ddl.out"
    bail "cannot declare the SSB tables"
fi
if cl_hpsql -f "$KILN_TOP/contrib/ssb/cube.sql" >"$work/cube.out" 2>&1; then
    ok "CREATE MATERIALIZED VIEW ssb_cube through haproxy: built by a job node"
else
    diag <"$work/cube.out"
    bail "ssb_cube was not built"
fi
builder=$(node_of_rest "$(q 3 -c "SELECT node FROM kiln.jobs WHERE kind = 'refresh' ORDER BY id DESC LIMIT 1")")
like "${CL_MODE[${builder:-3}]}" '^job$' "the build ran on a job node (node ${builder:-?})"

have_ref=0
if pgref_start trust >"$work/pgref.out" 2>&1 && ssb_ref_load ssb "$work/ssb"; then
    have_ref=1
else
    diag <"$work/pgref.out"
    skip "SSB rows equal PostgreSQL's" "cannot start the reference PostgreSQL 15"
fi
for n in 3 4; do
    bad=0 cube=0
    for f in "$KILN_TOP"/contrib/ssb/queries/q*.sql; do
        name=$(basename "$f" .sql)
        [ "$have_ref" = 1 ] && [ ! -f "$work/$name.ref" ] && ssb_ref_psql ssb -A -t -F '|' -f "$f" >"$work/$name.ref" 2>&1
        cl_psql "$n" -A -t -F '|' -f "$f" >"$work/$name.n$n" 2>&1
        { echo EXPLAIN; cat "$f"; } | q "$n" | grep -q 'Cube Scan on ssb_cube' && cube=$((cube + 1))
        if [ "$have_ref" = 1 ] && ! cmp -s "$work/$name.n$n" "$work/$name.ref"; then
            bad=$((bad + 1))
            diag "node $n $name differs from PostgreSQL:"
            diff "$work/$name.ref" "$work/$name.n$n" | head -5 | diag
        fi
    done
    is "$cube" 13 "query node $n answers the 13 SSB queries from ssb_cube (EXPLAIN)"
    [ "$have_ref" = 1 ] && is "$bad" 0 "query node $n: the 13 SSB queries give PostgreSQL's rows"
done

# ---------------------------------------------------------------- (f) cancel on another node
out=$(python3 "$KILN_TOP/tests/python/cancel_cross.py" "127.0.0.1:${CL_PG[3]}" "127.0.0.1:${CL_PG[4]}" 2>&1)
like "$out" '^57014 ' "a CancelRequest sent to node 4 cancels node 3's query (forwarded; $out ms)"
out=$(python3 "$KILN_TOP/tests/python/cancel_cross.py" "127.0.0.1:${CL_PG[4]}" "$CL_HAPROXY" 2>&1)
like "$out" '^57014 ' "a CancelRequest through haproxy cancels node 4's query, whichever node haproxy picks ($out ms)"

# ---------------------------------------------------------------- (e) a lost notification heals
t0=$(now_ms)
cl_psql 1 -c "CREATE FOREIGN TABLE heal_probe (x integer) SERVER files OPTIONS (filename '$work/ssb/dates.tbl', format 'csv', delimiter '|')" >/dev/null 2>&1
seen() { [ "$(q "$1" -c "SELECT count(*) FROM pg_class WHERE relname = 'heal_probe'")" = 1 ]; }
t3= t4=
for ((k = 0; k < 100; k++)); do
    [ -z "$t3" ] && seen 3 && t3=$(now_ms)
    [ -z "$t4" ] && seen 4 && t4=$(now_ms)
    [ -n "$t3" ] && [ -n "$t4" ] && break
    sleep 0.05
done
check "a notified node sees a new table ($([ -n "$t3" ] && secs "$t0" "$t3") s)" test -n "$t3"
if [ -n "$t4" ] && [ $((t4 - t0)) -le $((CL_SYNC_MS + 1000)) ]; then
    ok "the deaf node (notifications lost) sees it by replay in $(secs "$t0" "$t4") s (sync interval ${CL_SYNC_MS} ms)"
else
    not_ok "the deaf node (notifications lost) sees it by replay within the sync interval (${t4:+$(secs "$t0" "$t4") s})"
fi
diag "metadata visibility: notified node $(secs "$t0" "${t3:-$t0}") s, deaf node by replay $(secs "$t0" "${t4:-$t0}") s"

# ---------------------------------------------------------------- (b) kill -9 of a query node
expect=$work/q2.1.n3
loop() { # loop ID: queries through haproxy until $work/stop; one line per query
    local res
    while [ ! -e "$work/stop" ]; do
        cl_hpsql -A -t -F '|' -f "$KILN_TOP/contrib/ssb/queries/q2.1.sql" >"$work/loop$1.out" 2>&1
        res=$?
        if [ "$res" = 0 ]; then
            cmp -s "$work/loop$1.out" "$expect" && echo ok || { echo wrong; cp "$work/loop$1.out" "$work/loop$1.wrong"; }
        elif grep -qE 'ERROR: ' "$work/loop$1.out"; then
            echo "sqlerror $(grep -m1 'ERROR' "$work/loop$1.out")"
        else
            echo "conn $(head -1 "$work/loop$1.out")"
        fi
    done >"$work/loop$1.log"
}
rm -f "$work/stop"
loop 1 &
l1=$!
loop 2 &
l2=$!
sleep 1.5
tk=$(now_ms)
cl_node_kill 3
sleep 3
touch "$work/stop"
wait "$l1" "$l2"
nok=$(cat "$work"/loop?.log | grep -c '^ok')
nwrong=$(cat "$work"/loop?.log | grep -c '^wrong')
nsql=$(cat "$work"/loop?.log | grep -c '^sqlerror')
nconn=$(cat "$work"/loop?.log | grep -c '^conn')
is "$nwrong" 0 "while node 3 is killed: no wrong answers through haproxy ($nok right, $nconn connection errors)"
is "$nsql" 0 "while node 3 is killed: no SQL errors through haproxy"
[ "$nsql" = 0 ] || grep -h '^sqlerror' "$work"/loop?.log | sort | uniq -c | head -5 | diag
after=$(tail -n 5 "$work/loop1.log" | grep -c '^ok')
is "$after" 5 "queries through haproxy succeed again after the kill (the last 5 of a loop)"
diag "haproxy during kill -9 of a query node: $nok answers, $nconn connection-level failures"
if cl_node_start 3 2>"$work/restart3.err"; then ok "node 3 restarts"; else diag <"$work/restart3.err"; not_ok "node 3 restarts"; fi

# ---------------------------------------------------------------- (c) kill -9 mid-build
mkfifo "$work/lineorder.fifo"
python3 "$KILN_TOP/tests/python/slow_fifo.py" "$work/lineorder.fifo" "$work/ssb/lineorder.tbl" 6 &
feeder=$!
sed -e "s|@SSB_DIR@/lineorder.tbl|$work/lineorder.fifo|" -e 's/CREATE FOREIGN TABLE lineorder /CREATE FOREIGN TABLE lineorder_slow /' \
    "$KILN_TOP/contrib/ssb/kiln.sql" | awk '/CREATE FOREIGN TABLE lineorder_slow/,/;/' >"$work/slow.sql"
cl_psql 3 -f "$work/slow.sql" >"$work/slow.out" 2>&1 || diag <"$work/slow.out"
slowq="SELECT d_year, lo_discount, count(*), sum(lo_revenue) FROM lineorder_slow JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year, lo_discount ORDER BY 1, 2"
refq=${slowq//lineorder_slow/lineorder}
[ "$have_ref" = 1 ] && ssb_ref_psql ssb -A -t -F '|' -c "$refq" >"$work/slow.ref" 2>&1

# takeover LABEL SQL: runs SQL (a build) on node 3 in the background, kills the node that
# runs the job mid-build, waits for another node to resume and finish it; checks and times.
takeover() {
    local label=$1 sql=$2 id= x= y= tk tr= st tpub seg i k n vis
    cl_psql 3 -c "$sql" >"$work/build.$label.out" 2>&1 &
    local client=$!
    for ((k = 0; k < 200; k++)); do
        id=$(q 3 -c "SELECT id FROM kiln.jobs WHERE state = 'RUNNING' AND node <> '' ORDER BY id DESC LIMIT 1")
        [[ "$id" =~ ^[0-9]+$ ]] && break
        id=
        sleep 0.05
    done
    if [ -z "$id" ]; then
        not_ok "$label: a job node starts the build"
        q 3 -c "SELECT id, state, node, message FROM kiln.jobs ORDER BY id" | diag
        wait "$client"
        return
    fi
    x=$(node_of_rest "$(job_field 3 "$id" node)")
    ok "$label: node $x (mode ${CL_MODE[$x]}) builds job $id"
    sleep 1.5 # the fact table takes 6 s to read: this is mid-build
    tk=$(now_ms)
    cl_node_kill "$x"
    for ((k = 0; k < 400; k++)); do
        n=$(job_field 3 "$id" "node || '|' || state")
        y=$(node_of_rest "${n%|*}")
        if [ -n "$y" ] && [ "$y" != "$x" ]; then tr=$(now_ms); break; fi
        [ "${n#*|}" = SUCCEED ] && break # finished before the kill: the build was too short
        sleep 0.05
    done
    if [ -z "$tr" ]; then
        not_ok "$label: after kill -9 of node $x another node resumes job $id"
        diag "job $id: $n"
        wait "$client"
        return
    fi
    ok "$label: after kill -9 of node $x, node $y resumes job $id"
    # Visibility: every live query node polls EXPLAIN for the new segment.
    local pollers=()
    for i in 3 4; do
        (
            for ((k = 0; k < 300; k++)); do
                seg=$(q "$i" -c "EXPLAIN $slowq" | grep -o 'Segment: [0-9]*' | head -1)
                [ -n "$seg" ] && [ "$seg" != "$(cat "$work/seg.before" 2>/dev/null)" ] && { echo "$(now_ms) $seg" >"$work/vis.$label.$i"; exit; }
                sleep 0.02
            done
        ) &
        pollers+=($!)
    done
    wait "$client"
    st=$?
    is "$st" 0 "$label: the client's statement completes after the takeover"
    [ "$st" = 0 ] || diag <"$work/build.$label.out"
    is "$(job_field 3 "$id" state)" SUCCEED "$label: job $id SUCCEED"
    wait "${pollers[@]}" # (not a bare wait: the FIFO feeder runs in the background too)
    tpub=$(q 3 -c "SELECT (extract(epoch from finished) * 1000)::bigint FROM kiln.jobs WHERE id = $id")
    vis=""
    for i in 3 4; do
        if [ -f "$work/vis.$label.$i" ]; then
            vis="$vis node $i $(secs "$tpub" "$(cut -d' ' -f1 "$work/vis.$label.$i")") s;"
        else
            vis="$vis node $i never;"
        fi
    done
    seg=$(q 4 -c "EXPLAIN $slowq" | grep -o 'Segment: [0-9]*' | head -1)
    echo "$seg" >"$work/seg.before"
    like "$(cat "$work/vis.$label.3" "$work/vis.$label.4" 2>/dev/null | cut -d' ' -f2- | sort -u)" "^${seg}\$" \
        "$label: both query nodes answer from the new segment (${seg})"
    if [ "$have_ref" = 1 ]; then
        for i in 3 4; do
            cl_psql "$i" -A -t -F '|' -c "$slowq" >"$work/slow.$label.$i" 2>&1
            if cmp -s "$work/slow.$label.$i" "$work/slow.ref"; then
                ok "$label: node $i answers from the taken-over build with PostgreSQL's rows"
            else
                not_ok "$label: node $i answers from the taken-over build with PostgreSQL's rows"
                diff "$work/slow.ref" "$work/slow.$label.$i" | head -5 | diag
            fi
        done
    fi
    diag "$label: kill -9 -> job resumed on node $y in $(secs "$tk" "$tr") s (session timeout ${CL_SESSION_MS} ms); -> SUCCEED at $(secs "$tk" "$tpub") s; publish -> visible:$vis"
    echo "$label $(secs "$tk" "$tr") $(secs "$tk" "$tpub") $vis" >>"$work/times"
    TAKEN_OVER=$x
}
TAKEN_OVER=

takeover "scheduler 2" "CREATE MATERIALIZED VIEW slow_cube AS SELECT d_year, lo_discount, count(*) AS cnt, sum(lo_revenue) AS revenue FROM lineorder_slow JOIN dates ON lo_orderdate = d_datekey GROUP BY CUBE (d_year, lo_discount)"

# scheduler 100: both job nodes restart with leader election.
CL_SCHEDULER=100
for i in 1 2; do
    cl_write_props "$i"
    cl_node_stop "$i"
    cl_node_start "$i" 2>>"$work/restart.err" || not_ok "job node $i restarts with scheduler 100"
done
sleep 1
takeover "scheduler 100" "REFRESH MATERIALIZED VIEW slow_cube"
[ -n "${TAKEN_OVER:-}" ] && cl_node_start "$TAKEN_OVER" 2>>"$work/restart.err" || not_ok "node $TAKEN_OVER restarts"

# ---------------------------------------------------------------- (d) ZooKeeper member, MariaDB
jobs_before=$(q 3 -c "SELECT id || ':' || state FROM kiln.jobs ORDER BY id")
cl_psql 3 -c "REFRESH MATERIALIZED VIEW slow_cube" >"$work/build.d.out" 2>&1 &
client=$!
sleep 1
zl=$(bash "$CL_LIB/zookeeper.sh" leader 2>/dev/null || echo 1)
bash "$CL_LIB/zookeeper.sh" stop-node "$zl" 2>/dev/null
sleep 1
bash "$CL_LIB/mariadb.sh" stop
bash "$CL_LIB/mariadb.sh" start
bash "$CL_LIB/zookeeper.sh" start-node "$zl" >/dev/null 2>&1
check "ZooKeeper member $zl (the leader) stopped and restarted during a build" \
    bash -c "bash '$CL_LIB/zookeeper.sh' status | grep -q 'node$zl .*Mode: \(leader\|follower\)'"
wait "$client"
st=$?
is "$st" 0 "the build running across the ZooKeeper and MariaDB restarts completes"
[ "$st" = 0 ] || diag <"$work/build.d.out"
jobs_after=$(q 3 -c "SELECT id || ':' || state FROM kiln.jobs ORDER BY id")
missing=$(comm -23 <(echo "$jobs_before" | sort) <(echo "$jobs_after" | sort))
is "$missing" "" "no job lost or changed across the restarts"
last=$(echo "$jobs_after" | tail -1)
like "$last" ':SUCCEED$' "the job of that build is SUCCEED ($last)"
# a node that lost its metastore connection in the restarts learns of the
# new segment from the catalog's next poll rather than the notification
for i in $(seq 50); do
    seg=$(q 3 -c "EXPLAIN $slowq" | grep -o 'Segment: [0-9]*' | head -1)
    [ -n "$seg" ] && [ "$seg" != "$(cat "$work/seg.before")" ] && break
    sleep 0.2
done
segs_ok=0
for f in "$KILN_TOP"/contrib/ssb/queries/q*.sql; do
    name=$(basename "$f" .sql)
    cl_hpsql -A -t -F '|' -f "$f" >"$work/$name.after" 2>&1
    cmp -s "$work/$name.after" "$work/$name.n4" && segs_ok=$((segs_ok + 1))
done
is "$segs_ok" 13 "after the restarts ssb_cube still answers the 13 SSB queries with the same rows"
unlike "$seg" "$(cat "$work/seg.before")" "slow_cube answers from the segment built across the restarts ($seg)"

# ---------------------------------------------------------------- DROP on a query node
# The query node cannot delete the view's directories (read-only storage); the job nodes
# remove them when the metadata change reaches them.
if cl_psql 1 -c "CREATE MATERIALIZED VIEW drop_me AS SELECT d_year, count(*) AS cnt FROM dates GROUP BY d_year" \
    >"$work/drop_me.out" 2>&1; then
    ok "CREATE MATERIALIZED VIEW drop_me on job node 1"
else
    not_ok "CREATE MATERIALIZED VIEW drop_me on job node 1"
    diag <"$work/drop_me.out"
fi
dir_before=$(cd "$CL_STORAGE" && ls -d drop_me-* 2>/dev/null)
like "$dir_before" '^drop_me-[0-9]+$' "its segments are under $dir_before in the storage root"
check "DROP MATERIALIZED VIEW drop_me on query node 3" cl_psql 3 -c "DROP MATERIALIZED VIEW drop_me"
if [ -n "$dir_before" ] && wait_until 20 bash -c "[ ! -e '$CL_STORAGE/$dir_before' ]"; then
    ok "a job node removed $dir_before after the DROP on the query node"
else
    not_ok "a job node removed $dir_before after the DROP on the query node"
    ls -la "$CL_STORAGE" | diag
fi

# ---------------------------------------------------------------- read/write separation
if [ "$CL_RO" = 1 ]; then
    errs=$(grep -hi 'read-only file system' "${CL_LOG[3]}" "${CL_LOG[4]}" | head -3)
    is "$errs" "" "query nodes never tried to write the storage root"
fi
for i in 1 2 3 4; do cl_node_alive "$i" || not_ok "node $i is still running at the end"; done
diag "times (label, kill->resumed s, kill->SUCCEED s, publish->visible):"
diag <"$work/times"
done_testing
