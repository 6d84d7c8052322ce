-- Aggregates: count, count(DISTINCT), sum, avg, min, max, statistics, FILTER, HAVING,
-- aggregates over empty input.

-- q035: count(*) of the fact table
SELECT count(*) FROM lineorder;

-- q036: distinct counts of the foreign keys
SELECT count(*), count(DISTINCT lo_custkey) AS custs, count(DISTINCT lo_partkey) AS parts,
       count(DISTINCT lo_suppkey) AS supps, count(DISTINCT lo_orderkey) AS orders
FROM lineorder;

-- q037: sum avg min max of an integer column
SELECT sum(lo_revenue), avg(lo_revenue), min(lo_revenue), max(lo_revenue) FROM lineorder;

-- q038: group by ship mode
SELECT lo_shipmode, count(*), sum(lo_quantity), avg(lo_discount), min(lo_tax), max(lo_tax)
FROM lineorder GROUP BY lo_shipmode ORDER BY lo_shipmode;

-- q039: group by two columns
SELECT c_region, c_mktsegment, count(*) FROM customer GROUP BY c_region, c_mktsegment ORDER BY 1, 2;

-- q040: HAVING on count
SELECT c_nation, count(*) AS n FROM customer GROUP BY c_nation HAVING count(*) > 12 ORDER BY c_nation;

-- q041: HAVING on an aggregate not in the select list
SELECT lo_suppkey FROM lineorder GROUP BY lo_suppkey HAVING sum(lo_revenue) > 10000000000 / 60 ORDER BY 1;

-- q042: HAVING without GROUP BY
SELECT count(*) FROM supplier HAVING count(*) > 5;

-- q043: HAVING without GROUP BY, false
SELECT count(*) FROM supplier HAVING count(*) > 5000;

-- q044: aggregate of an expression
SELECT sum(lo_extendedprice * lo_discount) AS revenue, sum(lo_revenue - lo_supplycost) AS profit,
       sum(lo_extendedprice * (100 - lo_discount) / 100) AS rev2
FROM lineorder;

-- q045: count DISTINCT of an expression
SELECT count(DISTINCT lo_orderdate / 100) AS months, count(DISTINCT lo_orderdate / 10000) AS years FROM lineorder;

-- q046: sum DISTINCT and avg DISTINCT
SELECT sum(DISTINCT lo_quantity), avg(DISTINCT lo_discount), count(DISTINCT lo_tax) FROM lineorder;

-- q047: min and max of text
SELECT min(c_name), max(c_name), min(c_address), max(c_city) FROM customer;

-- q048: min and max per group of text
SELECT p_mfgr, min(p_brand1), max(p_brand1), min(p_color), max(p_type) FROM part GROUP BY p_mfgr ORDER BY 1;

-- q049: bool_and and bool_or
SELECT c_region, bool_and(c_custkey > 0) AS all_pos, bool_or(c_nation = 'CHINA') AS has_china, every(c_custkey < 250) AS all_small
FROM customer GROUP BY c_region ORDER BY 1;

-- q050: string_agg with ORDER BY inside
SELECT s_region, string_agg(s_name, ',' ORDER BY s_suppkey) FROM supplier GROUP BY s_region ORDER BY 1;

-- q051: array_agg with ORDER BY inside
SELECT s_nation, array_agg(s_suppkey ORDER BY s_suppkey) FROM supplier GROUP BY s_nation ORDER BY 1;

-- q052: FILTER clause
SELECT count(*) FILTER (WHERE lo_discount = 0) AS no_disc, sum(lo_revenue) FILTER (WHERE lo_shipmode = 'AIR') AS air,
       avg(lo_quantity) FILTER (WHERE lo_tax > 4) AS q
FROM lineorder;

-- q053: aggregates over empty input
SELECT count(*), count(lo_revenue), sum(lo_revenue), avg(lo_revenue), min(lo_revenue), max(lo_revenue)
FROM lineorder WHERE lo_quantity > 1000;

-- q054: GROUP BY over empty input has no rows
SELECT lo_shipmode, count(*) FROM lineorder WHERE lo_quantity > 1000 GROUP BY lo_shipmode ORDER BY 1;

-- q055: group by an expression
SELECT lo_orderdate / 10000 AS yr, count(*), sum(lo_revenue) FROM lineorder GROUP BY lo_orderdate / 10000 ORDER BY 1;

