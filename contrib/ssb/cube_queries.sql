-- contrib/ssb/cube_queries.sql - an SSB cube with one aggregation group per query shape (the
-- "queries" design of tests/bench/cube_bench, perf.md section 3.6): each group is the query's
-- group-by and filter columns plus their hierarchy parents, all mandatory, so it is exactly one
-- cuboid; with the base cuboid, 11 cuboids instead of Kylin's 199 (contrib/ssb/cube.sql).
-- The same 13 queries are answered from it, from cuboids as small as Kylin's design picks, at
-- a fraction of the build's time and memory: tests/bench/ssb_bench.sh --cube uses it where
-- Kylin's design does not fit the machine (SF 10 on 24 GiB).
--
--   psql -h 127.0.0.1 -p 5433 kiln -f contrib/ssb/cube_queries.sql
--
-- Rowkey: filtered, low-cardinality dimensions first, so the queries' filters become seeks.

CREATE MATERIALIZED VIEW ssb_cube_queries
WITH (rowkey = 'c_region, s_region, p_mfgr, d_year, c_nation, s_nation, p_category, d_yearmonthnum, d_yearmonth, d_weeknuminyear, lo_discount, lo_quantity, c_city, s_city, p_brand1')
AS
SELECT c_region, c_nation, c_city,
       s_region, s_nation, s_city,
       p_mfgr, p_category, p_brand1,
       d_year, d_yearmonth, d_yearmonthnum, d_weeknuminyear,
       lo_quantity, lo_discount,
       count(*) AS cnt,
       sum(lo_revenue) AS revenue,
       sum(lo_supplycost) AS supplycost,
       sum(lo_extendedprice * lo_discount) AS v_revenue
FROM lineorder
JOIN dates ON lo_orderdate = d_datekey
JOIN customer ON lo_custkey = c_custkey
JOIN supplier ON lo_suppkey = s_suppkey
JOIN part ON lo_partkey = p_partkey
GROUP BY GROUPING SETS (
    (d_year, lo_discount, lo_quantity),                                              -- Q1.1
    (d_year, d_yearmonthnum, lo_discount, lo_quantity),                              -- Q1.2
    (d_year, d_yearmonthnum, d_weeknuminyear, lo_discount, lo_quantity),             -- Q1.3
    (s_region, p_mfgr, p_category, p_brand1, d_year),                                -- Q2.x
    (c_region, s_region, c_nation, s_nation, d_year),                                -- Q3.1
    (c_region, s_region, c_nation, s_nation, c_city, s_city, d_year),                -- Q3.2, Q3.3
    (c_region, s_region, c_nation, s_nation, c_city, s_city, d_year, d_yearmonth),   -- Q3.4
    (c_region, s_region, p_mfgr, d_year, c_nation),                                  -- Q4.1
    (c_region, s_region, p_mfgr, d_year, s_nation, p_category),                      -- Q4.2
    (c_region, s_region, p_mfgr, d_year, s_nation, p_category, s_city, p_brand1)     -- Q4.3
);
