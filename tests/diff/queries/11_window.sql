-- Window functions: ranking, aggregates over partitions, frames, lag/lead, named windows.
-- Every window ORDER BY that feeds a position-dependent function is total.

-- q310: row_number over a unique order
SELECT s_suppkey, s_region, row_number() OVER (PARTITION BY s_region ORDER BY s_suppkey) AS rn FROM supplier ORDER BY 1;

-- q311: rank and dense_rank with ties
SELECT c_custkey, c_nation, rank() OVER (ORDER BY c_nation) AS r, dense_rank() OVER (ORDER BY c_nation) AS dr
FROM customer WHERE c_custkey <= 30 ORDER BY 1;

-- q312: sum over a partition
SELECT s_suppkey, s_nation, count(*) OVER (PARTITION BY s_region) AS in_region, count(*) OVER () AS total FROM supplier ORDER BY 1;

-- q313: running sum with the default RANGE frame and ties
SELECT lo_orderkey, lo_linenumber, lo_quantity, sum(lo_quantity) OVER (ORDER BY lo_orderkey) AS running
FROM lineorder WHERE lo_orderkey < 70 ORDER BY 1, 2;

-- q314: running sum with a ROWS frame
SELECT lo_orderkey, lo_linenumber, sum(lo_quantity) OVER (ORDER BY lo_orderkey, lo_linenumber ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
FROM lineorder WHERE lo_orderkey < 70 ORDER BY 1, 2;

-- q315: moving average over 3 rows
SELECT d_datekey, sum(lo_revenue) AS r,
       avg(sum(lo_revenue)) OVER (ORDER BY d_datekey ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS moving
FROM lineorder JOIN dates ON lo_orderdate = d_datekey WHERE d_datekey < 19920201 GROUP BY d_datekey ORDER BY 1;

-- q316: lag and lead
SELECT d_year, sum(lo_revenue) AS r, lag(sum(lo_revenue)) OVER (ORDER BY d_year) AS prev,
       lead(sum(lo_revenue), 1, 0) OVER (ORDER BY d_year) AS next
FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year ORDER BY 1;

-- q317: first_value and last_value with a full frame
SELECT s_suppkey, s_region,
       first_value(s_name) OVER w AS first_name,
       last_value(s_name) OVER (PARTITION BY s_region ORDER BY s_suppkey ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_name
FROM supplier WINDOW w AS (PARTITION BY s_region ORDER BY s_suppkey) ORDER BY 1;

-- q318: last_value with the default frame
SELECT s_suppkey, last_value(s_suppkey) OVER (ORDER BY s_suppkey) AS lv FROM supplier ORDER BY 1;

-- q319: nth_value
SELECT s_suppkey, nth_value(s_suppkey, 2) OVER (PARTITION BY s_region ORDER BY s_suppkey) AS second FROM supplier ORDER BY 1;

-- q320: ntile
SELECT s_suppkey, ntile(4) OVER (ORDER BY s_suppkey) AS quartile FROM supplier ORDER BY 1;

-- q321: percent_rank and cume_dist
SELECT c_custkey, percent_rank() OVER (ORDER BY c_mktsegment) AS pr, cume_dist() OVER (ORDER BY c_mktsegment) AS cd
FROM customer WHERE c_custkey <= 20 ORDER BY 1;

-- q322: rank over an aggregate
SELECT c_nation, sum(lo_revenue) AS r, rank() OVER (ORDER BY sum(lo_revenue) DESC) AS pos
FROM lineorder JOIN customer ON lo_custkey = c_custkey GROUP BY c_nation ORDER BY pos, c_nation;

-- q323: share of the partition total
SELECT c_region, c_nation, count(*) AS n, round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY c_region), 2) AS pct
FROM customer GROUP BY c_region, c_nation ORDER BY 1, 2;

-- q324: min and max over partitions
SELECT p_partkey, p_mfgr, p_size, min(p_size) OVER (PARTITION BY p_mfgr) AS mn, max(p_size) OVER (PARTITION BY p_mfgr) AS mx
FROM part WHERE p_partkey <= 15 ORDER BY 1;

-- q325: window over a filtered join
SELECT lo_orderkey, lo_linenumber, lo_revenue, sum(lo_revenue) OVER (PARTITION BY lo_orderkey) AS order_total,
       lo_revenue * 100 / sum(lo_revenue) OVER (PARTITION BY lo_orderkey) AS pct
FROM lineorder WHERE lo_orderkey < 40 ORDER BY 1, 2;

-- q326: top 2 per group with row_number
SELECT * FROM (
  SELECT c_region, c_custkey, c_name, row_number() OVER (PARTITION BY c_region ORDER BY c_custkey DESC) AS rn FROM customer) AS t
WHERE rn <= 2 ORDER BY c_region, rn;

-- q327: RANGE frame with an offset
SELECT d_datekey, d_daynuminyear, count(*) OVER (ORDER BY d_daynuminyear RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS n
FROM dates WHERE d_year = 1995 AND d_monthnuminyear = 1 ORDER BY 1;

-- q328: GROUPS frame
SELECT lo_orderkey, lo_linenumber, count(*) OVER (ORDER BY lo_orderkey GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) AS n
FROM lineorder WHERE lo_orderkey < 40 ORDER BY 1, 2;

-- q329: window with FILTER
SELECT s_suppkey, count(*) FILTER (WHERE s_region = 'ASIA') OVER (ORDER BY s_suppkey) AS asia_so_far FROM supplier ORDER BY 1;

-- q330: several windows in one query
SELECT s_suppkey, row_number() OVER (ORDER BY s_suppkey DESC) AS a, rank() OVER (ORDER BY s_region) AS b,
       sum(s_suppkey) OVER (PARTITION BY s_region) AS c
FROM supplier ORDER BY 1;

-- q331: window over the whole date table
SELECT d_year, count(*) AS days, sum(count(*)) OVER (ORDER BY d_year) AS cumulative FROM dates GROUP BY d_year ORDER BY 1;

-- q332: lag with a default and an offset
SELECT s_suppkey, lag(s_nation, 2, '-') OVER (ORDER BY s_suppkey) AS two_back FROM supplier ORDER BY 1;

-- q333: window ordered by NULLs
SELECT v, row_number() OVER (ORDER BY v NULLS FIRST) AS rn, rank() OVER (ORDER BY v DESC) AS r
FROM (VALUES (1), (NULL), (3), (2)) AS t(v) ORDER BY rn;

-- q334: window over an empty input
SELECT s_suppkey, count(*) OVER () FROM supplier WHERE s_suppkey < 0 ORDER BY 1;

-- q335: avg over partitions of a float column
SELECT lo_shipmode, lo_orderkey, lo_linenumber, avg(lo_revenue::float8) OVER (PARTITION BY lo_shipmode) AS a
FROM lineorder WHERE lo_orderkey < 36 ORDER BY 2, 3;
