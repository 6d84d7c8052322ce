-- NULL handling: NULLIF, COALESCE, IS [NOT] NULL, three-valued logic, NULLs from outer
-- joins and empty groups, NULLs in IN / NOT IN, ordering, grouping and DISTINCT.

-- q111: NULLIF makes NULLs
SELECT lo_discount, count(*), count(NULLIF(lo_discount, 0)) AS nonzero FROM lineorder GROUP BY lo_discount ORDER BY 1;

-- q112: average ignoring zeros with NULLIF
SELECT avg(NULLIF(lo_discount, 0)), sum(NULLIF(lo_tax, 0)), min(NULLIF(lo_tax, 0)) FROM lineorder;

-- q113: division guarded by NULLIF
SELECT lo_tax, sum(lo_revenue) / NULLIF(sum(lo_discount), 0) AS ratio FROM lineorder GROUP BY lo_tax ORDER BY 1;

-- q114: COALESCE over outer join NULLs
SELECT c_custkey, coalesce(sum(lo_revenue), 0) AS revenue, coalesce(max(lo_shipmode), 'none') AS m
FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey WHERE c_custkey <= 9 GROUP BY c_custkey ORDER BY 1;

-- q115: IS NULL and IS NOT NULL
SELECT count(*) FILTER (WHERE lo_pad IS NULL) AS pad_null, count(*) FILTER (WHERE lo_pad IS NOT NULL) AS pad_set FROM lineorder;

-- q116: NULL compared with = is unknown
SELECT count(*) FROM lineorder WHERE lo_pad = NULL OR NULL = NULL;

-- q117: three-valued logic table
SELECT a, b, a AND b AS "and", a OR b AS "or", NOT a AS "not"
FROM (VALUES (true), (false), (NULL::boolean)) AS x(a), (VALUES (true), (false), (NULL::boolean)) AS y(b)
ORDER BY a NULLS LAST, b NULLS LAST;

-- q118: IN list containing NULL
SELECT count(*) FROM supplier WHERE s_suppkey IN (1, 2, NULL);

-- q119: NOT IN list containing NULL matches nothing
SELECT count(*) FROM supplier WHERE s_suppkey NOT IN (1, 2, NULL);

-- q120: NOT IN subquery containing NULL matches nothing
SELECT count(*) FROM customer WHERE c_custkey NOT IN (SELECT NULLIF(lo_custkey, 1) FROM lineorder);

-- q121: NULLs sort last ascending by default
SELECT v FROM (VALUES (3), (NULL), (1), (2), (NULL)) AS t(v) ORDER BY v;

-- q122: NULLs sort first descending by default
SELECT v FROM (VALUES (3), (NULL), (1), (2)) AS t(v) ORDER BY v DESC;

-- q123: NULLs form one group
SELECT NULLIF(c_region, 'ASIA') AS r, count(*) FROM customer GROUP BY 1 ORDER BY 1 NULLS FIRST;

-- q124: DISTINCT keeps one NULL
SELECT DISTINCT NULLIF(s_region, 'EUROPE') AS r FROM supplier ORDER BY 1;

-- q125: count DISTINCT ignores NULL
SELECT count(DISTINCT NULLIF(c_region, 'ASIA')), count(NULLIF(c_region, 'ASIA')), count(*) FROM customer;

-- q126: sum of only NULLs is NULL
SELECT sum(NULLIF(lo_shippriority, 0)), avg(NULLIF(lo_shippriority, 0)), max(lo_pad), count(lo_pad) FROM lineorder;

-- q127: empty groups from an outer join give NULL aggregates
SELECT d_year, sum(lo_revenue) AS r, count(lo_revenue) AS n, avg(lo_quantity) AS q
FROM dates LEFT JOIN lineorder ON lo_orderdate = d_datekey AND lo_quantity > 49
WHERE d_datekey BETWEEN 19981225 AND 19981230 GROUP BY d_year, d_datekey ORDER BY d_datekey;

-- q128: CASE without ELSE gives NULL
SELECT c_custkey, CASE WHEN c_region = 'ASIA' THEN 'asia' END AS r FROM customer WHERE c_custkey <= 10 ORDER BY 1;

-- q129: concatenation with NULL is NULL, concat() skips it
SELECT 'a' || NULL AS op, concat('a', NULL, 'b') AS fn, concat_ws('-', 'a', NULL, 'b') AS ws;

-- q130: greatest and least ignore NULLs
SELECT greatest(1, NULL, 3), least(NULL::int, 2), greatest(NULL::int, NULL);

-- q131: arithmetic with NULL
SELECT 1 + NULL AS a, NULL::int * 0 AS b, -NULL::int AS c, abs(NULL::int) AS d;

-- q132: IS TRUE, IS FALSE, IS UNKNOWN
SELECT v, v IS TRUE AS t, v IS NOT FALSE AS nf, v IS UNKNOWN AS u
FROM (VALUES (true), (false), (NULL)) AS x(v) ORDER BY v NULLS FIRST;

-- q133: NULL in CASE comparisons
SELECT v, CASE v WHEN 1 THEN 'one' WHEN NULL THEN 'null' ELSE 'other' END AS c
FROM (VALUES (1), (2), (NULL)) AS t(v) ORDER BY v NULLS LAST;

-- q134: outer join NULLs in GROUP BY keys
SELECT lo_shipmode, count(*) FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey AND lo_quantity = 50
GROUP BY lo_shipmode ORDER BY lo_shipmode NULLS FIRST;

-- q135: COALESCE chain
SELECT coalesce(NULL, NULL, 3, 4) AS a, coalesce(NULLIF(1, 1), 7) AS b, coalesce(NULL::text, 'x') AS c;

-- q136: NULLIF on text
SELECT c_custkey, NULLIF(c_mktsegment, 'BUILDING') FROM customer WHERE c_custkey <= 8 ORDER BY 1;

-- q137: scalar subquery without rows is NULL
SELECT (SELECT c_name FROM customer WHERE c_custkey = -1) AS nobody, (SELECT max(c_custkey) FROM customer WHERE false) AS m;

-- q138: NULL-safe equality on outer join output
SELECT count(*) FROM customer c LEFT JOIN lineorder l ON l.lo_custkey = c.c_custkey
WHERE l.lo_custkey IS NOT DISTINCT FROM NULL;

-- q139: window and aggregate over a NULL-only column
SELECT count(lo_pad) OVER () AS n, lo_orderkey FROM lineorder WHERE lo_orderkey = 1 AND lo_linenumber = 1;

-- q140: NULL literal types in UNION
SELECT NULL AS x UNION ALL SELECT 'a' ORDER BY 1;

-- q141: min and max skip NULLs from an outer join
SELECT min(lo_revenue), max(lo_revenue), count(*) FROM customer LEFT JOIN lineorder ON lo_custkey = c_custkey WHERE c_custkey IN (3, 6, 7);
