-- Subqueries: scalar (plain and correlated), IN / NOT IN, EXISTS / NOT EXISTS, ANY / ALL,
-- derived tables, nesting.

-- q142: scalar subquery in the select list
SELECT s_suppkey, (SELECT count(*) FROM customer) AS custs FROM supplier WHERE s_suppkey <= 3 ORDER BY 1;

-- q143: scalar subquery in WHERE
SELECT lo_orderkey, lo_linenumber, lo_revenue FROM lineorder WHERE lo_revenue = (SELECT max(lo_revenue) FROM lineorder) ORDER BY 1, 2;

-- q144: comparison with an average from a subquery
SELECT count(*) FROM lineorder WHERE lo_extendedprice > (SELECT avg(lo_extendedprice) FROM lineorder);

-- q145: correlated scalar subquery in the select list
SELECT c_custkey, (SELECT count(*) FROM lineorder WHERE lo_custkey = c_custkey) AS lines,
       (SELECT max(lo_orderdate) FROM lineorder WHERE lo_custkey = c_custkey) AS last_order
FROM customer WHERE c_custkey <= 12 ORDER BY 1;

-- q146: correlated scalar subquery in WHERE
SELECT s_suppkey, s_nation FROM supplier s
WHERE (SELECT sum(lo_quantity) FROM lineorder WHERE lo_suppkey = s.s_suppkey) > (SELECT sum(lo_quantity) / 20 FROM lineorder)
ORDER BY 1;

-- q147: IN subquery
SELECT c_custkey, c_name FROM customer WHERE c_custkey IN (SELECT lo_custkey FROM lineorder WHERE lo_revenue > 10000000) ORDER BY 1;

-- q148: NOT IN subquery
SELECT count(*) FROM customer WHERE c_custkey NOT IN (SELECT lo_custkey FROM lineorder);

-- q149: IN subquery on two columns
SELECT count(*) FROM lineorder WHERE (lo_custkey, lo_suppkey) IN (SELECT c_custkey, s_suppkey FROM customer, supplier WHERE c_city = s_city);

-- q150: EXISTS correlated
SELECT p_partkey FROM part WHERE EXISTS (SELECT 1 FROM lineorder WHERE lo_partkey = p_partkey AND lo_quantity = 50)
AND p_partkey < 100 ORDER BY 1;

-- q151: NOT EXISTS correlated
SELECT d_year, count(*) FROM dates WHERE NOT EXISTS (SELECT 1 FROM lineorder WHERE lo_orderdate = d_datekey)
GROUP BY d_year ORDER BY 1;

-- q152: EXISTS uncorrelated
SELECT count(*) FROM supplier WHERE EXISTS (SELECT 1 FROM customer WHERE c_region = 'ASIA');

-- q153: EXISTS uncorrelated and false
SELECT count(*) FROM supplier WHERE EXISTS (SELECT 1 FROM customer WHERE c_region = 'MARS');

-- q154: = ANY subquery
SELECT s_suppkey FROM supplier WHERE s_suppkey = ANY (SELECT lo_suppkey FROM lineorder WHERE lo_orderkey = 1) ORDER BY 1;

-- q155: > ALL subquery
SELECT lo_orderkey, lo_linenumber FROM lineorder
WHERE lo_revenue > ALL (SELECT lo_revenue FROM lineorder WHERE lo_shipmode = 'AIR') ORDER BY 1, 2;

-- q156: < ANY with an empty subquery is false
SELECT count(*) FROM supplier WHERE s_suppkey < ANY (SELECT c_custkey FROM customer WHERE false);

-- q157: > ALL with an empty subquery is true
SELECT count(*) FROM supplier WHERE s_suppkey > ALL (SELECT c_custkey FROM customer WHERE false);

-- q158: ANY over an array
SELECT c_custkey FROM customer WHERE c_custkey = ANY (ARRAY[1, 5, 7, 999]) ORDER BY 1;

-- q159: derived table with aggregate
SELECT t.c_nation, t.n FROM (SELECT c_nation, count(*) AS n FROM customer GROUP BY c_nation) AS t WHERE t.n >= 14 ORDER BY 1;

-- q160: derived table over a join, re-aggregated
SELECT yr, max(rev) AS best_month FROM (
  SELECT d_year AS yr, d_monthnuminyear AS mo, sum(lo_revenue) AS rev FROM lineorder JOIN dates ON lo_orderdate = d_datekey
  GROUP BY d_year, d_monthnuminyear) AS m GROUP BY yr ORDER BY yr;

-- q161: nested subqueries three deep
SELECT count(*) FROM lineorder WHERE lo_custkey IN (
  SELECT c_custkey FROM customer WHERE c_nation IN (
    SELECT s_nation FROM supplier WHERE s_suppkey IN (SELECT min(lo_suppkey) FROM lineorder)));

-- q162: correlated subquery referencing two outer columns
SELECT c_custkey, s_suppkey, (SELECT count(*) FROM lineorder WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey) AS n
FROM customer, supplier WHERE c_custkey IN (1, 2) AND s_suppkey <= 4 ORDER BY 1, 2;

-- q163: scalar subquery in an expression
SELECT c_region, count(*) * 100.0 / (SELECT count(*) FROM customer) AS pct FROM customer GROUP BY c_region ORDER BY 1;

-- q164: subquery in HAVING
SELECT lo_shipmode, count(*) FROM lineorder GROUP BY lo_shipmode
HAVING count(*) > (SELECT count(*) / 7 FROM lineorder) ORDER BY 1;

-- q165: correlated EXISTS with a join inside
SELECT c_custkey FROM customer c WHERE c_custkey < 40 AND EXISTS (
  SELECT 1 FROM lineorder JOIN supplier ON lo_suppkey = s_suppkey WHERE lo_custkey = c.c_custkey AND s_nation = c.c_nation)
ORDER BY 1;

-- q166: IN with a subquery returning NULLs and matches
SELECT v, v IN (SELECT NULLIF(g, 2) FROM generate_series(1, 3) g) AS is_in
FROM (VALUES (1), (2), (4)) AS t(v) ORDER BY v;

-- q167: subquery in the select list of a grouped query
SELECT d_year, count(*), (SELECT count(*) FROM dates d2 WHERE d2.d_year = dates.d_year AND d2.d_holidayfl = '1') AS holidays
FROM dates GROUP BY d_year ORDER BY 1;

-- q168: subquery with ORDER BY and LIMIT
SELECT c_name FROM customer WHERE c_custkey = (SELECT lo_custkey FROM lineorder ORDER BY lo_revenue DESC, lo_orderkey, lo_linenumber LIMIT 1);

-- q169: semi join removes duplicates
SELECT count(*) FROM supplier WHERE s_suppkey IN (SELECT lo_suppkey FROM lineorder);

-- q170: derived table with column aliases
SELECT a, b FROM (SELECT c_custkey, c_nation FROM customer WHERE c_custkey < 4) AS t(a, b) ORDER BY a;

-- q171: NOT EXISTS with an OR in the subquery
SELECT count(*) FROM part WHERE NOT EXISTS (SELECT 1 FROM lineorder WHERE lo_partkey = p_partkey AND (lo_discount = 10 OR lo_tax = 8));
