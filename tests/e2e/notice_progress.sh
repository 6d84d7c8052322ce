#!/bin/bash
# notice_progress.sh - NOTICEs raised while a statement runs on a worker thread reach the
# client while it runs (issue 5: a build's progress is visible during REFRESH), not all at
# once when it ends. A cube over SSB whose lineorder is a named pipe fed slowly
# (tests/python/slow_fifo.py, ~9 s per read) is built by CREATE MATERIALIZED VIEW and
# REFRESH MATERIALIZED VIEW; the client stamps each message as it arrives. SF 0.3 (1.8M
# fact rows, 175 MB): a build reports its progress every 1M fact rows, so a smaller data
# set has no progress NOTICE between "submitted as job N" and "done".
#   (a) psql, its stderr piped through a line-timestamping reader: the "submitted" and the
#       first progress NOTICE are printed seconds before psql ends;
#   (b) a raw protocol client (tests/python/notice_times.py), simple Query and
#       Parse/Bind/Describe/Execute/Sync: the same, and every NOTICE comes before
#       CommandComplete and ReadyForQuery;
#   (c) a client that reads nothing while the REFRESH runs gets every message, in order,
#       when it reads, and the server stays healthy. (That the server's pending notices are
#       bounded for such a client is checked by tests/unit/test_session.c, which can raise
#       thousands of them.)
# Prints TAP. Env: KILN_BUILD.
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

kiln_tmpdir work notice
feeder=
cleanup() { [ -n "$feeder" ] && kill "$feeder" 2>/dev/null; }
at_exit cleanup

check "kiln-ssbgen -s 0.3" ssb_generate 0.3 "$work/ssb" || bail "cannot generate SSB data"
server_start trust 2>"$work/server_start.err" || { diag <"$work/server_start.err"; bail "kilnd does not start"; }
kpsql() {
    PGPASSWORD=$SRV_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -d "$SRV_DB" "$@"
}
if ! ssb_sql kiln.sql "$work/ssb" | kpsql >"$work/ddl.out" 2>&1; then
    diag <"$work/ddl.out"
    bail "cannot declare the SSB tables"
fi
mkfifo "$work/lineorder.fifo"
python3 "$KILN_TOP/tests/python/slow_fifo.py" "$work/lineorder.fifo" "$work/ssb/lineorder.tbl" 9 &
feeder=$!
sed -e "s|@SSB_DIR@/lineorder.tbl|$work/lineorder.fifo|" -e 's/CREATE FOREIGN TABLE lineorder /CREATE FOREIGN TABLE lineorder_slow /' \
    "$KILN_TOP/contrib/ssb/kiln.sql" | awk '/CREATE FOREIGN TABLE lineorder_slow/,/;/' >"$work/slow.sql"
kpsql -f "$work/slow.sql" >"$work/slow.out" 2>&1 || { diag <"$work/slow.out"; bail "cannot declare lineorder_slow"; }

# A NOTICE of the statement: "submitted as job N" (raised as the statement starts) and the
# build's progress, "(job N): STEP: ..." (raised as the job reports, every 1M rows read).
SUBMITTED='submitted as job [0-9]+'
PROGRESS='[(]job [0-9]+[)]: [a-z]+: '

# earlier_by A B SECONDS: A + SECONDS <= B
earlier_by() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { exit !(b - a >= d) }'; }

# progress_check LABEL FILE ORDER: FILE has "SECONDS TYPE TEXT" lines (notice_times.py).
progress_check() {
    local label=$1 f=$2 sub prog n done_at order
    sub=$(awk -v re="$SUBMITTED" '$2 == "N" && $0 ~ re { print $1; exit }' "$f")
    prog=$(awk -v re="$PROGRESS" '$2 == "N" && $0 ~ re { print $1; exit }' "$f")
    n=$(awk -v re="$PROGRESS" '$2 == "N" && $0 ~ re { n++ } END { print n + 0 }' "$f")
    done_at=$(awk '$2 == "C" { print $1; exit }' "$f")
    order=$(awk '{ printf "%s", $2 }' "$f" | sed -e 's/NN*/N/g')
    diag "$label: submitted NOTICE at ${sub:-?} s, $n progress NOTICEs from ${prog:-?} s, CommandComplete at ${done_at:-?} s"
    if earlier_by "$sub" "$done_at" 3; then
        ok "$label: the NOTICE raised as the REFRESH starts arrives at least 3 s before CommandComplete"
    else
        not_ok "$label: the NOTICE raised as the REFRESH starts arrives at least 3 s before CommandComplete"
        diag <"$f"
    fi
    if earlier_by "$prog" "$done_at" 1.5; then
        ok "$label: the first progress NOTICE arrives at least 1.5 s before CommandComplete"
    else
        not_ok "$label: the first progress NOTICE arrives at least 1.5 s before CommandComplete"
        diag <"$f"
    fi
    is "$order" "$3" "$label: message order (NOTICEs before the statement's later messages)"
}

