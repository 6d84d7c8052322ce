-- GROUPING SETS, ROLLUP, CUBE and grouping(): how cubes are declared (DESIGN.md), so the
-- engine must answer them like PostgreSQL. Rollup NULLs sort first with NULLS FIRST and
-- grouping() keeps the order total.

-- q382: ROLLUP of two columns
SELECT c_region, c_nation, count(*) FROM customer GROUP BY ROLLUP (c_region, c_nation)
ORDER BY c_region NULLS FIRST, c_nation NULLS FIRST;

-- q383: CUBE of two columns
SELECT c_region, c_mktsegment, count(*) FROM customer GROUP BY CUBE (c_region, c_mktsegment)
ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

-- q384: GROUPING SETS with the empty set
SELECT s_region, s_nation, count(*) FROM supplier GROUP BY GROUPING SETS ((s_region), (s_nation), ())
ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

-- q385: grouping() distinguishes subtotal rows
SELECT grouping(d_year) AS gy, grouping(lo_shipmode) AS gm, d_year, lo_shipmode, sum(lo_quantity)
FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY ROLLUP (d_year, lo_shipmode)
ORDER BY d_year NULLS FIRST, lo_shipmode NULLS FIRST;

-- q386: grouping() of several columns as a bit mask
SELECT grouping(c_region, c_mktsegment) AS g, c_region, c_mktsegment, count(*) FROM customer
GROUP BY CUBE (c_region, c_mktsegment) ORDER BY g, 2, 3;

-- q387: mandatory column beside a CUBE
SELECT d_year, c_region, s_region, sum(lo_revenue) FROM lineorder
JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey JOIN supplier ON lo_suppkey = s_suppkey
WHERE d_year IN (1993, 1994) GROUP BY d_year, CUBE (c_region, s_region) ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST;

-- q388: joint group inside a CUBE
SELECT c_region, p_mfgr, p_category, count(*) FROM lineorder JOIN customer ON lo_custkey = c_custkey JOIN part ON lo_partkey = p_partkey
WHERE p_mfgr = 'MFGR#1' GROUP BY CUBE (c_region, (p_mfgr, p_category)) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST;

-- q389: hierarchy as ROLLUP over three levels
SELECT d_year, d_monthnuminyear, d_daynuminmonth, count(*) FROM dates WHERE d_year = 1992 AND d_monthnuminyear <= 2 AND d_daynuminmonth <= 3
GROUP BY ROLLUP (d_year, d_monthnuminyear, d_daynuminmonth) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST;

-- q390: several aggregation groups as GROUPING SETS of CUBE and ROLLUP
SELECT c_region, s_region, d_year, count(*) FROM lineorder
JOIN customer ON lo_custkey = c_custkey JOIN supplier ON lo_suppkey = s_suppkey JOIN dates ON lo_orderdate = d_datekey
GROUP BY GROUPING SETS (CUBE (c_region, s_region), ROLLUP (d_year)) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST;

-- q391: duplicate grouping sets are kept
SELECT s_region, count(*) FROM supplier GROUP BY GROUPING SETS ((s_region), (s_region), ()) ORDER BY 1 NULLS FIRST, 2;

-- q392: GROUP BY DISTINCT removes duplicate sets
SELECT s_region, count(*) FROM supplier GROUP BY DISTINCT GROUPING SETS ((s_region), (s_region), ()) ORDER BY 1 NULLS FIRST;

-- q393: ROLLUP with HAVING
SELECT c_region, c_nation, count(*) FROM customer GROUP BY ROLLUP (c_region, c_nation) HAVING count(*) > 50
ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

-- q394: CUBE with sum, min, max and avg
SELECT lo_discount, lo_tax, sum(lo_quantity), min(lo_quantity), max(lo_quantity), avg(lo_quantity)
FROM lineorder WHERE lo_discount <= 1 AND lo_tax <= 1 GROUP BY CUBE (lo_discount, lo_tax) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

-- q395: count DISTINCT per grouping set
SELECT d_year, c_region, count(DISTINCT lo_custkey) FROM lineorder JOIN dates ON lo_orderdate = d_datekey JOIN customer ON lo_custkey = c_custkey
GROUP BY GROUPING SETS ((d_year), (c_region), ()) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

-- q396: ROLLUP on expressions
SELECT lo_orderdate / 10000 AS y, lo_orderdate / 100 % 100 AS m, count(*) FROM lineorder WHERE lo_orderdate < 19920400
GROUP BY ROLLUP (lo_orderdate / 10000, lo_orderdate / 100 % 100) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;

-- q397: subtotals with a genuine NULL dimension value
SELECT NULLIF(c_region, 'AFRICA') AS r, grouping(NULLIF(c_region, 'AFRICA')) AS g, count(*) FROM customer
GROUP BY ROLLUP (NULLIF(c_region, 'AFRICA')) ORDER BY g, 1 NULLS FIRST;

-- q398: CUBE of three columns counts 8 grouping sets
SELECT count(*) FROM (SELECT 1 FROM supplier GROUP BY CUBE (s_region, s_nation, s_city)) AS t;

-- q399: ordering of the grand total row
SELECT p_mfgr, sum(p_size) FROM part GROUP BY ROLLUP (p_mfgr) ORDER BY p_mfgr NULLS LAST;

-- q400: rollup rows feeding a window
SELECT c_region, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS r FROM customer
GROUP BY ROLLUP (c_region) ORDER BY c_region NULLS FIRST;