-- q056: group by ordinal
SELECT lo_discount, count(*) FROM lineorder GROUP BY 1 ORDER BY 1;

-- q057: group by output alias
SELECT lo_quantity / 10 AS bucket, count(*) AS n FROM lineorder GROUP BY bucket ORDER BY bucket;

-- q058: sample statistics on integers (numeric results)
SELECT stddev_samp(lo_quantity), var_pop(lo_discount), variance(lo_tax), stddev(lo_quantity) FROM lineorder;

-- q059: statistics per group on floats
SELECT lo_shipmode, stddev_pop(lo_revenue::float8) AS sd, var_samp(lo_quantity::float8) AS v
FROM lineorder GROUP BY lo_shipmode ORDER BY 1;

-- q060: sum and avg of float8
SELECT sum(lo_revenue::float8) AS s, avg(lo_discount::float8) AS a, sum(lo_quantity::float4) AS f4 FROM lineorder;

-- q061: sum of bigint gives numeric
SELECT sum(lo_orderkey), sum(lo_orderkey * lo_extendedprice) FROM lineorder;

-- q062: avg of bigint and of numeric
SELECT avg(lo_orderkey), avg(lo_extendedprice::numeric(12,2) / 100) FROM lineorder;

-- q063: sum of numeric with scale
SELECT sum(lo_extendedprice::numeric / 100), sum(lo_discount::numeric(4,2) / 100) FROM lineorder;

-- q064: count of a column with NULLs only
SELECT count(lo_pad), count(*), max(lo_pad) FROM lineorder;

-- q065: count DISTINCT on two tables joined
SELECT d_year, count(DISTINCT lo_custkey) AS custs, count(DISTINCT lo_orderkey) AS orders
FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year ORDER BY d_year;

-- q066: percentile_cont and percentile_disc
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lo_quantity) AS med,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY lo_revenue) AS p90
FROM lineorder;

-- q067: percentiles per group
SELECT lo_shipmode, percentile_disc(0.5) WITHIN GROUP (ORDER BY lo_extendedprice) AS med
FROM lineorder GROUP BY lo_shipmode ORDER BY 1;

-- q068: aggregate in an expression
SELECT lo_tax, sum(lo_revenue) * 100 / sum(lo_extendedprice) AS pct, max(lo_quantity) - min(lo_quantity) AS spread
FROM lineorder GROUP BY lo_tax ORDER BY lo_tax;

-- q069: count(*) versus count(1) versus count(column)
SELECT count(*), count(1), count(lo_orderkey), count(DISTINCT lo_linenumber) FROM lineorder;

-- q070: aggregate over a join with GROUP BY on the dimension
SELECT p_category, count(*), sum(lo_quantity) FROM lineorder JOIN part ON lo_partkey = p_partkey
GROUP BY p_category ORDER BY p_category;

-- q071: group by many columns
SELECT lo_shipmode, lo_orderpriority, lo_discount, count(*) FROM lineorder
WHERE lo_quantity < 3 GROUP BY lo_shipmode, lo_orderpriority, lo_discount ORDER BY 1, 2, 3;

-- q072: max of an aggregate via ORDER BY LIMIT
SELECT lo_custkey, sum(lo_revenue) AS r FROM lineorder GROUP BY lo_custkey ORDER BY r DESC, lo_custkey LIMIT 5;

-- q073: aggregates on a date dimension
SELECT d_year, min(d_datekey), max(d_datekey), count(*), sum(d_daynuminyear) FROM dates GROUP BY d_year ORDER BY 1;

-- q074: average with rounding
SELECT lo_shipmode, round(avg(lo_revenue), 2) AS r2, round(avg(lo_quantity)) AS r0, trunc(avg(lo_tax), 3) AS t3
FROM lineorder GROUP BY lo_shipmode ORDER BY 1;

-- q075: distinct count of pairs via subquery
SELECT count(*) FROM (SELECT DISTINCT lo_custkey, lo_suppkey FROM lineorder) AS t;

-- q076: GROUP BY a constant-valued expression
SELECT 'all' AS grp, count(*) FROM customer GROUP BY 1 ORDER BY 1;

-- q077: orders per line count histogram
SELECT n, count(*) FROM (SELECT lo_orderkey, count(*) AS n FROM lineorder GROUP BY lo_orderkey) AS o GROUP BY n ORDER BY n;
