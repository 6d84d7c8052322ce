-- Common table expressions: plain, several, referenced twice, MATERIALIZED hints,
-- recursive.

-- q172: one CTE
WITH asia AS (SELECT c_custkey FROM customer WHERE c_region = 'ASIA')
SELECT count(*) FROM lineorder WHERE lo_custkey IN (SELECT c_custkey FROM asia);

-- q173: two CTEs joined
WITH rev AS (SELECT lo_custkey, sum(lo_revenue) AS r FROM lineorder GROUP BY lo_custkey),
     cust AS (SELECT c_custkey, c_nation FROM customer)
SELECT c_nation, sum(r) FROM rev JOIN cust ON lo_custkey = c_custkey GROUP BY c_nation ORDER BY 1;

-- q174: CTE referenced twice
WITH yr AS (SELECT d_year, sum(lo_revenue) AS r FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY d_year)
SELECT a.d_year, a.r, a.r - b.r AS growth FROM yr a LEFT JOIN yr b ON b.d_year = a.d_year - 1 ORDER BY 1;

-- q175: CTE using an earlier CTE
WITH l AS (SELECT lo_suppkey, lo_revenue FROM lineorder WHERE lo_discount = 0),
     s AS (SELECT lo_suppkey, sum(lo_revenue) AS r FROM l GROUP BY lo_suppkey)
SELECT lo_suppkey, r FROM s WHERE r > (SELECT avg(r) FROM s) ORDER BY 1;

-- q176: MATERIALIZED CTE
WITH m AS MATERIALIZED (SELECT p_mfgr, count(*) AS n FROM part GROUP BY p_mfgr)
SELECT * FROM m ORDER BY p_mfgr;

-- q177: NOT MATERIALIZED CTE
WITH m AS NOT MATERIALIZED (SELECT * FROM supplier WHERE s_region = 'AMERICA')
SELECT s_suppkey, s_name FROM m ORDER BY 1;

-- q178: CTE with column names
WITH t(k, n) AS (SELECT c_mktsegment, count(*) FROM customer GROUP BY c_mktsegment)
SELECT k, n FROM t ORDER BY k;

-- q179: recursive CTE counting
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
SELECT i, i * i AS sq FROM n ORDER BY i;

-- q180: recursive CTE walking dates forward
WITH RECURSIVE w(k, step) AS (
  SELECT 19920101, 0
  UNION ALL
  SELECT (SELECT min(d_datekey) FROM dates WHERE d_datekey > w.k), step + 1 FROM w WHERE step < 5)
SELECT k, step FROM w ORDER BY step;

-- q181: recursive CTE with UNION (deduplicating)
WITH RECURSIVE r(x) AS (SELECT 1 UNION SELECT (x * 3) % 17 FROM r)
SELECT x FROM r ORDER BY x;

-- q182: CTE feeding a window function
WITH m AS (SELECT d_yearmonthnum AS ym, sum(lo_revenue) AS r FROM lineorder JOIN dates ON lo_orderdate = d_datekey GROUP BY 1)
SELECT ym, r, sum(r) OVER (ORDER BY ym) AS running FROM m WHERE ym < 199207 ORDER BY ym;

-- q183: CTE with an outer join and NULLs
WITH c AS (SELECT c_custkey FROM customer WHERE c_custkey <= 6)
SELECT c.c_custkey, count(l.lo_orderkey) FROM c LEFT JOIN lineorder l ON l.lo_custkey = c.c_custkey GROUP BY 1 ORDER BY 1;

-- q184: CTE in a subquery
SELECT count(*) FROM (WITH t AS (SELECT DISTINCT lo_partkey FROM lineorder) SELECT * FROM t) AS x;

-- q185: CTE with UNION ALL inside
WITH both_sides AS (SELECT c_nation AS n, 'c' AS side FROM customer UNION ALL SELECT s_nation, 's' FROM supplier)
SELECT n, side, count(*) FROM both_sides GROUP BY n, side ORDER BY 1, 2;

-- q186: unused CTE
WITH unused AS (SELECT 1 / 1 AS x) SELECT count(*) FROM supplier;

-- q187: recursive CTE building a string
WITH RECURSIVE s(i, txt) AS (SELECT 1, 'a'::text UNION ALL SELECT i + 1, txt || chr(97 + i) FROM s WHERE i < 6)
SELECT i, txt FROM s ORDER BY i;

-- q188: CTE shadowing a table name
WITH supplier AS (SELECT 1 AS s_suppkey) SELECT count(*) FROM supplier;

-- q189: CTE top-N per group
WITH r AS (SELECT c_nation, c_custkey, sum(lo_revenue) AS rev FROM customer JOIN lineorder ON lo_custkey = c_custkey
           WHERE c_region = 'AFRICA' GROUP BY c_nation, c_custkey)
SELECT c_nation, c_custkey, rev FROM r a
WHERE (SELECT count(*) FROM r b WHERE b.c_nation = a.c_nation AND (b.rev > a.rev OR (b.rev = a.rev AND b.c_custkey < a.c_custkey))) < 2
ORDER BY 1, 3 DESC, 2;
