-- contrib/ssb/cube.sql - Kylin's published SSB cube (Kyligence/ssb-kylin cube_desc/ssb.json,
-- docs: ../shared/reference/perf.md section 3.6) as a kiln materialized view over the tables
-- of contrib/ssb/kiln.sql.
--
--   psql -h 127.0.0.1 -p 5433 kiln -f contrib/ssb/cube.sql
--   psql -h 127.0.0.1 -p 5433 kiln -c 'REFRESH MATERIALIZED VIEW ssb_cube'
--
-- 15 dimensions, 4 measures, two aggregation groups:
--   1. four hierarchies: c_region > c_nation > c_city, s_region > s_nation > s_city,
--      p_mfgr > p_category > p_brand1, d_year > d_yearmonth: 4*4*4*3 = 192 combinations;
--   2. hierarchy d_year > d_yearmonthnum > d_weeknuminyear and the joint (lo_quantity,
--      lo_discount): 4*2 = 8 combinations.
-- An aggregation group with several hierarchies is a product of ROLLUPs. PostgreSQL's
-- grammar allows one CUBE or ROLLUP per element of GROUPING SETS, so kiln reads a
-- parenthesised list of them inside GROUPING SETS as their product: one group.
--
-- Measures: count(*), sum(lo_revenue), sum(lo_supplycost) and Kylin's V_REVENUE
-- (lo_extendedprice * lo_discount). Q4.x's sum(lo_revenue - lo_supplycost) is answered from
-- the two sums (the columns are NOT NULL, so the difference of sums is the sum of
-- differences).
--
-- Joins are INNER, as the SSB queries join. Q1.x join only dates: the cube answers them
-- because each build verifies that every lineorder row found its customer, supplier and
-- part (recorded per segment); if a build found a fact row without its lookup row, such
-- queries are refused rather than answered wrongly.
--
-- Row order: kiln's default (hierarchy top levels first, then the next levels, then the
-- joint), not Kylin's HBase rowkey (high cardinality first): kiln's cuboid scans seek on
-- leading filtered dimensions, and SSB filters on regions, years and categories.

CREATE MATERIALIZED VIEW ssb_cube AS
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
    (ROLLUP (c_region, c_nation, c_city),
     ROLLUP (s_region, s_nation, s_city),
     ROLLUP (p_mfgr, p_category, p_brand1),
     ROLLUP (d_year, d_yearmonth)),
    (ROLLUP (d_year, d_yearmonthnum, d_weeknuminyear),
     CUBE ((lo_quantity, lo_discount)))
);
