#!/bin/bash
# diff_selftest.sh - validates the differential test itself (tests/diff), with no kilnd:
#   1. the comparer's unit tests (floats, NULLs, numerics, order, errors);
#   2. SSB at SF 0.01 loaded into a reference PostgreSQL 15 (contrib/ssb/postgres.sql), where
#      every corpus query does what its header says (rows, or the annotated SQLSTATE);
#   3. PostgreSQL against itself: a second database with every table's rows shuffled and
#      hash aggregation and hash joins disabled must give identical answers, which also
#      proves every ORDER BY in the corpus total;
#   4. contrib/ssb/kiln.sql run verbatim on PostgreSQL's file_fdw gives the same answers,
#      so the DDL kiln is tested with is valid PostgreSQL and reads the files right;
#   5. the runner catches planted differences: a changed value, a NULL, a renamed column
#      (error against rows), a missing row.
# One TAP line per check (the per-query lines of the real run are in diff_ssb.sh).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

SF=${DIFF_SF:-0.01}
PY=${SYS_PYTHON:-/usr/bin/python3}
RUNNER=$KILN_TOP/tests/diff/diffrun.py

out=$("$PY" "$RUNNER" --self-check 2>&1)
like "$out" '^1\.\.[0-9]+$' "comparer self-check ran" && unlike "$out" '^not ok' "comparer self-check: all cases pass" ||
    diag <<<"$out"

kiln_tmpdir data ssb
check "kiln-ssbgen -s $SF" ssb_generate "$SF" "$data" || bail "cannot generate SSB data"
pgref_start trust || bail "cannot start the reference PostgreSQL 15"
check "reference: load postgres.sql into ssb_a" ssb_ref_load ssb_a "$data" || bail "cannot load SSB into PostgreSQL"

run_summary() { # run_summary DESC ARGS...: one TAP line from a whole diffrun run
    local desc=$1 out rc
    shift
    out=$("$PY" "$RUNNER" --quiet "$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        ok "$desc ($(grep -E '^# [0-9]+ passed' <<<"$out" | sed 's/^# //'))"
    else
        not_ok "$desc"
        head -60 <<<"$out" | diag
    fi
    return $rc
}

run_summary "corpus on PostgreSQL: every query succeeds or fails as its header says" \
    --ref "$(ssb_ref_dsn ssb_a)" --check-corpus
n=$("$PY" "$RUNNER" --list | wc -l)
[ "$n" -ge 300 ] && ok "corpus has $n queries (>= 300)" || not_ok "corpus has $n queries (>= 300)"

# 3. shuffled copy with other plans
ssb_ref_load ssb_b "$data" && ssb_ref_psql ssb_b >/dev/null <<'SQL'
SELECT setseed(0.42);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['lineorder', 'customer', 'supplier', 'part', 'dates'] LOOP
    EXECUTE format('CREATE TEMP TABLE shuf AS SELECT * FROM %I ORDER BY random()', t);
    EXECUTE format('TRUNCATE %I', t);
    EXECUTE format('INSERT INTO %I SELECT * FROM shuf', t);
    DROP TABLE shuf;
    EXECUTE format('ANALYZE %I', t);
  END LOOP;
END $$;
ALTER DATABASE ssb_b SET enable_hashagg = off;
ALTER DATABASE ssb_b SET enable_hashjoin = off;
SQL
run_summary "PostgreSQL against itself (rows shuffled, no hash aggregates or joins): same answers" \
    --ref "$(ssb_ref_dsn ssb_a)" --target "$(ssb_ref_dsn ssb_b)"

# 4. kiln.sql on file_fdw (superuser: file_fdw reads server files)
if ssb_ref_db ssb_fdw && pgref_admin -d ssb_fdw -c "CREATE EXTENSION file_fdw" &&
    ssb_sql kiln.sql "$data" | pgref_admin -d ssb_fdw >/dev/null; then
    ok "contrib/ssb/kiln.sql is valid PostgreSQL (file_fdw)"
    run_summary "kiln.sql over file_fdw answers as postgres.sql tables do" \
        --ref "$(ssb_ref_dsn ssb_a)" --target "$(ssb_ref_dsn ssb_fdw postgres)"
else
    not_ok "contrib/ssb/kiln.sql is valid PostgreSQL (file_fdw)"
fi

# 5. planted differences
ssb_ref_load ssb_d "$data" && ssb_ref_psql ssb_d >/dev/null <<'SQL'
UPDATE lineorder SET lo_revenue = lo_revenue + 1 WHERE lo_orderkey = 1 AND lo_linenumber = 1;
ALTER TABLE supplier ALTER COLUMN s_phone DROP NOT NULL;
UPDATE supplier SET s_phone = NULL WHERE s_suppkey = 2;
ALTER TABLE part RENAME COLUMN p_container TO p_box;
DELETE FROM customer WHERE c_custkey = 299;
SQL
out=$("$PY" "$RUNNER" --quiet --ref "$(ssb_ref_dsn ssb_a)" --target "$(ssb_ref_dsn ssb_d)" 2>&1)
rc=$?
is "$rc" 1 "planted differences: the runner exits 1"
like "$out" '^not ok [0-9]+ - q[0-9]+: row [0-9]+ column [0-9]+ \(sum\): ' "planted differences: a changed revenue is caught"
like "$out" "^not ok [0-9]+ - q[0-9]+: row [0-9]+ column [0-9]+ \\(s_phone\\): NULL, expected '" "planted differences: a NULL is caught"
like "$out" '^not ok [0-9]+ - q[0-9]+: error 42703, expected [0-9]+ rows' "planted differences: an error instead of rows is caught"
like "$out" '^not ok [0-9]+ - q[0-9]+: [0-9]+ rows, expected [0-9]+' "planted differences: a missing row is caught"
like "$out" '^# [0-9]+ passed, [1-9][0-9]* failed' "planted differences: summary counts the failures"
grep -E '^# [0-9]+ passed' <<<"$out" | sed 's/^# //' | diag
done_testing
