#!/bin/bash
# cube_view.sh - queries over a materialized view itself (SELECT ... FROM v), through kilnd,
# against a reference PostgreSQL 15 holding the same files (file_fdw) and the same
# CREATE MATERIALIZED VIEW statements: PostgreSQL's matview holds one row per group of every
# grouping set, NULL in the columns a set does not group by, a set listed twice twice; kiln
# reads those rows from the cube's cuboids (rolled up from a stored superset when the build
# left a cuboid out). Every query's rows, sorted, must equal PostgreSQL's: SELECT *, filters
# on dimensions (IS NULL / IS NOT NULL / =, IN, <>, ranges, OR, NOT) and on measures,
# aggregates over the view, joins of the view. The data has NULL dimension values (a NULL
# region, LEFT-joined products missing, a NULL category) so "not grouped" and "grouped,
# value NULL" meet. Also: before a refresh the view fails as PostgreSQL's (55000 and its
# hint), EXPLAIN shows the cube scan with its grouping sets, and the column names and types
# are PostgreSQL's.
# e2e-timeout: 300
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/kiln.sh"
. "$KILN_TOP/tests/diff/lib.sh"

kiln_tmpdir data view

# ---- data: deterministic, small, with NULLs in dimension values ----
# sales: 400 rows; region NULL on every 7th, price NULL on every 11th and for product 25
# (groups whose sum is NULL); prod_id 1..25 where products has 1..20 only (LEFT JOIN
# misses); store_id 1..6.
awk 'BEGIN {
    split("EU,US,ASIA", R, ",")
    for (i = 1; i <= 400; i++) {
        region = (i % 7 == 0) ? "" : R[(i * 5) % 3 + 1]
        prod = (i * 7) % 25 + 1
        price = (i % 11 == 0 || prod == 25) ? "" : sprintf("%d.%02d", (i * 37) % 90 + 1, (i * 13) % 100)
        printf "%d,%d,%d,%s,%d,%s,%d\n", i, (i * 5) % 6 + 1, prod, region, (i * 17) % 9 + 1, price, i % 4
    }
}' >"$data/sales.csv"
# products: category NULL for prod 5 and 10; brand hierarchy under category
awk 'BEGIN {
    split("toys,food,tools", C, ",")
    for (p = 1; p <= 20; p++) {
        cat = (p % 5 == 0 && p <= 10) ? "" : C[p % 3 + 1]
        printf "%d,%s,brand%d,%d\n", p, cat, p % 4, p * 10
    }
}' >"$data/products.csv"
# stores: city -> country (a functional dependency: the {city} cuboid is not stored)
cat >"$data/stores.csv" <<'CSV'
1,Paris,FR
2,Lyon,FR
3,Berlin,DE
4,Munich,DE
5,Rome,IT
6,Milan,IT
CSV

cat >"$data/ddl.sql" <<SQL
CREATE SERVER view_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE sales (
    sale_id   integer NOT NULL,
    store_id  integer NOT NULL,
    prod_id   integer NOT NULL,
    region    text,
    qty       integer NOT NULL,
    price     numeric(10,2),
    disc      integer NOT NULL
) SERVER view_files OPTIONS (filename '$data/sales.csv', format 'csv');
CREATE FOREIGN TABLE products (
    prod_id   integer NOT NULL,
    category  varchar(10),
    brand     varchar(10) NOT NULL,
    weight    integer NOT NULL
) SERVER view_files OPTIONS (filename '$data/products.csv', format 'csv');
CREATE FOREIGN TABLE stores (
    store_id  integer NOT NULL,
    city      text NOT NULL,
    country   text NOT NULL
) SERVER view_files OPTIONS (filename '$data/stores.csv', format 'csv');
SQL

# The views: each valid PostgreSQL.
cat >"$data/views.sql" <<'SQL'
-- CUBE x ROLLUP over a LEFT join, every kind of measure
CREATE MATERIALIZED VIEW v_mix AS
SELECT s.region, p.category, p.brand,
       count(*) AS cnt, sum(qty) AS qty, sum(price) AS price, avg(qty) AS avg_qty,
       min(price) AS min_price, max(qty) AS max_qty, count(price) AS n_price,
       sum(qty * disc) AS qd
