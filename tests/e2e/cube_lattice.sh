#!/bin/bash
# cube_lattice.sh - a cube whose lattice is past the build's quadratic planning limit (8192
# cuboids): CUBE over 14 dimensions (16384 cuboids) of a generated fact table with NULLs and
# repeated rows. Every query grouping by a random subset of the dimensions (with a filter on
# another) must be answered from the cube (EXPLAIN: Cube Scan) with the rows a reference
# PostgreSQL 15 computes from the same file.
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

ND=14
NROWS=3000
kiln_tmpdir data lattice

# The data: dimension d<i> has 2 + i % 4 values (NULL for one in 17 rows of d1), one measure.
python3 - "$data/f.csv" "$ND" "$NROWS" <<'EOF'
import random, sys
path, nd, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
with open(path, "w") as f:
    prev = None
    for r in range(n):
        row = [str(random.randrange(2 + i % 4)) for i in range(nd)]
        if random.randrange(17) == 0:
            row[0] = ""
        if prev and random.randrange(5) == 0:
            row = prev[:nd]
        f.write(",".join(row + [str(random.randrange(-50, 1000))]) + "\n")
        prev = row
EOF
cols=$(seq -s, -f 'd%g' 1 $ND)
coldefs=$(seq -s, -f 'd%g int' 1 $ND)
ddl="CREATE FOREIGN TABLE f ($coldefs, v int) SERVER files OPTIONS (filename '$data/f.csv', format 'csv');"

server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "kilnd does not start"; }
kpsql() {
    PGPASSWORD=$SRV_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -d "$SRV_DB" "$@"
}
check "declare the fact table" kpsql -c "CREATE SERVER files FOREIGN DATA WRAPPER file_fdw" -c "$ddl"
if kpsql -c "CREATE MATERIALIZED VIEW lat AS SELECT $cols, count(*) AS c, sum(v) AS s, min(v) AS mn, max(v) AS mx
             FROM f GROUP BY CUBE ($cols)" >"$data/build.out" 2>&1; then
    ok "CREATE MATERIALIZED VIEW with CUBE over $ND dimensions (16384 cuboids) builds"
else
    not_ok "CREATE MATERIALIZED VIEW with CUBE over $ND dimensions (16384 cuboids) builds"
    diag <"$data/build.out"
    done_testing
fi
like "$(cat "$data/build.out")" "16384 cuboids" "the build reports its 16384 cuboids"

if ! pgref_start trust || ! ssb_ref_db lat ||
    ! ssb_ref_psql lat -c "CREATE TABLE f ($coldefs, v int)" -c "\\copy f FROM '$data/f.csv' WITH (FORMAT csv)"; then
    skip "the reference PostgreSQL 15 did not start: no comparison"
    done_testing
fi

RANDOM=11
for q in $(seq 1 24); do
    g=()
    for i in $(seq 1 $ND); do ((RANDOM % 4 == 0)) && g+=("d$i"); done
    [ ${#g[@]} -eq 0 ] && g=("d$((q % ND + 1))")
    gl=$(IFS=,; echo "${g[*]}")
    fd=$((RANDOM % ND + 1))
    sql="SELECT $gl, count(*), sum(v), min(v), max(v), avg(v) FROM f WHERE d$fd <> 1 GROUP BY $gl ORDER BY $gl"
    like "$(kpsql -A -t -c "EXPLAIN $sql" 2>&1)" "Cube Scan on lat" "q$q EXPLAIN: Cube Scan (GROUP BY $gl, WHERE d$fd <> 1)"
    kpsql -A -t -F '|' -c "$sql" >"$data/q$q.kiln" 2>&1
    ssb_ref_psql lat -A -t -F '|' -c "$sql" >"$data/q$q.ref" 2>&1
    if cmp -s "$data/q$q.kiln" "$data/q$q.ref"; then
        ok "q$q rows equal PostgreSQL's ($(wc -l <"$data/q$q.ref") groups)"
    else
        not_ok "q$q rows equal PostgreSQL's"
        diff "$data/q$q.ref" "$data/q$q.kiln" | head -10 | diag
    fi
done
pgref_stop
done_testing
