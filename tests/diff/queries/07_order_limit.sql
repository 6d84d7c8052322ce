-- ORDER BY (directions, NULLS FIRST/LAST, expressions, ordinals, aliases, C collation),
-- LIMIT / OFFSET / FETCH, DISTINCT ON.

-- q190: ORDER BY two keys, mixed directions
SELECT c_region, c_custkey FROM customer WHERE c_custkey <= 30 ORDER BY c_region DESC, c_custkey ASC;

-- q191: ORDER BY ASC NULLS FIRST
SELECT NULLIF(s_region, 'ASIA') AS r, s_suppkey FROM supplier ORDER BY r ASC NULLS FIRST, s_suppkey;

-- q192: ORDER BY DESC NULLS LAST
SELECT NULLIF(s_region, 'ASIA') AS r, s_suppkey FROM supplier ORDER BY r DESC NULLS LAST, s_suppkey;

-- q193: ORDER BY ASC NULLS LAST explicitly
SELECT NULLIF(s_nation, 'CHINA') AS n, s_suppkey FROM supplier ORDER BY 1 ASC NULLS LAST, 2 DESC;

-- q194: ORDER BY DESC NULLS FIRST explicitly
SELECT NULLIF(s_nation, 'CHINA') AS n, s_suppkey FROM supplier ORDER BY 1 DESC NULLS FIRST, 2 DESC;

-- q195: ORDER BY an expression not in the select list
SELECT c_custkey FROM customer WHERE c_custkey <= 20 ORDER BY c_custkey % 7, c_custkey DESC;

-- q196: ORDER BY an output alias
SELECT c_custkey, length(c_address) AS len FROM customer WHERE c_custkey <= 25 ORDER BY len DESC, c_custkey;

-- q197: ORDER BY ordinal
SELECT s_nation, count(*) FROM supplier GROUP BY s_nation ORDER BY 2 DESC, 1;

-- q198: ORDER BY text uses byte order (C collation)
SELECT DISTINCT p_brand1 FROM part WHERE p_category = 'MFGR#12' ORDER BY p_brand1;

-- q199: ORDER BY text with spaces and case
SELECT c_custkey, c_address FROM customer WHERE c_custkey <= 40 ORDER BY c_address, c_custkey;

-- q200: LIMIT
SELECT lo_orderkey, lo_linenumber FROM lineorder ORDER BY lo_orderkey, lo_linenumber LIMIT 10;

-- q201: LIMIT with OFFSET
SELECT lo_orderkey, lo_linenumber FROM lineorder ORDER BY lo_orderkey DESC, lo_linenumber DESC LIMIT 5 OFFSET 100;

-- q202: OFFSET without LIMIT
SELECT s_suppkey FROM supplier ORDER BY s_suppkey OFFSET 15;

-- q203: OFFSET past the end
SELECT s_suppkey FROM supplier ORDER BY s_suppkey OFFSET 1000;

-- q204: LIMIT 0
SELECT s_suppkey FROM supplier ORDER BY s_suppkey LIMIT 0;

-- q205: LIMIT ALL
SELECT s_suppkey FROM supplier ORDER BY s_suppkey DESC LIMIT ALL;

-- q206: LIMIT NULL means no limit
SELECT count(*) FROM (SELECT s_suppkey FROM supplier ORDER BY 1 LIMIT NULL) AS t;

-- q207: FETCH FIRST ROWS ONLY
SELECT c_custkey FROM customer ORDER BY c_custkey DESC FETCH FIRST 3 ROWS ONLY;

-- q208: OFFSET ROWS FETCH NEXT
SELECT c_custkey FROM customer ORDER BY c_custkey OFFSET 10 ROWS FETCH NEXT 4 ROWS ONLY;

-- q209: FETCH FIRST WITH TIES
SELECT * FROM (SELECT lo_orderkey, lo_linenumber, lo_quantity FROM lineorder ORDER BY lo_quantity DESC FETCH FIRST 3 ROWS WITH TIES) AS t
ORDER BY lo_orderkey, lo_linenumber;

-- q210: LIMIT on a grouped query
SELECT lo_partkey, sum(lo_quantity) AS q FROM lineorder GROUP BY lo_partkey ORDER BY q DESC, lo_partkey LIMIT 7;

-- q211: LIMIT by a computed expression
SELECT s_suppkey FROM supplier ORDER BY s_suppkey LIMIT 2 + 1 OFFSET 1 * 2;

-- q212: DISTINCT ON
SELECT DISTINCT ON (c_nation) c_nation, c_custkey, c_name FROM customer ORDER BY c_nation, c_custkey DESC;

-- q213: DISTINCT ON with an expression
SELECT DISTINCT ON (lo_orderdate / 10000) lo_orderdate / 10000 AS yr, lo_orderkey, lo_linenumber, lo_revenue
FROM lineorder ORDER BY lo_orderdate / 10000, lo_revenue DESC, lo_orderkey, lo_linenumber;

-- q214: ORDER BY a CASE expression
SELECT s_suppkey, s_region FROM supplier
ORDER BY CASE s_region WHEN 'EUROPE' THEN 0 WHEN 'ASIA' THEN 1 ELSE 2 END, s_suppkey;

-- q215: ORDER BY an aggregate not selected
SELECT c_mktsegment FROM customer GROUP BY c_mktsegment ORDER BY count(*) DESC, c_mktsegment;

-- q216: ORDER BY a qualified column
SELECT c.c_custkey, s.s_suppkey FROM customer c, supplier s WHERE c.c_custkey <= 2 AND s.s_suppkey <= 2
ORDER BY s.s_suppkey DESC, c.c_custkey;

-- q217: ORDER BY a float expression
SELECT p_partkey, p_size::float8 / 7 AS f FROM part WHERE p_partkey <= 12 ORDER BY f, p_partkey;

-- q218: ORDER BY a numeric expression with ties broken
SELECT lo_orderkey, lo_linenumber, round(lo_revenue / 1000.0, 1) AS k FROM lineorder WHERE lo_orderkey < 200
ORDER BY k DESC, lo_orderkey, lo_linenumber LIMIT 15;

-- q219: ORDER BY boolean
SELECT c_custkey, c_region = 'ASIA' AS asia FROM customer WHERE c_custkey <= 10 ORDER BY asia, c_custkey;

-- q220: top line by revenue
SELECT lo_orderkey, lo_linenumber, lo_revenue FROM lineorder ORDER BY lo_revenue DESC, lo_orderkey, lo_linenumber LIMIT 3;

-- q221: DISTINCT with ORDER BY and LIMIT
SELECT DISTINCT lo_orderdate FROM lineorder ORDER BY lo_orderdate DESC LIMIT 5;