FROM sales s LEFT JOIN products p ON s.prod_id = p.prod_id
GROUP BY CUBE (s.region, p.category), ROLLUP (p.brand);
-- sets listed twice, an explicit (), a set nested in ROLLUP
CREATE MATERIALIZED VIEW v_dup AS
SELECT region, city, country, count(*) AS cnt, sum(qty) AS qty
FROM sales JOIN stores ON sales.store_id = stores.store_id
GROUP BY GROUPING SETS ((region), (region), (), ROLLUP (country, city), (city, region));
-- overlapping ROLLUPs ((), (region) twice) times a plain column, with and without DISTINCT
CREATE MATERIALIZED VIEW v_prod AS
SELECT disc, region, country, city, count(*) AS cnt
FROM sales JOIN stores USING (store_id)
GROUP BY disc, GROUPING SETS (ROLLUP (region, country), ROLLUP (region, city));
CREATE MATERIALIZED VIEW v_prod_d AS
SELECT disc, region, country, city, count(*) AS cnt
FROM sales JOIN stores USING (store_id)
GROUP BY DISTINCT disc, GROUPING SETS (ROLLUP (region, country), ROLLUP (region, city));
-- a plain GROUP BY, one column grouped but not selected
CREATE MATERIALIZED VIEW v_plain AS
SELECT region, sum(qty) AS qty, count(*) AS cnt
FROM sales
GROUP BY region, disc;
-- city determines country: the build leaves {city} out, rows come from {city, country}
CREATE MATERIALIZED VIEW v_fd AS
SELECT country, city, count(*) AS cnt, sum(price) AS price
FROM sales JOIN stores ON sales.store_id = stores.store_id
GROUP BY CUBE (country, city);
-- sums over groups without a non-NULL value
CREATE MATERIALIZED VIEW v_null AS
SELECT prod_id, region, sum(price) AS price, count(price) AS n_price, avg(price) AS avg_price, min(price) AS lo
FROM sales
GROUP BY ROLLUP (prod_id, region);
SQL

server_start trust 2>"$data/server_start.err" || { diag <"$data/server_start.err"; bail "kilnd does not start"; }
kpsql() {
    PGPASSWORD=$SRV_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h "$SRV_HOST" -p "$SRV_PORT" -U "$SRV_USER" -d "$SRV_DB" "$@"
}
kq() { kpsql -A -t -F '|' -c "$1" 2>&1; }

check "kiln: declare the tables" kpsql -f "$data/ddl.sql"

# Before any refresh: PostgreSQL's error and hint.
kpsql -c "CREATE MATERIALIZED VIEW v_nodata AS SELECT region, count(*) AS cnt FROM sales GROUP BY ROLLUP (region) WITH NO DATA" \
    >"$data/nodata.out" 2>&1
out=$(kpsql -v VERBOSITY=verbose -c '\set VERBOSITY verbose' -c "SELECT * FROM v_nodata" 2>&1)
like "$out" 'ERROR: +55000: materialized view "v_nodata" has not been populated' \
    "a view never refreshed: 55000 has not been populated"
like "$out" 'HINT: +Use the REFRESH MATERIALIZED VIEW command' "... with PostgreSQL's hint"
check "REFRESH MATERIALIZED VIEW v_nodata" kpsql -c "REFRESH MATERIALIZED VIEW v_nodata"

if kpsql -f "$data/views.sql" >"$data/views.out" 2>&1; then
    ok "kiln: CREATE MATERIALIZED VIEW (7 views) builds them"
else
    not_ok "kiln: CREATE MATERIALIZED VIEW (7 views) builds them"
    diag <"$data/views.out"
fi

have_ref=0
# PostgreSQL: the test database of pgref_start, where file_fdw is installed
if pgref_start trust && ssb_ref_psql "$KILN_TEST_DB" -f "$data/ddl.sql" >/dev/null 2>"$data/ref_ddl.err" &&
    ssb_ref_psql "$KILN_TEST_DB" -f "$data/views.sql" >/dev/null 2>>"$data/ref_ddl.err" &&
    ssb_ref_psql "$KILN_TEST_DB" -c "CREATE MATERIALIZED VIEW v_nodata AS SELECT region, count(*) AS cnt FROM sales GROUP BY ROLLUP (region)" \
        >/dev/null 2>>"$data/ref_ddl.err"; then
    have_ref=1
else
    diag <"$data/ref_ddl.err"
    skip "rows equal PostgreSQL's" "cannot start the reference PostgreSQL 15"
