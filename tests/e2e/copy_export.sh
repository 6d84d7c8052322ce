#!/bin/bash
# copy_export.sh - exports through COPY ... TO STDOUT are byte-identical to PostgreSQL's:
# SSB at a small scale factor (COPY_SF, default 0.01) is loaded into a reference
# PostgreSQL 15 and declared in kilnd over the same files (as diff_ssb.sh does); then the
# same exports run on both and the files are compared with cmp:
#   - psql's \copy (query) TO 'file' and \copy table [(cols)] TO 'file' (COPY ... TO STDOUT
#     in the simple protocol), in text and csv with options;
#   - psycopg2's cursor.copy_expert("COPY (...) TO STDOUT WITH CSV HEADER", f);
#   - a query kiln answers from a cube (EXPLAIN says Cube Scan; PostgreSQL computes it).
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

SF=${COPY_SF:-0.01}

kiln_tmpdir data copy
check "kiln-ssbgen -s $SF" ssb_generate "$SF" "$data" || bail "cannot generate SSB data"
pgref_start trust || bail "cannot start the reference PostgreSQL 15"
check "reference PostgreSQL 15: load contrib/ssb/postgres.sql" ssb_ref_load ssb "$data" ||
    bail "cannot load SSB into PostgreSQL"
server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "cannot start $SRV_KIND"; }
if ! ssb_sql kiln.sql "$data" | psql -X -q -v ON_ERROR_STOP=1 >"$data/ddl.out" 2>&1; then
    diag <"$data/ddl.out"
    bail "$SRV_KIND: cannot declare the SSB tables"
fi
ok "$SRV_KIND: declare the SSB tables with contrib/ssb/kiln.sql"

kpsql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
rpsql() { ssb_ref_psql ssb "$@"; }

# same_copy NAME KILN_CMD [REF_CMD]: runs the psql \copy command on both into files and
# compares them byte for byte (REF_CMD defaults to KILN_CMD; FILE in a command is the file).
same_copy() {
    local name=$1 kcmd=$2 rcmd=${3:-$2} kf="$data/$1.kiln" rf="$data/$1.pg"
    if ! kpsql -c "${kcmd//FILE/$kf}" >"$data/$name.kout" 2>&1; then
        not_ok "$name: $SRV_KIND: $kcmd"
        diag <"$data/$name.kout"
        return
    fi
    if ! rpsql -c "${rcmd//FILE/$rf}" >"$data/$name.rout" 2>&1; then
        not_ok "$name: PostgreSQL: $rcmd"
        diag <"$data/$name.rout"
        return
    fi
    if [ ! -s "$rf" ] && [ "${name#empty}" = "$name" ]; then
        not_ok "$name: PostgreSQL wrote an empty file"
    elif cmp -s "$kf" "$rf"; then
        ok "$name: \\copy output is byte-identical ($(wc -c <"$rf") bytes)"
    else
        not_ok "$name: \\copy output differs from PostgreSQL's"
        diff <(head -c 200000 "$rf") <(head -c 200000 "$kf") | head -20 | diag
    fi
}

q_join="SELECT c_custkey, c_name, c_address, c_city, c_nation, c_phone, c_mktsegment FROM customer ORDER BY c_custkey"
same_copy customer_text "\\copy ($q_join) TO 'FILE'"
same_copy customer_csv_header "\\copy ($q_join) TO 'FILE' WITH (FORMAT csv, HEADER)"
same_copy customer_old_syntax "\\copy ($q_join) TO 'FILE' WITH CSV HEADER DELIMITER AS '|' FORCE QUOTE c_name, c_phone"
same_copy part_force_quote_all "\\copy (SELECT * FROM part ORDER BY p_partkey) TO 'FILE' WITH (FORMAT csv, FORCE_QUOTE *, NULL 'NULL')"
same_copy lineorder_numbers "\\copy (SELECT lo_orderkey, lo_linenumber, lo_revenue, lo_discount * 1.5 AS d, lo_revenue::float8 / 7 AS f, lo_orderdate FROM lineorder ORDER BY 1, 2 LIMIT 20000) TO 'FILE' WITH (FORMAT csv)"
same_copy dates_text_nulls "\\copy (SELECT d_datekey, d_date, NULLIF(d_holidayfl, '0') AS holiday, d_sellingseason || E'\\t' || d_dayofweek AS tabbed FROM dates ORDER BY 1) TO 'FILE'"
same_copy join_agg "\\copy (SELECT c_nation, d_year, sum(lo_revenue) AS revenue, count(*) AS n FROM lineorder JOIN customer ON lo_custkey = c_custkey JOIN dates ON lo_orderdate = d_datekey GROUP BY c_nation, d_year ORDER BY 1, 2) TO 'FILE' WITH (FORMAT csv, HEADER)"
# COPY table and COPY table (cols): kiln's source tables are copied in file order, as
# PostgreSQL copies the heap it loaded from the same file
same_copy supplier_table "\\copy supplier TO 'FILE'"
same_copy customer_columns "\\copy customer (c_custkey, c_name, c_region) TO 'FILE' WITH (FORMAT csv, HEADER)"
same_copy empty_result "\\copy (SELECT * FROM supplier WHERE s_suppkey < 0) TO 'FILE' WITH CSV HEADER"

