#!/bin/bash
# build_memory.sh - a cube build past kiln.build.memory-limit-bytes fails with 53200 and the
# server goes on: other sessions keep working, a view refreshed before keeps answering from
# its old segment, and nothing is left half-written.
#   (a) CREATE MATERIALIZED VIEW of Kylin's SSB cube over SF 0.01 (60K fact rows, ~7 MB held
#       by the build) on a server limited to 2 MB: refused with 53200, the view not created;
#   (b) a small cube over a CSV file, built; the file then grows past the limit: REFRESH fails
#       with 53200 and the view still answers with the rows of its first build;
#   (c) the server answers queries throughout, and its storage has no temporary directory;
#   (d) a fact row whose measure is past int64 (4 * 2^62 wraps to exactly 0) fails the build
#       with 22003 rather than storing a wrapped sum, for a product of the fact row's own
#       integer columns and for a numeric one.
# Prints TAP. Env: KILN_BUILD.
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

kiln_tmpdir work buildmem
check "kiln-ssbgen -s 0.01" ssb_generate 0.01 "$work/ssb" || bail "cannot generate SSB data"
kiln_start -c kiln.auth.method=trust -c kiln.build.memory-limit-bytes=2000000 2>"$work/start.err" ||
    { diag <"$work/start.err"; bail "kilnd does not start"; }
ok "kilnd started with kiln.build.memory-limit-bytes = 2000000"
kpsql() { psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -h "$KILN_HOST" -p "$KILN_PORT" -U kiln kiln "$@"; }
ssb_sql kiln.sql "$work/ssb" | kpsql >"$work/ddl.out" 2>&1 || { diag <"$work/ddl.out"; bail "cannot declare the SSB tables"; }

# (a) the SSB cube needs more than the limit
out=$(kpsql -c '\set VERBOSITY verbose' -f "$KILN_TOP/contrib/ssb/cube.sql" 2>&1)
like "$out" 'ERROR: +53200: cube build needs more memory than kiln.build.memory-limit-bytes allows \(2000000 bytes\)' \
    "CREATE MATERIALIZED VIEW past the build memory limit fails with 53200"
like "$out" 'DETAIL: +Refresh job [0-9]+ .* failed .*; the previous segment keeps answering' \
    "the error names the failed job"
is "$(kpsql -At -c "SELECT count(*) FROM pg_matviews WHERE matviewname = 'ssb_cube'" 2>&1)" "0" \
    "the refused view is not created"
is "$(kpsql -At -c 'SET kylin.query.pushdown = on' -c 'SELECT count(*) FROM lineorder' 2>&1)" \
    "$(wc -l <"$work/ssb/lineorder.tbl" | tr -d ' ')" "the server still answers (lineorder read from its file)"

# (b) a view built under the limit keeps its segment when a refresh goes past it
seq 1 100 | awk '{ print $1 % 7 "," $1 }' >"$work/small.csv"
kpsql >"$work/small.out" 2>&1 <<SQL || { diag <"$work/small.out"; bail "cannot create the small cube"; }
CREATE FOREIGN TABLE small (g integer, v integer) SERVER files OPTIONS (filename '$work/small.csv', format 'csv');
CREATE MATERIALIZED VIEW small_cube AS SELECT g, count(*) AS n, sum(v) AS s FROM small GROUP BY g;
SQL
before=$(kpsql -At -c 'SELECT sum(n), sum(s) FROM small_cube' 2>&1)
is "$before" "100|5050" "a view under the limit is built"
seq 1 200000 | awk '{ print $1 % 7 "," $1 % 1000 }' >"$work/small.csv"
out=$(kpsql -c '\set VERBOSITY verbose' -c 'REFRESH MATERIALIZED VIEW small_cube' 2>&1)
like "$out" 'ERROR: +53200: cube build needs more memory' "REFRESH past the limit fails with 53200"
is "$(kpsql -At -c 'SELECT sum(n), sum(s) FROM small_cube' 2>&1)" "$before" "the view still answers from its old segment"
is "$(kpsql -At -c 'SET client_min_messages = warning' -c 'SET kylin.query.pushdown = on' \
    -c 'SELECT count(*), sum(g) FROM small' 2>&1)" \
    "$(awk -F, '{ s += $1 } END { print NR "|" s }' "$work/small.csv")" "the grown file is read from the sources"
plan=$(kpsql -At -c 'EXPLAIN SELECT g, sum(v) FROM small GROUP BY g' 2>&1)
like "$plan" 'Cube Scan' "a query over the table is still answered from the old segment"

# (c) nothing half-written is left behind
tmpdirs=$(find "$KILN_DATA" -name '*.tmp-*' 2>/dev/null | wc -l)
is "$tmpdirs" "0" "no temporary segment directory is left"
is "$(kpsql -At -c 'SELECT 1' 2>&1)" "1" "kilnd still accepts connections"

# (d) one row's product past int64, whose wrapped value (0) would leave the sum small
printf '1,1,1\n1,4611686018427387904,4611686018427387904\n' >"$work/ovf.csv"
kpsql >"$work/ovf.out" 2>&1 <<SQL || { diag <"$work/ovf.out"; bail "cannot declare the overflow table"; }
CREATE FOREIGN TABLE ovf (g integer NOT NULL, v bigint NOT NULL, n numeric(20,0) NOT NULL) SERVER files OPTIONS (filename '$work/ovf.csv', format 'csv');
SQL
out=$(kpsql -c '\set VERBOSITY verbose' -c 'CREATE MATERIALIZED VIEW ovf_int AS SELECT g, sum(4 * v) AS s FROM ovf GROUP BY g' 2>&1)
like "$out" 'ERROR: +22003: measure "s" of a fact row is out of range for type bigint' \
    "a product of integer columns past int64 fails the build with 22003"
out=$(kpsql -c '\set VERBOSITY verbose' -c 'CREATE MATERIALIZED VIEW ovf_num AS SELECT g, sum(4 * n) AS s FROM ovf GROUP BY g' 2>&1)
like "$out" 'ERROR: +22003: ' "a product of a numeric column past int64 fails the build with 22003"
is "$(kpsql -At -c "SELECT count(*) FROM pg_matviews WHERE matviewname LIKE 'ovf%'" 2>&1)" "0" \
    "neither view is created"
is "$(kpsql -At -c 'SELECT sum(n), sum(s) FROM small_cube' 2>&1)" "$before" "the other view still answers"
done_testing