fi

# same NAME SQL: the rows of SQL, sorted, equal PostgreSQL's
same() {
    local name=$1 sql=$2
    [ "$have_ref" = 1 ] || return 0
    kpsql -A -t -F '|' -c "$sql" >"$data/$name.kiln.raw" 2>&1
    ssb_ref_psql "$KILN_TEST_DB" -A -t -F '|' -c "$sql" >"$data/$name.ref.raw" 2>&1
    LC_ALL=C sort "$data/$name.kiln.raw" >"$data/$name.kiln"
    LC_ALL=C sort "$data/$name.ref.raw" >"$data/$name.ref"
    if cmp -s "$data/$name.kiln" "$data/$name.ref"; then
        ok "$name: $(wc -l <"$data/$name.ref") rows equal PostgreSQL's"
    else
        not_ok "$name: rows equal PostgreSQL's"
        diag <<<"$sql"
        diff "$data/$name.ref" "$data/$name.kiln" | head -20 | diag
    fi
}

# columns: names and types as PostgreSQL's
cols="SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname LIKE 'v\\_%' AND a.attnum > 0 ORDER BY 1, 2"
same columns "$cols"
same select_star_columns "SELECT * FROM v_mix LIMIT 0"

for v in v_mix v_dup v_prod v_prod_d v_plain v_fd v_null v_nodata; do
    same "$v.all" "SELECT * FROM $v"
    same "$v.count" "SELECT count(*) FROM $v"
done

# filters that pin grouping sets, and filters that do not
same mix.cat_null "SELECT region, brand, cnt, price FROM v_mix WHERE category IS NULL"
same mix.region_null_cat "SELECT * FROM v_mix WHERE region IS NULL AND category IS NOT NULL"
same mix.all_null "SELECT * FROM v_mix WHERE region IS NULL AND category IS NULL AND brand IS NULL"
same mix.eq "SELECT region, category, cnt FROM v_mix WHERE region = 'EU' AND brand IS NULL"
same mix.in "SELECT * FROM v_mix WHERE region IN ('EU', 'US') AND category IN ('toys', 'food')"
same mix.ne "SELECT * FROM v_mix WHERE region <> 'EU' AND category IS NOT NULL"
same mix.range "SELECT * FROM v_mix WHERE brand >= 'brand2' AND brand < 'brand9' AND region IS NULL"
same mix.or "SELECT * FROM v_mix WHERE region = 'ASIA' OR category IS NULL"
same mix.not "SELECT * FROM v_mix WHERE NOT (region IS NULL) AND NOT (category = 'toys')"
same mix.measure "SELECT * FROM v_mix WHERE cnt > 10 AND price IS NOT NULL"
same mix.measure_null "SELECT region, category, brand FROM v_mix WHERE price IS NULL OR min_price IS NULL"
same mix.expr "SELECT coalesce(region, '(all)'), cnt * 2, qty::numeric / nullif(cnt, 0) FROM v_mix WHERE brand = 'brand1'"
same mix.type_cast "SELECT * FROM v_mix WHERE category = 'food'::text AND region IS NULL"

# aggregates over the view: over its rows, as PostgreSQL aggregates them
same agg.total "SELECT sum(cnt), sum(qty), count(*) FROM v_mix WHERE region IS NULL AND category IS NULL AND brand IS NULL"
same agg.regions "SELECT region, sum(revenue_like), count(*) FROM (SELECT region, qty AS revenue_like FROM v_mix
                  WHERE category IS NULL AND brand IS NULL) t GROUP BY 1"
same agg.by_region "SELECT region, sum(cnt), count(*), max(max_qty), min(min_price) FROM v_mix
                    WHERE category IS NULL GROUP BY 1"
same agg.double "SELECT sum(cnt) FROM v_mix"
same agg.having "SELECT category, sum(cnt) FROM v_mix GROUP BY category HAVING sum(cnt) > 100"
same agg.dup "SELECT region, count(*), sum(cnt) FROM v_dup GROUP BY region"
same agg.grouping_sets "SELECT region, category, sum(cnt) FROM v_mix WHERE brand IS NULL GROUP BY ROLLUP (region, category)"

# joins and subqueries
same join.self "SELECT a.region, a.cnt, b.cnt FROM v_mix a JOIN v_mix b ON a.region = b.region
                WHERE a.category IS NULL AND a.brand IS NULL AND b.category = 'toys' AND b.brand IS NULL"