# psycopg2's copy_expert (libpq, simple protocol)
if "$SYS_PYTHON" -c 'import psycopg2' 2>/dev/null; then
    pycopy() { # pycopy DSN SQL OUT
        tmo "$SYS_PYTHON" - "$@" <<'PY'
import sys, psycopg2
dsn, sql, out = sys.argv[1:4]
conn = psycopg2.connect(dsn)
cur = conn.cursor()
with open(out, 'w', encoding='utf-8', newline='') as f:
    cur.copy_expert(sql, f)
print(cur.rowcount)
cur.execute("SELECT 'after copy'")
assert cur.fetchone()[0] == 'after copy'
conn.close()
PY
    }
    kdsn="host=$SRV_HOST port=$SRV_PORT dbname=$SRV_DB user=$SRV_USER password=$SRV_PASSWORD"
    rdsn=$(ssb_ref_dsn ssb)
    for sql in "COPY (SELECT * FROM customer ORDER BY c_custkey) TO STDOUT WITH CSV HEADER" \
        "COPY (SELECT p_partkey, p_name, p_color, p_size FROM part ORDER BY 1) TO STDOUT" \
        "COPY customer (c_custkey, c_mktsegment) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (c_mktsegment))"; do
        kn=$(pycopy "$kdsn" "$sql" "$data/py.kiln" 2>&1)
        rn=$(pycopy "$rdsn" "$sql" "$data/py.pg" 2>&1)
        if [ "$kn" = "$rn" ] && cmp -s "$data/py.kiln" "$data/py.pg"; then
            ok "psycopg2 copy_expert: $sql: byte-identical, rowcount $kn"
        else
            not_ok "psycopg2 copy_expert: $sql"
            diag "rowcount kiln: $kn, PostgreSQL: $rn"
            diff <(head -c 100000 "$data/py.pg") <(head -c 100000 "$data/py.kiln") | head -10 | diag
        fi
    done
else
    skip "psycopg2 copy_expert: no psycopg2 for $SYS_PYTHON"
fi

# An export answered from a cube: kiln reads the cuboids, PostgreSQL aggregates the rows.
cube="CREATE MATERIALIZED VIEW copy_cube AS SELECT d_year, lo_discount, count(*) AS cnt, sum(lo_revenue) AS revenue
      FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY CUBE (d_year, lo_discount)"
cq="SELECT d_year, sum(lo_revenue) AS revenue, count(*) AS n FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year ORDER BY d_year"
if kpsql -c "$cube" >"$data/cube.out" 2>&1; then
    ok "$SRV_KIND: CREATE MATERIALIZED VIEW copy_cube builds it"
    if kpsql -At -c "EXPLAIN $cq" | grep -q "Cube Scan"; then
        ok "the exported query is answered from the cube"
    else
        not_ok "the exported query is answered from the cube"
    fi
    same_copy cube_query "\\copy ($cq) TO 'FILE' WITH (FORMAT csv, HEADER)"
else
    not_ok "$SRV_KIND: CREATE MATERIALIZED VIEW copy_cube builds it"
    diag <"$data/cube.out"
fi

# The refusals leave the connection usable (psql sends its data, then the next query).
out=$(printf 'COPY customer FROM STDIN;\n1|x\n\\.\nSELECT 42 AS after;\n' | kpsql -v ON_ERROR_STOP=0 -At 2>&1)
like "$out" 'cannot insert into foreign table "customer"' "COPY FROM STDIN is refused after CopyInResponse"
like "$out" '^42$' "the session goes on after the refused COPY FROM STDIN"
check "$SRV_KIND still accepts connections" server_alive
done_testing
