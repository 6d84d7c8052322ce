#!/bin/bash
# cube_ssb.sh - the SSB cube end to end through kilnd and psql: SSB at CUBE_SF (default 0.01)
# from kiln-ssbgen, the tables declared with contrib/ssb/kiln.sql, Kylin's SSB cube created
# with contrib/ssb/cube.sql (CREATE MATERIALIZED VIEW builds it, as PostgreSQL populates a
# new view) and built again with REFRESH MATERIALIZED VIEW; \d and \dm show the view and
# kiln.jobs the jobs. Then each of the 13 SSB queries: EXPLAIN must say it is answered from
# the cube ("Cube Scan on ssb_cube" with its cuboid), and its rows must equal a reference
# PostgreSQL 15's on the same files. A query that needs a column the cube lacks fails with
# 0A000 naming it; with kylin.query.pushdown on it is answered from the sources with a
# NOTICE. A second REFRESH replaces the segment while another session keeps answering;
# DROP MATERIALIZED VIEW removes the view, and queries go back to the source tables.
# e2e-timeout: 600
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

SF=${CUBE_SF:-0.01}

kiln_tmpdir data ssb
check "kiln-ssbgen -s $SF" ssb_generate "$SF" "$data" || bail "cannot generate SSB data"

server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "kilnd does not start"; }
kpsql() {
    PGPASSWORD=$SRV_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -d "$SRV_DB" "$@"
}
# kq SQL: one statement, unaligned tuples only, stderr with it
kq() {
    kpsql -A -t -c "$1" 2>&1
}

if ssb_sql kiln.sql "$data" | kpsql >"$data/ddl.out" 2>&1; then
    ok "declare the SSB tables (contrib/ssb/kiln.sql)"
else
    not_ok "declare the SSB tables (contrib/ssb/kiln.sql)"
    diag <"$data/ddl.out"
    done_testing
fi

if kpsql -f "$KILN_TOP/contrib/ssb/cube.sql" >"$data/cube.out" 2>&1; then
    ok "CREATE MATERIALIZED VIEW ssb_cube (contrib/ssb/cube.sql) builds it"
else
    not_ok "CREATE MATERIALIZED VIEW ssb_cube (contrib/ssb/cube.sql) builds it"
    diag <"$data/cube.out"
    done_testing
fi
like "$(cat "$data/cube.out")" 'refresh of "ssb_cube" done' "CREATE MATERIALIZED VIEW reports the build"

if kpsql -c "REFRESH MATERIALIZED VIEW ssb_cube" >"$data/refresh.out" 2>&1; then
    ok "REFRESH MATERIALIZED VIEW ssb_cube"
else
    not_ok "REFRESH MATERIALIZED VIEW ssb_cube"
    diag <"$data/refresh.out"
fi
like "$(cat "$data/refresh.out")" 'NOTICE: +refresh of "ssb_cube" done \(job [0-9]+\): segment [0-9]+' \
    "REFRESH sends the build's outcome as a NOTICE"

kpsql -c '\d ssb_cube' >"$data/d.out" 2>&1
like "$(cat "$data/d.out")" 'Materialized view "public.ssb_cube"' '\d ssb_cube names a materialized view'
like "$(cat "$data/d.out")" 'revenue +\| bigint' '\d ssb_cube lists the measures with their types'
like "$(kpsql -c '\dm' 2>&1)" 'ssb_cube \| materialized view' '\dm lists ssb_cube'
is "$(kq "SELECT count(*) FROM kiln.jobs WHERE cube = 'ssb_cube' AND kind = 'refresh' AND state = 'SUCCEED'")" 2 \
    "kiln.jobs lists both builds as SUCCEED"
like "$(kq "SELECT s.rows_done, s.state FROM kiln.job_steps s JOIN kiln.jobs j ON j.id = s.job_id WHERE j.cube = 'ssb_cube'")" \
    '^[1-9][0-9]*\|SUCCEED' "kiln.job_steps shows rows read per build step"

have_ref=0
if pgref_start trust && ssb_ref_load ssb "$data"; then
    have_ref=1
else
    skip "rows equal PostgreSQL's" "cannot start the reference PostgreSQL 15"
fi

for q in "$KILN_TOP"/contrib/ssb/queries/q*.sql; do
    name=$(basename "$q" .sql)
    { echo "EXPLAIN"; cat "$q"; } | kpsql -A -t >"$data/$name.explain" 2>&1
    if grep -q "Cube Scan on ssb_cube" "$data/$name.explain" && grep -q "Cuboid:" "$data/$name.explain"; then
        ok "$name: EXPLAIN answers it from ssb_cube"
    else
        not_ok "$name: EXPLAIN answers it from ssb_cube"
        diag <"$data/$name.explain"
    fi
    [ "$have_ref" = 1 ] || continue
    kpsql -A -t -F '|' -f "$q" >"$data/$name.kiln" 2>&1
    ssb_ref_psql ssb -A -t -F '|' -f "$q" >"$data/$name.ref" 2>&1
    if cmp -s "$data/$name.kiln" "$data/$name.ref"; then
        ok "$name: rows equal PostgreSQL's"
    else
        not_ok "$name: rows equal PostgreSQL's"
        diff "$data/$name.ref" "$data/$name.kiln" | head -20 | diag
    fi