same join.source "SELECT v.country, v.city, v.cnt, s.store_id FROM v_fd v JOIN stores s ON v.city = s.city"
same sub.in "SELECT * FROM v_dup WHERE region IN (SELECT region FROM v_plain WHERE qty > 100)"
same fd.city "SELECT * FROM v_fd WHERE country IS NULL"
same prod.pinned "SELECT * FROM v_prod WHERE country IS NULL AND city IS NOT NULL"
same plain.null "SELECT * FROM v_plain WHERE region IS NULL"
same null.sums "SELECT * FROM v_null WHERE price IS NULL"
same null.avg "SELECT prod_id, avg(avg_price), sum(price) FROM v_null WHERE region IS NOT NULL GROUP BY prod_id"
same order.limit "SELECT region, category, brand, cnt FROM v_mix ORDER BY cnt DESC, region, category, brand LIMIT 7"

# EXPLAIN: a cube scan, its grouping sets and their cuboids
ex=$(kpsql -A -t -c "EXPLAIN SELECT * FROM v_fd" 2>&1)
like "$ex" 'Cube Scan on v_fd' "EXPLAIN: Cube Scan on the view"
like "$ex" 'Grouping Sets: 4 of 4' "EXPLAIN: its grouping sets"
like "$ex" '\(city\): cuboid country, city' "EXPLAIN: the {city} set is read from the stored {country, city} cuboid"
# WHERE over dimensions: the scan skips the sets it rules out and seeks in the others
# (country is never NULL in the data, so IS NULL leaves the sets without it; region is,
# so IS NULL there keeps the sets with it, filtered to its NULL)
q1="SELECT * FROM v_fd WHERE country IS NULL"
q2="SELECT city, sum(cnt), sum(price) FROM v_fd WHERE country IS NULL AND city IS NOT NULL GROUP BY 1"
q3="SELECT * FROM v_fd WHERE country = 'FR'"
q4="SELECT * FROM v_dup WHERE region IS NULL AND city IS NULL"
same pruned.1 "$q1"
same pruned.2 "$q2"
same pruned.3 "$q3"
same pruned.4 "$q4"
like "$(kpsql -A -t -c "EXPLAIN $q1" 2>&1)" 'Grouping Sets: 2 of 4' "EXPLAIN: country IS NULL reads 2 of the 4 sets"
ex=$(kpsql -A -t -c "EXPLAIN $q2" 2>&1)
like "$ex" 'Grouping Sets: 1 of 4' "EXPLAIN of an aggregate over the view: 1 set read"
like "$ex" '\(city\): cuboid country, city \(6 rows\)' "... from the cuboid that holds it"
ex=$(kpsql -A -t -c "EXPLAIN $q3" 2>&1)
like "$ex" 'Grouping Sets: 2 of 4' "EXPLAIN: country = 'FR' reads 2 sets"
# ({country}, 3 rows, is not stored: {country, city} has 6, at most kiln.build.cuboid-skip-ratio
# (2) times as many)
like "$ex" '\(country\): cuboid country, city \(6 rows\) Filter: country in \[FR\]' "... seeking FR in each"
like "$ex" '\(country, city\): cuboid country, city \(6 rows\) Filter: country in \[FR\]' "... both sets"
ex=$(kpsql -A -t -c "EXPLAIN $q4" 2>&1)
like "$ex" 'Grouping Sets: 3 of 5' "EXPLAIN: region IS NULL AND city IS NULL: 3 of the 5 distinct sets"
like "$ex" '\(region\) x2: cuboid region \([0-9]+ rows\) Filter: region in \[NULL\]' \
    "... region has NULLs: the sets with it stay, filtered to them, a set listed twice read twice"

# ---- Kylin's SSB cube (contrib/ssb/cube.sql): 200 grouping sets (198 distinct: () and
# (d_year) are in both aggregation groups), some cuboids left out by the build ----
# Its GROUPING SETS element of several ROLLUPs is kiln's (a product); PostgreSQL's matview
# of the same rows is the UNION ALL of the two products.
mkdir -p "$data/ssb"
if [ "$have_ref" = 1 ] && ssb_generate 0.01 "$data/ssb" && ssb_sql kiln.sql "$data/ssb" | kpsql >"$data/ssb.out" 2>&1 &&
    kpsql -f "$KILN_TOP/contrib/ssb/cube.sql" >>"$data/ssb.out" 2>&1 && ssb_ref_load ssb "$data/ssb" 2>>"$data/ssb.out" &&
    ssb_ref_psql ssb >>"$data/ssb.out" 2>&1 <<'SQL'