# ---------------------------------------------------------------- (a) psql
cube="CREATE MATERIALIZED VIEW slow_cube AS SELECT d_year, lo_discount, count(*) AS cnt, sum(lo_revenue) AS revenue FROM lineorder_slow JOIN dates ON lo_orderdate = d_datekey GROUP BY CUBE (d_year, lo_discount)"
t0=$(date +%s.%N)
kpsql -c "$cube" 2>&1 | while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done >"$work/psql.out"
t1=$(date +%s.%N)
like "$(cat "$work/psql.out")" 'refresh of "slow_cube" done' "CREATE MATERIALIZED VIEW slow_cube builds it"
sub=$(awk -v re="NOTICE: .*$SUBMITTED" '$0 ~ re { print $1; exit }' "$work/psql.out")
prog=$(awk -v re="NOTICE: .*$PROGRESS" '$0 ~ re { print $1; exit }' "$work/psql.out")
if earlier_by "$sub" "$t1" 3 && earlier_by "$prog" "$t1" 1.5; then
    ok "psql prints the submitted NOTICE >= 3 s and the first progress NOTICE >= 1.5 s before it ends"
else
    not_ok "psql prints the submitted NOTICE >= 3 s and the first progress NOTICE >= 1.5 s before it ends"
    diag "started $t0, ended $t1"
    diag <"$work/psql.out"
fi
rel() { awk -v a="$t0" -v b="$1" 'BEGIN { if (b == "") print "?"; else printf "%.2f", b - a }'; }
diag "psql: submitted NOTICE after $(rel "$sub") s, first progress NOTICE after $(rel "$prog") s, psql ended after $(rel "$t1") s"

# ---------------------------------------------------------------- (b) protocol clients
times() { python3 "$KILN_TOP/tests/python/notice_times.py" "$SRV_HOST" "$SRV_PORT" "$SRV_USER" "$SRV_DB" "$@"; }
times simple "REFRESH MATERIALIZED VIEW slow_cube" >"$work/simple.out" 2>&1
progress_check "simple Query" "$work/simple.out" "NCZ"
times extended "REFRESH MATERIALIZED VIEW slow_cube" >"$work/extended.out" 2>&1
progress_check "Execute" "$work/extended.out" "12nNCZ"

# ---------------------------------------------------------------- (c) a client that does not read
times simple "REFRESH MATERIALIZED VIEW slow_cube" 15 >"$work/paused.out" 2>&1
order=$(awk '{ printf "%s", $2 }' "$work/paused.out" | sed -e 's/NN*/N/g')
n=$(grep -cE " N .*$PROGRESS" "$work/paused.out")
is "$order" "NCZ" "a client that reads nothing during the REFRESH gets its NOTICEs, CommandComplete, ReadyForQuery in order"
if [ "$n" -ge 1 ]; then ok "... progress NOTICEs included ($n)"; else not_ok "... progress NOTICEs included ($n)"; diag <"$work/paused.out"; fi
is "$(kpsql -A -t -c 'SELECT 1' 2>&1)" 1 "the server answers afterwards"
is "$(kpsql -A -t -c 'SELECT sum(cnt) FROM slow_cube WHERE d_year IS NULL AND lo_discount IS NULL' 2>&1)" \
    "$(wc -l <"$work/ssb/lineorder.tbl")" "slow_cube holds every lineorder row"

done_testing