done

# A column that is not a dimension: refused with the reason, or computed with pushdown.
nodim="SELECT p_color, sum(lo_revenue) FROM lineorder JOIN part ON lo_partkey = p_partkey GROUP BY p_color ORDER BY p_color"
out=$(kpsql -A -t -v VERBOSITY=verbose -c "\\set VERBOSITY verbose" -c "$nodim" 2>&1)
like "$out" 'ERROR: +0A000: .*p_color is not a dimension of cube ssb_cube' \
    "a query on a non-dimension column fails with 0A000 naming the column"
kpsql -A -t -F '|' -c "SET kylin.query.pushdown = on" -c "$nodim" >"$data/pushdown.kiln" 2>"$data/pushdown.err"
like "$(cat "$data/pushdown.err")" 'NOTICE: +computed from the source tables' "pushdown on: a NOTICE says so"
if [ "$have_ref" = 1 ]; then
    ssb_ref_psql ssb -A -t -F '|' -c "$nodim" >"$data/pushdown.ref" 2>&1
    if cmp -s "$data/pushdown.kiln" "$data/pushdown.ref"; then
        ok "pushdown on: rows equal PostgreSQL's"
    else
        not_ok "pushdown on: rows equal PostgreSQL's"
        diff "$data/pushdown.ref" "$data/pushdown.kiln" | head -20 | diag
    fi
fi

# A second REFRESH replaces the segment while another session keeps answering.
q21="$KILN_TOP/contrib/ssb/queries/q2.1.sql"
seg_before=$({ echo "EXPLAIN"; cat "$q21"; } | kpsql -A -t 2>&1 | grep -o 'Segment: [0-9]*' | head -1)
(
    fails=0
    for i in $(seq 1 200); do
        [ -e "$data/stop_reader" ] && break
        if ! kpsql -A -t -F '|' -f "$q21" >"$data/reader.out" 2>&1 || ! cmp -s "$data/reader.out" "$data/q2.1.kiln"; then
            fails=$((fails + 1))
            cp "$data/reader.out" "$data/reader.fail"
        fi
        echo "$i $fails" >"$data/reader.count"
    done
) &
reader=$!
sleep 0.3
kpsql -c "REFRESH MATERIALIZED VIEW ssb_cube" >"$data/refresh2.out" 2>&1
rc=$?
sleep 0.3
touch "$data/stop_reader"
wait "$reader"
read -r nread nfail <"$data/reader.count"
is "$rc" 0 "a second REFRESH succeeds while another session queries"
if [ "$nfail" = 0 ] && [ "$nread" -gt 1 ]; then
    ok "the other session answered $nread times during the refresh, every time the same rows"
else
    not_ok "the other session answered $nread times during the refresh, every time the same rows ($nfail differed)"
    [ -e "$data/reader.fail" ] && diag <"$data/reader.fail"
fi
seg_after=$({ echo "EXPLAIN"; cat "$q21"; } | kpsql -A -t 2>&1 | grep -o 'Segment: [0-9]*' | head -1)
if [ -n "$seg_before" ] && [ -n "$seg_after" ] && [ "$seg_before" != "$seg_after" ]; then
    ok "the refresh replaced the segment ($seg_before -> $seg_after)"
else
    not_ok "the refresh replaced the segment ($seg_before -> $seg_after)"
fi

# DROP removes the view; the source tables answer again.
check "DROP MATERIALIZED VIEW ssb_cube" kpsql -c "DROP MATERIALIZED VIEW ssb_cube"
is "$(kq "SELECT count(*) FROM pg_class WHERE relname = 'ssb_cube'")" 0 "after DROP, pg_class has no ssb_cube"
like "$(kpsql -c 'DROP MATERIALIZED VIEW IF EXISTS ssb_cube' 2>&1)" 'NOTICE: +materialized view "ssb_cube" does not exist, skipping' \
    "DROP MATERIALIZED VIEW IF EXISTS of a missing view is a NOTICE"
{ echo "EXPLAIN"; cat "$q21"; } | kpsql -A -t >"$data/q2.1.after_drop" 2>&1
unlike "$(cat "$data/q2.1.after_drop")" 'Cube Scan' "after DROP, q2.1 is planned over the source tables"
if [ "$have_ref" = 1 ]; then
    kpsql -A -t -F '|' -f "$q21" >"$data/q2.1.raw" 2>&1
    check "after DROP, q2.1's rows still equal PostgreSQL's" cmp -s "$data/q2.1.raw" "$data/q2.1.ref"
fi
check "kilnd still accepts connections" server_alive
done_testing
