#!/bin/bash
# cube_diff.sh - differential test of cubes on data sets and designs other than SSB's:
# tests/e2e/cube_diff.py generates a seeded data set (a fact table, customers with a
# snowflaked nation table, products, a calendar; every column type a cube takes, NULLs,
# fact rows without lookup rows, empty strings, negatives, skew), declares it in kilnd as
# file_fdw foreign tables and loads it into a reference PostgreSQL 15, creates several cube
# designs (plain GROUP BY, CUBE, ROLLUP over a snowflake, joint + mandatory, GROUPING SETS,
# LEFT JOINs, every dimension type, no count(*)) and runs generated aggregate queries on
# both. Per query: answered from the cube (EXPLAIN: Cube Scan) when the design can answer
# it, refused with 0A000 when it cannot; and its rows (names, types, text values, in order)
# equal PostgreSQL's -- with kylin.query.pushdown = on for the refused ones.
#
#   CUBE_DIFF_SEED (default 20240611), CUBE_DIFF_QUERIES (per design, default 40),
#   CUBE_DIFF_ONLY (regex over design names), CUBE_DIFF_SHOW=1 (print every query)
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

kiln_tmpdir data cubediff
server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "kilnd does not start"; }
ok "kilnd started"
pgref_start trust || bail "cannot start the reference PostgreSQL 15"
ssb_ref_db cubediff || bail "cannot create the reference database"
ok "reference PostgreSQL 15 started"

kiln_dsn="host=$SRV_HOST port=$SRV_PORT dbname=$SRV_DB user=$SRV_USER password=$SRV_PASSWORD"
rc=
while IFS= read -r line; do
    case $line in
    "ok "*) ok "${line#ok * - }" ;;
    "not ok "*"# TODO "*)
        line=${line#not ok * - }
        todo "${line%% # TODO *}" "${line#* # TODO }"
        ;;
    "not ok "*) not_ok "${line#not ok * - }" ;;
    "#rc="*) rc=${line#\#rc=} ;;
    "#"*) echo "$line" ;;
    "1.."*) ;;
    *) echo "# $line" ;;
    esac
done < <("$SYS_PYTHON" "$KILN_TOP/tests/e2e/cube_diff.py" --dir "$data" --kiln "$kiln_dsn" \
    --ref "$(ssb_ref_dsn cubediff)" --seed "${CUBE_DIFF_SEED:-20240611}" \
    --queries "${CUBE_DIFF_QUERIES:-40}" ${CUBE_DIFF_ONLY:+--only "$CUBE_DIFF_ONLY"} \
    ${CUBE_DIFF_SHOW:+--show} 2>&1; echo "#rc=$?")
case ${rc:-2} in
0 | 1) ;;
*) not_ok "cube_diff.py ran to its end (exit status ${rc:-none})" ;;
esac
check "kilnd still accepts connections" server_alive
done_testing