CREATE MATERIALIZED VIEW ssb_cube AS
SELECT c_region, c_nation, c_city, s_region, s_nation, s_city, p_mfgr, p_category, p_brand1,
       d_year, d_yearmonth, NULL::integer AS d_yearmonthnum, NULL::integer AS d_weeknuminyear,
       NULL::integer AS lo_quantity, NULL::integer AS lo_discount,
       count(*) AS cnt, sum(lo_revenue) AS revenue, sum(lo_supplycost) AS supplycost,
       sum(lo_extendedprice * lo_discount) AS v_revenue
FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey
     JOIN supplier ON lo_suppkey = s_suppkey JOIN part ON lo_partkey = p_partkey
GROUP BY ROLLUP (c_region, c_nation, c_city), ROLLUP (s_region, s_nation, s_city),
         ROLLUP (p_mfgr, p_category, p_brand1), ROLLUP (d_year, d_yearmonth)
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d_year, NULL, d_yearmonthnum, d_weeknuminyear,
       lo_quantity, lo_discount, count(*), sum(lo_revenue), sum(lo_supplycost), sum(lo_extendedprice * lo_discount)
FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey
     JOIN supplier ON lo_suppkey = s_suppkey JOIN part ON lo_partkey = p_partkey
GROUP BY ROLLUP (d_year, d_yearmonthnum, d_weeknuminyear), CUBE ((lo_quantity, lo_discount));
SQL
then
    ok "SSB SF 0.01: ssb_cube in kiln (contrib/ssb/cube.sql) and its rows in PostgreSQL"
    ssame() { # ssame NAME SQL: as same, in database ssb of the reference
        kpsql -A -t -F '|' -c "$2" 2>&1 | LC_ALL=C sort >"$data/$1.kiln"
        ssb_ref_psql ssb -A -t -F '|' -c "$2" 2>&1 | LC_ALL=C sort >"$data/$1.ref"
        if cmp -s "$data/$1.kiln" "$data/$1.ref"; then
            ok "$1: $(wc -l <"$data/$1.ref") rows equal PostgreSQL's"
        else
            not_ok "$1: rows equal PostgreSQL's"
            diag <<<"$2"
            diff "$data/$1.ref" "$data/$1.kiln" | head -20 | diag
        fi
    }
    # every grouping set: its rows and their sums (the rows themselves are too many to list)
    ssame ssb.sets "SELECT c_region IS NULL, c_nation IS NULL, c_city IS NULL, s_region IS NULL, s_nation IS NULL,
                    s_city IS NULL, p_mfgr IS NULL, p_category IS NULL, p_brand1 IS NULL, d_year IS NULL,
                    d_yearmonth IS NULL, d_yearmonthnum IS NULL, d_weeknuminyear IS NULL, lo_quantity IS NULL,
                    lo_discount IS NULL, count(*), sum(cnt), sum(revenue), sum(supplycost), sum(v_revenue)
                    FROM ssb_cube GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15"
    ssame ssb.region_year "SELECT c_region, d_year, cnt, revenue FROM ssb_cube WHERE c_nation IS NULL
                           AND c_region IS NOT NULL AND s_region IS NULL AND p_mfgr IS NULL AND d_yearmonth IS NULL
                           AND d_year IS NOT NULL AND lo_quantity IS NULL"
    ssame ssb.nations "SELECT c_region, c_nation, s_nation, revenue FROM ssb_cube WHERE c_region = 'ASIA'
                       AND s_region = 'ASIA' AND s_city IS NULL AND c_city IS NULL AND p_mfgr IS NULL AND d_year = 1994"
    ssame ssb.left_out "SELECT c_region, c_nation, c_city, d_year, d_yearmonth, revenue FROM ssb_cube
                        WHERE c_city = 'UNITED KI1' AND s_region IS NULL AND p_mfgr IS NULL AND d_yearmonth = 'Dec1997'"
    ssame ssb.joint "SELECT d_year, lo_quantity, lo_discount, cnt, revenue FROM ssb_cube
                     WHERE d_yearmonthnum IS NULL AND lo_discount BETWEEN 2 AND 4 AND lo_quantity < 10 AND d_year = 1995"
    ssame ssb.agg "SELECT c_region, sum(revenue), count(*) FROM ssb_cube WHERE c_nation IS NULL AND s_region IS NULL
                   AND p_mfgr IS NULL AND d_year IS NULL AND lo_quantity IS NULL GROUP BY 1"
    like "$(kpsql -A -t -c "EXPLAIN SELECT * FROM ssb_cube" 2>&1)" \
        'Grouping Sets: 198 of 198 \([1-9][0-9]* rolled up from a stored superset\)' \
        "EXPLAIN: the sets whose cuboid the build left out are rolled up (ssb.sets compared their rows)"
    ex=$(kpsql -A -t -c "EXPLAIN SELECT c_region, revenue FROM ssb_cube WHERE c_nation IS NULL AND c_region IS NOT NULL
                         AND s_region IS NULL AND p_mfgr IS NULL AND d_year = 1995 AND d_yearmonth IS NULL" 2>&1)
    like "$ex" 'Grouping Sets: 1 of 198' "EXPLAIN: a WHERE pinning one grouping set of ssb_cube reads 1 of its 198 distinct"
    like "$ex" 'cuboid c_region, d_year \([0-9]+ rows\) Filter: d_year in \[1995\]' "... from its cuboid, seeking the year"
else
    not_ok "SSB SF 0.01: ssb_cube in kiln (contrib/ssb/cube.sql) and its rows in PostgreSQL"
    tail -20 "$data/ssb.out" | diag
fi

# TimeZone: PostgreSQL's REFRESH reads timestamptz text without an offset in the refreshing
# session's TimeZone; kiln's build runs as a job on another thread (or node) and must read it
# in that session's zone too (America/New_York here, including a time in the spring gap and
# one in the fall overlap), whatever zone later reads the view.
cat >"$data/events.csv" <<'CSV'
1,2023-03-12 01:30:00,5
2,2023-03-12 02:30:00,7
3,2023-11-05 01:30:00,11
4,2023-07-04 12:00:00,13
5,2023-07-04 12:00:00,17
6,2023-12-31 23:30:00,19
7,2023-07-04 12:00:00+02,23
8,,29
CSV
tz_ddl="CREATE FOREIGN TABLE events (id integer NOT NULL, ts timestamptz, v integer NOT NULL)
        SERVER view_files OPTIONS (filename '$data/events.csv', format 'csv')"
tz_view="CREATE MATERIALIZED VIEW v_tz AS SELECT ts, count(*) AS cnt, sum(v) AS v FROM events GROUP BY ts"
tz_create() { PGOPTIONS='-c TimeZone=America/New_York' kpsql -c "$tz_ddl" -c "$tz_view"; }
check "kiln: a view over timestamptz text, created in America/New_York" tz_create
if [ "$have_ref" = 1 ]; then
    PGOPTIONS='-c TimeZone=America/New_York' ssb_ref_psql "$KILN_TEST_DB" -c "$tz_ddl" -c "$tz_view" >/dev/null 2>&1
fi
PGOPTIONS='-c TimeZone=UTC' same tz.view_in_utc "SELECT * FROM v_tz"
PGOPTIONS='-c TimeZone=Asia/Tokyo' same tz.view_in_tokyo "SELECT ts, v FROM v_tz WHERE ts > '2023-07-01'"
PGOPTIONS='-c TimeZone=America/New_York' same tz.source_in_new_york "SELECT ts, sum(v), count(*) FROM events GROUP BY ts"
like "$(PGOPTIONS='-c TimeZone=America/New_York' kq "EXPLAIN SELECT ts, sum(v) FROM events GROUP BY ts")" \
    'Cube Scan on v_tz' "... answered from the cube"

# a refresh is seen by the next query; DROP removes the relation
check "REFRESH MATERIALIZED VIEW v_mix" kpsql -c "REFRESH MATERIALIZED VIEW v_mix"
same mix.after_refresh "SELECT * FROM v_mix"
check "DROP MATERIALIZED VIEW v_plain" kpsql -c "DROP MATERIALIZED VIEW v_plain"
like "$(kq 'SELECT * FROM v_plain')" 'relation "v_plain" does not exist' "after DROP the view is gone"

done_testing
